"""Word embeddings: :class:`Word2Vec` (skip-gram and CBOW, negative sampling and/or hierarchical softmax) with
gensim's parameter names and meanings, trained by the C kernels of csrc/w2v.c.

The corpus is streamed from its source once to count words and once to train (a path, paths, ``.gz``, lines of
text or lists of tokens; see :func:`seqfast.ngram.iter_ids`): memory holds the model and one piece of text,
never the corpus. The first epoch also writes the model rows it trained on to a temporary file (4 bytes per
word); later epochs stream that file instead of reading and tokenizing the text again (the same pieces, so the
results are the same), which leaves the cores to training.

Threads update the shared vectors without locks, as word2vec.c and gensim do ("Hogwild"): with
``workers > 1`` two runs differ slightly by the order of updates. ``workers=1`` reproduces itself bit for
bit from ``seed`` (random streams are per block of ~10,000 words, seeded from the seed and the block's index).
"""
from __future__ import annotations

import heapq
import json
import math
import os
import tempfile
import time
from typing import Callable

import numpy as np

from ._atomic import atomic_write
from ._checks import is_int, npz_read_errors
from ._ngram import Interner
from ._prefetch import prefetched
from ._progress import Progress
from ._threads import resolve_threads
from ._w2v import Tables
from .keyedvectors import KeyedVectors
from .ngram import iter_ids

__all__ = ["Word2Vec"]

_FORMAT = "seqfast-word2vec"
#: the first piece of text read for training is this many times smaller than the others (see _chunks)
_RAMP = 16


def _check_int(name, v, lo):
    if not is_int(v) or v < lo:
        raise ValueError(f"{name} must be an int >= {lo}, got {v!r}")
    return int(v)


def _check_real(name, v, lo, hi=math.inf, lo_open=False):
    if isinstance(v, bool) or not isinstance(v, (int, float, np.floating, np.integer)) or not math.isfinite(v) \
            or v < lo or v > hi or (lo_open and v == lo):
        raise ValueError(f"{name} must be a number in {'(' if lo_open else '['}{lo}, {hi}], got {v!r}")
    return float(v)


def keep_thresholds(counts: np.ndarray, sample: float) -> np.ndarray | None:
    """Subsampling: 31-bit thresholds (V,) uint32 (keep a word when a 31-bit draw is below; 2**31: always)
    from gensim's rule: with t = sample * total count, keep probability (sqrt(c / t) + 1) * t / c, capped at 1.
    None when sample == 0."""
    if sample == 0:
        return None
    c = counts.astype(np.float64)
    t = sample * c.sum() if sample < 1.0 else float(int(sample * (3 + math.sqrt(5)) / 2))
    p = np.minimum((np.sqrt(c / t) + 1) * (t / np.maximum(c, 1)), 1.0)
    return np.round(p * 2.0 ** 31).astype(np.uint32)


def alias_table(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Walker/Vose alias table of a discrete distribution ∝ weights (V,): (prob uint32 31-bit thresholds,
    alias int32). Drawing column j uniformly, then j with probability prob[j] / 2**31, else alias[j], gives
    word i with probability weights[i] / sum(weights)."""
    w = np.asarray(weights, dtype=np.float64)
    V = len(w)
    q = w * (V / w.sum())
    prob = np.ones(V)
    alias = np.arange(V, dtype=np.int32)
    small = [i for i in range(V) if q[i] < 1.0]
    large = [i for i in range(V) if q[i] >= 1.0]
    while small and large:
        s, g = small.pop(), large.pop()
        prob[s] = q[s]
        alias[s] = g
        q[g] = (q[g] + q[s]) - 1.0
        (small if q[g] < 1.0 else large).append(g)
    for i in small + large:  # rounding leftovers: probability 1
        prob[i] = 1.0
    return np.minimum(np.round(prob * 2.0 ** 31), 2.0 ** 31).astype(np.uint32), alias


def huffman(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Huffman tree over word counts for hierarchical softmax: (code_off int64 (V+1,), points int32,
    codes uint8). Word w's path from the root is points/codes[code_off[w]:code_off[w+1]]: inner nodes
    (rows 0..V-2 of syn1; the root is V-2) and the branch (0/1) taken at each. Ties broken by index."""
    V = len(counts)
    heap = [(int(c), i) for i, c in enumerate(counts)]
    heapq.heapify(heap)
    parent = np.zeros(2 * V - 1, dtype=np.int64)
    branch = np.zeros(2 * V - 1, dtype=np.uint8)
    nxt = V
    while len(heap) > 1:
        c1, a = heapq.heappop(heap)
        c2, b = heapq.heappop(heap)
        parent[a], branch[a] = nxt, 0
        parent[b], branch[b] = nxt, 1
        heapq.heappush(heap, (c1 + c2, nxt))
        nxt += 1
    root = nxt - 1
    off = np.zeros(V + 1, dtype=np.int64)
    paths = []
    for w in range(V):
        pts, cds, node = [], [], w
        while node != root and V > 1:
            pts.append(parent[node] - V)
            cds.append(branch[node])
            node = parent[node]
        paths.append((pts[::-1], cds[::-1]))
        off[w + 1] = off[w] + len(pts)
    points = np.array([p for pts, _ in paths for p in pts], dtype=np.int32)
    codes = np.array([c for _, cds in paths for c in cds], dtype=np.uint8)
    return off, points, codes


class Word2Vec:
    """word2vec (Mikolov et al. 2013) with gensim's parameters.

    Parameters
    ----------
    corpus : a path, a list of paths (``.gz`` read by content), lines of text (iterable of str), or an iterable
        of token lists (each a sentence). Given here, the vocabulary is built and the model trained at once;
        otherwise call :meth:`build_vocab` and :meth:`train`. It is read once per epoch (plus once for the
        vocabulary), so an iterable must be re-iterable (a list, or an object whose ``__iter__`` restarts),
        not a generator. Each line is a sentence: context windows do not cross lines.
    vector_size : E, dimensions of the vectors.
    window : maximum distance between a word and a context word; each position uses a window drawn
        uniformly from 1..window ("dynamic window").
    min_count : words rarer than this are dropped before training.
    sg : 1 skip-gram (each context word predicts the center word), 0 CBOW (the context mean predicts it).
    negative : K noise words per example (negative sampling, noise ∝ count**ns_exponent); 0 for none.
    hs : 1 for hierarchical softmax (Huffman tree), 0 for none. At least one of hs, negative.
    sample : subsampling of frequent words: a word of count c is kept with probability
        (sqrt(c / t) + 1) * t / c, t = sample * total words (gensim's rule); 0 disables.
    ns_exponent : exponent of the noise distribution (0.75 as word2vec.c).
    alpha, min_alpha : learning rate, decayed linearly from alpha to min_alpha over all epochs of a
        :meth:`train` call.
    epochs : passes over the corpus.
    workers : threads (None: all cores, honouring OMP_NUM_THREADS). 1 is deterministic.
    seed : seeds the initial vectors and every random stream.
    max_vocab_size : keep at most this many words (the most frequent; counting is exact, unlike gensim's
        pruning while scanning).
    cbow_mean : CBOW: 1 averages the context vectors (default), 0 sums them.
    level : ``"word"`` (tokenize like :func:`seqfast.tokenize`) or ``"whitespace"`` (pre-tokenized text).
    lower : lower-case words (merged in the vocabulary).
    errors : invalid UTF-8 in files: ``"strict"`` raises :class:`seqfast.InvalidUTF8Error` naming file and
        offset, ``"replace"`` substitutes U+FFFD, ``"ignore"`` drops the bytes.
    compute_loss : keep the training loss (``get_latest_training_loss()``; costs a log per prediction).
    share_negatives : skip-gram only. True (default): the context words of a center share its K negatives
        and its window is trained as one small batch (scores from the vectors before the window's update), as
        Ji et al. 2016 (Intel's pWord2Vec) do: output rows are fetched once per center instead of once per
        pair, ~2-3x faster at the same accuracy. False: word2vec.c's and gensim's order, pair by pair with
        fresh negatives for every pair.

    Example
    -------
    >>> import seqfast
    >>> m = seqfast.Word2Vec([["a", "b", "c"], ["a", "c", "d"]] * 50, vector_size=8, min_count=1, epochs=2, workers=1)
    >>> m.wv["a"].shape
    (8,)
    """

    def __init__(self, corpus=None, vector_size: int = 100, window: int = 5, min_count: int = 5, sg: int = 1,
                 negative: int = 5, hs: int = 0, sample: float = 1e-3, ns_exponent: float = 0.75,
                 alpha: float = 0.025, min_alpha: float = 1e-4, epochs: int = 5, workers: int | None = None,
                 seed: int = 1, max_vocab_size: int | None = None, cbow_mean: int = 1, level: str = "word",
                 lower: bool = False, errors: str = "strict", compute_loss: bool = False,
                 share_negatives: bool = True,
                 progress: bool | Callable = False):
        self.vector_size = _check_int("vector_size", vector_size, 1)
        self.window = _check_int("window", window, 1)
        self.min_count = _check_int("min_count", min_count, 1)
        if sg not in (0, 1) or isinstance(sg, float):
            raise ValueError(f"sg must be 1 (skip-gram) or 0 (CBOW), got {sg!r}")
        if hs not in (0, 1) or isinstance(hs, float):
            raise ValueError(f"hs must be 0 or 1, got {hs!r}")
        self.sg, self.hs = int(sg), int(hs)
        self.negative = _check_int("negative", negative, 0)
        if self.negative == 0 and not self.hs:
            raise ValueError("negative=0 and hs=0 leave nothing to train: use negative > 0 or hs=1")
        self.sample = _check_real("sample", sample, 0.0)
        self.ns_exponent = _check_real("ns_exponent", ns_exponent, -10.0, 10.0)
        self.alpha = _check_real("alpha", alpha, 0.0, lo_open=True)
        self.min_alpha = _check_real("min_alpha", min_alpha, 0.0, self.alpha)
        self.epochs = _check_int("epochs", epochs, 1)
        self.workers = workers
        resolve_threads(workers)
        if not is_int(seed) or seed < 0:
            raise ValueError(f"seed must be a non-negative int, got {seed!r}")
        self.seed = int(seed)
        self.max_vocab_size = None if max_vocab_size is None else _check_int("max_vocab_size", max_vocab_size, 1)
        if cbow_mean not in (0, 1):
            raise ValueError(f"cbow_mean must be 0 or 1, got {cbow_mean!r}")
        self.cbow_mean = int(cbow_mean)
        if level not in ("word", "whitespace"):
            raise ValueError(f"level must be 'word' or 'whitespace', got {level!r}")
        self.level, self.lower = level, bool(lower)
        if errors not in ("strict", "replace", "ignore"):
            raise ValueError(f"errors must be 'strict', 'replace' or 'ignore', got {errors!r}")
        self.errors = errors
        self.compute_loss = bool(compute_loss)
        self.share_negatives = bool(share_negatives)
        self.wv: KeyedVectors | None = None
        self.syn1neg = self.syn1 = None
        self.corpus_total_words = 0      # ids of the corpus in the vocabulary (one epoch)
        self.corpus_raw_words = 0        # all tokens of the corpus
        self.running_training_loss = 0.0
        self.train_count = 0
        self._blocks = 0                 # random-stream blocks used so far (seeds continue across calls)
        self._interner = None
        self._remap = None
        if corpus is not None:
            self.build_vocab(corpus, progress=progress)
            self.train(corpus, progress=progress)

    # ----- vocabulary ---------------------------------------------------------------------------------------
    def _new_interner(self):
        self._interner = Interner(("<unk>",), False, True)
        self._remap = np.full(1, -1, dtype=np.int32)

    def _stream(self, corpus, ramp: int = 1):
        if not isinstance(corpus, (str, os.PathLike)) and iter(corpus) is corpus:
            raise TypeError("the corpus is read once per epoch: pass a list, a path or a re-iterable object, "
                            "not an iterator or generator")
        return iter_ids(corpus, self._interner, level=self.level, errors=self.errors, ramp=ramp)

    def _key(self, tok: str) -> str:
        return tok.lower() if self.lower else tok

    def build_vocab(self, corpus=None, progress: bool | Callable = False, *, corpus_iterable=None,
                    corpus_file=None) -> "Word2Vec":
        """Count the words of ``corpus`` (one streamed pass), keep those with count >= min_count (at most
        max_vocab_size, by descending count, ties by first appearance), build the sampling tables and
        initialise the vectors (uniform in ±1 / vector_size as gensim, seeded; output vectors zero). gensim's
        ``corpus_iterable=`` and ``corpus_file=`` name the corpus too."""
        corpus = _one_corpus(corpus, corpus_iterable, corpus_file)
        self._new_interner()
        counts = np.zeros(1024, dtype=np.int64)
        raw = 0
        for ids in self._stream(corpus):
            n = len(self._interner)
            if n > len(counts):
                counts = np.concatenate([counts, np.zeros(max(n, 2 * len(counts)) - len(counts), np.int64)])
            w = ids[ids >= 0]
            raw += len(w)
            counts[:n] += np.bincount(w, minlength=n)
        itos = self._interner.tokens(0)
        counts = counts[: len(itos)]
        merged: dict[str, int] = {}
        for tok, c in zip(itos, counts.tolist()):
            if c:
                k = self._key(tok)
                merged[k] = merged.get(k, 0) + c
        keys = [k for k, c in merged.items() if c >= self.min_count]
        freq = np.array([merged[k] for k in keys], dtype=np.int64)
        order = np.argsort(-freq, kind="stable")
        if self.max_vocab_size is not None:
            order = order[: self.max_vocab_size]
        keys = [keys[i] for i in order]
        freq = freq[order]
        if not keys:
            raise ValueError(f"no word occurs min_count={self.min_count} times in the corpus ({raw} tokens); "
                             f"lower min_count or give more text")
        self.corpus_raw_words = raw
        self.corpus_total_words = int(freq.sum())
        V, E = len(keys), self.vector_size
        rng = np.random.default_rng(self.seed)
        syn0 = ((rng.random((V, E), dtype=np.float32) * 2 - 1) / E).astype(np.float32)
        self.wv = KeyedVectors(keys, syn0, counts=freq)
        self.syn1neg = np.zeros((V, E), dtype=np.float32) if self.negative else np.zeros((0, E), np.float32)
        self.syn1 = np.zeros((max(V - 1, 1), E), dtype=np.float32) if self.hs else np.zeros((0, E), np.float32)
        self._build_tables()
        self._extend_remap()
        return self

    def _build_tables(self):
        counts = self.wv.counts
        self._keep = keep_thresholds(counts, self.sample)
        if self.negative:
            self._alias_prob, self._alias = alias_table(counts.astype(np.float64) ** self.ns_exponent)
        else:
            self._alias_prob = self._alias = None
        self._huff = huffman(counts) if self.hs else (None, None, None)

    def _extend_remap(self):
        """interner id -> model row (-2: not in the vocabulary); the last entry maps the -1 line breaks."""
        n_old = len(self._remap) - 1
        n = len(self._interner)
        if n == n_old:
            return
        vocab = self.wv._vocab
        new = np.array([vocab._table.find(self._key(t)) for t in self._interner.tokens(n_old)], dtype=np.int32)
        new[new < 0] = -2
        self._remap = np.concatenate([self._remap[:-1], new, [-1]]).astype(np.int32)

    def _chunks(self, corpus):
        """int32 model rows of the corpus, -1 ending sentences, words outside the vocabulary removed. The first
        pieces are small (1/_RAMP of the others, doubling), so that training starts after a short read and
        the reader keeps ahead of it."""
        for ids in self._stream(corpus, _RAMP):
            if len(self._interner) + 1 != len(self._remap):
                self._extend_remap()
            w = self._remap[ids]
            yield w[w != -2]

    # ----- training -----------------------------------------------------------------------------------------
    def train(self, corpus=None, epochs: int | None = None, total_words: int | None = None,
              start_alpha: float | None = None, end_alpha: float | None = None,
              compute_loss: bool | None = None, progress: bool | Callable = False, *, corpus_iterable=None,
              corpus_file=None, total_examples: int | None = None) -> dict:
        """Train on ``corpus`` for ``epochs`` passes (default: the model's), the learning rate decaying
        linearly from ``start_alpha`` (default alpha) to ``end_alpha`` (default min_alpha) over them.
        ``total_words``: in-vocabulary words per epoch, for the decay (default: the count of the corpus given
        to :meth:`build_vocab`; pass it when training on another corpus). ``progress``: True prints words/s,
        alpha (and the loss when computed) to stderr about once a second; a callable receives a dict of the
        same figures. Returns totals: words, effective_words (after subsampling), examples, loss, seconds.
        gensim's ``corpus_iterable=``/``corpus_file=`` name the corpus; its ``total_examples`` is accepted and
        ignored (the decay counts words)."""
        corpus = _one_corpus(corpus, corpus_iterable, corpus_file)
        if self.wv is None:
            raise RuntimeError("call build_vocab(corpus) before train(), or pass corpus to Word2Vec()")
        epochs = self.epochs if epochs is None else _check_int("epochs", epochs, 1)
        per_epoch = self.corpus_total_words if total_words is None else _check_int("total_words", total_words, 1)
        a0 = self.alpha if start_alpha is None else _check_real("start_alpha", start_alpha, 0.0, lo_open=True)
        a1 = self.min_alpha if end_alpha is None else _check_real("end_alpha", end_alpha, 0.0, a0)
        loss_on = self.compute_loss if compute_loss is None else bool(compute_loss)
        nt = resolve_threads(self.workers)
        V, E = self.wv.vectors.shape
        off, points, codes = self._huff
        tab = Tables(V, E, self.sg, self.negative, self.hs, self.window, self.cbow_mean, self.share_negatives, a0, a1,
                     per_epoch * epochs, self.seed, self._keep, self._alias_prob, self._alias, off, points, codes)
        show = _progress_printer(loss_on) if progress is True else (progress or None)
        tot = {"words": 0, "effective_words": 0, "examples": 0, "loss": 0.0}
        t0 = last = time.perf_counter()
        done = 0
        cache = _RowCache() if epochs > 1 else None
        try:
            for ep in range(epochs):
                replay = cache is not None and ep > 0 and cache.ok
                for ids in prefetched(cache.read() if replay else self._chunks(corpus), depth=2,
                                       name="seqfast-word2vec-reader"):
                    if cache is not None and ep == 0:
                        cache.write(ids)
                    if ids.size == 0:
                        continue
                    words, eff, ex, loss, nb = tab.train(self.wv.vectors, self.syn1neg, self.syn1, ids, done,
                                                         self._blocks, nt, loss_on)
                    self._blocks += nb
                    done += words
                    tot["words"] += words
                    tot["effective_words"] += eff
                    tot["examples"] += ex
                    tot["loss"] += loss
                    now = time.perf_counter()
                    if show is not None and now - last >= 1.0:
                        last = now
                        show(self._report(tot, ep, epochs, done, per_epoch * epochs, now - t0, a0, a1))
        finally:
            if cache is not None:
                cache.close()
        tot["seconds"] = time.perf_counter() - t0
        self.wv.fill_norms()
        self.running_training_loss = tot["loss"]
        self.train_count += 1
        if show is not None:
            show(self._report(tot, epochs - 1, epochs, done, per_epoch * epochs, tot["seconds"], a0, a1))
        return tot

    @staticmethod
    def _report(tot, ep, epochs, done, total, seconds, a0, a1):
        frac = min(done / total, 1.0) if total else 1.0
        return {"epoch": ep + 1, "epochs": epochs, "progress": frac, "words": tot["words"],
                "words_per_s": tot["words"] / max(seconds, 1e-9), "alpha": max(a0 - (a0 - a1) * frac, a1),
                "loss": tot["loss"] / max(tot["examples"], 1), "seconds": seconds}

    def get_latest_training_loss(self) -> float:
        """Sum of the per-example losses of the last :meth:`train` call (with ``compute_loss``)."""
        return self.running_training_loss

    # ----- persistence --------------------------------------------------------------------------------------
    _PARAMS = ("vector_size", "window", "min_count", "sg", "negative", "hs", "sample", "ns_exponent", "alpha",
               "min_alpha", "epochs", "workers", "seed", "max_vocab_size", "cbow_mean", "level", "lower", "errors",
               "compute_loss", "share_negatives", "corpus_total_words", "corpus_raw_words", "train_count", "_blocks")

    def save(self, path) -> None:
        """Save the whole model (parameters, vocabulary with counts, input and output vectors, training
        state) as ``.npz``, atomically; :meth:`load` continues training where this left off."""
        if self.wv is None:
            raise RuntimeError("nothing to save: the model has no vocabulary yet")
        meta = {"format": _FORMAT, "version": 1, "params": {k: getattr(self, k) for k in self._PARAMS},
                "keys": self.wv.index_to_key}
        with atomic_write(path, "wb") as f:
            np.savez(f, meta=np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8),
                     vectors=self.wv.vectors, counts=self.wv.counts, syn1neg=self.syn1neg, syn1=self.syn1)

    @classmethod
    def load(cls, path) -> "Word2Vec":
        """Read a model written by :meth:`save`; ValueError names what is wrong with a bad file."""
        path = os.fspath(path)
        if not os.path.exists(path):
            raise FileNotFoundError(f"{path}: no such file")
        try:
            with np.load(path, allow_pickle=False) as z:
                meta = json.loads(bytes(z["meta"]).decode("utf-8"))
                arrays = {k: z[k] for k in ("vectors", "counts", "syn1neg", "syn1")}
        except npz_read_errors() as e:
            raise ValueError(f"{path}: not a seqfast Word2Vec model ({e})") from None
        if not isinstance(meta, dict) or meta.get("format") != _FORMAT or meta.get("version") != 1:
            raise ValueError(f"{path}: not a seqfast Word2Vec model (format {meta.get('format')!r})")
        p, keys = meta["params"], meta["keys"]
        m = cls(**{k: p[k] for k in cls._PARAMS if not k.startswith(("corpus_", "train_", "_"))})
        V, E = len(keys), m.vector_size
        vec, cnt = arrays["vectors"], arrays["counts"]
        if vec.shape != (V, E) or cnt.shape != (V,) or vec.dtype != np.float32:
            raise ValueError(f"{path}: vectors/counts do not match the {V} keys and vector_size {E}")
        if arrays["syn1neg"].shape != ((V, E) if m.negative else (0, E)) or \
                arrays["syn1"].shape != ((max(V - 1, 1), E) if m.hs else (0, E)):
            raise ValueError(f"{path}: output vectors do not match the model's parameters")
        m.corpus_total_words, m.corpus_raw_words = int(p["corpus_total_words"]), int(p["corpus_raw_words"])
        m.train_count, m._blocks = int(p["train_count"]), int(p["_blocks"])
        m.wv = KeyedVectors(keys, vec, counts=cnt)
        m.syn1neg = np.ascontiguousarray(arrays["syn1neg"], dtype=np.float32)
        m.syn1 = np.ascontiguousarray(arrays["syn1"], dtype=np.float32)
        m._build_tables()
        m._new_interner()
        m._extend_remap()
        return m

    def __repr__(self) -> str:
        V = 0 if self.wv is None else len(self.wv)
        return (f"Word2Vec(vocab={V}, vector_size={self.vector_size}, {'sg' if self.sg else 'cbow'}, "
                f"window={self.window}, negative={self.negative}, hs={self.hs})")


def _one_corpus(corpus, corpus_iterable, corpus_file):
    given = [c for c in (corpus, corpus_iterable, corpus_file) if c is not None]
    if len(given) != 1:
        raise TypeError("pass the corpus once: as the first argument, corpus_iterable= or corpus_file=")
    return given[0]


class _RowCache:
    """The model rows of one epoch (int32 pieces, as trained) in an unnamed temporary file, read back piece by
    piece for the next epochs. When the file cannot be written (no temporary space), ``ok`` is False and the
    epochs read the corpus again."""

    def __init__(self):
        self.sizes: list[int] = []
        try:
            self.f = tempfile.TemporaryFile(prefix="seqfast-w2v-")
            self.ok = True
        except OSError:
            self.f, self.ok = None, False

    def write(self, ids: np.ndarray) -> None:
        if not self.ok:
            return
        try:
            self.f.write(np.ascontiguousarray(ids, dtype=np.int32).tobytes())
            self.sizes.append(int(ids.size))
        except OSError:
            self.close()

    def read(self):
        self.f.flush()
        self.f.seek(0)
        for n in self.sizes:
            a = np.empty(n, dtype=np.int32)
            if self.f.readinto(memoryview(a).cast("B")) != 4 * n:
                raise OSError("the temporary file of word ids was cut short")
            yield a

    def close(self) -> None:
        if self.f is not None:
            self.f.close()
        self.f, self.ok = None, False


def _progress_printer(with_loss: bool):
    """The progress display (seqfast._progress: a line on stderr, only on a terminal) of train(progress=True)."""
    bar = Progress()

    def show(r):
        bar.show(f"epoch {r['epoch']}/{r['epochs']} {Progress.gauge(r['progress'], 1.0)} {100 * r['progress']:5.1f}%  "
                 f"{r['words_per_s']:,.0f} words/s  alpha {r['alpha']:.6f}"
                 + (f"  loss {r['loss']:.4f}" if with_loss else ""))
        if r["progress"] >= 1.0:
            bar.clear()
    return show
