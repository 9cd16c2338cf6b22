"""seqfast lm build/eval/predict/generate and the demo's perplexity ladder."""
import subprocess
import sys

import pytest

from _lmdata import KENLM_PPL, TEST, TRAIN, arpa, sig5


def run(*args, err=False):
    """stdout of a seqfast command (stderr, where reports go, with err=True)."""
    r = subprocess.run([sys.executable, "-m", "seqfast", *args], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r.stderr if err else r.stdout


def _ppl(out):
    vals = dict(line.split(":\t") for line in out.splitlines() if ":\t" in line)
    return float(vals["Perplexity including OOVs"]), float(vals["Perplexity excluding OOVs"]), int(vals["OOVs"])


def test_build_eval_predict_generate(tmp_path):
    a, s = tmp_path / "m.arpa", tmp_path / "m.sfl"
    out = run("lm", "build", TRAIN, "-o", "3", "--level", "whitespace", "--arpa", str(a), "--save", str(s), err=True)
    assert "3 29595  D1=0.903375 D2=1.23708 D3+=1.52295" in out
    inc, exc, oovs, _ = KENLM_PPL[3]
    for model in (a, s, arpa(3)):
        p_inc, p_exc, n_oov = _ppl(run("lm", "eval", str(model), TEST))
        assert (sig5(p_inc), sig5(p_exc), n_oov) == (sig5(inc), sig5(exc), oovs)
    pred = run("lm", "predict", str(s), "the time", "-k", "3").splitlines()
    assert len(pred) == 3 and pred[0].endswith("\ttraveller")
    g1 = run("lm", "generate", str(s), "-n", "20", "--seed", "1")
    assert g1 == run("lm", "generate", str(s), "-n", "20", "--seed", "1") and g1.strip()


def test_build_prune(tmp_path):
    out = run("lm", "build", TRAIN, "-o", "3", "--level", "whitespace", "--prune", "0", "1", "--arpa",
              str(tmp_path / "p.arpa"), err=True)
    assert "2 4040" in out and "3 2295" in out


def test_build_needs_an_output():
    r = subprocess.run([sys.executable, "-m", "seqfast", "lm", "build", TRAIN, "-o", "2"], capture_output=True,
                       text=True)
    assert r.returncode == 2 and "--arpa" in r.stderr


def test_demo_ladder_matches_kenlm_on_its_split():
    from seqfast.commands.demo import ladder
    from seqfast.datasets import time_machine

    table, ntrain, ntest = ladder(time_machine(), orders=(2, 3), smoothings=("mkn",))
    assert (ntrain, ntest) == (2564, 284)
    assert round(table["mkn", 2], 1) == round(KENLM_PPL[2][0], 1)
    assert round(table["mkn", 3], 1) == round(KENLM_PPL[3][0], 1)
