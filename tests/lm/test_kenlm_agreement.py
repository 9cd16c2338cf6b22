"""seqfast's "mkn" models against KenLM's lmplz/query outputs on The Time Machine (tests/data/kenlm)."""
import numpy as np
import pytest

from seqfast.lm import NGramLM, read_arpa

from _lmdata import KENLM_DISCOUNTS, KENLM_PPL, TEST, TRAIN, arpa, sig5


@pytest.fixture(scope="module", params=[2, 3, 5])
def pair(request):
    N = request.param
    return N, NGramLM.fit(TRAIN, N, level="whitespace"), read_arpa(arpa(N))


def _as_dict(itos, grams, logp, bo):
    return {tuple(itos[i] for i in row): (float(a), float(b)) for row, a, b in zip(grams.tolist(), logp, bo)}


def test_same_ngrams_probs_and_backoffs(pair):
    N, m, k = pair
    assert m.counts == [g.shape[0] for g in k.grams]
    for n in range(1, N + 1):
        mine = _as_dict(m.vocab.itos, *m.ngrams(n))
        theirs = _as_dict(k.itos, k.grams[n - 1], k.logp[n - 1], k.backoff[n - 1])
        assert set(mine) == set(theirs), f"order {n}: n-gram sets differ"
        a = np.array([mine[g] for g in theirs])
        b = np.array(list(theirs.values()))
        np.testing.assert_allclose(a[:, 0], b[:, 0], atol=1e-5, rtol=0, err_msg=f"order {n} log10 p")
        np.testing.assert_allclose(a[:, 1], b[:, 1], atol=1e-5, rtol=0, err_msg=f"order {n} backoffs")


def test_discounts_as_lmplz_prints(pair):
    N, m, _ = pair
    np.testing.assert_allclose(m.discounts, np.array(KENLM_DISCOUNTS[N]), rtol=0, atol=6e-6)


def test_perplexity_5_significant_digits(pair):
    N, m, _ = pair
    inc, exc, oovs, toks = KENLM_PPL[N]
    r = m.evaluate(TEST)
    assert (r["oovs"], r["tokens"]) == (oovs, toks)
    assert sig5(m.perplexity(TEST)) == sig5(inc)
    assert sig5(m.perplexity(TEST, oov="exclude")) == sig5(exc)


@pytest.mark.parametrize("N", [2, 3, 5])
def test_kenlm_arpa_loads_and_gives_kenlm_perplexity(N):
    inc, exc, oovs, toks = KENLM_PPL[N]
    k = NGramLM.from_arpa(arpa(N))
    r = k.evaluate(TEST)
    assert (r["oovs"], r["tokens"]) == (oovs, toks)
    assert sig5(r["perplexity"]) == sig5(inc)
    assert sig5(r["perplexity_excluding_oovs"]) == sig5(exc)


def test_written_arpa_round_trips(pair, tmp_path):
    N, m, _ = pair
    p = tmp_path / f"m{N}.arpa.gz"
    m.to_arpa(p, compress=True)
    r = NGramLM.from_arpa(p)
    assert r.counts == m.counts
    assert abs(r.perplexity(TEST) - m.perplexity(TEST)) / m.perplexity(TEST) < 1e-6


def test_kenlm_module_scores_our_arpa_as_we_do(pair, tmp_path):
    kenlm = pytest.importorskip("kenlm")
    N, m, _ = pair
    p = tmp_path / f"m{N}.arpa"
    m.to_arpa(p)
    km = kenlm.Model(str(p))
    with open(TEST) as f:
        lines = [next(f).strip() for _ in range(40)]
    for s in lines:
        assert abs(km.score(s, bos=True, eos=True) - m.score(s)) < 1e-4
        ours = m.full_scores(s)
        theirs = list(km.full_scores(s))
        assert [n for _, n, _ in ours] == [n for _, n, _ in theirs]
        assert [o for _, _, o in ours] == [o for _, _, o in theirs]


@pytest.mark.parametrize("name, prune", [("o3.prune011", (0, 1, 1)), ("o5.prune01233", (0, 1, 2, 3, 3))])
def test_pruning_as_lmplz(name, prune):
    import os
    from _lmdata import KENLM_DIR

    k = read_arpa(os.path.join(KENLM_DIR, f"timemachine.{name}.arpa"))
    m = NGramLM.fit(TRAIN, len(prune), level="whitespace", prune=prune)
    assert m.counts == [g.shape[0] for g in k.grams]
    for n in range(1, len(prune) + 1):
        mine = _as_dict(m.vocab.itos, *m.ngrams(n))
        theirs = _as_dict(k.itos, k.grams[n - 1], k.logp[n - 1], k.backoff[n - 1])
        assert set(mine) == set(theirs)
        for g, (lp, bo) in theirs.items():
            assert abs(mine[g][0] - lp) < 1e-5 and abs(mine[g][1] - bo) < 1e-5, g
    ref = NGramLM.from_arpa(os.path.join(KENLM_DIR, f"timemachine.{name}.arpa"))
    assert sig5(m.perplexity(TEST)) == sig5(ref.perplexity(TEST))


def test_prune_argument_checked():
    with pytest.raises(ValueError, match="non-decreasing"):
        NGramLM.fit(TRAIN, 3, level="whitespace", prune=(0, 2, 1))
    with pytest.raises(ValueError, match="unigrams are not pruned"):
        NGramLM.fit(TRAIN, 3, level="whitespace", prune=(1, 1, 1))
    with pytest.raises(ValueError, match="Kneser-Ney"):
        NGramLM.fit(TRAIN, 3, level="whitespace", smoothing="add_k", prune=(0, 1))


def test_unigram_model_as_lmplz():
    k = read_arpa(arpa(1))
    m = NGramLM.fit(TRAIN, 1, level="whitespace")
    mine = _as_dict(m.vocab.itos, *m.ngrams(1))
    theirs = _as_dict(k.itos, k.grams[0], k.logp[0], k.backoff[0])
    assert set(mine) == set(theirs)
    assert max(abs(mine[g][0] - theirs[g][0]) for g in theirs) < 1e-5
