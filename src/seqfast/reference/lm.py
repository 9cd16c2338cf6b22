"""Pure-Python twin of seqfast's n-gram language model estimation and scoring (csrc/lm_*.c).

Interpolated modified Kneser-Ney as KenLM's ``lmplz`` estimates it (Chen & Goodman 1998, eq. 26; Heafield et
al. 2013), written with dicts so it reads like the equations. Slow on purpose: tests compare the C kernels
with it, and it with KenLM's own ARPA files.

Conventions (all shared with the C code and with lmplz):

* Input: raw counts of every n-gram of orders 1..N in the corpus with each line padded as
  ``<s> w1 ... wn </s>`` (one ``<s>``, never ``<s> <s>``), as ``count_ngrams(..., pad=True)`` gives them.
  ``raw[n-1]`` maps a tuple of n ids to its count.
* Adjusted counts a(g): the highest order keeps raw counts; a lower-order n-gram that starts with ``<s>``
  keeps its raw count too (nothing can precede ``<s>``); any other lower-order n-gram gets its continuation
  count N1+(. g), the number of distinct words seen right before it. ``<s>`` as a unigram has a(<s>) = 0
  and ``<unk>`` is added with a(<unk>) = 0.
* Discounts per order from the counts-of-counts t_k of adjusted counts:
  Y = t1 / (t1 + 2 t2), D_k = k - (k + 1) Y t_{k+1} / t_k for k = 1, 2, 3 (D3 is used for every a >= 3).
  Computed in float32 like lmplz, so the values printed match lmplz's digit for digit.
* Interpolation, for an n-gram h w with context h:
  p(w | h) = (a(h w) - D(a(h w))) / sum_x a(h x) + gamma(h) p(w | h[1:]),
  gamma(h) = (D1 N1(h .) + D2 N2(h .) + D3 N3+(h .)) / sum_x a(h x),
  down to the uniform distribution 1/|V| below unigrams, |V| = number of unigrams counting ``<unk>`` but
  not ``<s>``. ``<unk>`` thus gets gamma() / |V|; ``<s>`` gets probability 1 (log10 0), as lmplz writes it.
* ARPA backoff of an n-gram h (order < N): log10 gamma(h) when h is the context of some longer n-gram and
  does not end in ``<unk>`` or ``</s>``; else 0.
"""
from __future__ import annotations

import math
from collections import defaultdict

import numpy as np

__all__ = ["KNDiscountError", "raw_counts_from_lines", "adjusted_counts", "counts_of_counts", "mkn_discounts",
           "mkn_estimate", "score_ids", "perplexity_ids"]


class KNDiscountError(ValueError):
    """The data are too small or too regular for the modified Kneser-Ney discount formula."""


def raw_counts_from_lines(lines_of_ids, order: int, bos: int, eos: int) -> list[dict]:
    """raw[n-1][(w1..wn)] = count, each line padded ``<s> ... </s>`` (n-grams never cross a line)."""
    raw = [defaultdict(int) for _ in range(order)]
    for ids in lines_of_ids:
        seq = [bos] + list(ids) + [eos]
        for n in range(1, order + 1):
            for i in range(len(seq) - n + 1):
                raw[n - 1][tuple(seq[i:i + n])] += 1
    return [dict(d) for d in raw]


def adjusted_counts(raw: list[dict], bos: int, unk: int) -> list[dict]:
    """a[n-1][g]: raw counts at the top order and for <s>-initial n-grams, continuation counts otherwise."""
    N = len(raw)
    adj = [None] * N
    adj[N - 1] = dict(raw[N - 1])
    for n in range(N - 1, 0, -1):  # fill order n from the n-grams of order n + 1
        a = {g: (c if g[0] == bos else 0) for g, c in raw[n - 1].items()}
        for g in raw[n]:
            if g[1] != bos:  # g = x s: one more distinct left neighbour of s
                a[g[1:]] += 1
        adj[n - 1] = a
    adj[0][(bos,)] = 0
    adj[0].setdefault((unk,), 0)
    return adj


def counts_of_counts(adj: list[dict]) -> np.ndarray:
    """t[n-1, k] = number of n-grams with adjusted count k, for k = 1..4 (column 0 unused)."""
    t = np.zeros((len(adj), 5), dtype=np.int64)
    for n, a in enumerate(adj):
        for c in a.values():
            if 1 <= c <= 4:
                t[n, c] += 1
    return t


def mkn_discounts(t: np.ndarray, fallback=None) -> np.ndarray:
    """D[n-1, k] for k = 0..3 (D[., 0] = 0), float32 arithmetic as in lmplz.

    Raises KNDiscountError when some t_k (k = 1, 2, 3) is zero or a discount leaves [0, k], unless
    ``fallback`` = (D1, D2, D3+) is given: then that order uses the fallback.
    """
    f = np.float32
    D = np.zeros((t.shape[0], 4), dtype=np.float32)
    for i in range(t.shape[0]):
        try:
            for j in (1, 2, 3):
                if t[i, j] == 0:
                    raise KNDiscountError(
                        f"cannot compute Kneser-Ney discounts for {i + 1}-grams: no {i + 1}-gram has adjusted "
                        f"count {j}, so D{j + 1 if j < 3 else '3+'} is undefined; the corpus is too small or "
                        f"artificial (try more data, smoothing='kn', or discount_fallback=True)")
            y = f(t[i, 1]) / f(float(t[i, 1]) + 2.0 * float(t[i, 2]))
            for j in (1, 2, 3):
                d = f(j) - f(j + 1) * y * f(t[i, j + 1]) / f(t[i, j])
                if d < 0 or d > j:
                    raise KNDiscountError(
                        f"{i + 1}-gram discount D{j} = {float(d):.6g} is outside [0, {j}]: modified Kneser-Ney "
                        f"finds these counts odd (try discount_fallback=True)")
                D[i, j] = d
        except KNDiscountError:
            if fallback is None:
                raise
            D[i, 1:] = np.asarray(fallback, dtype=np.float32)
    return D


def mkn_estimate(raw: list[dict], bos: int, eos: int, unk: int, fallback=None):
    """Interpolated modified Kneser-Ney. Returns (logp, backoff, D, adj).

    logp[n-1][g] = log10 p(g[-1] | g[:-1]) and backoff[n-1][g] = log10 backoff weight, for every n-gram of
    the ARPA file (orders 1..N); D as from mkn_discounts; adj the adjusted counts.
    """
    N = len(raw)
    adj = adjusted_counts(raw, bos, unk)
    D = mkn_discounts(counts_of_counts(adj), fallback).astype(np.float64)

    def disc(n, c):
        return D[n, min(c, 3)]

    V = sum(1 for g in adj[0] if g[0] != bos)  # |V| counts <unk>, not <s>
    probs = [dict() for _ in range(N)]
    gammas = [dict() for _ in range(N)]  # gammas[n-1][h] for contexts h of order n-1 (h = () at n = 1)
    for n in range(N):
        groups = defaultdict(list)
        for g in adj[n]:
            groups[g[:-1]].append(g)
        for h, gs in groups.items():
            den = float(sum(adj[n][g] for g in gs))
            t = [sum(1 for g in gs if min(adj[n][g], 3) == c) for c in (1, 2, 3)]
            num = D[n, 1] * t[0] + D[n, 2] * t[1] + D[n, 3] * t[2]
            gamma = num / den
            gammas[n][h] = gamma
            for g in gs:
                lower = 1.0 / V if n == 0 else probs[n - 1][g[1:]]
                probs[n][g] = (adj[n][g] - disc(n, adj[n][g])) / den + gamma * lower
    probs[0][(bos,)] = 1.0
    logp = [{g: min(0.0, math.log10(p)) for g, p in probs[n].items()} for n in range(N)]
    backoff = [dict() for _ in range(N)]
    for n in range(N):
        for g in probs[n]:
            b = 0.0
            if n < N - 1 and g[-1] not in (unk, eos) and g in gammas[n + 1]:
                b = math.log10(gammas[n + 1][g])
            backoff[n][g] = b
    return logp, backoff, D, adj


def score_ids(logp: list[dict], backoff: list[dict], ids, bos: int, eos: int) -> list[float]:
    """log10 p of each token of one line (OOVs already mapped to <unk>) and of the final </s>.

    Backoff scoring: the longest n-gram of the model ending in the word gives its probability, plus the
    backoffs of every longer context that exists in the model.
    """
    N = len(logp)
    hist = [bos]
    out = []
    for w in list(ids) + [eos]:
        ctx = tuple(hist[-(N - 1):]) if N > 1 else ()
        lp = None
        bo = 0.0
        for start in range(len(ctx) + 1):
            g = ctx[start:] + (w,)
            if g in logp[len(g) - 1]:
                lp = logp[len(g) - 1][g]
                break
            bo += backoff[len(ctx) - start - 1].get(ctx[start:], 0.0) if len(ctx) - start > 0 else 0.0
        if lp is None:
            raise KeyError(f"word id {w} is not in the model's unigrams")
        out.append(lp + bo)
        hist.append(w)
    return out


def perplexity_ids(logp, backoff, lines_of_ids, bos, eos, unk, oov="include") -> float:
    """KenLM's ``query`` perplexity: 10 ** (-sum log10 p / tokens), </s> counted, OOVs scored as <unk>.

    ``oov="exclude"`` drops the OOV tokens (ids == unk) from both the sum and the count.
    """
    total, count = 0.0, 0
    for ids in lines_of_ids:
        scores = score_ids(logp, backoff, ids, bos, eos)
        for w, s in zip(list(ids) + [eos], scores):
            if oov == "exclude" and w == unk:
                continue
            total += s
            count += 1
    return 10.0 ** (-total / count)
