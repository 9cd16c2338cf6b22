"""Text to numbers: reading files, tokenization, the vocabulary, one-hot encoding.

Course section 2: "Text must be converted into numbers before models can use it": step 1 tokenization,
step 2 tokens to ids (a vocabulary), then one-hot vectors or learned embeddings.
"""
from __future__ import annotations

import json
import os
import re
from collections import Counter
from typing import Iterable, Mapping, Sequence

import numpy as np

from ._atomic import atomic_write
from ._checks import is_int, parse_json
from ._strtab import StrTable

__all__ = ["WORD_PATTERN", "InvalidUTF8Error", "read_text", "tokenize", "Vocab", "one_hot"]

#: Default word-level pattern: runs of letters/digits with inner apostrophes ("don't", "o'clock"),
#: and every other non-space character (punctuation, symbols) as a token of its own. Lower-cased ASCII
#: text gives the same tokens as ``[a-z0-9]+(?:'[a-z]+)?|[^\sa-z0-9]`` (the KenLM fixtures' tokenizer).
WORD_PATTERN = r"[^\W_]+(?:'[^\W_]+)*|[^\w\s]|_"
_WORD_RE = re.compile(WORD_PATTERN)


class InvalidUTF8Error(ValueError):
    """A file is not valid UTF-8. ``path`` and ``offset`` (byte offset of the first bad byte) tell where."""

    def __init__(self, path: str, offset: int, byte: int):
        self.path, self.offset, self.byte = path, offset, byte
        super().__init__(
            f"{path}: invalid UTF-8 at byte offset {offset} (byte 0x{byte:02x}); the file is probably in "
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


def decode_utf8(data: bytes, path: str = "<bytes>", errors: str = "strict", base_offset: int = 0) -> str:
    """Decode UTF-8 bytes, raising :class:`InvalidUTF8Error` (with the byte offset) when strict."""
    _check_errors(errors)
    try:
        return data.decode("utf-8", errors=errors)
    except UnicodeDecodeError as e:
        raise InvalidUTF8Error(path, base_offset + e.start, data[e.start]) from None


GZIP_MAGIC = b"\x1f\x8b"


def is_gzip(path: str) -> bool:
    """True when the file starts with the gzip magic bytes (how every seqfast reader decides, whatever the
    name: a ``.gz`` file holding plain text is read as plain text, gzip data under any name is decompressed).
    Valid UTF-8 text never starts with them (0x8b is a continuation byte)."""
    with open(path, "rb") as f:
        return f.read(2) == GZIP_MAGIC


def gzip_error(path: str, e: BaseException) -> ValueError:
    """The error for unreadable gzip data (truncated, corrupt), naming the file."""
    return ValueError(f"{path}: corrupt or truncated gzip data ({e})")


def open_binary(path: str):
    """Open a file for reading bytes, decompressing it when its content is gzip (see :func:`is_gzip`).
    Read errors of the gzip stream should be turned into :func:`gzip_error`."""
    if os.path.isdir(path):
        raise IsADirectoryError(f"{path}: is a directory, expected a text file")
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such file")
    if is_gzip(path):
        import gzip
        return gzip.open(path, "rb")
    return open(path, "rb")


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
    import gzip
    import zlib

    path = os.fspath(path)
    _check_errors(errors)
    with open_binary(path) as f:
        try:
            data = f.read()
        except (EOFError, zlib.error, gzip.BadGzipFile) as e:
            raise gzip_error(path, e) from None
    return decode_utf8(data, path, errors)


def tokenize(text: str, level: str = "word", pattern: str | None = None, lower: bool = False) -> list[str]:
    """Split text into tokens.

    Parameters
    ----------
    text : the text (a ``str``; decode bytes first, e.g. with :func:`read_text`).
    level : ``"word"``: matches of :data:`WORD_PATTERN` (words and numbers with inner apostrophes; every
        punctuation mark is a token; whitespace is dropped). ``"char"``: every character, including spaces
        and newlines. ``"whitespace"``: ``text.split()``.
    pattern : any regular expression; its matches (``re.findall``, group 0) are the tokens. Overrides
        ``level``.
    lower : lower-case the text first.

    Example
    -------
    >>> tokenize("The Time Traveller (for so it will be convenient) didn't.")
    ['The', 'Time', 'Traveller', '(', 'for', 'so', 'it', 'will', 'be', 'convenient', ')', "didn't", '.']
    >>> tokenize("ab c", level="char")
    ['a', 'b', ' ', 'c']
    """
    if not isinstance(text, str):
        if isinstance(text, (bytes, bytearray)):
            raise TypeError("tokenize() takes str; decode bytes first (seqfast.read_text reads files as UTF-8)")
        raise TypeError(f"tokenize() takes str, got {type(text).__name__}")
    if lower:
        text = text.lower()
    if pattern is not None:
        try:
            rx = re.compile(pattern)
        except re.error as e:
            raise ValueError(f"pattern {pattern!r} is not a valid regular expression ({e})") from None
        if rx.groups:
            return [m.group(0) for m in rx.finditer(text)]
        return rx.findall(text)
    if level == "word":
        return _WORD_RE.findall(text)
    if level == "char":
        return list(text)
    if level == "whitespace":
        return text.split()
    raise ValueError(f"level must be 'word', 'char' or 'whitespace', got {level!r}")


def _check_freqs(freqs, n_regular: int, where: str) -> list:
    """``freqs`` as a list of n_regular non-negative ints; ValueError (prefixed by ``where``) otherwise."""
    freqs = list(freqs)
    if len(freqs) != n_regular:
        raise ValueError(f"{where}'freqs' has {len(freqs)} entries for {n_regular} non-special tokens")
    if all(type(f) is int for f in freqs) and (not freqs or min(freqs) >= 0):
        return freqs  # the common case, checked at C speed
    for i, f in enumerate(freqs):
        if not is_int(f) or f < 0:
            raise ValueError(f"{where}'freqs' must hold non-negative ints, got {f!r} at position {i}")
    return [int(f) for f in freqs]


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

    def _init(self, itos, specials, unk_token, freqs):
        self._itos = list(itos)
        self.specials = tuple(specials)
        self.unk_token = unk_token
        self._table = StrTable(self._itos)
        if len(self._table) != len(self._itos):
            raise ValueError("vocabulary tokens are not unique")
        self.unk_id = self._table.find(unk_token) if unk_token in self.specials else -1
        self._freqs = list(freqs)
        self._itos_arr = None

    @classmethod
    def from_tokens(cls, itos: Sequence[str], specials: Sequence[str] = ("<unk>",),
                    unk_token: str = "<unk>", freqs: Sequence[int] | None = None) -> "Vocab":
        """A vocabulary with exactly these tokens in this order (ids 0..len-1)."""
        v = cls.__new__(cls)
        present = set(itos)
        specials = tuple(s for s in specials if s in present)
        n_regular = len(itos) - len(specials)
        if not isinstance(unk_token, str):
            raise TypeError(f"unk_token must be a str, got {unk_token!r}")
        v._init(itos, specials, unk_token, _check_freqs(freqs, n_regular, "") if freqs is not None else [0] * n_regular)
        return v

    # ----- lookups ------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._itos)

    def __contains__(self, token) -> bool:
        if not isinstance(token, str):
            return False
        try:
            return self._table.find(token) >= 0
        except ValueError:  # not valid Unicode text (a lone surrogate): never in a vocabulary
            return False

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
        if self._itos_arr is None:
            self._itos_arr = np.array(self._itos, dtype=object)
        return self._itos_arr[a].tolist()

    to_tokens = decode

    @property
    def itos(self) -> list[str]:
        """All tokens in id order (a copy)."""
        return list(self._itos)

    @property
    def token_freqs(self) -> list[tuple[str, int]]:
        """(token, frequency) of every non-special token, in id order (descending frequency)."""
        return list(zip(self._itos[len(self.specials):], self._freqs))

    def __repr__(self) -> str:
        head = ", ".join(repr(t) for t in self._itos[:5])
        return f"Vocab(size={len(self)}, specials={self.specials}, tokens=[{head}{', ...' if len(self) > 5 else ''}])"

    def __eq__(self, other) -> bool:
        return (isinstance(other, Vocab) and self._itos == other._itos and self.specials == other.specials
                and self.unk_token == other.unk_token)

    # ----- persistence --------------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> None:
        """Write the vocabulary as readable JSON (tokens in id order with their frequencies)."""
        doc = {"format": "seqfast-vocab", "version": 1, "specials": list(self.specials),
               "unk_token": self.unk_token, "tokens": self._itos, "freqs": self._freqs}
        with atomic_write(path, "w", encoding="utf-8") as f:
            json.dump(doc, f, ensure_ascii=False, indent=0)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Vocab":
        """Read a vocabulary written by :meth:`save`; a ValueError says what is wrong with a bad file."""
        with open(path, "rb") as f:
            doc = parse_json(f.read(), os.fspath(path), "vocabulary")
        if not isinstance(doc, dict) or doc.get("format") != "seqfast-vocab":
            raise ValueError(f"{path}: not a seqfast vocabulary file (no 'format': 'seqfast-vocab')")
        if doc.get("version") != 1:
            raise ValueError(f"{path}: unsupported vocabulary version {doc.get('version')!r} (expected 1)")
        toks, specials, freqs = doc.get("tokens"), doc.get("specials"), doc.get("freqs")
        if (not isinstance(toks, list) or not all(isinstance(t, str) for t in toks)
                or not isinstance(specials, list) or not isinstance(freqs, list)
                or len(freqs) != len(toks) - len(specials) or toks[:len(specials)] != specials):
            raise ValueError(f"{path}: corrupt vocabulary file (tokens, specials and freqs disagree)")
        if len(set(toks)) != len(toks):
            raise ValueError(f"{path}: corrupt vocabulary file (duplicate tokens)")
        where = f"{path}: corrupt vocabulary file: "
        freqs = _check_freqs(freqs, len(toks) - len(specials), where)
        unk_token = doc.get("unk_token", "<unk>")
        if not isinstance(unk_token, str):
            raise ValueError(f"{where}'unk_token' must be a str, got {unk_token!r}")
        v = cls.__new__(cls)
        try:
            v._init(toks, specials, unk_token, freqs)
        except ValueError as e:  # e.g. a token that is not valid Unicode text
            raise ValueError(f"{where}'tokens': {e}") from None
        return v


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
