"""NGramLM: n-gram language models that agree with KenLM, with a Python API KenLM never had.

Estimation runs in C over the counting engine's tables (see :mod:`seqfast.lm.estimate`), scoring is a
batched C loop (csrc/lm_score.c), files are ARPA text (KenLM/SRILM interchange) or a fast binary format.
"""
from __future__ import annotations

import json
import math
import mmap
import numbers
import os
import warnings
from typing import Sequence

import numpy as np

from .. import _lm
from .._checks import MAX_GENERATE, check_count as _check_count, is_int, parse_json, read_npz
from .._container import is_gzip
from .._threads import resolve_threads
from ..metrics import exp_nll
from ..text import InvalidUTF8Error, Tokenizer, Vocab, read_line_batches, read_text_pieces
from . import estimate as _est
from .arpa import TOKENIZATION_COMMENT, read_arpa, read_header_comments, write_arpa

__all__ = ["NGramLM", "SMOOTHINGS", "KNDiscountError"]

KNDiscountError = _est.KNDiscountError

#: accepted values of ``smoothing``
SMOOTHINGS = ("mkn", "kn", "mle", "add_k", "laplace", "stupid_backoff")
_SPECIALS = ("<unk>", "<s>", "</s>")
_FORMAT = "seqfast-ngramlm"
_LINES_PER_BATCH = 1 << 16  # lines scored at a time by evaluate (bounded memory on any corpus size)
LN10 = math.log(10.0)


def _count(corpus, order, tokenizer, n_threads, errors, progress, client=None, tmpdir=None):
    if hasattr(corpus, "arrays") and hasattr(corpus, "vocab"):
        return corpus
    from ..ngram import count_ngrams
    return count_ngrams(corpus, order, level=tokenizer.level, pattern=tokenizer.pattern, pad=True,
                        lower=tokenizer.lower, n_threads=n_threads, errors=errors, progress=progress,
                        client=client, tmpdir=tmpdir)


def _check_bool(v, name: str) -> bool:
    """v as a bool; anything else (a list, a str, a number) is a TypeError naming the argument."""
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    raise TypeError(f"{name} must be True or False, got {type(v).__name__} {v!r:.60} (is an argument in the "
                    f"wrong place? the signature is (sentence, bos=True, eos=True))")


class NGramLM:
    """An n-gram language model over sentences (lines), each scored from ``<s>`` through ``</s>``.

    Build one with :meth:`fit` (from text, files or an ``NGramCounts``), :meth:`from_arpa` or :meth:`load`.

    Smoothings
    ----------
    ``"mkn"`` (default)
        interpolated modified Kneser-Ney exactly as KenLM's ``lmplz`` estimates it: adjusted counts, three
        discounts per order from counts-of-counts, interpolation down to uniform over the vocabulary,
        ``<unk>`` gets the leftover unigram mass / |V|. Same n-grams and log10 values (within 1e-5) as lmplz.
    ``"kn"``
        interpolated Kneser-Ney with one discount per order, D = t1 / (t1 + 2 t2).
    ``"mle"``
        the course's count ratios c(h w) / c(h .); an unseen word after a seen history has probability 0
        (log-probability -inf, infinite perplexity, with a warning). An unseen history falls back to its
        longest seen suffix.
    ``"add_k"`` / ``"laplace"`` (k = 1)
        (c(h w) + k) / (c(h .) + k |V|) at the longest history (shorter histories only at sentence starts).
    ``"stupid_backoff"``
        Brants et al. (2007): c(h w) / c(h .) if seen, else ``alpha`` x the score with a shorter history.
        Scores are *not* probabilities (they do not sum to 1): :meth:`perplexity` refuses unless
        ``force=True``.

    Units: :meth:`logprob` is natural log, :meth:`log10prob` and :meth:`score` are log10 (as KenLM).

    Example
    -------
    >>> lm = NGramLM.fit(["the cat sat", "the dog sat", "a cat ran"], order=2, smoothing="add_k")
    >>> round(lm.perplexity(["the cat sat"]), 3) > 1
    True
    >>> [w for w, p in lm.predict("the", k=2)] in (["cat", "dog"], ["dog", "cat"])
    True
    """

    def __init__(self, order: int = 3, smoothing: str = "mkn", *, k: float = 1.0, alpha: float = 0.4,
                 discount_fallback=False, prune=None, level: str = "word", lower: bool = False,
                 pattern: str | None = None):
        if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or not 1 <= order <= 16:
            raise ValueError(f"order must be an int from 1 to 16, got {order!r}")
        if smoothing not in SMOOTHINGS + ("arpa",):
            raise ValueError(f"unknown smoothing {smoothing!r}; choose one of {', '.join(SMOOTHINGS)}")
        if smoothing == "laplace":
            smoothing, k = "add_k", 1.0
        if isinstance(k, bool) or not (isinstance(k, numbers.Real) and k > 0 and math.isfinite(k)):
            raise ValueError(f"k must be a positive number, got {k!r}")
        if isinstance(alpha, bool) or not (isinstance(alpha, numbers.Real) and 0 < alpha <= 1):
            raise ValueError(f"alpha must be in (0, 1], got {alpha!r}")
        if discount_fallback is True:
            discount_fallback = _est.FALLBACK_DISCOUNTS
        elif discount_fallback is False or discount_fallback is None:
            discount_fallback = None
        else:
            discount_fallback = _check_discounts(discount_fallback)
        tokenizer = Tokenizer(level, _check_bool(lower, "lower"), pattern)
        self.order = int(order)
        self.smoothing = smoothing
        self.k, self.alpha, self.discount_fallback = float(k), float(alpha), discount_fallback
        if prune is not None and smoothing not in ("mkn", "kn"):
            raise ValueError("prune is for Kneser-Ney models (smoothing='mkn' or 'kn'), as lmplz --prune")
        self.prune = None if prune is None else _check_prune(prune)
        self._tokenizer = tokenizer
        self.info: dict = {}
        self._grams = None
        self._scorer = None
        self._q = None  # a mapped .sfl model (seqfast._lmq.QueryModel) when loaded from one

    # ------------------------------------------------------------------------------------------ building
    @classmethod
    def fit(cls, corpus=None, order: int = 3, smoothing: str = "mkn", *, k: float = 1.0, alpha: float = 0.4,
            discount_fallback=False, prune=None, level: str = "word", lower: bool = False,
            pattern: str | None = None, n_threads: int | None = None, errors: str = "strict",
            progress: bool = False, text: str | None = None, memory=None, tmpdir=None, arpa=None,
            save=None, client=None) -> "NGramLM | None":
        """Estimate a model from ``corpus``: what ``count_ngrams`` accepts (a path, which must exist; a list
        of ``os.PathLike`` paths; an iterable of lines) or an ``NGramCounts`` counted with ``pad=True``; or
        from a text given as ``text=``. Each line is one sentence.

        k: add-k's k. alpha: stupid backoff's penalty. discount_fallback: True (D = 0.5, 1, 1.5) or three
        discounts used where the Kneser-Ney formula fails. prune: count thresholds per order as lmplz
        --prune, e.g. (0, 1, 1) drops bigrams and higher seen once (Kneser-Ney only). level/lower/pattern:
        how text is split into tokens (a :class:`seqfast.Tokenizer`; ``"whitespace"`` reads pre-tokenized text
        as KenLM does); the model keeps it and tokenizes every query the same way.

        memory: None (everything in memory), or a budget as lmplz's ``-S`` (``"2G"``, ``"500M"``, bytes,
        ``"80%"`` of the RAM): the corpus is counted in chunks, sorted runs are spilled to ``tmpdir`` (default:
        the system's temporary directory) in partitions by the n-grams' second-to-last word, and (Kneser-Ney)
        each partition is estimated on its own (:mod:`seqfast.extmem`). The model is exactly the in-memory
        one. arpa / save: also write the model as an ARPA file / a .sfl file (:meth:`to_arpa` /
        :meth:`save`); with memory=, the ARPA file is streamed from disk, never held in memory, and a model
        larger than the budget must be written to ``arpa=``: fit then returns None (a
        :class:`~seqfast.MemoryLimitError` says so when no file is given).

        client: a ``dask.distributed.Client``: the same stages run as tasks on its workers
        (:mod:`seqfast.cluster`; ``tmpdir`` is then a directory shared by the driver and the workers, ``memory``
        the budget of each task); the model is the same as without it."""
        m = cls(order, smoothing, k=k, alpha=alpha, discount_fallback=discount_fallback, prune=prune, level=level,
                lower=lower, pattern=pattern)
        nt = resolve_threads(n_threads)
        from ..ngram import _source_or_text
        corpus = _source_or_text(corpus, text, "NGramLM.fit")
        if (memory is not None or client is not None) and m.smoothing in ("mkn", "kn") and not hasattr(corpus, "arrays"):
            return m._fit_capped(corpus, memory, tmpdir, arpa, save, nt if client is None else (n_threads or 1),
                                 errors, progress, client)
        if memory is not None and hasattr(corpus, "arrays"):
            raise ValueError("memory= bounds the counting and estimation of a corpus; these NGramCounts are "
                             "already in memory: fit them without memory=")
        if memory is None and tmpdir is not None and client is None:
            raise ValueError("tmpdir= is where memory= puts its temporary files; give memory= too "
                             "(e.g. memory='2G')")
        if memory is not None:  # count-ratio models: counts within the budget, estimated in memory
            from ..ngram import count_ngrams
            tk = m._tokenizer
            counts = count_ngrams(corpus, m.order, level=tk.level, pattern=tk.pattern, pad=True, lower=tk.lower,
                                  n_threads=n_threads, errors=errors, progress=progress, memory=memory,
                                  tmpdir=tmpdir, client=client)
        else:
            counts = _count(corpus, m.order, m._tokenizer, n_threads, errors, progress, client, tmpdir)
        T = _est.Tables.from_counts(counts, m.order, nt, lean=m.smoothing in ("mkn", "kn"))
        itos = counts.vocab.itos
        del counts  # T holds the tables; estimate_kn(consume=True) lets them go order by order
        if m.smoothing in ("mkn", "kn"):
            grams, logp, bo, info = _est.estimate_kn(T, m.smoothing, m.discount_fallback, nt, m.prune, consume=True)
            mode, floor = _lm.MODE_BACKOFF, 0.0
            for n, used in enumerate(info["discount_fallback_used"], 1):
                if used:
                    warnings.warn(f"order {n}: Kneser-Ney discounts undefined on these counts; using the fallback "
                                  f"D1, D2, D3+ = {m.discount_fallback}", stacklevel=2)
        else:
            logp, bo, mode, floor = _est.estimate_ratio(T, m.smoothing, m.k, m.alpha)
            grams, info = T.grams, {}
        info["tokens"] = int(T.raw[0][T.grams[0][:, 0] != T.eos].sum() - T.raw[0][T.grams[0][:, 0] == T.bos].sum())
        m._set(itos, grams, logp, bo, T.bos, T.eos, T.unk, mode, floor, info, closed=True)
        m._write_outputs(arpa, save)
        return m

    def _write_outputs(self, arpa, save) -> None:
        if arpa is not None:
            self.to_arpa(arpa)
        if save is not None:
            self.save(save)

    def _fit_capped(self, corpus, memory, tmpdir, arpa, save, nt, errors, progress, client=None):
        """fit(memory=...) of a Kneser-Ney model: the stages of seqfast.extmem in a temporary directory, run
        one after the other, or as tasks on a Dask cluster (client; seqfast.cluster)."""
        from .. import extmem
        from ..ngram import _classify
        from .._checks import MemoryLimitError
        from .arpa import write_arpa_blocks
        tk = self._tokenizer
        if client is None:
            budget = extmem.memory_budget(memory)
            kind, items = _classify(corpus)
            if kind == "ids":
                raise TypeError("NGramLM.fit() reads text (paths or lines) or NGramCounts, not an id array")
        else:
            from .. import cluster
            budget = cluster._budget(memory)
        with extmem.workdir(tmpdir) as wd:
            if client is None:
                b = extmem.Build(wd, self.order, budget, nt, progress)
                b.kn = True
                b.count(kind, items, tk, True, "line", errors)
            else:
                b = cluster.DaskBuild(client, wd, self.order, budget, 1 if nt is None else nt, progress)
                b.kn = True
                b.count_source(corpus, tk, True, errors)
            glob, ests = b.estimate_kn(self.smoothing, self.discount_fallback, self.prune)
            info = glob.info
            for n, used in enumerate(info["discount_fallback_used"], 1):
                if used:
                    warnings.warn(f"order {n}: Kneser-Ney discounts undefined on these counts; using the fallback "
                                  f"D1, D2, D3+ = {self.discount_fallback}", stacklevel=3)
            u = b.unigrams
            info["tokens"] = int(u.sum() - u[glob.eos] - u[glob.bos])
            itos = b.vocab.itos
            if client is not None:  # where and how long the stages ran (not saved with the model)
                info["cluster"] = dict(b.stats, partitions=len(b.parts), chunks=b.n_chunks,
                                       largest_partition_ratio=cluster._partition_ratio(b.parts))
            need = b.model_bytes(ests)
            held = memory is None or need <= budget  # the model is also returned (held in memory)
            blocks = None  # per order the blocks of the model, kept while the ARPA file is written
            if arpa is not None:
                counts, sections = b.arpa_sections(glob, ests, keep=held)
                if held and not getattr(b, "keeps_model", False):
                    blocks = [[] for _ in sections]
                    sections = [_kept(sec, bl) for sec, bl in zip(sections, blocks)]
                b._stage("writing the ARPA file")
                comment = TOKENIZATION_COMMENT + json.dumps(self.tokenization, ensure_ascii=True)
                write_arpa_blocks(arpa, itos, counts, sections, nt, comments=[comment],
                                  where=f"this model's tokens (level={self.level!r})")
                b.bar.clear()
            if not held:
                if arpa is not None and save is None:
                    return None
                raise MemoryLimitError(f"the {self.order}-gram model", need, budget,
                                       advice="write it to a file: arpa= (-a/--arpa), which is streamed from disk")
            if blocks is None:
                blocks = [list(sec) for sec in b.model_orders(glob, ests)[1]]
            grams, logp, bo = [], [], []
            for bl in blocks:
                for i, out in enumerate((grams, logp, bo)):
                    out.append(np.concatenate([x[i] for x in bl]) if len(bl) != 1 else bl[0][i])
                bl.clear()
        self._set(itos, grams, logp, bo, glob.bos, glob.eos, glob.unk, _lm.MODE_BACKOFF, 0.0, info, closed=True)
        if save is not None:
            self.save(save)
        return self

    def _set(self, itos, grams, logp, bo, bos, eos, unk, mode, floor, info, closed=False):
        """closed: every prefix and suffix of a model n-gram is in the model (estimated models are; ARPA
        files need not be), which lets the scorer carry state from word to word."""
        self._closed = bool(closed)
        self._itos = list(itos)
        self.vocab = Vocab.from_tokens(self._itos, specials=_SPECIALS)
        self._grams, self._logp, self._bo = list(grams), list(logp), list(bo)
        self.bos, self.eos, self.unk = int(bos), int(eos), int(unk)
        self._mode, self._floor = int(mode), float(floor)
        self.info = info
        self._scorer = None
        self._q = None
        self.order = len(self._grams)

    def _attach(self, q, meta: dict, info: dict):
        """Use a mapped hash-layout model (seqfast.lm.binary): scoring goes to q; the words are read from the
        file only when .vocab is first used."""
        self._q = q
        self._closed = True
        self.bos, self.eos, self.unk = q.bos, q.eos, q.unk
        self._mode, self._floor = int(meta["mode"]), float(meta["floor"])
        self._counts = [int(c) for c in meta["counts"]]
        self.info = info
        self.order = q.order

    def __getattr__(self, name):
        # .vocab and ._itos of a mapped model are built on first use (opening stays constant-time)
        if name in ("vocab", "_itos") and self.__dict__.get("_q") is not None:
            self._itos = self._q.itos()
            self.vocab = Vocab.from_tokens(self._itos, specials=_SPECIALS)
            return self.__dict__[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _ids(self, toks) -> np.ndarray:
        """int32 ids of tokens; words not in the model map to <unk>."""
        if self._q is not None:
            return self._q.encode(toks, self.unk)
        return self.vocab.encode(toks)

    @property
    def tokenizer(self) -> Tokenizer:
        """How this model turns text into tokens, for fitting and for every query (a :class:`Tokenizer`)."""
        return self._tokenizer

    @property
    def tokenization(self) -> dict:
        """``{"level": ..., "lower": ..., "pattern": ...}``: the tokenization every model file stores (the
        ``.sfl`` header, the ``#`` comment line of an ARPA file)."""
        return self._tokenizer.to_dict()

    @property
    def level(self) -> str:
        return self._tokenizer.level

    @property
    def lower(self) -> bool:
        return self._tokenizer.lower

    @property
    def pattern(self) -> str | None:
        return self._tokenizer.pattern

    def with_tokenization(self, level: str | None = None, lower: bool | None = None,
                          pattern: str | None = None) -> "NGramLM":
        """A shallow copy of this model (sharing its tables) that tokenizes queries differently."""
        cur = self._tokenizer
        if pattern is not None and level is None:
            level = "regex"
        level = cur.level if level is None else level
        new = Tokenizer(level, cur.lower if lower is None else _check_bool(lower, "lower"),
                        pattern if pattern is not None else (cur.pattern if level == "regex" else None))
        m = object.__new__(type(self))
        m.__dict__.update(self.__dict__)  # shares the tables (and a mapped file) with self
        m._tokenizer = new
        return m

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_scorer"] = None  # rebuilt from the tables on first use
        if state.get("_indexes") is not None and self._scorer is not None:
            state["_indexes"] = None
        if state.get("_q") is not None:  # a mapped file: the copy maps it again
            path = state.get("_source_path")
            if path is None:
                raise TypeError("this NGramLM maps a .sfl file whose path is unknown; pickle the estimated model "
                                "or save() it and pickle the loaded one")
            state["_q"] = ("reopen", path)
            for lazy in ("vocab", "_itos"):  # rebuilt from the file on first use
                state.pop(lazy, None)
        return state

    def __setstate__(self, state):
        q = state.get("_q")
        if isinstance(q, tuple) and q and q[0] == "reopen":
            from .binary import load_binary
            fresh = load_binary(q[1])
            state["_q"] = fresh._q
        self.__dict__.update(state)

    def _no_ngrams(self, what: str):
        if self._q is not None:
            raise ValueError(f"{what}: this model was loaded from a query-ready .sfl file, which stores n-gram keys "
                             f"or a trie for lookups, not the n-gram tables (as KenLM's binary files); use the ARPA "
                             f"file or the estimated model")

    def _check_fitted(self):
        if self._grams is None and self._q is None:
            raise RuntimeError("this NGramLM has no model yet: use NGramLM.fit(...), from_arpa(...) or load(...)")

    @property
    def scorer(self):
        self._check_fitted()
        if self._q is not None:
            return self._q
        if self._scorer is None:
            nt = resolve_threads(None)
            pre = getattr(self, "_indexes", None) or [None] * self.order
            ix = [p if p is not None else _lm.Index(g, nt, _lm.rows_sorted(g, nt)) for p, g in zip(pre, self._grams)]
            self._indexes = None
            self._scorer = _lm.Scorer(ix, self._logp, self._bo, self.bos, self.eos, self.unk, self._mode, self._floor,
                                      self._closed)
        return self._scorer

    @property
    def counts(self) -> list[int]:
        """Number of n-grams of each order in the model."""
        self._check_fitted()
        if self._q is not None:
            return list(self._counts)
        return [g.shape[0] for g in self._grams]

    @property
    def discounts(self):
        """(N, 3) array of D1, D2, D3+ per order (Kneser-Ney models), else None."""
        return self.info.get("discounts")

    def ngrams(self, n: int):
        """(grams (k, n) int32 ids of .vocab, log10 p (k,), log10 backoff (k,)) of order n."""
        self._check_fitted()
        self._no_ngrams("ngrams()")
        if not 1 <= n <= self.order:
            raise ValueError(f"n must be in 1..{self.order}")
        return self._grams[n - 1], self._logp[n - 1], self._bo[n - 1]

    def __repr__(self):
        if self._grams is None and self._q is None:
            return f"NGramLM(order={self.order}, smoothing={self.smoothing!r}, unfitted)"
        return (f"NGramLM(order={self.order}, smoothing={self.smoothing!r}, vocab={len(self._itos)}, "
                f"ngrams={self.counts})")

    # ------------------------------------------------------------------------------------------ tokens
    def _tokens(self, text) -> list[str]:
        self._check_fitted()  # every query starts here
        if not isinstance(text, str):
            if isinstance(text, (bytes, bytearray)):
                raise TypeError(f"a sentence must be a str or a sequence of str tokens, got {type(text).__name__} "
                                f"(decode it first, e.g. .decode('utf-8'))")
            try:
                toks = list(text)
            except TypeError:
                raise TypeError(f"a sentence must be a str or a sequence of str tokens, got "
                                f"{type(text).__name__}") from None
            if not all(isinstance(t, str) for t in toks):
                bad = next(t for t in toks if not isinstance(t, str))
                raise TypeError(f"a sentence must be a str or a sequence of str tokens, got a token of type "
                                f"{type(bad).__name__}")
            return toks
        return self._tokenizer(text)

    def _line_batches(self, corpus, text):
        """Batches (lists) of lines of a corpus: a path (``"-"``: stdin; streamed), a list of ``os.PathLike``
        paths, ``text=`` (a str), or an iterable of lines (str or token lists). A str is always a path."""
        from ..ngram import _refuse_paths_as_lines, _source_or_text, check_path
        corpus = _source_or_text(corpus, text, "NGramLM.evaluate")
        if text is not None:  # its lines
            yield corpus
            return
        if isinstance(corpus, (bytes, bytearray)):
            raise TypeError(f"corpus must be a path, an iterable of lines (str or token lists) or text=, got "
                            f"{type(corpus).__name__} (decode it first, e.g. .decode('utf-8'))")
        if isinstance(corpus, (str, os.PathLike)):
            yield from read_line_batches(check_path(corpus))
            return
        if isinstance(corpus, (list, tuple)) and corpus and all(isinstance(c, os.PathLike) for c in corpus):
            for p in corpus:
                yield from read_line_batches(check_path(p))
            return
        try:
            it = iter(corpus)
        except TypeError:
            raise TypeError(f"corpus must be a path, an iterable of lines (str or token lists) or text=, got "
                            f"{type(corpus).__name__}") from None
        if isinstance(corpus, (list, tuple)) and all(isinstance(c, str) for c in corpus):
            _refuse_paths_as_lines(corpus)
        batch = []
        for line in it:
            batch.append(line)
            if len(batch) >= _LINES_PER_BATCH:
                yield batch
                batch = []
        if batch:
            yield batch

    def _encode_lines(self, lines):
        """(ids int32 (T,), offsets int64 (L + 1,)) of a list of lines.

        A blank line is a sentence with no words: it scores just </s>, as KenLM's query does.
        """
        toks, offs = [], [0]
        for line in lines:
            toks.extend(self._tokens(line))
            offs.append(len(toks))
        return self._ids(toks), np.asarray(offs, dtype=np.int64)

    # ------------------------------------------------------------------------------------------ queries
    def log10prob(self, word: str, context: Sequence[str] | str = ()) -> float:
        """log10 p(word | context); context is a token sequence or a str (tokenized), "<s>" marks a start."""
        ctx = self._tokens(context)
        ids = self._ids(ctx + [word])
        s = self.scorer.score(ids, np.array([0, len(ids)], dtype=np.int64), False, False)
        return float(s[-1])

    def logprob(self, word: str, context: Sequence[str] | str = ()) -> float:
        """Natural-log probability ln p(word | context) (see :meth:`log10prob`)."""
        return self.log10prob(word, context) * LN10

    def full_scores(self, sentence, bos: bool = True, eos: bool = True) -> list[tuple]:
        """Per token of ``sentence`` (a str, tokenized like the training text, or a sequence of tokens) and
        then ``</s>`` (when ``eos``): a tuple (log10 p, length of the matched n-gram, is OOV), exactly as the
        ``kenlm`` module's ``full_scores``. ``bos``: the sentence starts after ``<s>``.

        >>> lm = NGramLM.fit(text="the cat sat\\nthe dog sat", order=2, smoothing="add_k")
        >>> [n for _, n, _ in lm.full_scores("the cat")]
        [2, 2, 2]
        """
        bos, eos = _check_bool(bos, "bos"), _check_bool(eos, "eos")
        toks = self._tokens(sentence)
        ids = self._ids(toks)
        s, nl = self.scorer.score(ids, np.array([0, len(ids)], dtype=np.int64), bos, eos, 1, True)
        oov = [int(i) == self.unk for i in ids] + ([False] if eos else [])
        return [(float(a), int(b), o) for a, b, o in zip(s, nl, oov)]

    def score(self, sentence, bos: bool = True, eos: bool = True) -> float:
        """Total log10 probability of a sentence (str or tokens), from ``<s>`` through ``</s>`` by default:
        the sum of :meth:`full_scores`' first column, as the ``kenlm`` module's ``score``. ``bos``/``eos``
        must be bools (a list there is a TypeError: the context of :meth:`log10prob` goes elsewhere)."""
        bos, eos = _check_bool(bos, "bos"), _check_bool(eos, "eos")
        if self._q is not None and self._fast_text() and isinstance(sentence, str):
            return self._q.score_line(sentence, bos, eos)  # tokenize, look up and score in one C call
        toks = self._tokens(sentence)
        ids = self._ids(toks)
        return float(self.scorer.score(ids, np.array([0, len(ids)], dtype=np.int64), bos, eos).astype(np.float64).sum())

    def evaluate(self, corpus=None, n_threads: int | None = None, *, text: str | None = None) -> dict:
        """KenLM ``query -v summary`` figures on a corpus (one sentence per line; a blank line scores </s>):
        perplexity including and excluding OOVs, OOV count, token count (</s> included), log10 sum.

        ``corpus``: a path (which must exist; ``"-"`` is stdin; gzip by content), a list of ``os.PathLike``
        paths, or an iterable of lines; or pass a text as ``text=``. Files are read and scored in batches of
        lines, so memory stays bounded whatever the file size."""
        nt = resolve_threads(n_threads)
        paths = self._text_paths(corpus) if text is None else None
        if paths is not None:
            return self._evaluate_text(paths, nt)
        tokens = noov = L = zero = 0
        total = total_ex = 0.0
        for lines in self._line_batches(corpus, text):
            ids, offs = self._encode_lines(lines)
            s = self.scorer.score(ids, offs, True, True, nt).astype(np.float64)
            nl = offs.shape[0] - 1
            # position of each input token in the output: token t of line l sits at t + l
            pos = np.arange(ids.shape[0]) + np.repeat(np.arange(nl), np.diff(offs))
            oov_mask = np.zeros(s.shape[0], dtype=bool)
            oov_mask[pos] = ids == self.unk
            tokens += int(s.shape[0])
            noov += int(oov_mask.sum())
            total += float(s.sum())
            total_ex += float(s[~oov_mask].sum())
            zero += int(np.isinf(s).sum())
            L += nl
        if tokens == 0:
            raise ValueError("perplexity of zero tokens is undefined: the test corpus has no lines")
        res = {"tokens": tokens, "oovs": noov, "lines": L, "log10_sum": total,
               "perplexity": _ppl(total, tokens), "perplexity_excluding_oovs": _ppl(total_ex, tokens - noov)}
        if not np.isfinite(total_ex) or (not np.isfinite(total)):
            res["zero_probability_tokens"] = zero
        return res

    def _fast_text(self) -> bool:
        """True when C can tokenize for this model: a mapped back-off model of whitespace-split text."""
        return self._q is not None and self.level == "whitespace" and not self.lower and self._mode == _lm.MODE_BACKOFF

    def _text_paths(self, corpus):
        """The file paths of corpus when the C text path can score it whole, else None."""
        if not self._fast_text():
            return None
        from ..ngram import check_path
        if isinstance(corpus, (str, os.PathLike)):
            return [check_path(corpus)]
        if isinstance(corpus, (list, tuple)) and corpus and all(isinstance(c, os.PathLike) for c in corpus):
            return [check_path(c) for c in corpus]
        return None

    def _evaluate_text(self, paths, n_threads: int) -> dict:
        """evaluate() of files in C: lines, words, UTF-8 check, look-ups and scoring on n_threads threads over
        fixed byte ranges of the mapped file (Python touches no text)."""
        total = oov_part = 0.0
        tokens = noov = lines = 0
        self._q.advise_whole()  # a whole text reads most of the model: uncached pages come in 2 MiB folios
        for path in paths:
            for data in _text_buffers(path):
                s, so, nt, no, nl, bad = self._q.score_buffer(data, True, True, n_threads)
                if bad >= 0:
                    raise _invalid_utf8(path, data, bad)
                total += s
                oov_part += so
                tokens += nt
                noov += no
                lines += nl
        if tokens == 0:
            raise ValueError("perplexity of zero tokens is undefined: the test corpus has no lines")
        return {"tokens": tokens, "oovs": noov, "lines": lines, "log10_sum": total, "perplexity": _ppl(total, tokens),
                "perplexity_excluding_oovs": _ppl(total - oov_part, tokens - noov)}

    def score_batch(self, sentences, n_threads: int | None = None, return_counts: bool = False):
        """Total log10 probability of each sentence (from <s> through </s>), float64 (L,), computed on n_threads
        threads with the GIL released; return_counts=True also returns the tokens scored per sentence (int64
        (L,), </s> included), e.g. for per-sentence perplexity 10 ** (-score / count) in data filtering.
        sentences: a sequence of str (tokenized by the model's rule) or of token lists."""
        self._check_fitted()
        if isinstance(sentences, (str, bytes, os.PathLike)):
            raise TypeError("score_batch takes a sequence of sentences (a list of str); for a file use "
                            "evaluate(path) or perplexity(path)")
        sentences = tuple(sentences)
        nt = resolve_threads(n_threads)
        if self._fast_text():
            r = self._q.score_strs(sentences, True, True, nt)  # strs read in place by the threads
            if r is not None:
                return r if return_counts else r[0]
        ids, offs = self._encode_lines(sentences)
        tok = self.scorer.score(ids, offs, True, True, nt).astype(np.float64)
        L = offs.shape[0] - 1
        cnt = np.diff(offs) + 1
        s = np.add.reduceat(tok, (offs[:-1] + np.arange(L))) if L else np.zeros(0)
        return (s, cnt) if return_counts else s

    def perplexity(self, corpus=None, oov: str = "include", force: bool = False, n_threads: int | None = None, *,
                   text: str | None = None) -> float:
        """Perplexity with KenLM's conventions: 10 ** (-sum log10 p / tokens), each line scored from <s>
        through </s>, </s> counted as a token, OOV words scored as <unk>; ``oov="exclude"`` drops OOV tokens
        from the sum and the count. ``corpus``: a path (must exist), list of ``os.PathLike`` paths or an
        iterable of lines; a text goes in ``text=`` (see :meth:`evaluate`)."""
        if oov not in ("include", "exclude"):
            raise ValueError(f"oov must be 'include' or 'exclude', got {oov!r}")
        if self.smoothing == "stupid_backoff" and not force:
            raise ValueError("stupid backoff scores are not probabilities (they do not sum to 1), so their "
                             "perplexity means nothing; pass force=True to compute it anyway")
        r = self.evaluate(corpus, n_threads, text=text)
        p = r["perplexity"] if oov == "include" else r["perplexity_excluding_oovs"]
        if math.isinf(p):
            warnings.warn(f"{r.get('zero_probability_tokens', 0)} token(s) have probability 0 under this "
                          f"{self.smoothing!r} model (an n-gram never seen in training), so the perplexity is "
                          f"infinite; use a smoothed model (mkn, kn, add_k)", RuntimeWarning, stacklevel=2)
        return p

    def _next_scores(self, ctx_ids: np.ndarray):
        """(candidate ids, log10 score) of every possible next word after ctx_ids (no <s>, no <unk>)."""
        uni = np.arange(self._q.V, dtype=np.int32) if self._q is not None else self._grams[0][:, 0]
        cand = uni[(uni != self.bos) & (uni != self.unk)]
        ctx = ctx_ids[-(self.order - 1):] if self.order > 1 else ctx_ids[:0]
        w = ctx.shape[0] + 1
        rows = np.empty((cand.shape[0], w), dtype=np.int32)
        rows[:, :-1] = ctx
        rows[:, -1] = cand
        offs = np.arange(cand.shape[0] + 1, dtype=np.int64) * w
        s = self.scorer.score(rows.ravel(), offs, False, False)
        return cand, s[w - 1::w].astype(np.float64)

    def predict(self, context: Sequence[str] | str = (), k: int = 10, bos: bool = False) -> list[tuple]:
        """The k most likely next words after ``context`` with their probabilities, most likely first.

        ``bos=True`` treats the context as the start of a sentence (prepends <s>).
        """
        self._check_fitted()
        k = _check_count(k, "k")
        bos = _check_bool(bos, "bos")
        toks = (["<s>"] if bos else []) + self._tokens(context)
        cand, s = self._next_scores(self._ids(toks))
        k = min(k, cand.shape[0])
        top = np.argpartition(-s, k - 1)[:k] if k > 0 else np.array([], dtype=np.int64)
        top = top[np.lexsort((cand[top], -s[top]))]
        return [(self._itos[cand[i]], float(10.0 ** s[i])) for i in top]

    def generate(self, num_words: int = 20, context: Sequence[str] | str = (), seed=None,
                 temperature: float = 1.0) -> list[str]:
        """Sample ``num_words`` tokens after ``<s>`` + context; "</s>" ends a sentence and a new one starts.

        temperature < 1 sharpens, > 1 flattens the distribution (p ** (1 / temperature), renormalized).
        """
        self._check_fitted()
        num_words = _check_count(num_words, "num_words", 0, MAX_GENERATE)
        if not temperature > 0:
            raise ValueError(f"temperature must be > 0, got {temperature!r}")
        rng = np.random.default_rng(seed)
        hist = [self.bos] + self._ids(self._tokens(context)).tolist()
        out = []
        for _ in range(num_words):
            cand, s = self._next_scores(np.asarray(hist, dtype=np.int32))
            z = s * (LN10 / temperature)
            z -= z.max()  # log-sum-exp shift: 10 ** s underflows for long tails
            p = np.exp(z)
            p /= p.sum()
            w = int(cand[rng.choice(cand.shape[0], p=p)])
            out.append(self._itos[w])
            hist = [self.bos] if w == self.eos else hist + [w]
        return out

    # ------------------------------------------------------------------------------------------ files
    def to_arpa(self, path, compress: bool = False) -> None:
        """Write the model as an ARPA file (a path or a binary file object; ``compress=True``: gzip, whatever
        the name, as every reader recognizes gzip by content). The
        tokenization is written as a ``#`` comment line before ``\\data\\`` (KenLM skips such lines), so
        :meth:`from_arpa` tokenizes queries as this model does. KenLM loads the file and scores the same."""
        self._check_fitted()
        self._no_ngrams("to_arpa()")
        if self._mode != _lm.MODE_BACKOFF:
            raise ValueError(f"a {self.smoothing!r} model has no ARPA (back-off) form: ARPA cannot express "
                             f"{'add-k floors' if self._mode == _lm.MODE_ADDK else 'stupid backoff'}; use save()")
        comment = TOKENIZATION_COMMENT + json.dumps(self.tokenization, ensure_ascii=True)
        write_arpa(path, self._itos, self._grams, self._logp, self._bo, comments=[comment],
                   where=f"this model's tokens (level={self.level!r})", compress=compress)

    @classmethod
    def from_arpa(cls, path, level: str | None = None, lower: bool | None = None,
                  pattern: str | None = None) -> "NGramLM":
        """Load an ARPA file (e.g. from KenLM's lmplz; gzip by content). Queries are tokenized as the file's
        ``# seqfast tokenization:`` comment says (written by :meth:`to_arpa`); a file without one (a foreign
        ARPA) is pre-tokenized text: level ``"whitespace"``. ``level``/``lower``/``pattern`` override it."""
        from ..ngram import check_path
        path = check_path(path)
        a = read_arpa(path)
        tok = arpa_tokenization(path)
        if pattern is not None and level is None:
            level = "regex"
        if level is not None:
            tok["level"] = level
            tok["pattern"] = pattern if level == "regex" else None
        if lower is not None:
            tok["lower"] = _check_bool(lower, "lower")
        m = cls(a.order, "arpa", **tok)
        stoi = {w: i for i, w in enumerate(a.itos)}
        m._set(a.itos, a.grams, a.logp, a.backoff, stoi["<s>"], stoi["</s>"], stoi["<unk>"], _lm.MODE_BACKOFF,
               0.0, {})
        m._indexes = a.indexes  # built by the reader's duplicate check: reused by the scorer
        return m

    def save(self, path, layout: str = "hash", qbits: int | None = None) -> None:
        """Save as a query-ready .sfl file (see :mod:`seqfast.lm.binary`), written atomically. :meth:`load` maps
        it in constant time. ``layout="hash"``: KenLM's probing layout (fastest; stores n-gram keys, not the
        n-grams, so the loaded model cannot list them or write ARPA). ``layout="trie"``: KenLM's trie layout,
        about half the size, lookups by binary search; ``qbits=8`` also quantizes log10 probabilities and
        backoffs to 8 bits (the header records the largest error it made)."""
        self._check_fitted()
        self._no_ngrams("save()")
        from .binary import save_binary
        save_binary(self, path, layout, qbits)

    @classmethod
    def load(cls, path, verify: bool = False) -> "NGramLM":
        """Open a model written by :meth:`save` (mapped: constant time; also reads the older .npz form of
        .sfl files); a ValueError says what is wrong with a bad file. Opening checks the header (and its
        checksum) and the sizes; ``verify=True`` also checks every byte of the n-gram tables against the
        checksum recorded when writing (it reads the whole file)."""
        path = os.fspath(path)
        if not os.path.exists(path):
            raise FileNotFoundError(f"{path}: no such model file")
        from .._container import is_container
        if is_container(path):
            from .binary import load_binary
            return load_binary(path, verify)
        # the older .npz form: every member is read now, so a damaged one fails here, not at the first query
        arrays = read_npz(path, "seqfast n-gram model file")
        if "meta" not in arrays or arrays["meta"].dtype != np.uint8:
            raise ValueError(f"{path}: not a seqfast n-gram model file (no meta)")
        meta = parse_json(arrays["meta"].tobytes(), path, "meta")
        if not isinstance(meta, dict) or meta.get("format") != _FORMAT or meta.get("version") != 1:
            raise ValueError(f"{path}: not a seqfast n-gram model file (format {_FORMAT!r} version 1)")
        try:
            args = _check_saved(meta, arrays)
            m = cls(args["order"], args["smoothing"], k=meta["k"], alpha=meta["alpha"], level=meta["level"],
                    lower=meta["lower"], pattern=meta.get("pattern"))
        except (KeyError, TypeError, ValueError, UnicodeDecodeError) as e:
            what = f"missing {e}" if isinstance(e, KeyError) else str(e)
            raise ValueError(f"{path}: corrupt seqfast n-gram model ({what})") from None
        info = {} if meta.get("discounts") is None else {"discounts": np.array(meta["discounts"])}
        m._set(args["itos"], args["grams"], args["logp"], args["bo"], meta["bos"], meta["eos"], meta["unk"],
               meta["mode"], meta["floor"], info, closed=meta.get("closed", False))
        m._indexes = args["indexes"]
        return m


def arpa_tokenization(path) -> dict:
    """The tokenization recorded in an ARPA file's ``# seqfast tokenization:`` comment line, or the
    whitespace level of pre-tokenized text when it has none (a foreign ARPA file)."""
    tok = {"level": "whitespace", "lower": False, "pattern": None}
    for c in read_header_comments(path):
        if c.startswith(TOKENIZATION_COMMENT):
            try:
                tok = Tokenizer.from_dict(json.loads(c[len(TOKENIZATION_COMMENT):])).to_dict()
            except (ValueError, TypeError) as e:
                raise ValueError(f"{path}: the tokenization comment {c!r:.120} is not valid ({e})") from None
    return tok


def _check_saved(meta: dict, z: dict) -> dict:
    """Validate the contents of a saved model; ValueError/KeyError/TypeError name the first problem."""
    for key in ("order", "bos", "eos", "unk", "mode"):
        if not is_int(meta[key]):
            raise ValueError(f"meta {key!r} must be an int, got {meta[key]!r}")
    for key in ("k", "alpha", "floor"):
        if isinstance(meta[key], bool) or not isinstance(meta[key], (int, float)) or not math.isfinite(meta[key]):
            raise ValueError(f"meta {key!r} must be a finite number, got {meta[key]!r}")
    if not isinstance(meta["lower"], bool) or not isinstance(meta.get("closed", False), bool):
        raise ValueError("meta 'lower' and 'closed' must be booleans")
    if meta["mode"] not in (_lm.MODE_BACKOFF, _lm.MODE_ADDK, _lm.MODE_STUPID):
        raise ValueError(f"unknown scoring mode {meta['mode']!r}")
    smoothing = meta["smoothing"] if meta["smoothing"] in SMOOTHINGS else "arpa"
    N = meta["order"]
    if not 1 <= N <= 16:
        raise ValueError(f"order {N} is not in 1..16")
    present = sorted(int(k[5:]) for k in z if k.startswith("grams") and k[5:].isdigit())
    if present != list(range(1, N + 1)):
        raise ValueError(f"meta says order {N} but the file holds n-gram tables of orders {present}")
    pool, offs = z["vocab_pool"], z["vocab_offsets"]
    if pool.dtype != np.uint8 or pool.ndim != 1 or offs.dtype.kind not in "iu" or offs.ndim != 1 or not offs.size:
        raise ValueError("the vocabulary arrays have the wrong type or shape")
    offs = offs.astype(np.int64)
    if offs[0] != 0 or offs[-1] != pool.shape[0] or (np.diff(offs) <= 0).any():
        raise ValueError("vocab_offsets are not increasing from 0 to the size of vocab_pool")
    pool = pool.tobytes()
    itos = [pool[offs[i]:offs[i + 1]].decode("utf-8") for i in range(offs.shape[0] - 1)]
    V = len(itos)
    if len(set(itos)) != V:
        raise ValueError("the vocabulary holds a word twice")
    for key, tok in (("bos", "<s>"), ("eos", "</s>"), ("unk", "<unk>")):
        if not 0 <= meta[key] < V or itos[meta[key]] != tok:
            raise ValueError(f"{key} id {meta[key]} is not the id of {tok}")
    nt = resolve_threads(None)
    grams, logp, bo, indexes = [], [], [], []
    for n in range(1, N + 1):
        g, lp, b = z[f"grams{n}"], z[f"logp{n}"], z[f"backoff{n}"]
        if g.dtype.kind not in "iu" or lp.dtype.kind != "f" or b.dtype.kind != "f":
            raise ValueError(f"order {n} arrays have the wrong types ({g.dtype}, {lp.dtype}, {b.dtype})")
        if g.ndim != 2 or g.shape[1] != n or lp.shape != (g.shape[0],) or b.shape != (g.shape[0],):
            raise ValueError(f"order {n} arrays have wrong shapes")
        if g.size and (g.min() < 0 or g.max() >= V):
            raise ValueError(f"order {n} holds ids outside the vocabulary")
        if np.isnan(lp).any() or (lp > 1e-6).any():  # the tolerance covers rounding of a probability of 1
            raise ValueError(f"order {n} holds a log10 probability that is NaN or > 0")
        if np.isnan(b).any() or np.isposinf(b).any():
            raise ValueError(f"order {n} holds a log10 backoff that is NaN or +inf")
        g = np.ascontiguousarray(g, dtype=np.int32)
        if n == 1 and (g.shape[0] != V or not np.array_equal(np.sort(g[:, 0]), np.arange(V, dtype=np.int32))):
            raise ValueError(f"the unigrams ({g.shape[0]}) are not the {V} words of the vocabulary, each once")
        ix = None
        if n > 1 and not _lm.rows_sorted(g, nt):
            ix = _lm.Index(g)  # ValueError on a repeated n-gram; reused by the scorer
        grams.append(g)
        logp.append(np.ascontiguousarray(lp, dtype=np.float32))
        bo.append(np.ascontiguousarray(b, dtype=np.float32))
        indexes.append(ix)
    return {"order": N, "smoothing": smoothing, "itos": itos, "grams": grams, "logp": logp, "bo": bo,
            "indexes": indexes}


def _check_discounts(d) -> tuple:
    """discount_fallback as three floats (D1, D2, D3+) with 0 < Dj <= j, else ValueError.

    The upper bounds are the range lmplz enforces on the discounts it estimates (a discount cannot exceed the
    count it is taken from); 0 is excluded because it leaves no probability mass for unseen words."""
    usage = "discount_fallback must be True, False or three numbers (D1, D2, D3+) with 0 < D1 <= 1, 0 < D2 <= 2, " \
            "0 < D3+ <= 3"
    try:
        t = tuple(d)
    except TypeError:
        raise TypeError(f"{usage}; got {d!r}") from None
    if len(t) != 3 or not all(isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)
                              for x in t):
        raise ValueError(f"{usage}; got {d!r}")
    t = tuple(float(x) for x in t)
    for j, x in enumerate(t, 1):
        if not 0 < x <= j:  # also rejects nan
            raise ValueError(f"{usage}; got D{j}{'+' if j == 3 else ''} = {x!r}")
    return t


def _check_prune(prune) -> tuple:
    """prune thresholds as a tuple of ints; a fractional, non-numeric or non-finite threshold is a ValueError."""
    try:
        t = tuple(prune)
    except TypeError:
        raise TypeError(f"prune must be a sequence of integer count thresholds, e.g. (0, 1, 1); got {prune!r}") \
            from None
    out = []
    for x in t:
        ok = isinstance(x, (int, np.integer)) and not isinstance(x, bool)
        if not ok and isinstance(x, (float, np.floating)) and math.isfinite(x) and float(x).is_integer():
            ok = True
        if not ok:
            raise ValueError(f"prune thresholds must be whole numbers (counts), e.g. (0, 1, 1); got {x!r} in "
                             f"{prune!r}")
        out.append(int(x))
    return tuple(out)


def _text_buffers(path: str):
    """The bytes of a text file for the C scorer: a regular uncompressed file is mapped whole (one buffer,
    threads read it in place; empty: none); standard input and gzip files come as UTF-8 pieces ending at a line
    break (read_text_pieces, which checks them)."""
    if path != "-" and not is_gzip(path):
        with open(path, "rb") as f:
            if os.fstat(f.fileno()).st_size == 0:
                return
            with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
                yield mm
        return
    for text in read_text_pieces(path):
        yield text.encode("utf-8")


def _invalid_utf8(path: str, data, bad: int) -> InvalidUTF8Error:
    """The error for the invalid byte at offset bad of data (a file's bytes), with its line number."""
    b = np.frombuffer(data, dtype=np.uint8)
    byte, line = int(b[bad]), int(np.count_nonzero(b[:bad] == 10)) + 1
    del b  # no view may outlive the call: a mapped buffer is closed next
    return InvalidUTF8Error(path, bad, byte, line)


def _ppl(log10_sum: float, count: int) -> float:
    if count == 0:
        return float("nan")
    return exp_nll(-log10_sum / count * math.log(10.0))


def _kept(blocks, into: list):
    """The blocks of an iterator, each also appended to ``into`` (the ARPA writer's blocks kept for the model)."""
    for bl in blocks:
        into.append(bl)
        yield bl
