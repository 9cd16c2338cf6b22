"""Partitioning sequences (course section 3.2): fixed-length chunks, overlapping windows, minibatches; and
readers of labeled data (text classification: ``label<TAB>text`` lines or one file per class; tagging:
CoNLL-style columns or ``word/tag`` tokens)."""
from __future__ import annotations

from typing import Iterator

import numpy as np

__all__ = ["as_ids", "windows", "batches", "DataFormatError", "EmptyClassError", "class_labels", "iter_classification",
           "ClassificationData", "iter_tagged", "TaggedData",
           "pad_sequences", "bucket_batches", "IGNORE_LABEL"]


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


# ----------------------------------------------------------------------------------------------- labeled data
# Readers for the formats classification and tagging data come in. They stream their files (bounded memory
# per file), tokenize with the one seqfast.Tokenizer, and name the file and line of anything malformed.

class DataFormatError(ValueError):
    """A line of a labeled-data file does not have the expected form. ``path`` and ``line`` (1-based) say
    where; the message says what was expected."""

    def __init__(self, path: str, line: int, message: str):
        self.path, self.line = path, line
        super().__init__(f"{path}: line {line}: {message}")


class EmptyClassError(ValueError):
    """A class of a classification data set has no example (its file holds no non-blank line)."""

    def __init__(self, label: str, path: str | None = None):
        self.label, self.path = label, path
        where = f" ({path})" if path else ""
        super().__init__(f"class {label!r}{where} has no examples: every class needs at least one non-blank line; "
                         f"remove the class or give it data")


def _path_name(path: str) -> str:
    return "<stdin>" if path == "-" else path


def _numbered_lines(path: str, errors: str) -> Iterator[tuple[int, str]]:
    """(1-based line number, line without its newline) of a file, streamed; '-' is standard input."""
    from .text import read_line_batches
    n = 0
    for batch in read_line_batches(path, errors):
        for line in batch:
            n += 1
            yield n, line[:-1] if line.endswith("\r") else line


#: Names (upper-cased prefixes) of the documentation files a data directory is read without.
DOC_FILES = ("README", "LICENSE", "LICENCE", "CONTENTS", "COPYING")


def _file_list(source) -> list[str] | None:
    """The files a source names when it names files (a directory: its files, sorted, except hidden ones and
    documentation (names starting with one of :data:`DOC_FILES`); a list or tuple of Paths), or None when the
    source is one file or lines."""
    import os
    import pathlib
    if isinstance(source, (list, tuple)) and source and all(isinstance(s, pathlib.PurePath) for s in source):
        return [os.fspath(s) for s in source]
    if isinstance(source, (str, os.PathLike)) and os.path.isdir(source):
        d = os.fspath(source)
        files = sorted(os.path.join(d, f) for f in os.listdir(d)
                       if not f.startswith(".") and not f.upper().startswith(DOC_FILES)
                       and os.path.isfile(os.path.join(d, f)))
        if not files:
            raise FileNotFoundError(f"{d}: the directory holds no data files")
        return files
    return None


def class_labels(paths) -> list[str]:
    """The class label of each file of a one-file-per-class data set: the part of the names that differs.
    Files that share a stem and differ in their suffix (``rt-polarity.pos``, ``rt-polarity.neg``) are labeled by
    the suffix (``pos``, ``neg``); otherwise by the name without its suffix (``spam.txt`` -> ``spam``), or the
    whole name when those repeat. ValueError when two files would get one label."""
    import os
    names = [os.path.basename(os.fspath(p)) for p in paths]
    stems = [os.path.splitext(n)[0] for n in names]
    suffixes = [os.path.splitext(n)[1].lstrip(".") for n in names]
    if len(set(stems)) == 1 and all(suffixes) and len(set(suffixes)) == len(names):
        return suffixes
    if all(stems) and len(set(stems)) == len(names):
        return stems
    if len(set(names)) == len(names):
        return names
    raise ValueError(f"two class files have the same name ({names}); pass a dict {{label: path}} instead")


def _classification_files(source) -> list[tuple[str, str | None]] | None:
    """(path, label) of each class file, or None when the source is a ``label<TAB>text`` file or lines."""
    import os
    if isinstance(source, dict):
        if not source:
            raise ValueError("no classes: the dict of {label: path} is empty")
        out = []
        for label, paths in source.items():
            if not isinstance(label, str) or not label or label != label.strip() or "\t" in label:
                raise ValueError(f"class labels must be non-empty strings without surrounding spaces or tabs, "
                                 f"got {label!r}")
            for p in (paths if isinstance(paths, (list, tuple)) else [paths]):
                out.append((_existing(p), label))
        return out
    files = _file_list(source)
    if files is None:
        return None
    return list(zip([_existing(f) for f in files], class_labels(files)))


def _existing(path) -> str:
    from .ngram import check_path
    return check_path(path)


def iter_classification(source, tokenizer=None, errors: str = "strict") -> Iterator[tuple[list[str], str]]:
    """Stream ``(tokens, label)`` examples of a text-classification data set.

    Parameters
    ----------
    source : where the examples are, in one of two layouts:

        - ``label<TAB>text`` lines: a file (a str or PathLike; ``"-"`` is standard input), or a list of str
          (lines). The label is everything before the first TAB.
        - one file per class, one example per line: a directory (each file is a class but hidden ones and
          README, LICENSE, CONTENTS, COPYING), a list of
          :class:`pathlib.Path` (labels from the names, see :func:`class_labels`: ``rt-polarity.pos`` /
          ``rt-polarity.neg`` give ``pos`` / ``neg``), or a dict ``{label: path or list of paths}``.

        Blank lines are skipped. Files are UTF-8 (gzip recognized by content), read in bounded pieces.
    tokenizer : the :class:`seqfast.Tokenizer` that splits each text (default: ``Tokenizer("word")``).
    errors : invalid UTF-8: ``"strict"`` raises :class:`seqfast.InvalidUTF8Error` with the line number;
        ``"replace"`` / ``"ignore"`` as :func:`seqfast.read_text`.

    Raises :class:`DataFormatError` (path, line) for a line without a TAB or label, or whose text has no token;
    :class:`EmptyClassError` for a class file without examples; FileNotFoundError for a missing path.

    >>> list(iter_classification(["pos\\tA fine film .", "neg\\tDull ."]))
    [(['A', 'fine', 'film', '.'], 'pos'), (['Dull', '.'], 'neg')]
    """
    from .text import Tokenizer
    tok = Tokenizer("word") if tokenizer is None else tokenizer
    if not isinstance(tok, Tokenizer):
        raise TypeError(f"tokenizer must be a seqfast.Tokenizer, got {type(tok).__name__}")
    files = _classification_files(source)
    if files is not None:
        for path, label in files:
            n = 0
            for i, line in _numbered_lines(path, errors):
                if not line.strip():
                    continue
                tokens = tok(line)
                if not tokens:
                    raise DataFormatError(_path_name(path), i, f"the text has no {tok.level}-level token")
                n += 1
                yield tokens, label
            if n == 0:
                raise EmptyClassError(label, path)
        return
    if isinstance(source, (list, tuple)):
        if not all(isinstance(s, str) for s in source):
            raise TypeError("a list source is either lines (str: 'label<TAB>text') or class files (pathlib.Path)")
        name, lines = "<lines>", enumerate((s.rstrip("\n") for s in source), 1)
    else:
        path = _existing(source)
        name, lines = _path_name(path), _numbered_lines(path, errors)
    for i, line in lines:
        if not line.strip():
            continue
        label, tab, text = line.partition("\t")
        label = label.strip()
        if not tab:
            raise DataFormatError(name, i, "no TAB: expected 'label<TAB>text' (for one file per class, pass the "
                                           "files as a list of pathlib.Path or a directory)")
        if not label:
            raise DataFormatError(name, i, "empty label before the TAB")
        tokens = tok(text)
        if not tokens:
            raise DataFormatError(name, i, f"no text after the label {label!r}")
        yield tokens, label


def _columns(pairs, empty_message: str) -> tuple[list, list]:
    """Two lists, the first and second items of every pair; ValueError(empty_message) when there are none."""
    first, second = [], []
    for a, b in pairs:
        first.append(a)
        second.append(b)
    if not first:
        raise ValueError(empty_message)
    return first, second


def _split_indices(n: int, valid_frac: float, seed, groups=None) -> tuple[np.ndarray, np.ndarray]:
    """(train, valid) index arrays: a ``valid_frac`` share drawn by ``np.random.default_rng(seed)``, within each
    group when ``groups`` (an int array (n,)) is given (a stratified split), each part in its original order."""
    if isinstance(valid_frac, bool) or not isinstance(valid_frac, (int, float)) or not 0 < valid_frac < 1:
        raise ValueError(f"valid_frac must be a fraction in (0, 1), got {valid_frac!r}")
    rng = np.random.default_rng(seed)
    if groups is None:
        groups = np.zeros(n, dtype=np.int64)
    valid = []
    for g in np.unique(groups):
        idx = np.flatnonzero(groups == g)
        k = int(round(len(idx) * valid_frac))
        valid.append(rng.permutation(idx)[:k])
    v = np.sort(np.concatenate(valid)) if valid else np.zeros(0, dtype=np.int64)
    mask = np.ones(n, dtype=bool)
    mask[v] = False
    return np.flatnonzero(mask), v


class ClassificationData:
    """Examples of a classification data set: ``tokens`` (list of token lists), ``labels`` (list of str) and
    ``classes`` (the labels in sorted order: class id i is ``classes[i]``). Built by :meth:`read` or from lists.

    >>> d = ClassificationData([["good"], ["bad"], ["fine"]], ["pos", "neg", "pos"])
    >>> d.classes, d.label_ids().tolist(), len(d)
    (['neg', 'pos'], [1, 0, 1], 3)
    """

    def __init__(self, tokens: list, labels: list, classes: list | None = None):
        if len(tokens) != len(labels):
            raise ValueError(f"{len(tokens)} texts but {len(labels)} labels")
        self.tokens, self.labels = list(tokens), [str(x) for x in labels]
        self.classes = sorted(set(self.labels)) if classes is None else [str(c) for c in classes]

    @classmethod
    def read(cls, source, tokenizer=None, errors: str = "strict") -> "ClassificationData":
        """Read every example of ``source`` (see :func:`iter_classification`)."""
        return cls(*_columns(iter_classification(source, tokenizer, errors),
                             f"{source!r}: no examples (every line is blank)"))

    def __len__(self) -> int:
        return len(self.tokens)

    def __iter__(self):
        return iter(zip(self.tokens, self.labels))

    def __repr__(self) -> str:
        counts = ", ".join(f"{c}: {n}" for c, n in self.counts().items())
        return f"ClassificationData({len(self)} examples; {counts})"

    def counts(self) -> dict[str, int]:
        """Examples per class, in class order."""
        from collections import Counter
        c = Counter(self.labels)
        return {k: c.get(k, 0) for k in self.classes}

    def label_ids(self, classes: list | None = None) -> np.ndarray:
        """int32 (n,) class ids: positions in ``classes`` (default: this data's). A label not among ``classes``
        raises ValueError naming it (a model cannot predict a class it was not trained on)."""
        classes = self.classes if classes is None else list(classes)
        index = {c: i for i, c in enumerate(classes)}
        missing = sorted(set(self.labels) - set(index))
        if missing:
            raise ValueError(f"labels {missing[:5]} are not among the model's classes {classes[:10]}")
        return np.array([index[y] for y in self.labels], dtype=np.int32)

    def subset(self, idx) -> "ClassificationData":
        return ClassificationData([self.tokens[i] for i in idx], [self.labels[i] for i in idx], self.classes)

    def split(self, valid_frac: float = 0.1, seed: int | None = 0) -> tuple["ClassificationData", "ClassificationData"]:
        """(train, held-out): ``valid_frac`` of each class drawn with ``numpy.random.default_rng(seed)`` (a
        stratified split, the same for the same data and seed); both keep every class."""
        tr, va = _split_indices(len(self), valid_frac, seed, self.label_ids())
        return self.subset(tr), self.subset(va)


def _tag_format(fields: list[str]) -> str:
    """The tagging format a line's whitespace-separated fields suggest: "slash" when every field is word/tag."""
    return "slash" if all(0 < f.rfind("/") < len(f) - 1 for f in fields) else "columns"


def iter_tagged(source, format: str = "auto", column: int = -1, errors: str = "strict") \
        -> Iterator[tuple[list[str], list[str]]]:
    """Stream ``(tokens, tags)`` sentences of a tagged corpus (part-of-speech, named entities).

    Parameters
    ----------
    source : a file (str or PathLike; ``"-"`` is standard input), a directory (every file, sorted, but hidden
        ones and README, LICENSE, CONTENTS, COPYING), or a list of :class:`pathlib.Path`. UTF-8, gzip recognized by content, streamed.
    format : ``"columns"``: CoNLL style, one token per line, fields separated by whitespace, the token in the
        first field and its tag in field ``column`` (default the last); ``-DOCSTART-`` lines are skipped.
        Blank lines separate sentences. ``"slash"``: ``word/tag`` tokens separated by whitespace, split at the
        last ``/``, one sentence per non-blank line (the Brown corpus, as NLTK reads it). ``"auto"`` (default)
        decides per file from its first non-blank line (every field holding a ``/`` inside it: slash).
        Fields are split as ``seqfast.Tokenizer("whitespace")`` splits.
    column : the tag's field in the columns format (an int index; -1 = last).
    errors : invalid UTF-8 handling, as in :func:`iter_classification`.

    Raises :class:`DataFormatError` (path and line) for a token without a tag (a one-field line in columns
    format, a field without ``/tag`` in slash format) or a line with too few fields for ``column``.

    >>> list(iter_tagged(["The/at jury/nn said/vbd ./.", "", "Yes/rb"]))
    [(['The', 'jury', 'said', '.'], ['at', 'nn', 'vbd', '.']), (['Yes'], ['rb'])]
    """
    from .text import Tokenizer
    if format not in ("auto", "columns", "slash"):
        raise ValueError(f"format must be 'auto', 'columns' or 'slash', got {format!r}")
    if isinstance(column, bool) or not isinstance(column, (int, np.integer)):
        raise TypeError(f"column must be an int (the tag's field; -1: the last), got {column!r}")
    split = Tokenizer("whitespace")
    files = _file_list(source)
    if files is not None:
        sources = [(f, _numbered_lines(_existing(f), errors)) for f in files]
    elif isinstance(source, (list, tuple)):
        if not all(isinstance(s, str) for s in source):
            raise TypeError("a list source is either lines (str) or files (pathlib.Path)")
        sources = [("<lines>", enumerate((s.rstrip("\n") for s in source), 1))]
    else:
        path = _existing(source)
        sources = [(_path_name(path), _numbered_lines(path, errors))]
    for name, lines in sources:
        fmt = None if format == "auto" else format
        tokens: list[str] = []
        tags: list[str] = []
        for i, line in lines:
            fields = split(line)
            if not fields:
                if tokens:
                    yield tokens, tags
                    tokens, tags = [], []
                continue
            if fmt is None:
                fmt = _tag_format(fields)
            if fmt == "slash":  # a line is a sentence (as NLTK reads the Brown corpus)
                if tokens:
                    yield tokens, tags
                    tokens, tags = [], []
                for f in fields:
                    word, slash, tag = f.rpartition("/")
                    if not slash or not word or not tag:
                        raise DataFormatError(name, i, f"token {f!r} is not word/tag (the slash format: "
                                                       f"whitespace-separated word/tag tokens)")
                    tokens.append(word)
                    tags.append(tag)
            else:
                if fields[0] == "-DOCSTART-":
                    continue
                if len(fields) < 2:
                    raise DataFormatError(name, i, f"token {fields[0]!r} has no tag (the columns format: "
                                                   f"'token ... tag' on each line)")
                try:
                    tag = fields[column]
                except IndexError:
                    raise DataFormatError(name, i, f"{len(fields)} fields, no field {column} for the tag") from None
                if column in (0, -len(fields)):
                    raise DataFormatError(name, i, f"column={column} is the token's own field")
                tokens.append(fields[0])
                tags.append(tag)
        if tokens:
            yield tokens, tags


class TaggedData:
    """Sentences of a tagged corpus: ``tokens`` and ``tags`` (lists of str lists, one per sentence, of equal
    lengths) and ``tagset`` (the tags in sorted order: tag id i is ``tagset[i]``).

    >>> d = TaggedData([["a", "dog"]], [["at", "nn"]])
    >>> d.tagset, d.tag_ids()[0].tolist(), d.num_tokens
    (['at', 'nn'], [0, 1], 2)
    """

    def __init__(self, tokens: list, tags: list, tagset: list | None = None):
        if len(tokens) != len(tags):
            raise ValueError(f"{len(tokens)} sentences but {len(tags)} tag sequences")
        for i, (w, t) in enumerate(zip(tokens, tags)):
            if len(w) != len(t):
                raise ValueError(f"sentence {i} has {len(w)} tokens but {len(t)} tags")
        self.tokens, self.tags = list(tokens), list(tags)
        self.tagset = sorted({t for s in self.tags for t in s}) if tagset is None else [str(t) for t in tagset]

    @classmethod
    def read(cls, source, format: str = "auto", column: int = -1, errors: str = "strict") -> "TaggedData":
        """Read every sentence of ``source`` (see :func:`iter_tagged`)."""
        return cls(*_columns(iter_tagged(source, format, column, errors), f"{source!r}: no tagged sentences"))

    def __len__(self) -> int:
        return len(self.tokens)

    def __iter__(self):
        return iter(zip(self.tokens, self.tags))

    @property
    def num_tokens(self) -> int:
        return sum(len(s) for s in self.tokens)

    def __repr__(self) -> str:
        return f"TaggedData({len(self)} sentences, {self.num_tokens} tokens, {len(self.tagset)} tags)"

    def tag_ids(self, tagset: list | None = None, unseen: int | None = None) -> list[np.ndarray]:
        """int32 arrays of tag ids per sentence (positions in ``tagset``, default this data's). A tag not in
        ``tagset`` gets the id ``unseen``, or raises ValueError naming it when ``unseen`` is None (held-out
        data may hold rare tags that a model never saw in training: evaluation counts them as errors)."""
        tagset = self.tagset if tagset is None else list(tagset)
        index = {t: i for i, t in enumerate(tagset)}
        out = []
        for s, tags in enumerate(self.tags):
            try:
                out.append(np.array([index[t] if unseen is None else index.get(t, unseen) for t in tags],
                                    dtype=np.int32))
            except KeyError as e:
                raise ValueError(f"sentence {s}: tag {e.args[0]!r} is not among the model's {len(tagset)} "
                                 f"tags") from None
        return out

    def subset(self, idx) -> "TaggedData":
        return TaggedData([self.tokens[i] for i in idx], [self.tags[i] for i in idx], self.tagset)

    def split(self, valid_frac: float = 0.1, seed: int | None = 0) -> tuple["TaggedData", "TaggedData"]:
        """(train, held-out) sentences: ``valid_frac`` of them drawn with ``numpy.random.default_rng(seed)``."""
        tr, va = _split_indices(len(self), valid_frac, seed)
        return self.subset(tr), self.subset(va)


def pad_sequences(seqs, pad_id=0, max_len: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Stack sequences of different lengths into one padded batch and the lengths the models take.

    ``seqs``: a list of 1-D integer sequences (token ids) -> ``ids`` int32 (B, T), T the longest length (or
    ``max_len``: longer sequences keep their first max_len items); or a list of 2-D float arrays (T_i, I) (a
    real-valued series per row) -> a float array (B, T, I) of their dtype. Padding is ``pad_id`` (0.0 for
    floats). Returns ``(padded, lengths)``, lengths int32 (B,). An empty sequence raises ValueError naming it
    (a recurrent model needs at least one step per row).

    >>> ids, lengths = pad_sequences([[5, 6, 7], [8]])
    >>> ids.tolist(), lengths.tolist()
    ([[5, 6, 7], [8, 0, 0]], [3, 1])
    """
    if isinstance(seqs, np.ndarray) and seqs.dtype != object:
        seqs = list(seqs)
    if not isinstance(seqs, (list, tuple)) or len(seqs) == 0:
        raise ValueError("seqs must be a non-empty list of sequences")
    if max_len is not None:
        max_len = _positive("max_len", max_len)
    arrs = [np.asarray(s) for s in seqs]
    real = arrs[0].ndim == 2
    for i, a in enumerate(arrs):
        if a.ndim != (2 if real else 1):
            want = "2-D (steps, features)" if real else "1-D"
            raise ValueError(f"seqs[{i}] has shape {a.shape}; every sequence must be {want} like seqs[0]")
        if len(a) == 0:
            raise ValueError(f"seqs[{i}] is empty; every sequence needs at least one step (drop empty ones)")
        if not real and a.dtype.kind not in "iu":
            raise TypeError(f"seqs[{i}] has dtype {a.dtype}; token ids must be integers (Vocab.encode)")
        if real and a.shape[1] != arrs[0].shape[1]:
            raise ValueError(f"seqs[{i}] has {a.shape[1]} features but seqs[0] has {arrs[0].shape[1]}")
    lengths = np.array([len(a) for a in arrs], dtype=np.int64)
    if max_len is not None:
        lengths = np.minimum(lengths, max_len)
    T = int(lengths.max())
    if real:
        dt = np.result_type(*[a.dtype for a in arrs]) if all(a.dtype.kind == "f" for a in arrs) else np.float64
        out = np.full((len(arrs), T, arrs[0].shape[1]), pad_id, dtype=dt)
    else:
        lo = min(int(a.min()) for a in arrs)
        hi = max(int(a.max()) for a in arrs)
        if lo < 0 or hi > np.iinfo(np.int32).max:
            raise IndexError(f"seqs contain id {lo if lo < 0 else hi}, outside the int32 id range")
        out = np.full((len(arrs), T), pad_id, dtype=np.int32)
    for i, a in enumerate(arrs):
        out[i, :lengths[i]] = a[:lengths[i]]
    return out, lengths.astype(np.int32)


#: the label at padding positions of a per-token label batch (torch's CrossEntropyLoss ignore_index)
IGNORE_LABEL = -100


class bucket_batches:
    """Length-bucketed minibatches: sequences of similar length go together, so a batch holds little padding.

    Every ``iter()`` is one epoch: the sequences are sorted by length (ties in a random order when ``shuffle``),
    cut into batches of ``batch_size``, and the batches visited in a random order (``shuffle``; the epochs'
    sequence is fixed by ``seed``) or shortest first. Yields ``(X, lengths, Y)``: X from
    :func:`pad_sequences` (int32 (B, T), or float (B, T, I) for real-valued rows), lengths int32 (B,), and Y:

    - ``labels`` one per sequence (an int array (n,) or a float array (n, O)): those rows of it;
    - ``labels`` one per token (a list of 1-D int sequences, each as long as its sequence): int32 (B, T) with
      :data:`IGNORE_LABEL` at padding;
    - ``labels=None``: None.

    ``len()`` is the number of batches per epoch (the last one may be smaller).

    >>> b = bucket_batches([[1, 2, 3], [4], [5, 6]], [0, 1, 0], batch_size=2, shuffle=False)
    >>> [(X.shape, y.tolist()) for X, lengths, y in b]
    [((2, 2), [1, 0]), ((1, 3), [0])]
    """

    def __init__(self, seqs, labels=None, batch_size: int = 32, shuffle: bool = True, seed: int | None = 0,
                 pad_id=0):
        if not isinstance(seqs, (list, tuple)) or len(seqs) == 0:
            if isinstance(seqs, np.ndarray) and len(seqs):
                seqs = list(seqs)
            else:
                raise ValueError("seqs must be a non-empty list of sequences")
        self.seqs = seqs
        self.batch_size = _positive("batch_size", batch_size)
        self.shuffle, self.pad_id = bool(shuffle), pad_id
        self.rng = np.random.default_rng(seed)
        self.lengths = np.array([len(s) for s in seqs], dtype=np.int64)
        if (self.lengths == 0).any():
            i = int(np.argmin(self.lengths))
            raise ValueError(f"seqs[{i}] is empty; every sequence needs at least one step (drop empty ones)")
        self.per_token = False
        if labels is not None:
            if isinstance(labels, (list, tuple)) and len(labels) and np.ndim(labels[0]) == 1 and \
                    np.asarray(seqs[0]).ndim == 1:
                self.per_token = True
                if len(labels) != len(seqs):
                    raise ValueError(f"{len(labels)} label sequences for {len(seqs)} sequences")
                for i, (s, y) in enumerate(zip(seqs, labels)):
                    if len(y) != len(s):
                        raise ValueError(f"labels[{i}] has {len(y)} tags but seqs[{i}] has {len(s)} tokens")
            else:
                labels = np.asarray(labels)
                if len(labels) != len(seqs):
                    raise ValueError(f"{len(labels)} labels for {len(seqs)} sequences")
        self.labels = labels

    def __len__(self) -> int:
        return -(-len(self.seqs) // self.batch_size)

    def __iter__(self):
        n, B = len(self.seqs), self.batch_size
        tie = self.rng.random(n) if self.shuffle else np.arange(n)
        order = np.lexsort((tie, self.lengths))
        chunks = [order[i:i + B] for i in range(0, n, B)]
        visit = self.rng.permutation(len(chunks)) if self.shuffle else range(len(chunks))
        for j in visit:
            idx = chunks[j]
            X, lengths = pad_sequences([self.seqs[i] for i in idx], self.pad_id)
            if self.labels is None:
                Y = None
            elif self.per_token:
                Y, _ = pad_sequences([np.asarray(self.labels[i]) for i in idx], 0)
                Y[np.arange(Y.shape[1])[None, :] >= lengths[:, None]] = IGNORE_LABEL
            else:
                Y = self.labels[idx]
            yield X, lengths, Y
