"""Cross-entropy and perplexity (course section 3.1).

    PPL = exp( -1/N * sum_i log P(w_i | w_<i) )

Every log here is natural (nats). ARPA files store log10 probabilities; convert with
``ln p = log10 p * ln 10`` (the n-gram models do this for you).
"""
from __future__ import annotations

import math
import warnings

import numpy as np

__all__ = ["cross_entropy", "perplexity"]


def cross_entropy(logits, targets, reduction: str = "mean") -> float | np.ndarray:
    """Softmax cross-entropy in nats: ``-log softmax(logits)[target]``.

    Parameters
    ----------
    logits : float array of shape ``(..., V)`` (unnormalised scores).
    targets : int array of shape ``(...)`` with values in ``[0, V)``.
    reduction : ``"mean"`` (a float), ``"sum"`` or ``"none"`` (an array of shape ``(...)``).

    Computed with a stable log-sum-exp (the max logit is subtracted first).

    Logits may be ``-inf`` (a masked class, probability 0): a target whose logit is ``-inf`` then has loss
    ``+inf``. ValueError for NaN or ``+inf`` logits, a row whose logits are all ``-inf`` (no distribution),
    no classes (V = 0), and ``reduction="mean"`` over zero tokens (a mean of nothing); ``"sum"`` of zero
    tokens is 0.0 and ``"none"`` an empty array.
    """
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    z = np.asarray(logits, dtype=np.float64)
    y = np.asarray(targets)
    if z.ndim < 1 or z.shape[:-1] != y.shape:
        raise ValueError(f"logits of shape {z.shape} do not match targets of shape {y.shape}: expected "
                         f"logits.shape == targets.shape + (V,)")
    if y.size and not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"targets must be integers, got dtype {y.dtype}")
    V = z.shape[-1]
    if V == 0:
        raise ValueError(f"logits have shape {z.shape}: no classes (the last axis, V, is 0)")
    if y.size and (y.min() < 0 or y.max() >= V):
        raise IndexError(f"target {int(y.min() if y.min() < 0 else y.max())} out of range for V={V}")
    if y.size == 0 and reduction == "mean":
        raise ValueError("cross-entropy of zero tokens is undefined (targets is empty)")
    bad = np.isnan(z) | (z == np.inf)
    if bad.any():
        i = tuple(int(j) for j in np.argwhere(bad)[0])
        raise ValueError(f"logits contain {z[i]} at index {i}: logits must be finite or -inf (a masked class)")
    m = z.max(axis=-1, keepdims=True)
    if z.size and (m == -np.inf).any():
        i = tuple(int(j) for j in np.argwhere(m[..., 0] == -np.inf)[0])
        raise ValueError(f"every logit of row {i} is -inf: no class has a nonzero probability")
    lse = np.log(np.exp(z - m).sum(axis=-1)) + m[..., 0]
    nll = lse - np.take_along_axis(z, y[..., None].astype(np.intp), axis=-1)[..., 0]
    if reduction == "none":
        return nll
    if reduction == "sum":
        return float(nll.sum())
    return float(nll.mean())


def perplexity(log_probs=None, *, nll: float | None = None) -> float:
    """Perplexity ``exp(-mean(log_probs))`` of per-token natural-log probabilities.

    Either ``log_probs`` (array of ``log P(w_i | w_<i)``, nats, one per scored token) or ``nll`` (an
    already averaged negative log-likelihood in nats, e.g. a cross-entropy loss) is given.
    A token of probability 0 (log-prob -inf, or ``nll=inf``) makes the perplexity infinite, with a warning.
    ValueError for NaN, for a negative ``nll`` (below -1e-12: a probability above 1) and for zero tokens.

    >>> perplexity(np.log([0.5, 0.25]))  # geometric mean of 1/p
    2.8284271247461903
    """
    if (log_probs is None) == (nll is None):
        raise TypeError("give exactly one of log_probs or nll")
    if nll is None:
        lp = np.asarray(log_probs, dtype=np.float64)
        if lp.size == 0:
            raise ValueError("perplexity of zero tokens is undefined")
        if np.isnan(lp).any():
            raise ValueError("log_probs contain NaN")
        if (lp > 1e-12).any():
            raise ValueError("log_probs must be <= 0 (natural-log probabilities)")
        nll = -float(lp.mean())
    else:
        try:
            if isinstance(nll, (str, bytes, bool)):
                raise TypeError
            nll = float(nll)
        except (TypeError, ValueError):
            raise TypeError(f"nll must be a number (a mean negative log-likelihood in nats), got {nll!r}") from None
    if math.isnan(nll):
        raise ValueError("nll is NaN")
    if nll < -1e-12:
        raise ValueError(f"nll must be >= 0 (a mean negative log-likelihood in nats), got {nll}; "
                         f"did you pass a log-probability instead of its negative?")
    if math.isinf(nll):
        warnings.warn("a token has probability 0 (log-probability -inf), so the perplexity is infinite; "
                      "use a smoothed model", RuntimeWarning, stacklevel=2)
        return math.inf
    return exp_nll(nll)


def exp_nll(nll: float) -> float:
    """exp(nll), the perplexity of a mean NLL in nats: +inf past float64's range (nll > ~709.78) instead of
    OverflowError. No checks (see :func:`perplexity` for them)."""
    try:
        return math.exp(nll)
    except OverflowError:
        return math.inf
