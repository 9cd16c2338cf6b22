"""C estimation stages (csrc/lm_*.c) against seqfast.reference.lm, first on a hand-checked toy corpus."""
import math

import numpy as np
import pytest

from seqfast import _lm
from seqfast.lm import KNDiscountError, NGramLM
from seqfast.lm.estimate import Tables, estimate_kn
from seqfast.reference import lm as ref

from _lmdata import TRAIN

UNK, BOS, EOS = 0, 1, 2


def _tables(lines, order, n_threads=1):
    raw = ref.raw_counts_from_lines(lines, order, BOS, EOS)
    grams, counts = [], []
    for n in range(order):
        keys = sorted(raw[n])
        grams.append(np.array(keys, dtype=np.int32).reshape(len(keys), n + 1))
        counts.append(np.array([raw[n][k] for k in keys], dtype=np.int64))
    grams[0] = np.vstack([grams[0], [[UNK]]]).astype(np.int32)
    counts[0] = np.append(counts[0], 0)
    return raw, Tables(grams, counts, BOS, EOS, UNK, n_threads)


def test_toy_adjusted_counts_by_hand():
    # <s> a b </s> / <s> b b </s>: ids a=3, b=4
    raw, T = _tables([[3, 4], [4, 4]], 2)
    adj = _lm.adjust_counts(T.grams[0], T.raw[0], T.grams[1], T.suf[1], BOS)
    got = {int(g[0]): int(a) for g, a in zip(T.grams[0], adj)}
    # a follows only <s>; b follows a, <s> and b; </s> follows only b; <s> and <unk> get 0
    assert got == {3: 1, 4: 3, EOS: 1, BOS: 0, UNK: 0}
    assert ref.adjusted_counts(raw, BOS, UNK)[0] == {(k,): v for k, v in got.items()}


def test_toy_mle_by_hand():
    m = NGramLM.fit(["a b", "b b"], 2, smoothing="mle", level="whitespace")
    assert m.log10prob("b", ["a"]) == pytest.approx(0.0)
    assert m.log10prob("</s>", ["b"]) == pytest.approx(math.log10(2 / 3), abs=1e-6)
    assert m.log10prob("b", ["<s>"]) == pytest.approx(math.log10(1 / 2), abs=1e-6)
    assert m.log10prob("a") == pytest.approx(math.log10(1 / 6), abs=1e-6)  # a, b, b, b, </s>, </s>
    with pytest.warns(RuntimeWarning, match="probability 0"):
        assert m.perplexity(["b a"]) == math.inf


def test_discounts_kernel_matches_reference():
    for t in ([0, 100, 40, 20, 10], [0, 5000, 1500, 700, 400], [0, 3, 1, 1, 1]):
        D, ok = _lm.mkn_discounts(np.array(t))
        assert ok
        np.testing.assert_array_equal(D, ref.mkn_discounts(np.array([t]))[0])
    assert not _lm.mkn_discounts(np.array([0, 5, 3, 0, 1]))[1]
    with pytest.raises(ref.KNDiscountError):
        ref.mkn_discounts(np.array([[0, 5, 3, 0, 1]]))


@pytest.mark.parametrize("order", [1, 2, 3, 4])
@pytest.mark.parametrize("n_threads", [1, 2])
def test_kernels_match_reference_random(order, n_threads):
    rng = np.random.default_rng(order)
    # Zipf-ish words so every count-of-count 1..4 is populated
    lines = [list(3 + rng.zipf(1.3, size=rng.integers(1, 12)) % 500) for _ in range(600)]
    raw, T = _tables(lines, order, n_threads)
    _, logp, bo, info = estimate_kn(T, "mkn", None, n_threads)
    rlogp, rbo, rD, _ = ref.mkn_estimate(raw, BOS, EOS, UNK)
    np.testing.assert_array_equal(info["discounts"], rD[:, 1:])
    for n in range(order):
        for row, lp, b in zip(T.grams[n].tolist(), logp[n], bo[n]):
            g = tuple(row)
            assert lp == pytest.approx(rlogp[n][g], abs=1e-5)
            assert b == pytest.approx(rbo[n][g], abs=1e-5)
    test = [list(3 + rng.zipf(1.3, size=rng.integers(0, 10)) % 600) for _ in range(50)]
    flat = np.array([w for l in test for w in l], dtype=np.int32)
    offs = np.cumsum([0] + [len(l) for l in test])
    known = set(int(g[0]) for g in T.grams[0])
    want = [s for l in test for s in ref.score_ids(rlogp, rbo, [w if w in known else UNK for w in l], BOS, EOS)]
    lens = []
    for closed in (False, True):  # generic backoff search and the stateful one for closed models
        sc = _lm.Scorer([_lm.Index(g) for g in T.grams], logp, bo, BOS, EOS, UNK, 0, 0.0, closed)
        got, nl = sc.score(flat, offs, True, True, n_threads, True)
        np.testing.assert_allclose(got, want, atol=2e-5)
        lens.append(nl)
    np.testing.assert_array_equal(lens[0], lens[1])


def test_results_identical_for_any_thread_count():
    a = NGramLM.fit(TRAIN, 3, level="whitespace", n_threads=1)
    b = NGramLM.fit(TRAIN, 3, level="whitespace", n_threads=2)
    for n in (1, 2, 3):
        for x, y in zip(a.ngrams(n), b.ngrams(n)):
            np.testing.assert_array_equal(x, y)


def test_too_small_data_error_and_fallback():
    with pytest.raises(KNDiscountError, match="discount_fallback"):
        NGramLM.fit(["a b c", "a b d"], 3, level="whitespace")
    with pytest.warns(UserWarning, match="fallback"):
        m = NGramLM.fit(["a b c", "a b d"], 3, level="whitespace", discount_fallback=True)
    assert np.allclose(m.discounts[-1], [0.5, 1.0, 1.5])
    assert math.isfinite(m.perplexity(["a b c"]))


def test_kn_single_discount():
    m = NGramLM.fit(TRAIN, 3, smoothing="kn", level="whitespace")
    D = m.discounts
    assert np.allclose(D[:, 0], D[:, 1]) and np.allclose(D[:, 1], D[:, 2])
    # interpolated: the probabilities of the next word after a context sum to 1
    cand, s = m._next_scores(m.vocab.encode(["the", "time"]))
    assert (10 ** s).sum() == pytest.approx(1.0, abs=1e-4)


@pytest.mark.parametrize("smoothing", ["mkn", "kn", "add_k", "mle"])
def test_distributions_sum_to_one(smoothing):
    m = NGramLM.fit(TRAIN, 3, smoothing=smoothing, level="whitespace")
    for ctx in (["<s>"], ["the", "time"], ["of", "the"], ["zzz", "qqq"]):
        cand, s = m._next_scores(m.vocab.encode(ctx))
        # candidates exclude <unk>: add its probability back
        p_unk = 10 ** m.log10prob("<unk>", ctx)
        assert (10 ** s.astype(np.float64)).sum() + p_unk == pytest.approx(1.0, abs=2e-4), ctx


def test_links_sorted_walk_equals_hash_lookups_and_row_order_is_irrelevant():
    import seqfast

    c = seqfast.count_ngrams(TRAIN, 4, level="whitespace", pad=True)
    T = Tables.from_counts(c, 4, 2)
    assert T.sorted
    for n in range(2, 5):
        ix = _lm.Index(T.grams[n - 2])
        np.testing.assert_array_equal(T.ctx[n - 1], ix.lookup(T.grams[n - 1], 0))
        np.testing.assert_array_equal(T.suf[n - 1], ix.lookup(T.grams[n - 1], 1))
    # the same tables with rows shuffled take the hash path and give the same model
    rng = np.random.default_rng(0)
    perm = [rng.permutation(g.shape[0]) for g in T.grams]
    S = Tables([g[p] for g, p in zip(T.grams, perm)], [r[p] for r, p in zip(T.raw, perm)], T.bos, T.eos, T.unk, 2)
    assert not S.sorted
    a, b = estimate_kn(T, "mkn", None, 2), estimate_kn(S, "mkn", None, 2)
    for n in range(4):
        inv = np.argsort(perm[n])
        np.testing.assert_array_equal(a[1][n], b[1][n][inv])
        np.testing.assert_array_equal(a[2][n], b[2][n][inv])


@pytest.mark.parametrize("n_threads", [1, 2])
def test_prefix_rows_across_chunks(n_threads):
    rng = np.random.default_rng(5)
    g = np.unique(rng.integers(0, 120, size=(300000, 3)).astype(np.int32), axis=0)  # > 2 chunks of 65536
    lower = np.unique(g[:, :2], axis=0)
    assert _lm.rows_sorted(g, n_threads) and not _lm.rows_sorted(g[::-1].copy(), n_threads)
    got = _lm.prefix_rows(g, lower, n_threads)
    np.testing.assert_array_equal(got, _lm.Index(lower).lookup(g, 0))
    with pytest.raises(ValueError, match="prefixes"):
        _lm.prefix_rows(g, lower[1:], n_threads)


@pytest.mark.parametrize("threads", [1, 2])
def test_interpolate_order_unsorted_contexts_match_sorted(threads):
    """The kernel's two paths, contexts in runs (sorted tables) and scattered rows, give the same numbers bit for
    bit (the contexts' statistics are integers: exact in any order, whatever the discounts)."""
    rng = np.random.default_rng(0)
    k, k_ctx, k_lo = 250_000, 3_000, 2_000  # above the kernel's threading threshold
    ctx = np.sort(rng.integers(0, k_ctx, k))
    adj = rng.integers(0, 6, k)
    suf = rng.integers(0, k_lo, k)
    lower = rng.random(k_lo)
    keep = rng.random(k) > 0.1
    D = [0.0, 0.7, 1.13, 1.61]
    prob, gam = _lm.interpolate_order(adj, ctx, suf, lower, D, keep, threads, k_ctx=k_ctx)
    perm = rng.permutation(k)
    assert (np.diff(ctx[perm]) < 0).any()
    prob_u, gam_u = _lm.interpolate_order(adj[perm], ctx[perm], suf[perm], lower, D, keep[perm], threads,
                                          k_ctx=k_ctx)
    assert np.array_equal(prob_u, prob[perm]) and np.array_equal(gam_u, gam)


@pytest.mark.parametrize("threads", [1, 2])
def test_interpolate_order_split_contexts_summed_statistics(threads):
    """A context's rows split over parts (as the Dask build splits heavy words by the last word): the integer
    statistics of the parts (context_stats) add up to the context's, and each part interpolated with the sums
    gives the whole table's probabilities and gammas bit for bit."""
    rng = np.random.default_rng(1)
    k, k_ctx, k_lo = 250_000, 3_000, 2_000
    ctx = np.sort(rng.integers(0, k_ctx, k))
    adj = rng.integers(0, 9, k)
    suf = rng.integers(0, k_lo, k)
    lower = rng.random(k_lo)
    keep = rng.random(k) > 0.2
    D = [0.0, 0.6713, 1.0931, 1.4177]  # float32 discounts of no special form
    prob, gam = _lm.interpolate_order(adj, ctx, suf, lower, D, keep, threads, k_ctx=k_ctx)
    whole = _lm.context_stats(adj, ctx, keep, k_ctx)
    part = rng.integers(0, 3, k)
    stats = [_lm.context_stats(adj[part == j], ctx[part == j], keep[part == j], k_ctx) for j in range(3)]
    assert np.array_equal(stats[0] + stats[1] + stats[2], whole)
    assert np.array_equal(whole[:, 0], np.bincount(ctx, weights=adj, minlength=k_ctx).astype(np.int64))
    for j in range(3):
        m = part == j
        pj, gj = _lm.interpolate_order(adj[m], ctx[m], suf[m], lower, D, keep[m], threads, k_ctx=k_ctx, stats=whole)
        assert np.array_equal(pj, prob[m])
        has = np.isin(np.arange(k_ctx), ctx[m])
        assert np.array_equal(gj[has], gam[has])
    with pytest.raises(ValueError, match="stats"):
        _lm.interpolate_order(adj, ctx, suf, lower, D, keep, threads, k_ctx=k_ctx, stats=whole[1:])
