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
    """
    z = np.asarray(logits, dtype=np.float64)
    y = np.asarray(targets)
    if z.ndim < 1 or z.shape[:-1] != y.shape:
        raise ValueError(f"logits of shape {z.shape} do not match targets of shape {y.shape}: expected "
                         f"logits.shape == targets.shape + (V,)")
    if y.size and not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"targets must be integers, got dtype {y.dtype}")
    V = z.shape[-1]
    if y.size and (y.min() < 0 or y.max() >= V):
        raise IndexError(f"target {int(y.min() if y.min() < 0 else y.max())} out of range for V={V}")
    m = z.max(axis=-1, keepdims=True)
    lse = np.log(np.exp(z - m).sum(axis=-1)) + m[..., 0]
    nll = lse - np.take_along_axis(z, y[..., None].astype(np.intp), axis=-1)[..., 0]
    if reduction == "none":
        return nll
    if reduction == "sum":
        return float(nll.sum())
    if reduction == "mean":
        return float(nll.mean()) if nll.size else float("nan")
    raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def perplexity(log_probs=None, *, nll: float | None = None) -> float:
    """Perplexity ``exp(-mean(log_probs))`` of per-token natural-log probabilities.

    Either ``log_probs`` (array of ``log P(w_i | w_<i)``, nats, one per scored token) or ``nll`` (an
    already averaged negative log-likelihood in nats, e.g. a cross-entropy loss) is given.
    A token of probability 0 (log-prob -inf) makes the perplexity infinite, with a warning.

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
    if math.isnan(nll):
        raise ValueError("nll is NaN")
    if math.isinf(nll):
        warnings.warn("a token has probability 0 (log-probability -inf), so the perplexity is infinite; "
                      "use a smoothed model", RuntimeWarning, stacklevel=2)
        return math.inf
    return math.exp(nll)
