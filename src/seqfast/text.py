"""Text to numbers: reading files, tokenization, the vocabulary, one-hot encoding.

Course section 2: "Text must be converted into numbers before models can use it": step 1 tokenization,
step 2 tokens to ids (a vocabulary), then one-hot vectors or learned embeddings.
"""
from __future__ import annotations

import gzip
import io
import json
import os
import re
import sys
import zlib
from collections import Counter
from typing import Iterable, Mapping, Sequence

import numpy as np

from ._checks import is_int, parse_json, trim_heap
from ._container import GZIP_MAGIC, check_strings, is_container, is_gzip, open_container, write_container
from ._strtab import StrTable, from_pool

__all__ = ["WORD_PATTERN", "WHITESPACE", "LEVELS", "InvalidUTF8Error", "Tokenizer", "read_text", "tokenize", "Vocab",
           "one_hot", "encode_text", "join_tokens", "read_line_batches",
           "read_text_pieces"]

#: Default word-level pattern: runs of letters/digits with inner apostrophes ("don't", "o'clock"),
#: and every other non-space character (punctuation, symbols) as a token of its own. Lower-cased ASCII
#: text gives the same tokens as ``[a-z0-9]+(?:'[a-z]+)?|[^\sa-z0-9]`` (the KenLM fixtures' tokenizer).
WORD_PATTERN = r"[^\W_]+(?:'[^\W_]+)*|[^\w\s]|_"
_WORD_RE = re.compile(WORD_PATTERN)

#: The bytes that separate tokens at the ``"whitespace"`` level: ASCII space, tab, newline, carriage return,
#: vertical tab and form feed, as KenLM reads text. Every other character (NBSP, U+2000-U+200B, U+3000, ...)
#: belongs to a token, so this level, the C reader and KenLM split any text identically.
WHITESPACE = " \t\n\r\v\f"
_WS_TOKEN_RE = re.compile(r"[^ \t\n\r\v\f]+")

#: Tokenization levels: ``"regex"`` is any pattern (``pattern=``), the others are named patterns.
LEVELS = ("word", "char", "whitespace", "regex")


class InvalidUTF8Error(ValueError):
    """A file is not valid UTF-8. ``path``, ``offset`` (byte offset of the first bad byte) and ``line`` (its
    1-based line number, None when the reader did not count lines) tell where."""

    def __init__(self, path: str, offset: int, byte: int, line: int | None = None):
        self.path, self.offset, self.byte, self.line = path, offset, byte, line
        where = f"line {line}, " if line is not None else ""
        super().__init__(
            f"{path}: invalid UTF-8 at {where}byte offset {offset} (byte 0x{byte:02x}); the file is probably in "
            f"another encoding such as Latin-1: convert it (e.g. iconv -f latin1 -t utf-8) or pass "
            f"errors='replace' to substitute U+FFFD for bad bytes")


#: Longest token (bytes of UTF-8) the file readers accept; also the longest run without a place to cut
#: (whitespace, or at word level a punctuation token) that the word-level reader holds while streaming.
MAX_TOKEN_BYTES = 1 << 20


class TokenTooLongError(ValueError):
    """A file holds a token (or, at word level, a run without whitespace or punctuation) longer than
    :data:`MAX_TOKEN_BYTES`. ``path``, ``offset`` (byte offset where it starts) and ``line`` (1-based, None when
    the input cannot be re-read, e.g. stdin) tell where."""

    def __init__(self, path: str, offset: int, line: int | None = None):
        if line is None:
            line = _line_at(path, offset)
        self.path, self.offset, self.line = path, offset, line
        where = f"line {line} (byte offset {offset})" if line is not None else f"byte offset {offset}"
        super().__init__(
            f"{path}: {where}: a token longer than {MAX_TOKEN_BYTES:,} bytes (no whitespace to split at); "
            f"seqfast does not count such tokens: split the input, or count it with level='char'")


def _line_at(path: str, offset: int) -> int | None:
    """1-based number of the line holding byte `offset` of a file (re-read, gzip by content), or None."""
    try:
        with open_binary(path) as f:
            n, left = 1, offset
            while left > 0:
                b = f.read(min(left, 1 << 22))
                if not b:
                    break
                n += b.count(b"\n")
                left -= len(b)
            return n
    except (OSError, ValueError, EOFError):
        return None


def _check_errors(errors: str) -> None:
    if errors not in ("strict", "replace", "ignore"):
        raise ValueError(f"errors must be 'strict', 'replace' or 'ignore', got {errors!r}")


def decode_utf8(data: bytes, path: str = "<bytes>", errors: str = "strict", base_offset: int = 0,
                base_line: int | None = None) -> str:
    """Decode UTF-8 bytes, raising :class:`InvalidUTF8Error` (with the byte offset, and the line number when
    ``base_line``, the 1-based line on which ``data`` starts, is given) when strict."""
    _check_errors(errors)
    try:
        return data.decode("utf-8", errors=errors)
    except UnicodeDecodeError as e:
        line = None if base_line is None else base_line + data.count(b"\n", 0, e.start)
        raise InvalidUTF8Error(path, base_offset + e.start, data[e.start], line) from None


def gzip_error(path: str, e: BaseException) -> ValueError:
    """The error for unreadable gzip data (truncated, corrupt), naming the file."""
    return ValueError(f"{path}: corrupt or truncated gzip data ({e})")


def open_binary(path: str):
    """Open a file for reading bytes, decompressing it when its content is gzip (see :func:`is_gzip`);
    ``"-"`` is standard input (gzip recognized by content too; closing the result leaves stdin open).
    Read errors of the gzip stream should be turned into :func:`gzip_error`."""
    if path == "-":
        src = sys.stdin.buffer if sys.stdin is not None else None
        if src is None:
            raise FileNotFoundError("-: standard input is closed")
        if not hasattr(src, "peek"):
            src = io.BufferedReader(src)
        if src.peek(2)[:2] == GZIP_MAGIC:
            return gzip.GzipFile(fileobj=src, mode="rb")
        return _Unclosed(src)
    if os.path.isdir(path):
        raise IsADirectoryError(f"{path}: is a directory, expected a text file")
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such file")
    if is_gzip(path):
        return gzip.open(path, "rb")
    return open(path, "rb")


class _Unclosed(io.RawIOBase):
    """A readable view of a stream whose close() leaves the stream open (standard input)."""

    def __init__(self, f):
        super().__init__()
        self._f = f

    def readable(self):
        return True

    def read(self, n=-1):
        return self._f.read(n)

    def readinto(self, b):
        data = self._f.read(len(b))
        b[:len(data)] = data
        return len(data)

    def peek(self, n=0):
        return self._f.peek(n)


def read_text(path: str | os.PathLike, errors: str = "strict") -> str:
    """Read a whole file as UTF-8 text.

    Parameters
    ----------
    path : file to read. gzip files are decompressed, recognized by their content (magic bytes), not by
        their name: a file named ``.gz`` that holds plain text is read as plain text. Truncated or corrupt
        gzip data raises ValueError naming the file.
    errors : ``"strict"`` (default) raises :class:`InvalidUTF8Error` naming the file and the byte offset of
        the first invalid byte; ``"replace"`` substitutes U+FFFD; ``"ignore"`` drops bad bytes.
    """
    path = os.fspath(path)
    _check_errors(errors)
    with open_binary(path) as f:
        try:
            data = f.read()
        except (EOFError, zlib.error, gzip.BadGzipFile) as e:
            raise gzip_error(path, e) from None
    return decode_utf8(data, path, errors)


def read_text_pieces(path, errors: str = "strict", chunk_bytes: int = 1 << 22):
    """Yield the text of a file (``"-"``: standard input; gzip by content) in pieces of about ``chunk_bytes``
    that end just after a ``"\\n"`` (the last piece: at the end of the file), so a file of any size is read in
    bounded memory (one line is held whole). Invalid UTF-8 raises :class:`InvalidUTF8Error` with the byte
    offset and the line number (``errors="strict"``)."""
    path = os.fspath(path)
    _check_errors(errors)
    name = "<stdin>" if path == "-" else path
    with open_binary(path) as f:
        pending, offset, line = [], 0, 1
        while True:
            try:
                data = f.read(chunk_bytes)
            except (EOFError, zlib.error, gzip.BadGzipFile) as e:
                raise gzip_error(name, e) from None
            if not data:
                break
            k = data.rfind(b"\n")
            if k < 0:  # no line ends here: keep the piece (joined once, when its line ends)
                pending.append(data)
                continue
            piece = b"".join(pending) + data[:k + 1] if pending else data[:k + 1]
            pending = [data[k + 1:]] if k + 1 < len(data) else []
            yield decode_utf8(piece, name, errors, offset, line)
            offset += len(piece)
            line += piece.count(b"\n")
        if pending:
            yield decode_utf8(b"".join(pending), name, errors, offset, line)


def read_line_batches(path, errors: str = "strict", chunk_bytes: int = 1 << 22):
    """Yield the lines of a file (see :func:`read_text_pieces`) in batches: lists of str without their
    ``"\\n"``. A final newline does not start another line."""
    for piece in read_text_pieces(path, errors, chunk_bytes):
        lines = piece.split("\n")
        if lines[-1] == "":
            lines.pop()
        yield lines


class Tokenizer:
    """One tokenization: how text becomes tokens everywhere in seqfast (:func:`tokenize`, :func:`count_ngrams`,
    :class:`seqfast.NGramLM` fitting and scoring, the RNN commands). Immutable, picklable, comparable.

    The specification, for every level:

    1. ``lower=True`` lower-cases the text first (``str.lower``, full Unicode case mapping, line by line:
       lines are independent because no line break is cased or case-ignorable).
    2. The text is split into tokens:

       ``"word"``: matches of :data:`WORD_PATTERN` (words and numbers with inner apostrophes, every other
       non-space character a token of its own; Unicode whitespace is dropped).
       ``"char"``: every character (code point), spaces, tabs and ``"\\r"`` included; ``"\\n"`` is a token
       of :func:`tokenize`'s output and a line break for the line-oriented readers.
       ``"whitespace"``: maximal runs of characters other than :data:`WHITESPACE` (KenLM's rule: only ASCII
       space, tab, newline, carriage return, vertical tab and form feed separate tokens).
       ``"regex"``: the matches (group 0) of ``pattern``; the line-oriented readers apply it to each line.

    Line-oriented readers (counting, n-gram models) read one sentence per ``"\\n"``-terminated line; the C
    readers implement the whitespace and char levels and the word level on ASCII lines, and a property test
    checks that they produce exactly the tokens of this class.

    Attributes ``level``, ``lower``, ``pattern`` (None unless level is ``"regex"``); :meth:`to_dict` /
    :meth:`from_dict` give the small dict models store (``{"level", "lower", "pattern"}``).
    """

    __slots__ = ("level", "lower", "pattern", "_rx")

    def __init__(self, level: str = "word", lower: bool = False, pattern: str | None = None):
        if pattern is not None:
            if not isinstance(pattern, str):
                raise TypeError(f"pattern must be a str (a regular expression), got {type(pattern).__name__}")
            if level not in ("word", "regex"):  # "word" is the default, so pattern= alone means regex
                raise ValueError(f"pattern= goes with level='regex', not level={level!r}")
            level = "regex"
        elif level == "regex":
            raise ValueError("level='regex' needs pattern= (a regular expression)")
        if level not in LEVELS:
            raise ValueError(f"level must be one of {', '.join(map(repr, LEVELS))}, got {level!r}")
        if not isinstance(lower, (bool, np.bool_)):
            raise TypeError(f"lower must be True or False, got {lower!r}")
        lower = bool(lower)
        try:
            rx = (re.compile(pattern) if pattern is not None else
                  {"word": _WORD_RE, "whitespace": _WS_TOKEN_RE, "char": None}[level])
        except re.error as e:
            raise ValueError(f"pattern {pattern!r} is not a valid regular expression ({e})") from None
        object.__setattr__(self, "level", level)
        object.__setattr__(self, "lower", lower)
        object.__setattr__(self, "pattern", pattern)
        object.__setattr__(self, "_rx", rx)

    def __setattr__(self, name, value):
        raise AttributeError("a Tokenizer is immutable: make a new one")

    def __reduce__(self):
        return (Tokenizer, (self.level, self.lower, self.pattern))

    def __eq__(self, other) -> bool:
        return isinstance(other, Tokenizer) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash((self.level, self.lower, self.pattern))

    def __repr__(self) -> str:
        return (f"Tokenizer(level={self.level!r}, lower={self.lower!r}"
                + (f", pattern={self.pattern!r}" if self.pattern is not None else "") + ")")

    def to_dict(self) -> dict:
        """``{"level": ..., "lower": ..., "pattern": ...}``: what a saved model stores."""
        return {"level": self.level, "lower": self.lower, "pattern": self.pattern}

    @classmethod
    def from_dict(cls, d) -> "Tokenizer":
        """The tokenizer of a dict written by :meth:`to_dict` (ValueError/TypeError name a bad field)."""
        if not isinstance(d, dict):
            raise TypeError(f"a tokenization must be a dict with 'level', 'lower', 'pattern', got {d!r}")
        return cls(d.get("level", "word"), d.get("lower", False), d.get("pattern"))

    @property
    def python_only(self) -> bool:
        """True when the C readers cannot implement this tokenization on their own and text is tokenized
        in Python (the regex level; char level with ``lower``, whose case mapping needs context)."""
        return self.level == "regex" or (self.level == "char" and self.lower)

    def __call__(self, text: str) -> list[str]:
        """The tokens of a text (see the class docstring)."""
        if not isinstance(text, str):
            if isinstance(text, (bytes, bytearray)):
                raise TypeError("tokenize() takes str; decode bytes first (seqfast.read_text reads files as UTF-8)")
            raise TypeError(f"tokenize() takes str, got {type(text).__name__}")
        if self.lower:
            text = text.lower()
        rx = self._rx
        if rx is None:
            return list(text)
        if rx.groups:
            return [m.group(0) for m in rx.finditer(text)]
        return rx.findall(text)

    def lines(self, text: str) -> list[list[str]]:
        """Tokens of each ``"\\n"``-separated line of a text (no line-break tokens), as the line-oriented
        readers see them. A final newline does not start another line."""
        pieces = text.split("\n")
        if pieces and pieces[-1] == "":
            pieces.pop()
        return [self(p) for p in pieces]


def tokenize(text: str, level: str = "word", pattern: str | None = None, lower: bool = False) -> list[str]:
    """Split text into tokens: ``Tokenizer(level, lower, pattern)(text)`` (see :class:`Tokenizer`).

    Parameters
    ----------
    text : the text (a ``str``; decode bytes first, e.g. with :func:`read_text`).
    level : ``"word"``: matches of :data:`WORD_PATTERN` (words and numbers with inner apostrophes; every
        punctuation mark is a token; whitespace is dropped). ``"char"``: every character, including spaces
        and newlines. ``"whitespace"``: runs of characters other than ASCII space, tab, newline, carriage
        return, vertical tab and form feed (KenLM's rule; NBSP and other Unicode spaces stay inside tokens).
    pattern : any regular expression; its matches (group 0) are the tokens (level ``"regex"``).
    lower : lower-case the text first.

    Example
    -------
    >>> tokenize("The Time Traveller (for so it will be convenient) didn't.")
    ['The', 'Time', 'Traveller', '(', 'for', 'so', 'it', 'will', 'be', 'convenient', ')', "didn't", '.']
    >>> tokenize("ab c", level="char")
    ['a', 'b', ' ', 'c']
    >>> tokenize("a\u00a0b c", level="whitespace")
    ['a\xa0b', 'c']
    """
    if not isinstance(text, str):
        Tokenizer()(text)  # raises the TypeError
    return Tokenizer(level, lower, pattern)(text)


def sort_by_frequency(freq: np.ndarray) -> np.ndarray:
    """order int64 (n,): the positions of freq (int64 (n,), writable) by descending value, ties by position;
    freq itself is left sorted that way (no copy of it is made)."""
    np.negative(freq, out=freq)
    order = np.argsort(freq, kind="stable")
    freq.sort()
    np.negative(freq, out=freq)
    return order


def _check_freqs(freqs, n_regular: int, where: str) -> np.ndarray:
    """``freqs`` as int64 (n_regular,) of ints in [0, 2^62) (counts a file stores as int64 and adds up);
    ValueError (prefixed by ``where``) otherwise."""
    if isinstance(freqs, np.ndarray) and freqs.dtype.kind in "iu" and freqs.ndim == 1:
        arr = freqs
    else:
        freqs = list(freqs)
        if all(type(f) is int for f in freqs) and (not freqs or (min(freqs) >= 0 and max(freqs) < 2**62)):
            arr = np.asarray(freqs, dtype=np.int64)  # the common case, checked at C speed
        else:
            arr = None
    n = len(freqs) if arr is None else arr.shape[0]
    if n != n_regular:
        raise ValueError(f"{where}'freqs' has {n} entries for {n_regular} non-special tokens")
    if arr is not None:
        if arr.size and (int(arr.min()) < 0 or int(arr.max()) >= 2**62):
            i = int(np.flatnonzero((arr < 0) | (arr >= 2**62))[0])
            raise ValueError(f"{where}'freqs' must hold ints in [0, 2^62), got {int(arr[i])!r} at position {i}")
        return arr.astype(np.int64, copy=False)
    for i, f in enumerate(freqs):
        if not is_int(f) or not 0 <= f < 2**62:
            raise ValueError(f"{where}'freqs' must hold ints in [0, 2^62), got {f!r} at position {i}")
    return np.asarray([int(f) for f in freqs], dtype=np.int64)


def _count(tokens_or_counts) -> Counter:
    if isinstance(tokens_or_counts, Mapping):
        c = Counter()
        for tok, n in tokens_or_counts.items():
            if not isinstance(tok, str):
                raise TypeError(f"vocabulary keys must be str, got {type(tok).__name__}: {tok!r}")
            if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
                raise ValueError(f"count of {tok!r} must be a non-negative int, got {n!r}")
            c[tok] += int(n)
        return c
    if isinstance(tokens_or_counts, str):
        raise TypeError("Vocab() takes a sequence of tokens, not one str; tokenize the text first")
    items = list(tokens_or_counts)
    if items and isinstance(items[0], (list, tuple)):  # a list of lines of tokens
        c = Counter()
        for line in items:
            c.update(line)
    else:
        c = Counter(items)
    for tok in c:
        if not isinstance(tok, str):
            raise TypeError(f"tokens must be str, got {type(tok).__name__}: {tok!r}")
    return c


def surrogate_error(what: str, text: str, e: UnicodeEncodeError) -> ValueError:
    """The error for a str that is not valid Unicode text (it holds a lone surrogate, e.g. from bytes decoded
    with errors='surrogateescape'): ``what`` names it, ``e`` is the error of encoding ``text`` to UTF-8."""
    return ValueError(f"{what} is not valid Unicode text: it holds a lone surrogate ({text[e.start]!r} at "
                      f"character {e.start}); decode the text with errors='strict' or 'replace' instead of "
                      f"'surrogateescape'/'surrogatepass'")


def _raise_invalid_text(itos, source) -> None:
    """ValueError naming the first token of itos that is not valid Unicode text (a lone surrogate) and
    its position in ``source`` when that is a flat sequence of tokens; returns when there is none."""
    for tok in itos:
        try:
            tok.encode("utf-8")
        except UnicodeEncodeError as e:
            where = ""
            if isinstance(source, Sequence) and not isinstance(source, str) and tok in source:
                where = f" (position {list(source).index(tok)} of the input)"
            raise surrogate_error(f"token {tok!r:.60}{where}", tok, e) from None


class Vocab:
    """A vocabulary: token <-> int id.

    Ids: the ``specials`` first, in the order given (``<unk>`` is id 0 by default), then every token with
    frequency >= ``min_freq`` by descending frequency, ties by first appearance, so the same input always
    gives the same ids.

    Parameters
    ----------
    tokens_or_counts : a sequence of tokens, a sequence of token lists (lines), or a mapping token -> count.
    min_freq : tokens rarer than this are left out (they encode as ``<unk>``).
    max_size : at most this many entries in all, specials included (the most frequent are kept).
    specials : tokens given the first ids whatever their frequency.
    unk_token : the special that unknown tokens map to; must be in ``specials`` for unknowns to encode.

    Example
    -------
    >>> v = Vocab("the cat sat on the mat".split())
    >>> v.encode(["the", "dog"]).tolist()
    [1, 0]
    >>> v.decode([1, 2])
    ['the', 'cat']
    """

    def __init__(self, tokens_or_counts: Iterable = (), min_freq: int = 1, max_size: int | None = None,
                 specials: Sequence[str] = ("<unk>",), unk_token: str = "<unk>"):
        if not is_int(min_freq) or min_freq < 1:
            raise ValueError(f"min_freq must be an int >= 1, got {min_freq!r}")
        min_freq = int(min_freq)
        specials = tuple(specials)
        if len(set(specials)) != len(specials):
            raise ValueError(f"specials contain duplicates: {specials}")
        if max_size is not None:
            if not is_int(max_size) or max_size < len(specials):
                raise ValueError(f"max_size must be an int >= len(specials) = {len(specials)}, got {max_size!r}")
            max_size = int(max_size)
        if isinstance(tokens_or_counts, list) and not (tokens_or_counts and isinstance(tokens_or_counts[0],
                                                                                      (list, tuple))):
            try:
                self._init_from_list(tokens_or_counts, min_freq, max_size, specials, unk_token)
                return
            except (TypeError, ValueError):
                pass  # the general path below names the bad token
        counts = _count(tokens_or_counts)
        sp = set(specials)
        kept = sorted(((t, n) for t, n in counts.items() if n >= min_freq and t not in sp),
                      key=lambda tn: -tn[1])
        if max_size is not None:
            kept = kept[: max_size - len(specials)]
        itos = list(specials) + [t for t, _ in kept]
        try:
            self._init(itos, specials, unk_token, [n for _, n in kept])
        except ValueError:
            _raise_invalid_text(itos, tokens_or_counts)
            raise

    def _init_from_list(self, tokens: list, min_freq: int, max_size: int | None, specials: tuple, unk_token: str):
        """The vocabulary of a flat list of str, counted in C: the specials and then the tokens interned into one
        table (ids in order of first appearance), their frequencies by bincount, the kept ones put in order."""
        table = StrTable(specials, expected=len(specials) + len(tokens) // 4)
        k = len(specials)
        freq = np.bincount(table.add_all(tokens), minlength=len(table)).astype(np.int64, copy=False)
        # descending frequency, ties by first appearance (the id); specials are ordered apart
        order = sort_by_frequency(freq[k:])
        n = order.shape[0] if min_freq <= 1 else int(np.count_nonzero(freq[k:] >= min_freq))
        if max_size is not None:
            n = min(n, max_size - k)
        freqs = freq[k:k + n] if n == order.shape[0] else freq[k:k + n].copy()
        del freq
        ids = np.empty(k + n, dtype=np.int32)
        ids[:k] = np.arange(k, dtype=np.int32)
        np.add(order[:n], k, out=ids[k:], casting="unsafe")
        del order
        if ids.shape[0] == len(table):
            table.shrink()  # before the renumbering copies the pool: no stored hashes to copy
            table.permute(ids)
        else:
            table = table.select(ids)
        del ids
        self._init(table, specials, unk_token, freqs)
        if len(tokens) >= 1 << 16:
            trim_heap()  # what glibc holds of the freed arrays below its mmap threshold (up to 32 MiB each)

    def _init(self, itos, specials, unk_token, freqs):
        """itos: a StrTable (kept as it is: the tokens stay in its C pool) or a sequence of str."""
        if isinstance(itos, StrTable):
            self._table = itos
        else:
            itos = itos if isinstance(itos, (list, tuple)) else list(itos)
            self._table = StrTable(itos)
            if len(self._table) != len(itos):
                raise ValueError("vocabulary tokens are not unique")
        self._table.shrink()  # kept for look-ups only from here
        self.specials = tuple(specials)
        self.unk_token = unk_token
        self.unk_id = self._table.find(unk_token) if unk_token in self.specials else -1
        self._freqs = np.asarray(freqs, dtype=np.int64)

    @classmethod
    def from_tokens(cls, itos: Sequence[str], specials: Sequence[str] = ("<unk>",),
                    unk_token: str = "<unk>", freqs: Sequence[int] | None = None) -> "Vocab":
        """A vocabulary with exactly these tokens in this order (ids 0..len-1). ``itos`` may be a
        :class:`seqfast._strtab.StrTable`, which the vocabulary then owns (no str is made per token)."""
        v = cls.__new__(cls)
        present = itos if isinstance(itos, StrTable) else set(itos)
        specials = tuple(s for s in specials if s in present)
        n_regular = len(itos) - len(specials)
        if not isinstance(unk_token, str):
            raise TypeError(f"unk_token must be a str, got {unk_token!r}")
        v._init(itos, specials, unk_token,
                _check_freqs(freqs, n_regular, "") if freqs is not None else np.zeros(n_regular, dtype=np.int64))
        return v

    # ----- lookups ------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._table)

    def __iter__(self):
        """The tokens in id order (``list(vocab)`` is :attr:`itos`), each str made as it is reached."""
        return iter(self._table)

    @property
    def idx_to_token(self) -> list[str]:
        """The tokens in id order (d2l's name; the same list as :attr:`itos`)."""
        return self._table.tokens()

    @property
    def token_to_idx(self) -> dict[str, int]:
        """A dict token -> id (d2l's name; a copy: use ``vocab[token]`` for lookups, which is C-fast)."""
        return {t: i for i, t in enumerate(self._table)}

    def __getstate__(self):
        pool, offsets = self._table.pack()
        return {"tokens_pool": pool, "tokens_offsets": offsets, "specials": self.specials,
                "unk_token": self.unk_token, "freqs": self._freqs}

    def __setstate__(self, state):
        itos = state["itos"] if "itos" in state else from_pool(state["tokens_pool"], state["tokens_offsets"])
        self._init(itos, state["specials"], state["unk_token"], state["freqs"])

    def __contains__(self, token) -> bool:
        return token in self._table

    def __getitem__(self, token):
        """Id of a token (``<unk>``'s id when unknown); a list of tokens gives a list of ids."""
        if isinstance(token, str):
            i = self._table.find(token)
            if i >= 0:
                return i
            return self._unk_or_raise(token)
        return self.encode(token).tolist()

    def _unk_or_raise(self, token):
        if self.unk_id < 0:
            raise KeyError(f"token {token!r} is not in the vocabulary and the vocabulary has no "
                           f"{self.unk_token!r} special; build it with specials=({self.unk_token!r},) "
                           f"or keep only known tokens")
        return self.unk_id

    def encode(self, tokens: Sequence[str]) -> np.ndarray:
        """Ids of a sequence of tokens as an int32 array of shape (len(tokens),).

        Unknown tokens map to ``<unk>``; a KeyError names the first unknown token when the vocabulary has
        no ``<unk>``. The lookup is a C hash table loop (tens of millions of tokens per second).
        """
        if isinstance(tokens, str):
            raise TypeError("encode() takes a sequence of tokens, not one str; use vocab[token] or tokenize first")
        if self.unk_id >= 0:
            return self._table.encode(tokens, self.unk_id)
        try:
            return self._table.encode(tokens, -1)
        except KeyError as e:
            self._unk_or_raise(e.args[0])
            raise

    def decode(self, ids) -> list[str]:
        """Tokens of a sequence of ids (any integer array-like of shape (n,))."""
        a = np.asarray(ids)
        if a.size == 0:
            return []
        if a.ndim != 1:
            raise ValueError(f"decode() takes a 1-D sequence of ids, got shape {a.shape}")
        if not np.issubdtype(a.dtype, np.integer):
            raise TypeError(f"ids must be integers, got dtype {a.dtype}")
        lo, hi = int(a.min()), int(a.max())
        if lo < 0 or hi >= len(self):
            bad = lo if lo < 0 else hi
            raise IndexError(f"id {bad} out of range for a vocabulary of {len(self)} tokens (0..{len(self) - 1})")
        return self._table.decode(np.ascontiguousarray(a, dtype=np.int64))

    to_tokens = decode

    @property
    def itos(self) -> list[str]:
        """All tokens in id order (a new list of str: the vocabulary itself keeps its tokens as UTF-8 in a C
        pool; ``vocab.token(i)`` gives one)."""
        return self._table.tokens()

    def token(self, i: int) -> str:
        """The token of id i (IndexError out of range; negative counts from the end)."""
        return self._table[i]

    @property
    def freqs(self) -> np.ndarray:
        """Frequencies of the non-special tokens in id order, int64 (len(vocab) - len(specials),), read-only."""
        f = self._freqs.view()
        f.flags.writeable = False
        return f

    @property
    def token_freqs(self) -> list[tuple[str, int]]:
        """(token, frequency) of every non-special token, in id order (descending frequency)."""
        return list(zip(self._table[len(self.specials):], self._freqs.tolist()))

    @property
    def nbytes(self) -> int:
        """Bytes the vocabulary holds: its C string table (hash slots, hashes, offsets, UTF-8 pool) and the
        frequencies."""
        return self._table.nbytes + self._freqs.nbytes

    def _pool(self) -> tuple[np.ndarray, np.ndarray]:
        """(pool uint8, offsets int64 (len + 1,)): the tokens as :func:`seqfast._container.pack_strings` packs
        them, straight from the C pool."""
        return self._table.pack()

    def __repr__(self) -> str:
        head = ", ".join(repr(t) for t in self._table[:5])
        return f"Vocab(size={len(self)}, specials={self.specials}, tokens=[{head}{', ...' if len(self) > 5 else ''}])"

    def __eq__(self, other) -> bool:
        return (isinstance(other, Vocab) and self.specials == other.specials
                and self.unk_token == other.unk_token and self._table.equals(other._table))

    # ----- persistence --------------------------------------------------------------------------------
    def save(self, path: str | os.PathLike, compress: bool = False) -> None:
        """Write the vocabulary as a seqfast container (:mod:`seqfast._container`, kind ``"vocab"``): the
        tokens in id order and their frequencies. ``compress=True`` writes it gzip-compressed (read back by
        content, whatever the file's name)."""
        pool, offs = self._table.pack()
        header = {"specials": list(self.specials), "unk_token": self.unk_token}
        write_container(path, "vocab", 2, header, {"tokens_pool": pool, "tokens_offsets": offs,
                                                   "freqs": np.asarray(self._freqs, dtype=np.int64)},
                        compress=compress)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Vocab":
        """Read a vocabulary written by :meth:`save` (or the JSON form of seqfast 0.1); a ValueError says what
        is wrong with a bad file."""
        path = os.fspath(path)
        if is_container(path):
            meta, arrays = open_container(path, "vocab", (2,))
            where = f"{path}: corrupt vocabulary file: "
            try:
                pool, offs = check_strings(arrays["tokens_pool"], arrays["tokens_offsets"], path)
                freqs = arrays["freqs"]
            except KeyError as e:
                raise ValueError(f"{where}no array {e}") from None
            try:
                toks = from_pool(pool, offs)
            except ValueError:
                raise ValueError(f"{path}: corrupt vocabulary file (duplicate tokens)") from None
            if freqs.dtype.kind not in "iu" or freqs.ndim != 1:
                freqs = freqs.tolist()
            specials, unk_token = meta.get("specials"), meta.get("unk_token")
        else:
            with open(path, "rb") as f:
                doc = parse_json(f.read(), path, "vocabulary")
            if not isinstance(doc, dict) or doc.get("format") != "seqfast-vocab":
                raise ValueError(f"{path}: not a seqfast vocabulary file (neither a seqfast container nor "
                                 f"JSON with 'format': 'seqfast-vocab')")
            if doc.get("version") != 1:
                raise ValueError(f"{path}: unsupported vocabulary version {doc.get('version')!r} (expected 1)")
            toks, specials, freqs = doc.get("tokens"), doc.get("specials"), doc.get("freqs")
            unk_token = doc.get("unk_token", "<unk>")
        return cls._from_saved(path, toks, specials, freqs, unk_token)

    @classmethod
    def _from_saved(cls, path: str, toks, specials, freqs, unk_token) -> "Vocab":
        """A Vocab from the fields of a saved file, every field checked (ValueError naming the file). toks: a
        list of str, or a StrTable (already checked to hold valid, distinct tokens)."""
        table = isinstance(toks, StrTable)
        if (not (table or isinstance(toks, list) and all(isinstance(t, str) for t in toks))
                or not isinstance(specials, list) or not isinstance(freqs, (list, np.ndarray))
                or len(freqs) != len(toks) - len(specials) or toks[:len(specials)] != specials):
            raise ValueError(f"{path}: corrupt vocabulary file (tokens, specials and freqs disagree)")
        if not table and len(set(toks)) != len(toks):
            raise ValueError(f"{path}: corrupt vocabulary file (duplicate tokens)")
        where = f"{path}: corrupt vocabulary file: "
        freqs = _check_freqs(freqs, len(toks) - len(specials), where)
        if not isinstance(unk_token, str):
            raise ValueError(f"{where}'unk_token' must be a str, got {unk_token!r}")
        v = cls.__new__(cls)
        try:
            v._init(toks, specials, unk_token, freqs)
        except ValueError as e:  # e.g. a token that is not valid Unicode text
            raise ValueError(f"{where}'tokens': {e}") from None
        return v


def encode_text(text: str, tokenizer: Tokenizer | None = None, vocab: Vocab | None = None,
                min_freq: int = 1) -> tuple:
    """``(vocab, ids)`` of a text: its tokens by ``tokenizer`` (default: words), a vocabulary built from them
    (or the given ``vocab``, which maps unknown tokens to ``<unk>``) and their ids (int32, shape (T,))."""
    tokens = (tokenizer or Tokenizer())(text)
    if vocab is None:
        vocab = Vocab(tokens, min_freq=min_freq)
    return vocab, vocab.encode(tokens)


def join_tokens(tokens, tokenizer: Tokenizer) -> str:
    """Text of tokens for display: concatenated at the char level, else separated by spaces."""
    return "".join(tokens) if tokenizer.level == "char" else " ".join(tokens)


def one_hot(ids, num_classes: int, dtype=np.float32) -> np.ndarray:
    """One-hot encode integer ids of any shape: the result has shape ``ids.shape + (num_classes,)``.

    Raises IndexError when an id is outside ``[0, num_classes)``.

    Example
    -------
    >>> one_hot([0, 2], 3).tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    """
    a = np.asarray(ids)
    if a.size and not np.issubdtype(a.dtype, np.integer):
        raise TypeError(f"one_hot() takes integer ids, got dtype {a.dtype}")
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < 1:
        raise ValueError(f"num_classes must be a positive int, got {num_classes!r}")
    if a.size:  # check before the int64 cast, so a huge uint64 id is reported as itself
        lo, hi = int(a.min()), int(a.max())
        if lo < 0 or hi >= num_classes:
            raise IndexError(f"id {lo if lo < 0 else hi} out of range for num_classes={num_classes}")
    a = a.astype(np.int64, copy=False)
    out = np.zeros(a.shape + (int(num_classes),), dtype=dtype)
    np.put_along_axis(out, a[..., None], 1, axis=-1)
    return out
