"""Estimation pipelines over the counting engine's tables (NGramCounts.arrays(n) and .vocab).

Each smoothing turns raw counts into per-order tables of log10 p and log10 backoff, the form the C scorer
(csrc/lm_score.c) reads. The Kneser-Ney family runs the C stages of csrc/lm_adjust.c, lm_discount.c and
lm_interpolate.c; the count-ratio models (mle, add_k, stupid_backoff) are a few NumPy lines.
"""
from __future__ import annotations

import numpy as np

from .. import _lm
from .._checks import trim_heap

#: lmplz's --discount_fallback default (D1, D2, D3+)
FALLBACK_DISCOUNTS = (0.5, 1.0, 1.5)


class KNDiscountError(ValueError):
    """The corpus is too small or too regular for the Kneser-Ney discount formula (see discount_fallback)."""


def _has_negative(a: np.ndarray) -> bool:
    """a.min() < 0 without the (k,) bool temporary of (a < 0).any()."""
    return a.size > 0 and int(a.min()) < 0


class Tables:
    """Raw count tables of orders 1..N with their hash indexes and context/suffix links."""

    def __init__(self, grams, raw, bos, eos, unk, n_threads, lean=False):
        self.grams, self.raw = grams, raw
        self.bos, self.eos, self.unk = bos, eos, unk
        self.N = len(grams)
        # the counting engine sorts rows; then contexts come from a linear merge and the indexes need no
        # duplicate check. Any other row order still works through hash lookups.
        self.sorted = all(_lm.rows_sorted(g, n_threads) for g in grams)
        self._nt = n_threads
        self._index = [None] * self.N
        self.ctx = [None] * self.N  # ctx[n-1]: rows of order n-1 of grams[n-1][:, :-1]
        self.suf = [None] * self.N  # suf[n-1]: rows of order n-1 of grams[n-1][:, 1:]
        for n in range(2, self.N + 1):
            if self.sorted:  # no hashing: a merge for contexts, the context tree for suffixes
                child_start = self._child_start(n)
                if lean and n >= 3:
                    self.ctx[n - 2] = None  # the suffixes of order n + 1 need only ctx[n - 1]; context() remakes it
                    trim_heap()
                self.ctx[n - 1] = _lm.prefix_rows(grams[n - 1], grams[n - 2], n_threads)
                self.suf[n - 1] = self._sorted_suffixes(n, child_start, n_threads)
                del child_start
            else:
                ix = self.index(n - 1)
                self.ctx[n - 1] = ix.lookup(grams[n - 1], 0, n_threads)
                self.suf[n - 1] = ix.lookup(grams[n - 1], 1, n_threads)
            if _has_negative(self.ctx[n - 1]) or _has_negative(self.suf[n - 1]):
                raise ValueError(f"some {n}-grams have a prefix or suffix missing from the {n - 1}-grams: "
                                 "the count tables are inconsistent (use count_ngrams(..., pad=True))")
        if lean and self.sorted and self.N >= 2:
            self.ctx[self.N - 1] = None  # remade when the top order is interpolated, after the lower orders' go

    def context(self, n):
        """ctx[n - 1]: rows of order n - 1 of grams[n - 1][:, :-1] (remade by a merge when a lean table let it
        go)."""
        if self.ctx[n - 1] is None:
            self.ctx[n - 1] = _lm.prefix_rows(self.grams[n - 1], self.grams[n - 2], self._nt)
        return self.ctx[n - 1]

    def _child_start(self, n):
        """For the suffixes of order n >= 3 of sorted tables: int64 (k_{n-2} + 1,), where the children (rows of order
        n - 1) of each row of order n - 2 start; made before order n's context links, and the links it is made
        from (ctx[n - 2]) can go before those are made (a lean table's peak)."""
        if n < 3:
            return None
        # in place (no temporary beside it): children per row (ctx[n - 2] < k, so the last count is 0), their
        # running sums, shifted one place up
        child_start = np.bincount(self.ctx[n - 2], minlength=self.grams[n - 3].shape[0] + 1).astype(np.int64, copy=False)
        np.cumsum(child_start, out=child_start)
        child_start[1:] = child_start[:-1]
        child_start[0] = 0
        return child_start

    def _sorted_suffixes(self, n, child_start, n_threads):
        g = self.grams[n - 1]
        if n == 2:  # the suffix is a unigram: row of each id
            uni = self.grams[0][:, 0]
            row_of = np.full(int(uni.max()) + 2, -1, dtype=np.int64)
            row_of[uni] = np.arange(uni.shape[0])
            w = g[:, 1]
            suf = np.where((w >= 0) & (w <= uni.max()), row_of[np.clip(w, 0, uni.max())], -1)
            return suf
        return _lm.suffix_rows(g, self.ctx[n - 1], self.suf[n - 2], child_start, self.grams[n - 2], n_threads)

    def index(self, n):
        """Hash index of order n (built on first use)."""
        if self._index[n - 1] is None:
            self._index[n - 1] = _lm.Index(self.grams[n - 1], self._nt, self.sorted)
        return self._index[n - 1]

    @classmethod
    def from_counts(cls, counts, order, n_threads, lean=False):
        """lean=True: keep no context links once the suffix links are made (estimate_kn remakes each order's
        when it interpolates it): ~8 bytes per n-gram less at the peak."""
        vocab = counts.vocab
        ids = {t: vocab[t] if t in vocab else -1 for t in ("<unk>", "<s>", "</s>")}
        if min(ids.values()) < 0:
            raise ValueError("the counts' vocabulary lacks <unk>, <s> or </s>: count with pad=True")
        if counts.order < order:
            raise ValueError(f"the counts go up to order {counts.order}, the model needs {order}")
        grams, raw = [], []
        for n in range(1, order + 1):
            g, c = counts.arrays(n)
            grams.append(np.ascontiguousarray(g, dtype=np.int32))
            raw.append(np.ascontiguousarray(c, dtype=np.int64))
        if grams[0].shape[0] == 0:
            raise ValueError("the corpus is empty: no unigrams to estimate a model from")
        if not (grams[0][:, 0] == ids["<unk>"]).any():  # <unk> is a unigram of every model, with count 0
            at = int(np.searchsorted(grams[0][:, 0], ids["<unk>"]))  # keeps sorted tables sorted
            grams[0] = np.insert(grams[0], at, [ids["<unk>"]], axis=0).astype(np.int32)
            raw[0] = np.insert(raw[0], at, 0)
        return cls(grams, raw, ids["<s>"], ids["</s>"], ids["<unk>"], n_threads, lean)

    def context_totals(self, n):
        """sum_x c(h x) for every row h of order n (0 where h is never a context), float64 (k_n,)."""
        return np.bincount(self.ctx[n], weights=self.raw[n], minlength=self.grams[n - 1].shape[0])

    def unigram_total(self):
        g = self.grams[0][:, 0]
        return float(self.raw[0][g != self.bos].sum()), int((g != self.bos).sum())


def _discounts(adj, n, smoothing, fallback):
    return discounts_from_coc(_lm.counts_of_counts(adj), n, smoothing, fallback)


def discounts_from_coc(t, n, smoothing, fallback):
    """(D float32 (4,), t, fallback used) of order n from its counts-of-counts t int64 (5,) (t[c] = adjusted
    counts equal to c): KNDiscountError where the formula fails and no fallback is given."""
    t = np.asarray(t, dtype=np.int64)
    if smoothing == "kn":
        ok = t[1] > 0 and t[2] > 0
        d = np.float32(t[1] / (t[1] + 2.0 * t[2])) if ok else np.float32(0)
        D = np.array([0, d, d, d], dtype=np.float32)
        zero = [c for c in (1, 2) if t[c] == 0]
    else:
        D, ok = _lm.mkn_discounts(t)
        zero = [c for c in (1, 2, 3) if t[c] == 0]
    if ok:
        return D, t, False
    if fallback is not None:
        return np.array([0.0, *fallback], dtype=np.float32), t, True
    if zero:
        raise KNDiscountError(
            f"cannot compute Kneser-Ney discounts for {n}-grams: no {n}-gram has adjusted count {zero[0]} "
            f"(counts-of-counts t1..t4 = {t[1:].tolist()}), so the discount formula divides by zero. The corpus "
            f"is too small or artificial; use more data, a lower order, or discount_fallback=True "
            f"(D1, D2, D3+ = {FALLBACK_DISCOUNTS}, as lmplz --discount_fallback)")
    c = next(c for c in (1, 2, 3) if not 0 <= D[c] <= c)
    raise KNDiscountError(
        f"the {n}-gram discount D{c} = {float(D[c]):.6g} falls outside [0, {c}] "
        f"(counts-of-counts t1..t4 = {t[1:].tolist()}): modified Kneser-Ney finds these counts odd "
        f"(deduplicated or artificial data?); use discount_fallback=True to override")


def prune_thresholds(prune, N):
    """lmplz's --prune thresholds as a list t with t[n - 1] the count threshold of order n (0: keep all).

    lmplz's rule: thresholds per order (the last one repeats for higher orders), non-decreasing, and 0 for
    unigrams, which guarantees that every context and suffix of a kept n-gram is kept too."""
    if prune is None:
        return [0] * N
    t = [int(x) for x in prune]
    if not t or t[0] != 0 or any(x < 0 for x in t) or any(b < a for a, b in zip(t, t[1:])):
        raise ValueError(f"prune must be non-negative count thresholds per order, non-decreasing, starting with "
                         f"0 (unigrams are not pruned), e.g. (0, 1, 1); got {tuple(prune)}")
    return (t + [t[-1]] * N)[:N]


def prune_masks(T: Tables, prune):
    """keep[n-1]: bool (k_n,) for orders with a threshold > 0 (raw count > threshold), else None."""
    if prune is None:
        return [None] * T.N
    t = prune_thresholds(prune, T.N)
    return [None if n == 0 or t[n] == 0 else T.raw[n] > t[n] for n in range(T.N)]


def estimate_kn(T: Tables, smoothing="mkn", discount_fallback=None, n_threads=1, prune=None, consume=False):
    """Interpolated (modified) Kneser-Ney as lmplz (pruning as lmplz --prune). Returns (grams, logp, backoff,
    info); grams are T.grams without the pruned rows.

    Each order's values are computed as soon as its backoffs are known (interpolating the order above), so at
    most two orders' probabilities are alive. consume=True also lets go of T's raw counts of orders 2..N and
    of its context/suffix links as soon as they are used (when the caller holds no other reference to them,
    the peak memory falls by ~24 bytes per n-gram)."""
    N = T.N
    keep = prune_masks(T, prune)
    adj = [None] * N
    adj[N - 1] = T.raw[N - 1] if N > 1 else T.raw[0].copy()  # read-only below: no copy
    if N == 1:
        adj[0][T.grams[0][:, 0] == T.bos] = 0
    for n in range(N - 1, 0, -1):
        adj[n - 1] = _lm.adjust_counts(T.grams[n - 1], T.raw[n - 1], T.grams[n], T.suf[n], T.bos)
        if consume and n > 1:
            T.raw[n - 1] = None  # order n: its adjusted counts replace it (unigrams stay: the token count)
    if consume and N > 1:
        T.raw[N - 1] = None  # held as adj[N - 1]
    Ds, coc, fell = [], [], []
    for n in range(1, N + 1):
        D, t, f = _discounts(adj[n - 1], n, smoothing, discount_fallback)
        Ds.append(D); coc.append(t); fell.append(f)
    grams, logp, bo = [], [], []

    def emit(n, prob, gamma):  # ARPA values of order n, pruned rows dropped
        l, b = _lm.arpa_values(prob, gamma, T.grams[n - 1], T.unk, T.eos, n_threads)
        b = b if b is not None else np.zeros_like(l)
        g, k = T.grams[n - 1], keep[n - 1]
        if k is not None:
            g, l, b = np.ascontiguousarray(g[k]), l[k], b[k]
        grams.append(g); logp.append(l); bo.append(b)

    lower, g0 = _lm.interpolate_unigrams(T.grams[0], adj[0], Ds[0], T.bos)
    adj[0] = None
    for n in range(2, N + 1):
        prob, gamma = _lm.interpolate_order(adj[n - 1], T.context(n), T.suf[n - 1], lower, Ds[n - 1],
                                            keep[n - 1], n_threads)
        adj[n - 1] = None
        if consume:
            T.ctx[n - 1] = T.suf[n - 1] = None
        emit(n - 1, lower, gamma)  # gamma: the backoffs of order n - 1
        lower = prob
        del gamma
        trim_heap()
    emit(N, lower, None)
    info = {"discounts": np.stack(Ds)[:, 1:].astype(np.float64), "counts_of_counts": np.stack(coc)[:, 1:],
            "discount_fallback_used": fell, "unigram_gamma": g0}
    return grams, logp, bo, info


def _log10(x):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log10(x).astype(np.float32)


def estimate_ratio(T: Tables, smoothing, k=1.0, alpha=0.4):
    """Count-ratio models: mle, add_k, stupid_backoff. Returns (logp, backoff, mode, floor)."""
    N = T.N
    total, V = T.unigram_total()
    is_bos = T.grams[0][:, 0] == T.bos
    c1 = T.raw[0].astype(np.float64)
    if smoothing == "add_k":
        logp = [_log10((c1 + k) / (total + k * V))]
    else:
        logp = [_log10(c1 / total)]
    logp[0][is_bos] = 0.0
    bo = [np.zeros(g.shape[0], dtype=np.float32) for g in T.grams]
    for n in range(2, N + 1):
        tot = T.context_totals(n - 1)
        c = T.raw[n - 1].astype(np.float64)
        h = tot[T.ctx[n - 1]]
        if smoothing == "add_k":
            logp.append(_log10((c + k) / (h + k * V)))
            bo[n - 2] = _log10(k / (tot + k * V))
        else:
            logp.append(_log10(c / h))
            if smoothing == "mle":  # a seen context gives unseen words probability 0
                bo[n - 2] = np.where(tot > 0, -np.inf, 0.0).astype(np.float32)
    if smoothing == "add_k":
        return logp, bo, _lm.MODE_ADDK, float(np.log10(1.0 / V))
    if smoothing == "stupid_backoff":
        return logp, bo, _lm.MODE_STUPID, float(np.log10(alpha))
    return logp, bo, _lm.MODE_BACKOFF, 0.0
