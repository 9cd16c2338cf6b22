"""Partitioning sequences (course section 3.2): fixed-length chunks, overlapping windows, minibatches."""
from __future__ import annotations

from typing import Iterator

import numpy as np

__all__ = ["as_ids", "windows", "batches"]


def as_ids(ids, name: str = "ids") -> np.ndarray:
    """Check that ``ids`` is a 1-D array of integers that fit int32 and return it as int32 (no copy if
    it already is). Floats raise TypeError, other shapes ValueError, negatives or too large IndexError."""
    a = np.asarray(ids)
    if a.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {a.shape}; flatten it (e.g. ids.ravel())")
    if a.size == 0:
        return a.astype(np.int32)
    if not np.issubdtype(a.dtype, np.integer):
        raise TypeError(f"{name} must be integers, got dtype {a.dtype}; encode tokens with Vocab.encode first")
    if a.dtype != np.int32:
        lo, hi = int(a.min()), int(a.max())
        if lo < 0 or hi > np.iinfo(np.int32).max:
            raise IndexError(f"{name} contains {lo if lo < 0 else hi}, outside the int32 id range")
        a = a.astype(np.int32)
    elif a.size and int(a.min()) < 0:
        raise IndexError(f"{name} contains a negative id ({int(a.min())})")
    return a


def _positive(name: str, v) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        raise TypeError(f"{name} must be a positive int, got {v!r}")
    if v < 1:
        raise ValueError(f"{name} must be >= 1, got {v}")
    return int(v)


def windows(ids, length: int, stride: int | None = None) -> np.ndarray:
    """All windows of ``length`` tokens, one every ``stride`` tokens, as a 2-D zero-copy (read-only) view.

    ``stride=None`` (= length) gives fixed-length non-overlapping chunks; ``stride < length`` overlapping
    windows; ``stride > length`` skips tokens between windows.
    Row ``i`` is ``ids[i*stride : i*stride + length]``; there are ``(n - length) // stride + 1`` rows.
    The tail: tokens after the last full window (fewer than ``stride`` of them) are left out, never padded.

    Returns an array of shape ``(num_windows, length)`` sharing memory with ``ids``; copy it before writing.

    >>> windows(np.arange(7), 3).tolist()
    [[0, 1, 2], [3, 4, 5]]
    >>> windows(np.arange(5), 3, stride=1).tolist()
    [[0, 1, 2], [1, 2, 3], [2, 3, 4]]
    """
    a = np.asarray(ids)
    if a.ndim != 1:
        raise ValueError(f"ids must be 1-D, got shape {a.shape}")
    length = _positive("length", length)
    stride = length if stride is None else _positive("stride", stride)
    n = a.shape[0]
    if length > n:
        raise ValueError(f"window length {length} is longer than the sequence ({n} tokens)")
    count = (n - length) // stride + 1
    return np.lib.stride_tricks.as_strided(a, shape=(count, length),
                                           strides=(a.strides[0] * stride, a.strides[0]), writeable=False)


class batches:
    """Minibatches ``(X, Y)`` for language-model training, both int32 of shape ``(batch_size, num_steps)``,
    ``Y[b, t]`` being the token that follows ``X[b, t]`` in the corpus.

    ``mode="sequential"``: the corpus (after an offset) is cut into ``batch_size`` parallel streams, one per
    row, and each batch takes the next ``num_steps`` tokens of every stream. Row i of batch j+1 continues
    row i of batch j, so an RNN's hidden state can be carried from batch to batch (truncated BPTT)::

        corpus:  a b c d e f g h i j k l m n o p q r s t u v w x      (batch_size=2, num_steps=3)
        streams: row 0 = a b c d e f g h i j k   row 1 = l m n o p q r s t u v
        batch 0: X = [[a b c]   batch 1: X = [[d e f]   batch 2: X = [[g h i]
                      [l m n]]               [o p q]]               [r s t]]
                 Y = X shifted by one token in the corpus (b c d / m n o ...)

    ``mode="random"``: the corpus (after an offset) is cut into non-overlapping subsequences of
    ``num_steps`` tokens, shuffled, and grouped ``batch_size`` at a time; each subsequence is used at most
    once per epoch (the ``n_subseq % batch_size`` left over after shuffling are skipped that epoch)::

        offset 1:  a | b c d | e f g | h i j | k l m | ...   -> subsequences [bcd] [efg] [hij] [klm] ...
        batch:     X = [[h i j]     (rows drawn in shuffled order, adjacent rows unrelated)
                        [b c d]]

    ``random_offset`` (default: True for random, False for sequential) starts each epoch at a random
    offset in ``[0, num_steps)``, so that different epochs see different cuts. Every ``iter()`` is a new
    epoch; the whole sequence of epochs is fixed by ``seed``. ``len()`` is the number of batches per
    epoch (the same for every epoch, whatever the offset). No window runs past the end of the corpus.

    Raises ValueError naming the corpus size, ``batch_size`` and ``num_steps`` when not even one batch fits.

    >>> b = batches(np.arange(24), batch_size=2, num_steps=3)
    >>> X, Y = next(iter(b)); X.tolist(), Y.tolist()
    ([[0, 1, 2], [11, 12, 13]], [[1, 2, 3], [12, 13, 14]])
    """

    def __init__(self, ids, batch_size: int, num_steps: int, mode: str = "sequential",
                 seed: int | None = None, random_offset: bool | None = None):
        self.ids = as_ids(ids)
        self.batch_size = _positive("batch_size", batch_size)
        self.num_steps = _positive("num_steps", num_steps)
        if mode not in ("sequential", "random"):
            raise ValueError(f"mode must be 'sequential' or 'random', got {mode!r}")
        self.mode = mode
        self.random_offset = (mode == "random") if random_offset is None else bool(random_offset)
        self.rng = np.random.default_rng(seed)
        n, B, T = len(self.ids), self.batch_size, self.num_steps
        max_off = T - 1 if self.random_offset else 0
        usable = n - max_off - 1  # tokens that can be inputs (each needs a next token)
        if mode == "sequential":
            self._per_row = max(usable, 0) // B
            self._n = self._per_row // T
        else:
            self._n_sub = max(usable, 0) // T
            self._n = self._n_sub // B
        if self._n == 0:
            raise ValueError(
                f"corpus of {n} tokens is too small for batch_size={B} x num_steps={T}"
                f"{' (with a random offset up to ' + str(max_off) + ')' if max_off else ''}: one batch needs "
                f"at least {B * T + 1 + max_off} tokens; use a smaller batch_size or num_steps")

    def __len__(self) -> int:
        return self._n

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        B, T, ids = self.batch_size, self.num_steps, self.ids
        off = int(self.rng.integers(0, T)) if self.random_offset else 0
        if self.mode == "sequential":
            L = self._per_row
            Xs = ids[off: off + B * L].reshape(B, L)
            Ys = ids[off + 1: off + 1 + B * L].reshape(B, L)
            for j in range(self._n):
                yield Xs[:, j * T:(j + 1) * T].copy(), Ys[:, j * T:(j + 1) * T].copy()
        else:
            starts = off + T * self.rng.permutation(self._n_sub)
            idx = starts[:, None] + np.arange(T)[None, :]
            for j in range(self._n):
                rows = idx[j * B:(j + 1) * B]
                yield ids[rows], ids[rows + 1]
