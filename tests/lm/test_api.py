"""NGramLM API: smoothings, queries, prediction, generation, save/load, errors."""
import math

import numpy as np
import pytest

import seqfast
from seqfast.lm import NGramLM

from _lmdata import TEST, TRAIN


@pytest.fixture(scope="module")
def mkn3():
    return NGramLM.fit(TRAIN, 3, level="whitespace")


def test_top_level_export():
    assert seqfast.NGramLM is NGramLM


def test_logprob_units(mkn3):
    lp10 = mkn3.log10prob("machine", ["the", "time"])
    assert mkn3.logprob("machine", ["the", "time"]) == pytest.approx(lp10 * math.log(10))
    assert mkn3.log10prob("machine", "the time") == lp10  # str contexts are tokenized


def test_score_matches_full_scores_and_perplexity(mkn3):
    s = "the time traveller smiled ."
    fs = mkn3.full_scores(s)
    assert len(fs) == 6
    assert mkn3.score(s) == pytest.approx(sum(x for x, _, _ in fs), abs=1e-5)
    assert mkn3.perplexity([s]) == pytest.approx(10 ** (-mkn3.score(s) / 6), rel=1e-6)
    assert mkn3.score(s, bos=False, eos=False) != mkn3.score(s)


def test_oov_exclude(mkn3):
    r = mkn3.evaluate(["the zzzz time", "qqq"])
    assert r["oovs"] == 2 and r["tokens"] == 6
    assert mkn3.perplexity(["the zzzz time", "qqq"], oov="exclude") == pytest.approx(r["perplexity_excluding_oovs"])
    with pytest.raises(ValueError, match="oov must be"):
        mkn3.perplexity(["a"], oov="drop")


def test_blank_lines_score_eos_as_kenlm_query(mkn3, tmp_path):
    p = tmp_path / "t.txt"
    p.write_text("the time\n\nthe\n")
    r = mkn3.evaluate(p)
    assert (r["lines"], r["tokens"]) == (3, 6)
    assert r["log10_sum"] == pytest.approx(mkn3.score("the time") + mkn3.score("") + mkn3.score("the"), abs=1e-4)


def test_predict(mkn3):
    top = mkn3.predict(["the", "time"], k=5)
    assert top[0][0] == "traveller" and len(top) == 5
    probs = [p for _, p in top]
    assert probs == sorted(probs, reverse=True)
    assert top[0][1] == pytest.approx(10 ** mkn3.log10prob("traveller", ["the", "time"]), rel=1e-6)


def test_generate_reproducible(mkn3):
    a = mkn3.generate(30, seed=1)
    assert a == mkn3.generate(30, seed=1) and len(a) == 30
    assert "<s>" not in a and "<unk>" not in a
    cold = mkn3.generate(10, context=["the", "time"], seed=3, temperature=0.01)
    assert cold[0] == "traveller"  # near-greedy
    with pytest.raises(ValueError, match="temperature"):
        mkn3.generate(3, temperature=0)


@pytest.mark.parametrize("smoothing", ["mkn", "kn", "mle", "add_k", "laplace", "stupid_backoff"])
def test_save_load_round_trip(tmp_path, smoothing):
    m = NGramLM.fit(TRAIN, 3, smoothing=smoothing, level="whitespace")
    p = tmp_path / "m.sfl"
    m.save(p)
    r = NGramLM.load(p)
    assert r.counts == m.counts and r.smoothing == m.smoothing
    lines = open(TEST).read().split("\n")[:50]
    a, b = m.evaluate(lines), r.evaluate(lines)
    # the loaded model scores with the hash layout's engine: same numbers up to float32 summation order
    assert {k: v for k, v in a.items() if isinstance(v, int)} == {k: v for k, v in b.items() if isinstance(v, int)}
    for k in ("log10_sum", "perplexity", "perplexity_excluding_oovs"):
        assert b[k] == pytest.approx(a[k], rel=1e-6)


def test_load_rejects_garbage(tmp_path):
    p = tmp_path / "x.sfl"
    p.write_bytes(b"not a model")
    with pytest.raises(ValueError, match="not a seqfast n-gram model"):
        NGramLM.load(p)


def test_ladder_order_and_smoothing():
    lines = open(TEST).read().split("\n")
    ppl = {}
    for smoothing in ("add_k", "kn", "mkn"):
        for n in (1, 2, 3):
            ppl[smoothing, n] = NGramLM.fit(TRAIN, n, smoothing=smoothing, level="whitespace").perplexity(lines)
    assert ppl["mkn", 3] < ppl["mkn", 1] and ppl["kn", 2] < ppl["kn", 1]
    assert ppl["mkn", 3] < ppl["add_k", 3]


def test_add_k_is_normalized_and_k_matters():
    a = NGramLM.fit(TRAIN, 2, smoothing="add_k", k=0.1, level="whitespace")
    b = NGramLM.fit(TRAIN, 2, smoothing="laplace", level="whitespace")
    assert b.k == 1.0
    assert a.perplexity(TEST) < b.perplexity(TEST)
    with pytest.raises(ValueError, match="no ARPA"):
        a.to_arpa("/tmp/never.arpa")


def test_stupid_backoff_refuses_perplexity():
    m = NGramLM.fit(TRAIN, 3, smoothing="stupid_backoff", level="whitespace")
    with pytest.raises(ValueError, match="not probabilities"):
        m.perplexity(TEST)
    assert math.isfinite(m.perplexity(["the time traveller"], force=True))
    # a seen trigram scores its relative frequency; an unseen one 0.4 x the bigram score
    assert m.log10prob("traveller", ["the", "time"]) <= 0
    assert m.log10prob("xyzzy", ["the"]) == -math.inf  # <unk> has count 0


def test_mle_can_be_written_as_arpa(tmp_path):
    m = NGramLM.fit(["a b", "b b", "a a b"], 2, smoothing="mle", level="whitespace")
    m.to_arpa(tmp_path / "m.arpa")
    r = NGramLM.from_arpa(tmp_path / "m.arpa")
    assert r.log10prob("b", ["a"]) == pytest.approx(m.log10prob("b", ["a"]))


@pytest.mark.parametrize("kw, match", [
    ({"order": 0}, "order"), ({"smoothing": "good_turing"}, "unknown smoothing"), ({"k": -1}, "k must"),
    ({"alpha": 2}, "alpha"), ({"level": "bytes"}, "level"), ({"discount_fallback": (1, 2)}, "three numbers"),
])
def test_bad_arguments(kw, match):
    args = {"order": 2, **kw}
    with pytest.raises(ValueError, match=match):
        NGramLM.fit(["a b c"], **args)


def test_unfitted():
    with pytest.raises(RuntimeError, match="no model yet"):
        NGramLM(3).perplexity(["a"])


def test_counts_object_accepted():
    c = seqfast.count_ngrams(TRAIN, 3, level="whitespace", pad=True)
    m = NGramLM.fit(c, 3)
    assert m.counts[0] == 4368


def test_word_level_tokenizes_raw_text():
    m = NGramLM.fit(seqfast.datasets.time_machine_path(), 3, lower=True)
    assert m.log10prob("machine", "The Time") > -1.0
