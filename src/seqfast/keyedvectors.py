"""Word vectors by key: :class:`KeyedVectors` (gensim's names), similarity queries, the analogy and
word-similarity benchmarks, and the word2vec file formats (text, binary, GloVe's headerless text).

Formats (the codec of each lives here, once):
  text     ``V E`` header line, then ``word x1 ... xE`` per line (space separated, UTF-8); numbers written as
           the shortest decimal that reads back as the same float32 (numpy's ``str``, as gensim writes them), so
           files are byte-identical to gensim's and round trips are exact.
  binary   the same header, then per word ``word`` + one space + E little-endian float32, as gensim writes it;
           the reader also accepts word2vec.c's ``"\\n"`` after each vector.
  GloVe    the text format without the header line (``no_header=True``).
"""
from __future__ import annotations

import math
import os
from typing import Iterable, Sequence

import numpy as np

from ._atomic import atomic_write
from .text import Vocab, open_binary

__all__ = ["KeyedVectors"]


class KeyedVectors:
    """Vectors (n, E) float32 indexed by str keys (row i is ``index_to_key[i]``).

    Example
    -------
    >>> kv = KeyedVectors(["a", "b", "c"], np.eye(3, dtype=np.float32))
    >>> kv["b"].tolist(), kv.most_similar("a", topn=1)[0][0] in ("b", "c")
    ([0.0, 1.0, 0.0], True)
    """

    def __init__(self, keys: Sequence[str], vectors, counts=None):
        keys = list(keys)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[0] != len(keys):
            raise ValueError(f"vectors must have shape (len(keys), E) = ({len(keys)}, E), got {vectors.shape}")
        for k in keys:
            if not isinstance(k, str):
                raise TypeError(f"keys must be str, got {type(k).__name__}: {k!r}")
        self._vocab = Vocab.from_tokens(keys, specials=())
        self.index_to_key = keys
        self.vectors = vectors
        self.counts = None if counts is None else np.asarray(counts, dtype=np.int64)
        self._norms = None

    # ----- lookups ------------------------------------------------------------------------------------------
    @property
    def vector_size(self) -> int:
        return self.vectors.shape[1]

    @property
    def key_to_index(self) -> dict:
        """key -> row (a dict built on demand; lookups use a C hash table)."""
        return {k: i for i, k in enumerate(self.index_to_key)}

    def __len__(self) -> int:
        return len(self.index_to_key)

    def __contains__(self, key) -> bool:
        return key in self._vocab

    def get_index(self, key: str, default=None) -> int:
        """Row of ``key``; KeyError naming it when absent and no default."""
        if key in self._vocab:
            return self._vocab[key]
        if default is not None:
            return default
        raise KeyError(f"word {key!r} not in vocabulary ({len(self)} words)")

    def get_vector(self, key: str, norm: bool = False) -> np.ndarray:
        """The vector (E,) of ``key`` (a view), or its unit-length copy when ``norm``."""
        i = self.get_index(key)
        return self.vectors[i] / self._unit_norms()[i] if norm else self.vectors[i]

    def __getitem__(self, key):
        """``kv["word"]`` (E,), or ``kv[["a", "b"]]`` (2, E)."""
        if isinstance(key, str):
            return self.get_vector(key)
        return np.stack([self.get_vector(k) for k in key])

    def _unit_norms(self) -> np.ndarray:
        if self._norms is None or self._norms.shape[0] != len(self):
            n = np.linalg.norm(self.vectors, axis=1)
            n[n == 0] = 1.0  # a zero vector stays zero
            self._norms = n.astype(np.float32)
        return self._norms

    def fill_norms(self, force: bool = False) -> None:
        """Recompute the cached row norms (after changing ``vectors`` in place)."""
        self._norms = None
        self._unit_norms()

    def unit_vectors(self) -> np.ndarray:
        """(n, E) rows scaled to unit length (a new array)."""
        return self.vectors / self._unit_norms()[:, None]

    # ----- similarity ---------------------------------------------------------------------------------------
    def similarity(self, w1: str, w2: str) -> float:
        """Cosine similarity of two words."""
        return float(np.dot(self.get_vector(w1, norm=True), self.get_vector(w2, norm=True)))

    def _mean_unit(self, positive, negative):
        if isinstance(positive, str):
            positive = [positive]
        if isinstance(negative, str):
            negative = [negative]
        positive, negative = list(positive or []), list(negative or [])
        if not positive and not negative:
            raise ValueError("most_similar() needs at least one positive or negative word")
        terms, used = [], set()
        for words, sign in ((positive, 1.0), (negative, -1.0)):
            for w in words:
                if isinstance(w, str):
                    terms.append(sign * self.get_vector(w, norm=True))
                    used.add(self.get_index(w))
                else:  # a vector
                    v = np.asarray(w, dtype=np.float32)
                    if v.shape != (self.vector_size,):
                        raise ValueError(f"a query vector must have shape ({self.vector_size},), got {v.shape}")
                    terms.append(sign * v)
        mean = np.mean(terms, axis=0)
        n = np.linalg.norm(mean)
        return (mean / n if n > 0 else mean).astype(np.float32), used

    def most_similar(self, positive=None, negative=None, topn: int | None = 10,
                     restrict_vocab: int | None = None) -> list[tuple[str, float]]:
        """The ``topn`` words closest by cosine to the mean of the unit vectors of ``positive`` minus those of
        ``negative`` (3CosAdd for an analogy a:b :: c:? as ``positive=[b, c], negative=[a]``), the query
        words excluded; gensim's rule. ``restrict_vocab``: search only the first (most frequent) rows.
        ``topn=None`` returns all similarities as an array."""
        q, used = self._mean_unit(positive, negative)
        lim = len(self) if restrict_vocab is None else min(int(restrict_vocab), len(self))
        sims = (self.vectors[:lim] @ q) / self._unit_norms()[:lim]
        if topn is None:
            return sims
        k = min(int(topn) + len(used), lim)
        if k <= 0:
            return []
        best = np.argpartition(-sims, k - 1)[:k] if k < lim else np.arange(lim)
        best = best[np.lexsort((best, -sims[best]))]
        return [(self.index_to_key[i], float(sims[i])) for i in best if i not in used][: int(topn)]

    def similar_by_word(self, word: str, topn: int = 10):
        return self.most_similar(positive=[word], topn=topn)

    def doesnt_match(self, words: Iterable[str]) -> str:
        """The word farthest (by cosine) from the mean of the others' unit vectors; words not in the
        vocabulary are ignored."""
        used = [w for w in words if w in self]
        if not used:
            raise ValueError("doesnt_match(): none of the words is in the vocabulary")
        vecs = np.stack([self.get_vector(w, norm=True) for w in used])
        mean = vecs.mean(axis=0)
        mean /= max(np.linalg.norm(mean), 1e-30)
        return used[int(np.argmin(vecs @ mean))]

    # ----- benchmarks ---------------------------------------------------------------------------------------
    def _ok_vocab(self, restrict_vocab: int, case_insensitive: bool) -> dict:
        keys = self.index_to_key[: int(restrict_vocab)]
        if case_insensitive:  # the most frequent of the words that upper-case alike wins, as in gensim
            ok = {}
            for i, k in enumerate(keys):
                ok.setdefault(k.upper(), i)
            return ok
        return {k: i for i, k in enumerate(keys)}

    def evaluate_word_analogies(self, path, restrict_vocab: int = 300000, case_insensitive: bool = True,
                                dummy4unknown: bool = False):
        """Accuracy on analogy questions in the ``questions-words.txt`` format (``: section`` lines, then
        ``a b c d`` per line: a is to b as c is to d). Only the first ``restrict_vocab`` words are searched and
        questions with a word outside them are skipped (counted wrong with ``dummy4unknown``), as gensim does.
        Each answer is the nearest word by 3CosAdd other than a, b, c.

        Returns (accuracy, sections): sections is a list of ``{"section", "correct", "incorrect"}`` (lists of
        the questions as 4-tuples), the last one ``"Total accuracy"``."""
        ok = self._ok_vocab(restrict_vocab, case_insensitive)
        lim = min(int(restrict_vocab), len(self))
        unit = self.unit_vectors()[:lim]
        sections, cur, quads = [], None, []
        with open_binary(os.fspath(path)) as f:
            text = f.read().decode("utf-8")
        for ln, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            if line.startswith(": "):
                cur = {"section": line[2:].strip(), "correct": [], "incorrect": []}
                sections.append(cur)
                continue
            if cur is None:
                raise ValueError(f"{path}:{ln}: a question before the first ': section' line")
            parts = line.upper().split() if case_insensitive else line.split()
            if len(parts) != 4:
                raise ValueError(f"{path}:{ln}: expected 4 words, got {line!r:.80}")
            quads.append((cur, tuple(line.split()), parts))
        known = [(s, orig, p) for s, orig, p in quads if all(w in ok for w in p)]
        for s, orig, p in quads:
            if dummy4unknown and not all(w in ok for w in p):
                s["incorrect"].append(orig)
        for lo in range(0, len(known), 512):
            batch = known[lo: lo + 512]
            ia = np.array([[ok[w] for w in p[:3]] for _, _, p in batch]).reshape(-1, 3)
            q = unit[ia[:, 1]] - unit[ia[:, 0]] + unit[ia[:, 2]]  # the mean's scale does not change the ranking
            sims = q @ unit.T
            np.put_along_axis(sims, ia, -np.inf, axis=1)
            pred = np.argmax(sims, axis=1)
            for (s, orig, p), j in zip(batch, pred):
                (s["correct"] if j == ok[p[3]] else s["incorrect"]).append(orig)
        correct = [q for s in sections for q in s["correct"]]
        incorrect = [q for s in sections for q in s["incorrect"]]
        sections.append({"section": "Total accuracy", "correct": correct, "incorrect": incorrect})
        total = len(correct) + len(incorrect)
        return (len(correct) / total if total else 0.0), sections

    def evaluate_word_pairs(self, path, delimiter: str = "\t", restrict_vocab: int = 300000,
                            case_insensitive: bool = True, dummy4unknown: bool = False):
        """Correlation of cosine similarities with human scores in the WordSim-353 format (``word1 word2
        score`` per line, ``#`` comments). Returns ``((pearson_r, p), (spearman_rho, p), oov_percent)`` like
        gensim (p-values need scipy, else NaN); pairs with a word outside the first ``restrict_vocab`` words
        are left out (scored 0 with ``dummy4unknown``)."""
        ok = self._ok_vocab(restrict_vocab, case_insensitive)
        unit = self.unit_vectors()
        human, model, oov = [], [], 0
        with open_binary(os.fspath(path)) as f:
            text = f.read().decode("utf-8")
        for ln, line in enumerate(text.splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split(delimiter) if delimiter else line.split()
            if len(parts) < 3:
                raise ValueError(f"{path}:{ln}: expected 'word1{delimiter}word2{delimiter}score', got {line!r:.80}")
            a, b = (parts[0].upper(), parts[1].upper()) if case_insensitive else (parts[0], parts[1])
            try:
                score = float(parts[2])
            except ValueError:
                raise ValueError(f"{path}:{ln}: score {parts[2]!r} is not a number") from None
            if a not in ok or b not in ok:
                oov += 1
                if dummy4unknown:
                    human.append(score)
                    model.append(0.0)
                continue
            human.append(score)
            model.append(float(unit[ok[a]] @ unit[ok[b]]))
        n = len(human) + (0 if dummy4unknown else oov)
        if len(human) < 2:
            raise ValueError(f"{path}: fewer than 2 word pairs in the vocabulary; nothing to correlate")
        h, m = np.array(human), np.array(model)
        pearson = (_pearson(h, m), _pvalue(_pearson(h, m), len(h)))
        rho = _pearson(_ranks(h), _ranks(m))
        spearman = (rho, _pvalue(rho, len(h)))
        return pearson, spearman, 100.0 * oov / n if n else 0.0

    # ----- files --------------------------------------------------------------------------------------------
    def save_word2vec_format(self, path, binary: bool = False, write_header: bool = True) -> None:
        """Write the word2vec text or binary format (see the module docstring); atomically."""
        V, E = self.vectors.shape
        for k in self.index_to_key:
            if not k or any(c.isspace() for c in k):
                raise ValueError(f"key {k!r} is empty or holds whitespace; the word2vec formats cannot store it")
        with atomic_write(path, "wb") as f:
            if write_header:
                f.write(f"{V} {E}\n".encode())
            if binary:
                vec = self.vectors.astype("<f4", copy=False)
                for k, row in zip(self.index_to_key, vec):
                    f.write(k.encode("utf-8") + b" " + row.tobytes())
            else:
                for lo in range(0, V, 4096):
                    lines = [k + " " + " ".join(map(str, row)) for k, row in
                             zip(self.index_to_key[lo: lo + 4096], self.vectors[lo: lo + 4096])]
                    f.write(("\n".join(lines) + "\n").encode("utf-8"))

    @classmethod
    def load_word2vec_format(cls, path, binary: bool = False, no_header: bool = False, limit: int | None = None,
                             encoding: str = "utf-8", unicode_errors: str = "strict") -> "KeyedVectors":
        """Read the word2vec text or binary format (gzip recognized by content); ``no_header=True`` reads
        GloVe's headerless text. ``limit``: read only the first rows. ValueError names the line or word that
        is malformed."""
        path = os.fspath(path)
        with open_binary(path) as f:
            data = f.read()
        if no_header:
            if binary:
                raise ValueError("no_header=True is for text files (GloVe); binary files have a header")
            lines = data.decode(encoding, unicode_errors).splitlines()
            lines = [ln for ln in lines if ln.strip()]
            if not lines:
                raise ValueError(f"{path}: no vectors")
            E = len(lines[0].split()) - 1
            return cls._parse_text(path, lines, len(lines), E, limit, 1)
        nl = data.find(b"\n")
        head = data[: nl if nl >= 0 else len(data)].split()
        try:
            V, E = int(head[0]), int(head[1])
            if len(head) != 2 or V < 0 or E < 1:
                raise ValueError
        except (ValueError, IndexError):
            raise ValueError(f"{path}: the first line should be 'count dimensions', got {data[:60]!r}; "
                             f"for GloVe's headerless files pass no_header=True") from None
        n = V if limit is None else min(V, int(limit))
        if not binary:
            lines = data[nl + 1:].decode(encoding, unicode_errors).splitlines()
            lines = [ln for ln in lines if ln.strip()]
            return cls._parse_text(path, lines, V, E, limit, 2)
        keys, vecs, pos, width = [], np.empty((n, E), dtype=np.float32), nl + 1, 4 * E
        for i in range(n):
            while pos < len(data) and data[pos: pos + 1] in (b"\n", b"\r"):
                pos += 1
            sp = data.find(b" ", pos)
            if sp < 0 or sp + 1 + width > len(data):
                raise ValueError(f"{path}: truncated binary file at word {i} of {V}")
            keys.append(data[pos:sp].decode(encoding, unicode_errors))
            vecs[i] = np.frombuffer(data, dtype="<f4", count=E, offset=sp + 1)
            pos = sp + 1 + width
        return cls(keys, vecs)

    @classmethod
    def _parse_text(cls, path, lines, V, E, limit, first_line):
        n = V if limit is None else min(V, int(limit))
        if len(lines) < n:
            raise ValueError(f"{path}: the header promises {V} vectors, the file holds {len(lines)}")
        keys, vecs = [], np.empty((n, E), dtype=np.float32)
        for i, line in enumerate(lines[:n]):
            parts = line.rstrip().split(" ")
            if len(parts) != E + 1:
                parts = line.split()
            if len(parts) != E + 1:
                raise ValueError(f"{path}:{i + first_line}: expected a word and {E} numbers, got {len(parts)} fields")
            keys.append(parts[0])
            try:
                vecs[i] = np.array(parts[1:], dtype=np.float32)
            except ValueError:
                raise ValueError(f"{path}:{i + first_line}: not a number in {line[:60]!r}") from None
        if len(set(keys)) != len(keys):
            raise ValueError(f"{path}: a word appears twice")
        return cls(keys, vecs)

    def __repr__(self) -> str:
        return f"KeyedVectors({len(self)} keys, vector_size={self.vector_size})"


def _ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n, ties given their average rank (Spearman's convention)."""
    order = np.argsort(x, kind="mergesort")
    r = np.empty(len(x))
    xs = x[order]
    i = 0
    while i < len(x):
        j = i
        while j + 1 < len(x) and xs[j + 1] == xs[i]:
            j += 1
        r[order[i: j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return r


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    d = math.sqrt(float(a @ a) * float(b @ b))
    return float(a @ b) / d if d > 0 else float("nan")


def _pvalue(r: float, n: int) -> float:
    """Two-sided p-value of a correlation r over n pairs (t test, as scipy.stats); NaN without scipy."""
    try:
        from scipy.stats import t as student_t
    except ImportError:
        return float("nan")
    if n < 3 or not np.isfinite(r):
        return float("nan")
    if abs(r) >= 1:
        return 0.0
    tt = r * math.sqrt((n - 2) / (1 - r * r))
    return float(2 * student_t.sf(abs(tt), n - 2))
