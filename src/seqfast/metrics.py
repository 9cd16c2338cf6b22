"""Metrics: cross-entropy and perplexity (course section 3.1) for language models; accuracy, confusion
matrices, per-class precision / recall / F1, macro-F1 and per-tag accuracy for classifiers and taggers; RMSE
for regressors.

    PPL = exp( -1/N * sum_i log P(w_i | w_<i) )

Every log here is natural (nats). ARPA files store log10 probabilities; convert with
``ln p = log10 p * ln 10`` (the n-gram models do this for you).
"""
from __future__ import annotations

import math
import warnings

import numpy as np

__all__ = ["cross_entropy", "perplexity", "accuracy", "confusion_matrix", "precision_recall_f1", "macro_f1",
           "per_class_accuracy", "rmse", "format_confusion"]


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


# ----------------------------------------------------------------------------------------------- labels
def _labels(y_true, y_pred, mask=None, num_classes: int | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    """Flattened int64 (true, predicted) labels of the same shape (positions where ``mask`` is False left out),
    and the number of classes K (``num_classes``, else 1 + the largest label)."""
    t, p = np.asarray(y_true), np.asarray(y_pred)
    if t.shape != p.shape:
        raise ValueError(f"y_true has shape {t.shape} but y_pred has shape {p.shape}; they must match")
    for name, a in (("y_true", t), ("y_pred", p)):
        if a.size and not np.issubdtype(a.dtype, np.integer):
            raise TypeError(f"{name} must be integer class ids, got dtype {a.dtype}; map labels to ids first "
                            f"(predictions: the argmax of the logits)")
    if mask is not None:
        m = np.asarray(mask)
        if m.shape != t.shape:
            raise ValueError(f"mask has shape {m.shape}, expected the labels' shape {t.shape}")
        m = m.astype(bool)
        t, p = t[m], p[m]
    t, p = t.reshape(-1).astype(np.int64), p.reshape(-1).astype(np.int64)
    lo = min(int(t.min()), int(p.min())) if t.size else 0
    if lo < 0:
        raise IndexError(f"class id {lo} is negative: class ids must be in [0, num_classes)")
    hi = max(int(t.max()), int(p.max())) if t.size else -1
    if num_classes is None:
        K = hi + 1
    else:
        if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < 1:
            raise ValueError(f"num_classes must be a positive int, got {num_classes!r}")
        K = int(num_classes)
        if hi >= K:
            raise IndexError(f"class id {hi} is out of range for num_classes={K}")
    return t, p, K


def accuracy(y_true, y_pred, mask=None) -> float:
    """Fraction of positions where ``y_pred == y_true`` (int arrays of one shape; for a tagger, (B, T) tags with
    ``mask`` True on real tokens, False on padding). ValueError for zero positions."""
    t, p, _ = _labels(y_true, y_pred, mask)
    if t.size == 0:
        raise ValueError("accuracy of zero labels is undefined (y_true is empty or the mask selects nothing)")
    return float((t == p).mean())


def confusion_matrix(y_true, y_pred, num_classes: int | None = None, mask=None) -> np.ndarray:
    """int64 (K, K) counts: ``cm[i, j]`` = positions whose true class is i and predicted class j (rows: truth,
    as scikit-learn). K = ``num_classes``, else 1 + the largest id seen.

    >>> confusion_matrix([0, 1, 1], [0, 0, 1]).tolist()
    [[1, 0], [1, 1]]
    """
    t, p, K = _labels(y_true, y_pred, mask, num_classes)
    return np.bincount(t * K + p, minlength=K * K).reshape(K, K)


def _check_cm(cm) -> np.ndarray:
    c = np.asarray(cm)
    if c.ndim != 2 or c.shape[0] != c.shape[1] or c.shape[0] < 1:
        raise ValueError(f"a confusion matrix is a square (K, K) array, got shape {c.shape}")
    if not np.issubdtype(c.dtype, np.integer) or (c.size and c.min() < 0):
        raise ValueError("a confusion matrix holds counts (non-negative integers)")
    return c.astype(np.int64)


def precision_recall_f1(cm) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-class precision, recall and F1 (float64 arrays (K,)) of a confusion matrix (rows: truth). A class
    never predicted has precision 0; a class absent from the truth has recall 0; F1 is 0 where both are 0."""
    c = _check_cm(cm)
    tp = np.diag(c).astype(np.float64)
    pred, true = c.sum(axis=0), c.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        prec = np.where(pred > 0, tp / np.maximum(pred, 1), 0.0)
        rec = np.where(true > 0, tp / np.maximum(true, 1), 0.0)
        f1 = np.where(prec + rec > 0, 2 * prec * rec / np.where(prec + rec > 0, prec + rec, 1), 0.0)
    return prec, rec, f1


def macro_f1(y_true, y_pred, num_classes: int | None = None, mask=None) -> float:
    """The unweighted mean of per-class F1 over the classes that occur in ``y_true`` or ``y_pred`` (scikit-learn's
    ``f1_score(average="macro")``): every class counts the same, however rare. ValueError for zero labels.

    >>> round(macro_f1([0, 0, 1, 1], [0, 1, 1, 1]), 4)
    0.7333
    """
    t, p, K = _labels(y_true, y_pred, mask, num_classes)
    if t.size == 0:
        raise ValueError("macro-F1 of zero labels is undefined (y_true is empty or the mask selects nothing)")
    cm = np.bincount(t * K + p, minlength=K * K).reshape(K, K)
    _, _, f1 = precision_recall_f1(cm)
    seen = (cm.sum(axis=0) + cm.sum(axis=1)) > 0
    return float(f1[seen].mean())


def per_class_accuracy(y_true, y_pred, num_classes: int | None = None, mask=None) -> tuple[np.ndarray, np.ndarray]:
    """Per-tag accuracy: for each class k, the fraction of positions whose true class is k that were predicted
    k (the recall of k), and the support (positions whose true class is k). Returns (float64 (K,), int64 (K,));
    the accuracy of a class without support is NaN."""
    t, p, K = _labels(y_true, y_pred, mask, num_classes)
    support = np.bincount(t, minlength=K)
    right = np.bincount(t[t == p], minlength=K)
    with np.errstate(divide="ignore", invalid="ignore"):
        acc = np.where(support > 0, right / np.maximum(support, 1), np.nan)
    return acc, support


def rmse(y_true, y_pred) -> float:
    """Root mean squared error ``sqrt(mean((y_pred - y_true)**2))`` over all elements (arrays of one shape, in
    the series' own units). ValueError for empty inputs or NaN."""
    t = np.asarray(y_true, dtype=np.float64)
    p = np.asarray(y_pred, dtype=np.float64)
    if t.shape != p.shape:
        raise ValueError(f"y_true has shape {t.shape} but y_pred has shape {p.shape}; they must match")
    if t.size == 0:
        raise ValueError("RMSE of zero values is undefined")
    if np.isnan(t).any() or np.isnan(p).any():
        raise ValueError("RMSE input contains NaN")
    return float(np.sqrt(np.mean((p - t) ** 2)))


def format_confusion(cm, labels, max_labels: int = 20) -> str:
    """A confusion matrix as a text table (rows: true label, columns: predicted), with per-class precision,
    recall, F1 and support. With more than ``max_labels`` classes only the most frequent true labels are
    shown as rows and columns (the per-class scores still cover them all)."""
    c = _check_cm(cm)
    labels = [str(x) for x in labels]
    if len(labels) != c.shape[0]:
        raise ValueError(f"{len(labels)} labels for a {c.shape[0]}x{c.shape[0]} confusion matrix")
    prec, rec, f1 = precision_recall_f1(c)
    support = c.sum(axis=1)
    order = np.argsort(-support, kind="stable")
    shown = sorted(order[:max_labels].tolist())
    w = max(5, max(len(labels[i]) for i in shown))
    cw = max(6, max(len(str(int(c[i, j]))) for i in shown for j in shown) + 1,
             max(len(labels[i]) for i in shown) + 1)
    lines = []
    if len(shown) < c.shape[0]:
        lines.append(f"(the {len(shown)} most frequent of {c.shape[0]} labels; rows: true, columns: predicted)")
    else:
        lines.append("rows: true label, columns: predicted label")
    lines.append(" " * w + "".join(f"{labels[j]:>{cw}}" for j in shown)
                 + f"{'prec':>8}{'recall':>8}{'F1':>8}{'support':>9}")
    for i in shown:
        lines.append(f"{labels[i]:<{w}}" + "".join(f"{int(c[i, j]):>{cw}}" for j in shown)
                     + f"{prec[i]:>8.3f}{rec[i]:>8.3f}{f1[i]:>8.3f}{int(support[i]):>9}")
    return "\n".join(lines)
