"""Reference for the n-gram counter (csrc/ngram_*.c): a ``collections.Counter`` of tuples of tokens.

Reads like the definition: split the text into lines (or take it as one stream), split each line into tokens,
optionally wrap it in ``<s> ... </s>``, and count every run of n consecutive tokens, n = 1..N.
Slow on purpose; tests compare :func:`seqfast.count_ngrams` with it.
"""
from __future__ import annotations

import re
from collections import Counter

import numpy as np

from ..text import tokenize

__all__ = ["ASCII_WHITESPACE", "split_tokens", "lines_of_tokens", "count_ngrams", "ngrams_of"]

#: The separators of ``level="whitespace"``: ASCII whitespace only (KenLM's reading of pre-tokenized text).
ASCII_WHITESPACE = re.compile(r"[ \t\n\v\f\r]+")


def split_tokens(text: str, level: str) -> list[str]:
    """Tokens of one piece of text at ``level`` ("word": seqfast.tokenize, "char": characters,
    "whitespace": runs of non-ASCII-whitespace)."""
    if level == "whitespace":
        return [t for t in ASCII_WHITESPACE.split(text) if t]
    return tokenize(text, level=level)


def lines_of_tokens(text: str, level: str = "word", boundaries: str = "line", pad: bool = False,
                    lower: bool = False) -> list[list[str]]:
    """The token sequences that n-grams are counted inside.

    boundaries="line": one sequence per line (split at "\\n"; a final line without "\\n" counts, the empty
    string after a final "\\n" does not); "none": the whole text is one sequence (at char level "\\n" is then a
    token). pad=True wraps every non-empty sequence in <s> ... </s>; sequences without tokens are dropped.
    """
    if lower:
        text = text.lower()
    if boundaries == "line":
        pieces = text.split("\n")
        if pieces and pieces[-1] == "":
            pieces.pop()
    else:
        pieces = [text]
    seqs = []
    for p in pieces:
        toks = split_tokens(p, level)
        if not toks:
            continue
        seqs.append(["<s>"] + toks + ["</s>"] if pad else toks)
    return seqs


def ngrams_of(tokens: list, n: int):
    """All runs of n consecutive items: tokens[i:i+n] for i = 0..len-n."""
    return [tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]


def count_ngrams(text: str, order: int, level: str = "word", boundaries: str = "line", pad: bool = False,
                 lower: bool = False) -> list[Counter]:
    """``counts[n]`` (n = 1..order; ``counts[0]`` is empty) maps each n-gram (tuple of tokens) to its count."""
    counts = [Counter() for _ in range(order + 1)]
    for seq in lines_of_tokens(text, level, boundaries, pad, lower):
        for n in range(1, order + 1):
            counts[n].update(ngrams_of(seq, n))
    return counts


# ---- twins of csrc/ngram_runs.c (the out-of-core build) ----
def partition_rows(grams: np.ndarray, col: int, P: int):
    """(perm, starts): rows grouped by grams[:, col] % P, each group in its original order."""
    key = grams[:, col].astype(np.int64) % P
    perm = np.argsort(key, kind="stable").astype(np.int64)
    starts = np.zeros(P + 1, dtype=np.int64)
    np.cumsum(np.bincount(key, minlength=P), out=starts[1:])
    return perm, starts


def partition_scatter(grams: np.ndarray, values: np.ndarray, col: int, P: int):
    """(rows, values, starts): grams and values gathered in the order of :func:`partition_rows`."""
    perm, starts = partition_rows(grams, col, P)
    return grams[perm], values[perm], starts


def _merge_order(rows: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """The lexicographic order of rows (equal rows: lower run first), by a plain stable sort."""
    run = np.repeat(np.arange(len(starts) - 1), np.diff(starts))
    keys = [np.arange(rows.shape[0]), run] + [rows[:, j] for j in range(rows.shape[1] - 1, -1, -1)]
    return np.lexsort(keys).astype(np.int64)


def merge_sources(grams: list, values: list, add: bool = False, vocab_size: int | None = None):
    """(rows, values) of sorted sources merged (equal rows: lower source first); add: equal rows once with
    their values added. A plain stable sort of the concatenation (vocab_size only speeds up the kernel)."""
    rows, vals = np.concatenate(grams).astype(np.int32), np.concatenate(values)
    starts = np.cumsum([0] + [g.shape[0] for g in grams]).astype(np.int64)
    perm = _merge_order(rows, starts)
    rows, vals = rows[perm], vals[perm]
    if add and rows.shape[0]:
        new = np.ones(rows.shape[0], dtype=bool)
        new[1:] = (rows[1:] != rows[:-1]).any(axis=1)
        vals = np.add.reduceat(vals, np.flatnonzero(new))
        rows = rows[new]
    return rows, vals


def join_sorted(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """pos[j] = row of a equal to b[j], or -1 (a dictionary of a's rows)."""
    where = {tuple(r): i for i, r in enumerate(a.tolist())}
    return np.array([where.get(tuple(r), -1) for r in b.tolist()], dtype=np.int64)
