"""Private stand-in for seqfast.count_ngrams (issue 3) while the counting engine is being merged.

Same interface subset: count_ngrams(source, order, level, pad=True, lower) -> object with .order, .vocab and
.arrays(n). Pure Python; deleted once seqfast.count_ngrams exists.
"""
from __future__ import annotations

import os
from collections import Counter

import numpy as np

from ..text import Vocab, read_text, tokenize


class _Counts:
    def __init__(self, vocab, tables):
        self.vocab = vocab
        self.order = len(tables)
        self._tables = tables

    def arrays(self, n):
        return self._tables[n - 1]


def _lines(source):
    if isinstance(source, (str, os.PathLike)):
        source = [source]
    if isinstance(source, (list, tuple)) and source and all(
            isinstance(s, os.PathLike) or (isinstance(s, str) and os.path.exists(s)) for s in source):
        for p in source:
            yield from read_text(os.fspath(p)).split("\n")
        return
    for line in source:
        yield from str(line).split("\n")


def count_ngrams(source, order, level="word", pad=True, lower=False, n_threads=None, errors="strict",
                 progress=False, **_):
    toks = []
    for line in _lines(source):
        if level == "whitespace":
            t = (line.lower() if lower else line).split()
        elif level == "char":
            t = list(line.lower() if lower else line)
        else:
            t = tokenize(line, lower=lower)
        if t or level == "char":
            toks.append(t)
    freq = Counter(w for t in toks for w in t)
    vocab = Vocab(freq, specials=("<unk>", "<s>", "</s>"))
    stoi = {w: i for i, w in enumerate(vocab.itos)}
    bos, eos = stoi["<s>"], stoi["</s>"]
    tabs = [Counter() for _ in range(order)]
    for t in toks:
        seq = [bos] + [stoi[w] for w in t] + [eos]
        for n in range(1, order + 1):
            c = tabs[n - 1]
            for i in range(len(seq) - n + 1):
                c[tuple(seq[i:i + n])] += 1
    tables = []
    for n, c in enumerate(tabs, 1):
        keys = sorted(c)
        g = np.array(keys, dtype=np.int32).reshape(len(keys), n)
        tables.append((g, np.array([c[k] for k in keys], dtype=np.int64)))
    return _Counts(vocab, tables)
