"""NGramLM on bad input: every problem is a clear exception, never a silently wrong number."""
import json
import math
import os
import shutil

import numpy as np
import pytest

from seqfast import NGramLM
from seqfast.cli import main as cli_main
from seqfast.lm.arpa import ARPAError

pytestmark = pytest.mark.filterwarnings("ignore:.*Kneser-Ney discounts undefined")

CORPUS = ["the cat sat on the mat", "the dog sat on the log", "a cat ran", "the dog ran to the cat",
          "a dog sat", "the cat and the dog"]


@pytest.fixture(scope="module")
def lm():
    return NGramLM.fit(CORPUS, 3, discount_fallback=True)


@pytest.fixture
def arpa_lines(lm, tmp_path):
    p = tmp_path / "m.arpa"
    lm.to_arpa(p)
    return p.read_text().split("\n")


def _write(tmp_path, name, lines):
    p = tmp_path / name
    p.write_text("\n".join(lines))
    return p


def _total(lm, ctx):
    """Sum of p(w | ctx) over every possible next word."""
    words = [w for w in lm.vocab.itos if w != "<s>"]
    return sum(10.0 ** lm.log10prob(w, ctx) for w in words)


# ---------------------------------------------------------------------------------------------- ARPA files
@pytest.mark.parametrize("value, message", [("2.5", "log10 probability must be <= 0"),
                                             ("-1_0", "expected a number for the log10 probability")])
def test_arpa_bad_log10_probability_is_rejected(arpa_lines, tmp_path, value, message):
    i = arpa_lines.index("\\1-grams:") + 3
    arpa_lines[i] = value + "\t" + arpa_lines[i].split("\t", 1)[1]
    p = _write(tmp_path, "bad.arpa", arpa_lines)
    with pytest.raises(ARPAError, match=rf":{i + 1}: {message}"):
        NGramLM.from_arpa(p)


def test_arpa_positive_backoff_is_legal(lm, arpa_lines, tmp_path):
    i = arpa_lines.index("\\1-grams:") + 3
    f = arpa_lines[i].split("\t")
    assert len(f) == 3
    f[2] = "0.25"
    p = _write(tmp_path, "posbo.arpa", arpa_lines[:i] + ["\t".join(f)] + arpa_lines[i + 1:])
    m = NGramLM.from_arpa(p)
    assert m.ngrams(1)[2].max() == pytest.approx(0.25)


@pytest.mark.parametrize("count", ["99999999999", "999999999999999999999999"])
def test_arpa_huge_header_count(arpa_lines, tmp_path, count):
    i = next(j for j, s in enumerate(arpa_lines) if s.startswith("ngram 1="))
    arpa_lines[i] = f"ngram 1={count}"
    p = _write(tmp_path, "huge.arpa", arpa_lines)
    with pytest.raises(ARPAError, match="header count does not fit the file"):
        NGramLM.from_arpa(p)


# ---------------------------------------------------------------------------------------------- .sfl files
# The legacy .npz form of .sfl files (still read by NGramLM.load) of the `lm` fixture's model, written by the
# seqfast version that wrote that form: its reader's checks are tested on mutated copies of it.
NPZ_V1 = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "data", "lm_npz_v1.sfl")


def _npz_copy(tmp_path):
    src = tmp_path / "m.sfl"
    shutil.copy(NPZ_V1, src)
    return src


def _mutate(src, dst, arrays=None, meta=None, drop=()):
    z = dict(np.load(src))
    m = json.loads(bytes(z["meta"]).decode())
    if meta:
        m.update(meta)
    for k in drop:
        m.pop(k)
    z["meta"] = np.frombuffer(json.dumps(m).encode(), dtype=np.uint8)
    for k, f in (arrays or {}).items():
        if f is None:
            del z[k]
        else:
            z[k] = f(z[k].copy())
    with open(dst, "wb") as fh:
        np.savez(fh, **z)
    return dst


def _set(i, v):
    def f(a):
        a[i] = v
        return a
    return f


def _swap_offsets(o):
    o[5], o[6] = o[6], o[5]
    return o


def _big_id(g):
    g = g.astype(np.int64)
    g[0, 0] = 2 ** 33
    return g


SFL_CASES = {
    "nan_logp": dict(arrays={"logp2": _set(3, np.nan)}),
    "inf_logp": dict(arrays={"logp1": _set(3, np.inf)}),
    "positive_logp": dict(arrays={"logp1": _set(3, 3.0)}),
    "nan_backoff": dict(arrays={"backoff1": _set(3, np.nan)}),
    "inf_backoff": dict(arrays={"backoff2": _set(0, np.inf)}),
    "swapped_offsets": dict(arrays={"vocab_offsets": _swap_offsets}),
    "int64_big_id": dict(arrays={"grams2": _big_id}),
    "float_grams": dict(arrays={"grams2": lambda g: g + 0.5}),
    "few_unigrams": dict(arrays={"grams1": lambda a: a[:3], "logp1": lambda a: a[:3], "backoff1": lambda a: a[:3]}),
    "order_mismatch": dict(meta={"order": 2}),
    "missing_table": dict(arrays={"grams3": None}),
    "no_k": dict(drop=("k",)),
    "no_mode": dict(drop=("mode",)),
    "bos_str": dict(meta={"bos": "x"}),
    "bos_float": dict(meta={"bos": 1.7}),
    "bos_is_eos": dict(meta={"bos": None}),  # filled in below
    "mode_9": dict(meta={"mode": 9}),
    "floor_nan": dict(meta={"floor": float("nan")}),
}


@pytest.mark.parametrize("case", sorted(SFL_CASES))
def test_sfl_corrupt_contents(lm, tmp_path, case):
    src = _npz_copy(tmp_path)
    kw = dict(SFL_CASES[case])
    if case == "bos_is_eos":
        kw["meta"] = {"bos": lm.eos}
    dst = _mutate(src, tmp_path / f"{case}.sfl", **kw)
    with pytest.raises(ValueError, match="corrupt") as e:
        NGramLM.load(dst)
    assert str(dst) in str(e.value) and "corrupt" in str(e.value)


def test_sfl_flipped_byte(lm, tmp_path):
    src = _npz_copy(tmp_path)
    raw = bytearray(src.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    dst = tmp_path / "flip.sfl"
    dst.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="corrupt") as e:
        NGramLM.load(dst)
    assert str(dst) in str(e.value)


def test_sfl_valid_roundtrip_unchanged(lm, tmp_path):
    src = _npz_copy(tmp_path)
    m = NGramLM.load(src)
    assert m.perplexity(CORPUS) == lm.perplexity(CORPUS)
    # a float64 copy of the values is still a valid file
    m2 = NGramLM.load(_mutate(src, tmp_path / "f64.sfl", arrays={"logp2": lambda a: a.astype(np.float64)}))
    assert m2.perplexity(CORPUS) == lm.perplexity(CORPUS)


# ---------------------------------------------------------------------------------------------- fitting
@pytest.mark.parametrize("d", [(0, 0, 0), (math.nan, 1, 1), (-1, 5, 9), (0.5, 1, 3.5), (1.5, 1, 1), ("a", 1, 1),
                               (0.5, 1)])
def test_discount_fallback_out_of_range(d):
    with pytest.raises(ValueError, match="discount_fallback must be"):
        NGramLM.fit(["a b", "c"], 2, discount_fallback=d)


@pytest.mark.parametrize("d", [(0.5, 1, 1.5), (1, 2, 3), (1e-3, 1e-3, 1e-3)])
def test_discount_fallback_in_range_sums_to_one(d):
    m = NGramLM.fit(["a b", "c"], 2, discount_fallback=d)
    assert _total(m, ["a"]) == pytest.approx(1, abs=1e-5)


@pytest.mark.parametrize("prune", [(0, 1.5, 2.7), (0, float("nan")), (0, "1")])
def test_prune_thresholds_must_be_whole_numbers(prune):
    with pytest.raises(ValueError, match="prune thresholds must be whole numbers"):
        NGramLM.fit(CORPUS, 3, prune=prune, discount_fallback=True)


def test_order_above_the_corpus_still_scores(tmp_path):
    text = ["the cat sat", "the dog"]
    m6 = NGramLM.fit(text, 6, discount_fallback=True)
    m3 = NGramLM.fit(text, 3, discount_fallback=True)
    assert m6.counts[-1] == 0
    assert math.isfinite(m6.perplexity(text))
    assert _total(m6, ["the", "cat"]) == pytest.approx(1, abs=1e-5)
    assert m6.predict("the", k=1)
    p = tmp_path / "m6.arpa"
    m6.to_arpa(p)
    assert NGramLM.from_arpa(p).perplexity(text) == pytest.approx(m6.perplexity(text), rel=1e-5)
    mp = NGramLM.fit(CORPUS, 3, prune=(0, 10 ** 9, 10 ** 9), discount_fallback=True)
    assert mp.counts[1:] == [0, 0]
    assert _total(mp, ["the", "cat"]) == pytest.approx(1, abs=1e-5)
    assert m3.counts[:3] == m6.counts[:3]


# ---------------------------------------------------------------------------------------------- queries
def test_perplexity_of_empty_test_set(lm, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(ValueError, match="perplexity of zero tokens is undefined"):
        lm.perplexity(empty)
    with pytest.raises(ValueError, match="perplexity of zero tokens is undefined"):
        lm.evaluate([])


def test_cli_eval_of_empty_test_set(lm, tmp_path, capsys):
    arpa, empty = tmp_path / "m.arpa", tmp_path / "empty.txt"
    lm.to_arpa(arpa)
    empty.write_text("")
    assert cli_main(["lm", "eval", str(arpa), str(empty)]) != 0
    err = capsys.readouterr().err.strip()
    assert "zero tokens" in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("corpus, what", [(b"the cat", "bytes"), ([1, 2], "int"), (3, "int"), ([b"the cat"], "bytes")])
def test_corpus_of_the_wrong_type(lm, corpus, what):
    with pytest.raises(TypeError, match=rf"(corpus|sentence) must be .*str.*{what}"):
        lm.perplexity(corpus)


@pytest.mark.parametrize("k", [math.nan, 2.5, "3", True])
def test_predict_k_must_be_an_int(lm, k):
    with pytest.raises(TypeError, match="k must be a non-negative int"):
        lm.predict("the", k=k)


def test_predict_negative_k(lm):
    with pytest.raises(ValueError, match="k must be a non-negative int"):
        lm.predict("the", k=-1)


@pytest.mark.parametrize("n", [2.7, math.nan, "2"])
def test_generate_num_words_must_be_an_int(lm, n):
    with pytest.raises(TypeError, match="num_words must be a non-negative int"):
        lm.generate(n, seed=0)


def test_numpy_scalars_accepted_bools_rejected():
    lm = NGramLM.fit(["a b a c", "b a"], 2, smoothing="add_k", k=np.float32(0.5))
    ref = NGramLM.fit(["a b a c", "b a"], 2, smoothing="add_k", k=0.5)
    assert lm.perplexity(["a b"]) == ref.perplexity(["a b"])
    NGramLM.fit(["a b a c"], 2, smoothing="stupid_backoff", alpha=np.float64(0.4))
    with pytest.raises(ValueError, match="k must be a positive number"):
        NGramLM.fit(["a b"], 2, smoothing="add_k", k=True)
    with pytest.raises(ValueError, match="alpha must be in"):
        NGramLM.fit(["a b"], 2, smoothing="stupid_backoff", alpha=True)
