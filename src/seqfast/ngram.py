"""N-gram counting: :func:`count_ngrams` and the :class:`NGramCounts` it returns.

Pipeline (one stage per file in csrc/, after KenLM's lm/builder):
  ngram_reader.c    bytes -> tokens -> int32 ids, streamed in chunks (.gz via zlib): whitespace and char
                    tokenization, UTF-8 checking, interning; at the word level ASCII lines are tokenized in C
                    exactly like :func:`seqfast.tokenize`, other lines by its regex in Python
  ngram_hash.c      packed n-gram keys, open-addressing count tables over them, radix sort of packed records
  ngram_sortcount.c counting engine "sort" (default): positions are bucketed by their first id, the next N-1 ids
                    of each are packed into a key, each bucket is radix sorted (buckets in parallel) and every
                    order is read off the runs of equal prefixes in one pass
  ngram_count.c     counting engine "hash": one open-addressing table per order and shard (shards partitioned
                    by the hash of the first id, OpenMP), all orders in one pass; memory grows with the distinct
                    n-grams instead of the tokens
  ngram_merge.c     combining (merge) and checking (load) sorted count arrays

Row order: ``NGramCounts.arrays(n)`` rows are sorted lexicographically by ids (first token major), whatever the
thread count; the vocabulary holds the specials first, then tokens by descending frequency (ties by first
appearance), like :class:`seqfast.Vocab`.
"""
from __future__ import annotations

import gzip
import io
import json
import os
import re
import sys
import time
import zlib
from typing import Iterable, Iterator

import numpy as np

from ._atomic import atomic_write
from ._checks import check_memory, is_int, parse_json
from ._ngram import (Interner, check_sorted, combine, counter as _c_counter, id_counts, merge_readers,
                     read_ranges, remap_ids, write_tsv)
from ._progress import Progress
from ._strtab import StrTable, from_pool
from ._container import check_strings, is_container, open_container, write_container
from ._threads import resolve_threads
from .text import (MAX_TOKEN_BYTES, WORD_PATTERN, TokenTooLongError, Tokenizer, Vocab, _check_errors,
                   decode_utf8, gzip_error, is_gzip, open_binary, surrogate_error)

__all__ = ["MAX_ORDER", "count_ngrams", "NGramCounts"]

#: Highest supported order (keys pack up to this many ids).
MAX_ORDER = 16
PAD_SPECIALS = ("<unk>", "<s>", "</s>")
PLAIN_SPECIALS = ("<unk>",)
_WORD_LINE_RE = re.compile(WORD_PATTERN + r"|\n")
_CHUNK = 1 << 22  # bytes read at a time by the Python (word-level) reader


def _check_order(order) -> int:
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)):
        raise TypeError(f"order must be an int between 1 and {MAX_ORDER}, got {order!r}")
    if order < 1 or order > MAX_ORDER:
        raise ValueError(f"order must be between 1 and {MAX_ORDER}, got {order}"
                         + (" (orders above 16 are not supported: keys pack at most 16 ids)" if order > MAX_ORDER else ""))
    return int(order)


# ----------------------------------------------------------------------------------------------------------
# Sources -> int32 id stream with -1 at line breaks
# ----------------------------------------------------------------------------------------------------------
def _is_pathlike(x) -> bool:
    return isinstance(x, (str, os.PathLike))


def _classify(source):
    """('paths', [...]) | ('lines', iterable of str) | ('ids', array). A str or PathLike is always a path (it
    must exist); text is passed as lines (an iterable of str) or with text=, never guessed from a str."""
    if _is_pathlike(source):
        return "paths", [check_path(source)]
    if isinstance(source, np.ndarray):
        return "ids", source
    if isinstance(source, (bytes, bytearray)):
        raise TypeError("count_ngrams() takes a path, a list of paths, an iterable of str or an int array with a "
                        "Vocab; decode bytes first")
    if isinstance(source, (list, tuple)):
        if source and all(isinstance(x, os.PathLike) for x in source):
            return "paths", [check_path(x) for x in source]
        if source and all(isinstance(x, str) for x in source):
            _refuse_paths_as_lines(source)
            return "lines", source
        if source and all(isinstance(x, (int, np.integer)) for x in source):
            return "ids", np.asarray(source)
        if not source:
            return "lines", source
    if isinstance(source, Iterable):
        return "lines", source
    raise TypeError(f"count_ngrams() cannot read a {type(source).__name__}: pass a path, a list of paths, an "
                    f"iterable of str, or an int array together with vocab=")


def _source_name(kind: str, items) -> str:
    """The input as errors name it: the path(s), or "the lines of text"."""
    if kind != "paths":
        return "the lines of text"
    names = [_input_name(p) for p in items]
    return names[0] if len(names) == 1 else f"{names[0]} (and {len(names) - 1} more)"


def _input_name(path: str) -> str:
    """How errors name an input: "<stdin>" for "-", else the path."""
    return "<stdin>" if path == "-" else path


def _open_path(path: str):
    """A binary file object for a path or "-" (stdin); gzip is detected by content in both cases, like the C
    reader (gzopen) and read_text."""
    if path != "-":
        return open_binary(path)
    f = sys.stdin.buffer
    head = f.peek(2)[:2] if hasattr(f, "peek") else b""
    return gzip.GzipFile(fileobj=f, mode="rb") if head == b"\x1f\x8b" else f


class _LowerReader:
    """A binary file object's bytes decoded as UTF-8 (``errors``), lower-cased like ``str.lower`` on the whole
    text, and encoded again: what the C char tokenizer reads when ``lower=True``. Pieces come from
    :func:`_file_pieces`: cut after a newline or a byte of :data:`_CUT_BYTES` (neither cased nor
    case-ignorable, so the final-sigma rule sees the same context as on the whole text)."""

    def __init__(self, f, name: str, errors: str):
        self.pieces = _file_pieces(f, name, None, _CUT_CHAR)
        self.name, self.errors = name, errors

    def read(self, n: int = -1) -> bytes:
        for piece, offset in self.pieces:
            return decode_utf8(piece, self.name, self.errors, offset).lower().encode("utf-8", "surrogatepass")
        return b""


class _Named:
    """A binary file object whose read errors (gzip included) name the input."""

    def __init__(self, f, name: str):
        self.f, self.name = f, name

    def read(self, n: int = -1) -> bytes:
        return _read_chunk(self.f, self.name)


def _read_chunk(f, name: str, size: int | None = None) -> bytes:
    """f.read(size) (default _CHUNK), with gzip and read errors named after the input."""
    try:
        return f.read(_CHUNK if size is None else size)
    except (EOFError, zlib.error, OSError) as e:
        if isinstance(f, gzip.GzipFile):
            raise gzip_error(name, e) from None
        raise OSError(f"{name}: read error ({e})") from None

def _refuse_paths_as_lines(lines) -> None:
    """A short list of str holding the name of an existing file is most likely meant as paths: ValueError
    (a list of str is always lines of text; paths are given as os.PathLike objects, or one str)."""
    if len(lines) <= 64:
        for x in lines:
            if "\n" not in x and x.strip() and os.path.isfile(x):
                raise ValueError(f"{x!r} in this list of str names an existing file, but a list of str is read "
                                 f"as lines of text; pass files as pathlib.Path objects (e.g. "
                                 f"[Path(p) for p in files]), one path as a str, or text as text=")


def check_path(path) -> str:
    """``path`` (a str or PathLike naming an existing file, or ``"-"`` for standard input) as a str;
    FileNotFoundError / IsADirectoryError name it otherwise. An empty str is an error of its own."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"a path must be a str or os.PathLike, got {type(path).__name__}")
    p = os.fspath(path)
    if not isinstance(p, str):
        p = os.fsdecode(p)
    if p == "":
        raise FileNotFoundError("the path is empty ('' names no file); to pass text, use text= or a list of lines")
    if p == "-":
        return p
    if os.path.isdir(p):
        raise IsADirectoryError(f"{p}: is a directory, expected a text file")
    if not os.path.exists(p):
        raise FileNotFoundError(f"{p}: no such file (a str is always a path; to pass text use text= or a "
                                f"list of lines)")
    return p


class _IdStream:
    """Collects token ids (-1 marks a line break) and interns tokens to first-appearance ids."""

    def __init__(self, pad: bool, boundaries: str, tokenizer: Tokenizer | None = None):
        self.specials = PAD_SPECIALS if pad else PLAIN_SPECIALS
        self.interner = Interner(self.specials, pad, boundaries == "line")
        self.tokenizer = tokenizer

    def add_word_bytes(self, data: bytes, base: int, name: str, errors: str, lower: bool) -> None:
        """Tokens of a piece of a file ending at a line break or whitespace: the word level in C (ASCII lines)
        and Python; the levels that only Python implements (see Tokenizer.python_only) in Python."""
        tok = self.tokenizer
        if tok is None or not tok.python_only:
            self.interner.feed_word_piece(data, base, name, errors, lower, _WORD_LINE_RE.findall)
            return
        text = decode_utf8(data, name, errors, base)
        self.add_python_text(text, ends_line=text.endswith("\n"))

    def add_python_text(self, text: str, ends_line: bool = True) -> None:
        """Tokens of text (whole lines, or a line's head cut at whitespace when not ends_line) by the
        tokenizer, in Python; the char level goes through the C char tokenizer after lower-casing."""
        tok = self.tokenizer
        if tok.lower:
            text = text.lower()
        if tok.level == "char":
            self.interner.feed_bytes(text.encode("utf-8"), "char", "strict", flush=False)
            return
        lines = text.split("\n")
        last = lines.pop()  # after the last newline: "" or a line's head (ends_line False)
        rx = tok._rx
        toks = []
        for line in lines:
            toks.extend(m.group(0) for m in rx.finditer(line))
            toks.append("\n")
        if last:
            toks.extend(m.group(0) for m in rx.finditer(last))
            if ends_line:
                toks.append("\n")
        self.interner.add_tokens(toks)

    def finish(self):
        ids, itos = self.interner.finish()
        return ids, itos


#: Bytes after which the word pattern always starts a new token and lower-casing needs no context: ASCII
#: whitespace, and ASCII punctuation that is neither inside words (the apostrophe) nor case-ignorable for the
#: final-sigma rule of str.lower (' . : ^ `). Cutting a stream just after one of them gives the same tokens as
#: not cutting (tests/text/test_hostile_input.py checks it). The whitespace level cuts after whitespace only.
_CUT_BYTES = rb"\s!\"#$%&()*+,\-/;<=>?@\[\\\]{|}~"
_CUT_WORD = bytes(10 if re.match(rb"[" + _CUT_BYTES + rb"]", bytes([b])) else b for b in range(256))
_CUT_SPACE = bytes(10 if re.match(rb"\s", bytes([b])) else b for b in range(256))


#: The char level also cuts between two ASCII letters or digits: each character is a token, and lower-casing
#: has the same context on both sides (the final-sigma rule looks across case-ignorable characters only).
_CUT_CHAR = bytes(bytearray(_CUT_WORD))  # the same bytes, another object: _cut_point tells them apart
_ALNUM = bytes(97 if (48 <= b <= 57 or 65 <= b <= 90 or 97 <= b <= 122) else 45 for b in range(256))


def _cut_point(data: bytes, table: bytes = _CUT_WORD) -> int:
    """Where to split so no token or UTF-8 sequence is cut: after the last newline, else after the last byte
    that `table` maps to a newline (:data:`_CUT_WORD`, :data:`_CUT_SPACE` or :data:`_CUT_CHAR`), else (table
    :data:`_CUT_CHAR`) between the last two ASCII letters or digits in a row; 0 when `data` has none (the
    caller holds it and reads on)."""
    k = data.rfind(b"\n")
    if k < 0:
        k = data.translate(table).rfind(b"\n")
    if k < 0 and table is _CUT_CHAR:
        return data.translate(_ALNUM).rfind(b"aa") + 1
    return k + 1


def _file_pieces(f, name: str, progress, table: bytes = _CUT_WORD,
                 first: int | None = None) -> Iterator[tuple[bytes, int]]:
    """(piece, byte offset) of a binary file read in chunks of about _CHUNK bytes (the first ``first`` bytes,
    then twice the last size until _CHUNK), each piece ending at a place :func:`_cut_point` allows. Linear
    time: each chunk is searched once and copied at most twice. A stretch longer than :data:`MAX_TOKEN_BYTES`
    without such a place raises :class:`TokenTooLongError`."""
    held: list = []   # chunks since the last cut point (their total is < MAX_TOKEN_BYTES + _CHUNK)
    held_len = 0
    offset = 0        # stream offset of held[0]
    line = 1          # line number at `offset`
    size = _CHUNK if first is None else max(min(first, _CHUNK), 1)
    while True:
        data = _read_chunk(f, name, size)
        size = min(2 * size, _CHUNK)
        final = not data
        cut = 0 if final else _cut_point(data, table)
        if cut == 0 and not final:
            held.append(data)
            held_len += len(data)
        else:
            piece = b"".join(held) + data[:cut] if held else data[:cut]
            held, held_len = [data[cut:]], len(data) - cut
            if piece:
                yield piece, offset
                offset += len(piece)
                line += piece.count(b"\n")
        if held_len > MAX_TOKEN_BYTES:
            raise TokenTooLongError(name, offset, line)
        if progress is not None:
            progress(len(data))
        if final:
            break


def _feed_word_file(stream: _IdStream, f, name: str, errors: str, lower: bool, progress) -> None:
    for piece, offset in _file_pieces(f, name, progress):
        stream.add_word_bytes(piece, offset, name, errors, lower)
    stream.interner.line_break()


def _feed_fileobj(stream: _IdStream, f, name: str, errors: str, progress) -> None:
    """Tokens of a binary file object (the whole of it) into ``stream``, by its tokenizer."""
    level, lower = stream.tokenizer.level, stream.tokenizer.lower
    if level in ("word", "regex"):
        _feed_word_file(stream, f, name, errors, lower, progress)
    elif level == "char" and lower:
        stream.interner.feed_fileobj(_LowerReader(f, name, errors), name, level, "strict", progress)
    else:
        stream.interner.feed_fileobj(_Named(f, name), name, level, errors, progress)


def iter_ids(source, interner, level: str = "word", errors: str = "strict",
             piece_ids: int = 1 << 20, ramp: int = 1) -> Iterator[np.ndarray]:
    """Stream a corpus as int32 ids in pieces, ``-1`` after each line, for readers that make several passes
    (word2vec's epochs) without holding the corpus.

    ``source`` is what :func:`count_ngrams` reads (a path, paths, ``.gz``, ``"-"``, an iterable of str lines)
    or an iterable of token lists (each list a line). ``interner`` (``seqfast._ngram.Interner`` in lines mode)
    gives ids in first-appearance order and keeps them across calls, so every pass gives a token the same id;
    ``interner.tokens(i)`` names them (in their original case: lower-case at the vocabulary). level:
    ``"word"`` (:func:`seqfast.tokenize`'s words) or ``"whitespace"``. A piece holds about 4 MB of text or
    ``piece_ids`` ids; with ``ramp`` > 1 the first piece is ``ramp`` times smaller and each next one twice the
    last, up to that size (a consumer that works on the pieces as they come starts sooner)."""
    if level not in ("word", "whitespace"):
        raise ValueError(f"level must be 'word' or 'whitespace', got {level!r}")
    if not is_int(ramp) or ramp < 1:
        raise ValueError(f"ramp must be an int >= 1, got {ramp!r}")
    _check_errors(errors)
    kind, items = _classify(source)
    if kind == "ids":
        raise TypeError("iter_ids() reads text (paths, lines or token lists), not an int array")
    if kind == "paths":
        for path in items:
            f = _open_path(path)
            try:
                for piece, offset in _file_pieces(f, path, None, _CUT_WORD if level == "word" else _CUT_SPACE,
                                                  _CHUNK // ramp):
                    if level == "word":
                        interner.feed_word_piece(piece, offset, path, errors, False, _WORD_LINE_RE.findall)
                    else:  # a piece may end inside a long line: only the end of the file ends its last line
                        interner.feed_bytes(piece, level, errors, path, flush=False)
                    yield interner.take()
                if level == "whitespace":
                    interner.feed_bytes(b"", level, errors, path)
            finally:
                if f is not sys.stdin.buffer:
                    f.close()
            interner.line_break()
    else:
        limit = max(piece_ids // ramp, 1)
        for i, line in enumerate(items):
            if isinstance(line, (list, tuple)):
                interner.add_tokens(list(line))
                interner.line_break()
            elif isinstance(line, str):
                try:
                    data = (line + "\n").encode("utf-8")
                except UnicodeEncodeError as e:
                    raise surrogate_error(f"line {i} of the text ({line!r:.60})", line, e) from None
                if level == "word":
                    interner.feed_word_piece(data, 0, "<text>", "strict", False, _WORD_LINE_RE.findall)
                else:
                    interner.feed_bytes(data, level, "strict")
            else:
                raise TypeError(f"lines must be str or lists of str tokens, got {type(line).__name__}: "
                                f"{line!r:.60}")
            if interner.pending >= limit:
                yield interner.take()
                limit = min(2 * limit, piece_ids)
    interner.line_break()
    rest = interner.take()
    if rest.size:
        yield rest


#: Plain files at least this big are tokenized by several threads at once (whitespace/char levels, line mode).
PARALLEL_READ_MIN = 1 << 24
#: Ids a reader with a sink (the memory-capped count) holds before passing them on (4 MB).
SPILL_IDS = 1 << 20


def _line_bounds(path: str, size: int, parts: int) -> list:
    """Byte offsets splitting a file into about `parts` ranges that end just after a line break."""
    bounds = [0]
    with open(path, "rb") as f:
        for t in range(1, parts):
            bounds.append(_next_line_start(f, max(size * t // parts, bounds[-1]), size))
    bounds.append(size)
    return bounds


def _next_line_start(f, pos: int, size: int) -> int:
    """The first offset >= pos of a seekable binary file of ``size`` bytes that starts a line (follows a line
    break), or ``size``."""
    if pos <= 0:
        return 0
    f.seek(pos - 1)
    while True:
        block = f.read(1 << 16)
        if not block:
            return size
        k = block.find(b"\n")
        if k >= 0:
            return pos + k
        pos += len(block)


def _merge_vocabs(itos_list: list) -> tuple[list, list]:
    """One first-appearance vocabulary from vocabularies interned separately on consecutive pieces of a corpus:
    (itos, remaps), remaps[i] an int32 array of len(itos_list[i]) + 1 mapping piece i's ids to the united ids
    (its last element is -1, so that remap[ids] keeps the -1 line breaks)."""
    itos = list(itos_list[0])
    index = {t: i for i, t in enumerate(itos)}
    remaps = [np.append(np.arange(len(itos), dtype=np.int32), np.int32(-1))]
    for itos_t in itos_list[1:]:
        remap = np.empty(len(itos_t) + 1, dtype=np.int32)
        for j, t in enumerate(itos_t):
            i = index.get(t)
            if i is None:
                i = index[t] = len(itos)
                itos.append(t)
            remap[j] = i
        remap[-1] = -1  # line breaks
        remaps.append(remap)
    return itos, remaps


def _stream_ids(kind, items, tokenizer, pad, boundaries, errors, progress, n_threads: int = 1, sink=None,
                pieces: bool = False):
    """(ids int32 with -1 line breaks, itos in first-appearance order, specials).

    pieces: ids is a list of int32 arrays that end with -1 (line breaks), the stream end to end (the parallel
    readers' own buffers: no copy into one array).

    sink: None, or a callable that takes the ids in pieces (int32, in the interner's first-appearance ids)
    as soon as about :data:`SPILL_IDS` are pending, so that the ids never pile up in memory (the reading is
    then sequential). The ids returned are then only the last piece, still in the interner's ids, and a
    fourth value is returned: the remap (int32 (V + 1,), last entry -1) from those ids to the ids of itos
    (tokens that lower-case alike merge at the whitespace level with lower=True), or None."""
    level, lower = tokenizer.level, tokenizer.lower
    stream = _IdStream(pad, boundaries, tokenizer)
    it = stream.interner
    parts = []  # ids taken from `it` so far, in its ids
    if sink is not None:
        n_threads = 1
        user_progress = progress

        def progress(nbytes):  # called by every reader after each chunk: spill what is pending
            if user_progress is not None:
                user_progress(nbytes)
            if stream.interner.pending >= SPILL_IDS:
                sink(stream.interner.take())
    if kind == "paths":
        for path in items:
            name = _input_name(path)
            if level in ("word", "regex") or path == "-" or (level == "char" and lower):
                f = _open_path(path)
                try:
                    _feed_fileobj(stream, f, name, errors, progress)
                finally:
                    if f is not sys.stdin.buffer:
                        f.close()
            else:
                check_path(path)
                size = os.path.getsize(path)
                if (n_threads > 1 and boundaries == "line" and size >= PARALLEL_READ_MIN and not is_gzip(path)):
                    # one reader per range of lines, in parallel; their tables merged in C into `it`'s
                    bounds = _line_bounds(path, size, n_threads)
                    readers = [Interner(stream.specials, pad, True) for _ in range(len(bounds) - 1)]
                    read_ranges(readers, path, np.asarray(bounds, dtype=np.int64), level, errors, n_threads)
                    if progress is not None:
                        progress(size)
                    parts.extend(merge_readers([it] + readers, n_threads))
                else:
                    it.feed_path(path, level, errors, progress)
    else:  # lines of text: each str is a line (as if joined by "\n")
        for i, line in enumerate(items):
            if not isinstance(line, str):
                raise TypeError(f"lines of text must be str, got {type(line).__name__}: {line!r:.60}")
            try:
                data = (line + "\n").encode("utf-8")
            except UnicodeEncodeError as e:
                raise surrogate_error(f"line {i} of the text ({line!r:.60})", line, e) from None
            if sink is not None and it.pending >= SPILL_IDS:
                sink(it.take())
            if tokenizer.python_only:
                stream.add_python_text(line + "\n")
                continue
            if level != "word" and lower:
                data = (line + "\n").lower().encode("utf-8")
            if level == "word":
                stream.add_word_bytes(data, 0, "<text>", "strict", lower)
            else:
                it.feed_bytes(data, level, "strict")
        it.line_break()
    ids, itos = stream.finish()
    if ids.size or not parts:
        parts.append(ids)
    remap = None
    if lower and level == "whitespace" and kind == "paths":  # per-token lowering = lowering the text here
        remap, itos = _lower_vocab(itos, len(stream.specials))
        if sink is None:
            parts = [remap[x] for x in parts]
    ids = parts if pieces else parts[0] if len(parts) == 1 else np.concatenate(parts)
    if sink is not None:
        return ids, itos, stream.specials, remap
    return ids, itos, stream.specials


def _lower_vocab(itos, n_specials):
    """(remap int32 (V + 1,), new itos): merge tokens that lower-case alike (C tokenizers intern the original
    case); remap[id] is the merged id, remap[-1] = -1 keeps line breaks."""
    new_itos, index, remap = list(itos[:n_specials]), {t: i for i, t in enumerate(itos[:n_specials])}, []
    for i, t in enumerate(itos):
        lt = t if i < n_specials else t.lower()
        j = index.get(lt)
        if j is None:
            j = index[lt] = len(new_itos)
            new_itos.append(lt)
        remap.append(j)
    return np.asarray(remap + [-1], dtype=np.int32), new_itos


def _frequency_order(ids, itos, n_specials, n_threads: int = 1):
    """Renumber ids (an int32 array or a list of them) like Vocab: specials first, then by descending
    frequency, ties by first appearance (ids: renumbered in place; itos, when a StrTable, too)."""
    V = len(itos)
    parts = ids if isinstance(ids, list) else [ids]
    # the counts are passed without a name here, so frequency_order frees them before it renumbers the table
    inv, new_itos, freqs, perm = frequency_order(_id_counts(parts, V, n_threads), itos, n_specials, in_place=True)
    for x in parts:
        remap_ids(x, inv[:V], n_threads)
    return ids, new_itos, freqs, perm


def _id_counts(parts: list, V: int, n_threads: int) -> np.ndarray:
    """Occurrences of each id 0..V-1 in the int32 arrays parts, int64 (V,)."""
    freq = id_counts(parts[0], V, n_threads)
    for x in parts[1:]:
        freq += id_counts(x, V, n_threads)
    return freq


def frequency_order(freq, itos, n_specials, in_place: bool = False):
    """(inv int32 (V + 1,): old id -> new id, inv[-1] = -1; new itos; frequencies of the non-specials in new
    order, int64; perm int32 (V,): new id -> old id) for first-appearance ids with frequencies freq (V,):
    specials first, then by descending frequency, ties by first appearance (the order of :class:`Vocab`).
    itos: a list of str (the new itos is a new list) or a StrTable (the new itos is a renumbered StrTable:
    ``itos`` itself when in_place, else a copy)."""
    V = len(itos)
    freq = np.asarray(freq)
    perm = np.empty(V, dtype=np.int32)
    perm[:n_specials] = np.arange(n_specials, dtype=np.int32)
    order = np.argsort(-freq[n_specials:], kind="stable")  # positions among the non-specials
    freqs = freq[n_specials:][order].astype(np.int64)
    del freq  # (the caller's array is freed here when it holds no other reference)
    np.add(order, n_specials, out=perm[n_specials:], casting="unsafe")
    del order
    inv = np.empty(V + 1, dtype=np.int32)
    inv[perm] = np.arange(V, dtype=np.int32)
    inv[V] = -1  # ids == -1 index the last element
    if isinstance(itos, StrTable):
        new_itos = itos if in_place else from_pool(*itos.pack())
        new_itos.permute(perm)
    else:
        new_itos = [itos[i] for i in perm]
    return inv, new_itos, freqs, perm


# ----------------------------------------------------------------------------------------------------------
# The counts
# ----------------------------------------------------------------------------------------------------------
#: Largest k that NGramCounts.to_tsv selects inside the counting engine (a heap of k rows per order and thread).
_HELD_TOP_MAX = 1 << 16


def _kth_largest(c: np.ndarray, k: int, block: int = 1 << 16) -> int:
    """A lower bound on the k-th largest of c (1 when c has at most k entries) that few entries exceed: the
    k-th largest of the maxima of blocks of c (k distinct entries are at least that), without copying c."""
    n = c.shape[0]
    if n <= k:
        return 1
    nb = -(-n // block)
    if nb <= k:
        return int(np.partition(c, n - k)[n - k])
    maxima = np.maximum.reduceat(c, np.arange(0, n, block))
    return int(np.partition(maxima, nb - k)[nb - k])


class NGramCounts:
    # first_seen: (V,) int64, the order in which the corpus first showed each token (ties of the vocabulary's
    # frequency order go by it; merge keeps it so that a + b has the vocabulary of counting a then b).
    # None means "in id order".
    """Counts of every n-gram of orders 1..``order`` of a corpus.

    Attributes
    ----------
    order : int, the highest order counted.
    vocab : :class:`seqfast.Vocab`; ids in :meth:`arrays` are its ids. With ``pad=True`` its specials are
        ``("<unk>", "<s>", "</s>")``, otherwise ``("<unk>",)``.

    Access: ``counts[("the", "time")]`` or ``counts[(5, 17)]`` (0 when never seen), :meth:`most_common`,
    :meth:`total`, :meth:`unique`, :meth:`counts_of_counts`, :meth:`items`, :meth:`arrays`, :meth:`to_tsv`,
    :meth:`merge` (also ``a + b``), :meth:`save` / :meth:`load`.
    """

    def __init__(self, vocab: Vocab, grams: list, counts: list, stats: dict | None = None, first_seen=None):
        if len(grams) != len(counts) or not grams:
            raise ValueError("NGramCounts needs one (grams, counts) pair per order 1..N")
        self.vocab = vocab
        self.first_seen = first_seen
        self.order = len(grams)
        self._g, self._c = grams, counts
        self._engine = None
        self.stats = dict(stats or {})

    # Counts straight from the counting engine (seqfast._ngram.Counter) stay in the engine until an array is
    # needed: unique(), total(1) and the top rows of to_tsv(k=...) read them in place, which spares writing
    # every n-gram out; anything else exports them all once (_grams, _counts).
    @classmethod
    def _held(cls, vocab: Vocab, engine, share_freqs: bool = False) -> "NGramCounts":
        self = cls.__new__(cls)
        self.vocab, self.first_seen, self.order, self.stats = vocab, None, engine.order, dict(engine.stats)
        self._g = self._c = None
        self._engine, self._share_freqs, self._tops = engine, share_freqs, None
        return self

    def _export(self) -> None:
        if self._engine is not None:
            self._g, self._c = self._engine.export()
            self._engine = self._tops = None
            if self._share_freqs:
                _share_unigram_freqs(self)

    @property
    def _grams(self) -> list:
        self._export()
        return self._g

    @property
    def _counts(self) -> list:
        self._export()
        return self._c

    def __getstate__(self):
        self._export()
        return {k: v for k, v in self.__dict__.items() if k not in ("_engine", "_tops")}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._engine = None

    # ----- arrays -------------------------------------------------------------------------------------
    def _check_n(self, n) -> int:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            raise TypeError(f"order must be an int, got {n!r}")
        if not 1 <= n <= self.order:
            raise ValueError(f"order {n} out of range: these counts have orders 1..{self.order}")
        return int(n)

    def arrays(self, n: int):
        """``(grams, counts)`` of order n: ``grams`` int32 C-contiguous of shape (k, n) in ids of
        :attr:`vocab`, ``counts`` int64 of shape (k,), one row per distinct n-gram, rows sorted
        lexicographically by ids (read-only views; copy before modifying)."""
        n = self._check_n(n)
        g, c = self._grams[n - 1].view(), self._counts[n - 1].view()
        g.flags.writeable = False
        c.flags.writeable = False
        return g, c

    def total(self, order: int = 1) -> int:
        """Number of n-gram occurrences of this order (for order 1: tokens, incl. <s> and </s> with pad)."""
        n = self._check_n(order)
        if n == 1 and self._engine is not None and self._engine.can_top:
            return int(self._engine.tokens)
        return int(self._counts[n - 1].sum())

    def unique(self, order: int = 1) -> int:
        """Number of distinct n-grams of this order."""
        n = self._check_n(order)
        if self._engine is not None:
            return int(self._engine.unique(n))
        return int(self._counts[n - 1].shape[0])

    def counts_of_counts(self, order: int = 1) -> dict:
        """``{c: number of n-grams of this order seen exactly c times}``, ascending c: n1, n2, n3, ... of
        Good-Turing and Kneser-Ney discounts (e.g. D = n1 / (n1 + 2 n2))."""
        vals, num = np.unique(self._counts[self._check_n(order) - 1], return_counts=True)
        return {int(v): int(k) for v, k in zip(vals, num)}

    # ----- lookups ------------------------------------------------------------------------------------
    def _ids_of(self, key):
        if isinstance(key, (str, np.integer, int)) and not isinstance(key, bool):
            key = (key,)
        if not isinstance(key, (tuple, list, np.ndarray)) or len(key) == 0:
            raise TypeError(f"an n-gram is a tuple of tokens (str) or of ids (int), got {key!r}")
        ids = []
        for t in key:
            if isinstance(t, str):
                if t not in self.vocab:
                    return None
                ids.append(self.vocab[t])
            elif isinstance(t, (int, np.integer)) and not isinstance(t, bool):
                if not 0 <= t < len(self.vocab):
                    raise IndexError(f"id {t} out of range for a vocabulary of {len(self.vocab)} tokens")
                ids.append(int(t))
            else:
                raise TypeError(f"n-gram items must be str or int, got {type(t).__name__}: {t!r}")
        return ids

    def _find(self, ids) -> int:
        """Row of an n-gram of ids in its sorted array, or -1 (binary search one column at a time)."""
        n = len(ids)
        g = self._grams[n - 1]
        lo, hi = 0, g.shape[0]
        for j, v in enumerate(ids):
            col = g[lo:hi, j]
            a = int(np.searchsorted(col, v, "left"))
            b = int(np.searchsorted(col, v, "right"))
            lo, hi = lo + a, lo + b
            if lo >= hi:
                return -1
        return lo

    def get(self, key, default: int = 0) -> int:
        ids = self._ids_of(key)
        if ids is None:
            return default
        if len(ids) > self.order:
            raise ValueError(f"{len(ids)}-gram asked of counts of orders 1..{self.order}")
        r = self._find(ids)
        return int(self._counts[len(ids) - 1][r]) if r >= 0 else default

    def __getitem__(self, key) -> int:
        """Count of an n-gram given as a tuple of tokens or of ids (0 when never seen)."""
        return self.get(key, 0)

    def __contains__(self, key) -> bool:
        return self.get(key, 0) > 0

    def decode(self, row) -> tuple:
        return tuple(self.vocab.decode(np.asarray(row)))

    def most_common(self, k: int | None = None, order: int = 1) -> list:
        """``[(tuple_of_tokens, count), ...]`` of the k most frequent n-grams of this order, by count
        descending, ties by n-gram ids ascending (all of them when k is None)."""
        g, c = self._grams[self._check_n(order) - 1], self._counts[order - 1]
        idx = self.top_rows(order, k)
        tok = self.vocab.token
        return [(tuple(tok(i) for i in g[r].tolist()), int(c[r])) for r in idx.tolist()]

    def top_rows(self, order: int, k: int | None = None, min_count: int = 1, ties: str = "ids") -> np.ndarray:
        """Row indices of the k most frequent n-grams with count >= min_count: count descending, ties by
        ids (``ties="ids"``: by row) or by the tokens as strings (``ties="tokens"``)."""
        c = self._counts[self._check_n(order) - 1]
        if k is not None and k <= 0:
            return np.zeros(0, dtype=np.int64)
        if k is not None and min_count <= 1:
            min_count = max(min_count, _kth_largest(c, k))  # every tie of the k-th count: the cut below is exact
        rows = np.flatnonzero(c >= min_count) if min_count > 1 else np.arange(c.shape[0])
        if k is not None and k < rows.shape[0]:
            kth = np.partition(c[rows], rows.shape[0] - k)[rows.shape[0] - k]
            rows = rows[c[rows] >= kth]
        if ties == "tokens":
            alpha = self._alpha_rank()
            g = self._grams[order - 1]
            keys = [alpha[g[rows, j]] for j in range(order - 1, -1, -1)] + [-c[rows]]
            rows = rows[np.lexsort(keys)]
        elif ties == "ids":
            rows = rows[np.lexsort((rows, -c[rows]))]
        else:
            raise ValueError(f"ties must be 'ids' or 'tokens', got {ties!r}")
        return rows[:k] if k is not None else rows

    def _alpha_rank(self) -> np.ndarray:
        """rank[id] = position of the token in string (code point) order."""
        if getattr(self, "_alpha", None) is None or self._alpha.shape[0] != len(self.vocab):
            itos = np.empty(len(self.vocab), dtype=object)
            itos[:] = self.vocab.itos
            rank = np.empty(len(itos), dtype=np.int64)
            rank[np.argsort(itos, kind="stable")] = np.arange(len(itos))
            self._alpha = rank
        return self._alpha

    def items(self, order: int = 1) -> Iterator[tuple]:
        """Iterate ``(tuple_of_tokens, count)`` over the n-grams of one order, in row (id) order."""
        g, c = self._grams[self._check_n(order) - 1], self._counts[order - 1]
        itos = self.vocab.itos
        for r in range(g.shape[0]):
            yield tuple(itos[i] for i in g[r]), int(c[r])

    def __iter__(self):
        """``for gram, count in counts``: the n-grams of the highest order (use :meth:`items` for others)."""
        return self.items(self.order)

    def to_dict(self, order: int = 1) -> dict:
        return dict(self.items(order))

    def to_tsv(self, file=None, order: int | None = None, k: int | None = None, min_count: int = 1,
               order_only: bool = True, ties: str = "tokens") -> str | None:
        """Write ``n-gram<TAB>count`` lines (tokens joined by spaces), by count descending, ties by n-gram
        (as strings; ``ties="ids"``: by ids); orders ``order`` (default: the highest) or, with
        order_only=False, every order 1..N; at most k per order. Returns the text when file is None. The lines
        are formatted in C (file: a text or binary file object)."""
        orders = [order or self.order] if order_only else range(1, self.order + 1)
        chunks = []
        if file is None:
            write = chunks.append
        elif isinstance(file, (io.RawIOBase, io.BufferedIOBase)) or "b" in getattr(file, "mode", ""):
            write = file.write
        elif hasattr(file, "buffer"):  # a text file with a binary buffer (sys.stdout, open(..., "w"))
            file.flush()
            write = file.buffer.write
        else:
            def write(b):
                file.write(b.decode("utf-8"))
        pool, offs = self._token_pool()
        for n in orders:
            n = self._check_n(n)
            top = self._held_top(n, k, min_count, ties)
            if top is not None:
                g, c = top
                rows = np.arange(g.shape[0], dtype=np.int64)
            else:
                g, c = self._grams[n - 1], self._counts[n - 1]
                rows = self.top_rows(n, k, min_count, ties).astype(np.int64, copy=False)
            write_tsv(write, pool, offs, g, c, np.ascontiguousarray(rows))
        if file is None:
            return b"".join(chunks).decode("utf-8")
        if hasattr(file, "buffer") and write is getattr(file.buffer, "write", None):
            file.buffer.flush()
        return None

    def _held_top(self, n: int, k: int | None, min_count: int, ties: str):
        """(grams, counts) of top_rows(n, k, min_count, ties), best first, selected inside the counting engine
        while the counts are held there (the k most frequent of every order at once, kept for the other
        orders); None when they are not held or k is None or large."""
        if self._engine is None or not self._engine.can_top or k is None or k > _HELD_TOP_MAX \
                or ties not in ("ids", "tokens"):
            return None
        key = (max(k, 0), min_count, ties)
        if self._tops is None or self._tops[0] != key:
            rank = self._alpha_rank() if ties == "tokens" else None
            self._tops = (key, self._engine.top(key[0], min_count, rank))
        return self._tops[1][n - 1]

    def _token_pool(self):
        """(bytes of all tokens in id order, (V+1,) int64 offsets) for the C TSV writer."""
        if getattr(self, "_pool", None) is None:
            pool, offs = self.vocab._pool()
            self._pool = (pool.tobytes(), offs)
        return self._pool

    def __repr__(self) -> str:
        per = ", ".join(f"{n}: {self.unique(n):,}" for n in range(1, self.order + 1))
        return f"NGramCounts(order={self.order}, tokens={self.total(1):,}, vocab={len(self.vocab):,}, unique={{{per}}})"

    def __eq__(self, other) -> bool:
        if not isinstance(other, NGramCounts) or other.order != self.order or other.vocab != self.vocab:
            return False
        return all(np.array_equal(a, b) for a, b in zip(self._grams + self._counts, other._grams + other._counts))

    # ----- merging ------------------------------------------------------------------------------------
    def merge(self, other: "NGramCounts") -> "NGramCounts":
        """Counts of both corpora: vocabularies are united by token (ids renumbered by the combined
        frequency), identical n-grams add up. Equals counting the two corpora one after the other."""
        if not isinstance(other, NGramCounts):
            raise TypeError(f"can only merge NGramCounts, got {type(other).__name__}")
        if other.order != self.order:
            raise ValueError(f"cannot merge counts of order {self.order} with counts of order {other.order}; "
                             f"count both with the same order")
        if other.vocab.specials != self.vocab.specials:
            raise ValueError(f"cannot merge counts with specials {self.vocab.specials} and {other.vocab.specials} "
                             f"(one was counted with pad=True, the other without)")
        itos = self.vocab.itos
        index = {t: i for i, t in enumerate(itos)}
        for t in other.vocab.itos:
            if t not in index:
                index[t] = len(itos)
                itos.append(t)
        remap_b = np.asarray([index[t] for t in other.vocab.itos], dtype=np.int32)
        n_sp = len(self.vocab.specials)
        # frequency of every token in the union, from the unigram counts
        freq = np.zeros(len(itos), dtype=np.int64)
        for (g, c), rm in (((self._grams[0], self._counts[0]), None), ((other._grams[0], other._counts[0]), remap_b)):
            ids = g[:, 0] if rm is None else rm[g[:, 0]]
            np.add.at(freq, ids, c)
        # ties by first appearance in the concatenation a then b
        fa = self._first()
        fb = other._first()
        first = np.empty(len(itos), dtype=np.int64)
        first[: len(self.vocab)] = fa
        newb = remap_b >= len(self.vocab)
        first[remap_b[newb]] = len(self.vocab) + fb[newb]
        rest = np.arange(n_sp, len(itos))
        perm = np.concatenate([np.arange(n_sp), rest[np.lexsort((first[n_sp:], -freq[n_sp:]))]])
        inv = np.empty(len(itos), dtype=np.int32)
        inv[perm] = np.arange(len(itos), dtype=np.int32)
        map_a = inv[: len(self.vocab)]
        map_b = inv[remap_b]
        V = len(itos)
        grams, counts = [], []
        for n in range(1, self.order + 1):
            ga = map_a[self._grams[n - 1]].reshape(-1, n)
            gb = map_b[other._grams[n - 1]].reshape(-1, n)
            g, c = _combine(np.concatenate([ga, gb]), np.concatenate([self._counts[n - 1], other._counts[n - 1]]), V)
            grams.append(g)
            counts.append(c)
        new_itos = [itos[i] for i in perm]
        vocab = Vocab.from_tokens(new_itos, specials=self.vocab.specials, unk_token=self.vocab.unk_token,
                                  freqs=freq[perm[n_sp:]].tolist())
        return NGramCounts(vocab, grams, counts, first_seen=np.argsort(np.argsort(first[perm], kind="stable")))

    def _first(self) -> np.ndarray:
        """Rank of each id in order of first appearance (id order when unknown)."""
        if self.first_seen is None:
            return np.arange(len(self.vocab), dtype=np.int64)
        return np.asarray(self.first_seen, dtype=np.int64)

    def __add__(self, other):
        if not isinstance(other, NGramCounts):
            return NotImplemented
        return self.merge(other)

    # ----- persistence --------------------------------------------------------------------------------
    def save(self, path, compress: bool = False) -> None:
        """Write the counts as a seqfast container (:mod:`seqfast._container`, kind ``"ngramcounts"``): the
        vocabulary (tokens in id order, frequencies, first-appearance ranks), then per order n ``grams{n}``
        int32 (k, n) and ``counts{n}`` int64 (k,). ``compress=True`` writes it gzip-compressed (read back by
        content, whatever the file's name)."""
        header, arrays = self._container_head(self.vocab, self._first(), self.order)
        for n in range(1, self.order + 1):
            arrays[f"grams{n}"] = np.ascontiguousarray(self._grams[n - 1], dtype=np.int32)
            arrays[f"counts{n}"] = np.ascontiguousarray(self._counts[n - 1], dtype=np.int64)
        write_container(path, "ngramcounts", 2, header, arrays, compress=compress)

    @staticmethod
    def _container_head(vocab: Vocab, first_seen, order: int):
        """(JSON header, vocabulary arrays) of a saved file; the caller adds grams{n} and counts{n}."""
        pool, offs = vocab._pool()
        arrays = {"tokens_pool": pool, "tokens_offsets": offs, "freqs": np.array(vocab.freqs, dtype=np.int64),
                  "first_seen": np.asarray(first_seen, dtype=np.int64)}
        return {"order": order, "specials": list(vocab.specials), "unk_token": vocab.unk_token}, arrays

    @classmethod
    def load(cls, path) -> "NGramCounts":
        """Read a file written by :meth:`save` (or the binary form of seqfast 0.1); a truncated or corrupt
        file raises ValueError naming it."""
        path = os.fspath(path)
        if not is_container(path):
            with open(path, "rb") as f:
                if f.read(8) == b"SFNGRAM\x00":
                    return cls._load_v1(path)
            raise ValueError(f"{path}: not a valid seqfast n-gram counts file (wrong magic bytes: not written "
                             f"by NGramCounts.save)")
        meta, arrays = open_container(path, "ngramcounts", (2,), verify=True)
        order = meta.get("order")
        if not is_int(order) or not 1 <= order <= MAX_ORDER:
            raise ValueError(f"{path}: not a valid seqfast n-gram counts file (order {order!r} out of range)")
        try:
            pool, offs = check_strings(arrays["tokens_pool"], arrays["tokens_offsets"], path)
            tables = [(arrays[f"grams{n}"], arrays[f"counts{n}"]) for n in range(1, order + 1)]
            freqs, first = arrays["freqs"], arrays["first_seen"]
        except KeyError as e:
            raise ValueError(f"{path}: not a valid seqfast n-gram counts file (no array {e})") from None
        try:
            tokens = from_pool(pool, offs)
        except ValueError as e:
            raise ValueError(f"{path}: not a valid seqfast n-gram counts file (vocabulary: {e})") from None
        freqs, first = (a if a.dtype.kind in "iu" and a.ndim == 1 else a.tolist() for a in (freqs, first))
        for n, (g, c) in enumerate(tables, 1):
            if (g.ndim != 2 or g.shape[1] != n or c.shape != (g.shape[0],) or g.dtype != np.int32
                    or c.dtype != np.int64):
                raise ValueError(f"{path}: not a valid seqfast n-gram counts file (order {n}: arrays of the "
                                 f"wrong shape or type)")
        return cls._from_saved(path, len(tokens), tokens, meta.get("specials"), meta.get("unk_token"), freqs,
                               first, tables)

    @classmethod
    def _load_v1(cls, path: str) -> "NGramCounts":
        """Read the binary form of seqfast 0.1 (magic ``SFNGRAM``, little-endian, CRC-32 of the payload)."""
        with open(path, "rb") as f:
            data = f.read()

        def bad(why):
            return ValueError(f"{path}: not a valid seqfast n-gram counts file ({why})")

        if len(data) < 24:
            raise bad("file too short")
        version, order, V, crc = (int(x) for x in np.frombuffer(data, "<u4", 4, 8))
        if version != 1:
            raise bad(f"version {version} of the 0.1 form, which has only version 1")
        if not 1 <= order <= MAX_ORDER:
            raise bad(f"order {order} out of range")
        hlen = 24 + 8 * (order + 1)
        if len(data) < hlen:
            raise bad("truncated header")
        sizes = [int(x) for x in np.frombuffer(data, "<u8", order + 1, 24)]
        voc_len, ks = sizes[0], sizes[1:]
        expected = hlen + voc_len + sum(k * (4 * n + 8) for n, k in zip(range(1, order + 1), ks))
        if len(data) != expected:
            raise bad(f"{len(data)} bytes where the header announces {expected}: truncated or padded")
        if zlib.crc32(memoryview(data)[hlen:]) != crc:
            raise bad("checksum mismatch: the file is corrupt")
        doc = parse_json(data[hlen:hlen + voc_len], path, "vocabulary")
        if not isinstance(doc, dict):
            raise bad("the vocabulary is not a JSON object")
        pos, tables = hlen + voc_len, []
        for n, k in zip(range(1, order + 1), ks):
            g = np.frombuffer(data, "<i4", k * n, pos).reshape(k, n)
            pos += 4 * n * k
            tables.append((g, np.frombuffer(data, "<i8", k, pos)))
            pos += 8 * k
        try:
            fields = doc["tokens"], doc["specials"], doc["unk_token"], doc["freqs"]
        except KeyError as e:
            raise bad(f"vocabulary: no {e}") from None
        return cls._from_saved(path, V, *fields, doc.get("first_seen"), tables)

    @classmethod
    def _from_saved(cls, path: str, V: int, tokens, specials, unk_token, freqs, first, tables) -> "NGramCounts":
        """NGramCounts from the fields of a saved file, every field checked (ValueError naming the file).
        tables: [(grams (k, n), counts (k,))] for n = 1..order."""
        def bad(why):
            return ValueError(f"{path}: not a valid seqfast n-gram counts file ({why})")

        try:
            for s in [unk_token, *specials, *([] if isinstance(tokens, StrTable) else tokens)]:
                if isinstance(s, str):
                    s.encode("utf-8")  # a lone surrogate could never be saved again
            vocab = Vocab.from_tokens(tokens, specials=specials, unk_token=unk_token, freqs=freqs)
        except (ValueError, KeyError, TypeError) as e:
            raise bad(f"vocabulary: {e}") from None
        if len(vocab) != V:
            raise bad("vocabulary size disagrees with the header")
        if isinstance(first, np.ndarray):
            ok = first.shape == (V,) and np.array_equal(np.sort(first), np.arange(V))
        else:
            ok = (isinstance(first, list) and len(first) == V and all(is_int(x) for x in first)
                  and sorted(first) == list(range(V)))
        if not ok:
            raise bad("first_seen is not a permutation of the ids")
        grams, counts = [], []
        for n, (g, c) in enumerate(tables, 1):
            g, c = g.astype(np.int32), c.astype(np.int64)
            _check_sorted(g, c, V, path, n)
            if c.size and float(c.sum(dtype=np.float64)) >= 2.0**62:
                raise bad(f"the counts of order {n} add up to more than 2^62")
            grams.append(g)
            counts.append(c)
        return cls(vocab, grams, counts, first_seen=np.asarray(first, dtype=np.int64))


# ----------------------------------------------------------------------------------------------------------
# Engine calls (csrc/ via seqfast._ngram)
# ----------------------------------------------------------------------------------------------------------
def _combine(grams: np.ndarray, counts: np.ndarray, V: int):
    """Sort rows lexicographically and add the counts of equal rows."""
    return combine(np.ascontiguousarray(grams, dtype=np.int32), np.ascontiguousarray(counts, dtype=np.int64), V)


def _check_sorted(g, c, V, path, n):
    why = check_sorted(np.ascontiguousarray(g), np.ascontiguousarray(c), V)
    if why:
        raise ValueError(f"{path}: not a valid seqfast n-gram counts file (order {n}: {why})")


def count_ids(ids, vocab: Vocab, order: int, n_threads: int | None = None, method: str = "sort",
              min_per_thread: int | None = None) -> NGramCounts:
    """Count n-grams of an int32 id stream (``-1`` marks a line break) over ``vocab``'s ids.

    method: ``"sort"`` (default: positions bucketed by first id, radix sort of the packed rest of each
    n-gram; working memory ~10 bytes per token for orders up to 5, fastest) or ``"hash"`` (open-addressing tables keyed by packed n-grams, one per
    order and shard; memory grows with the distinct n-grams, not the tokens). Both give identical results.
    min_per_thread: fewer threads run when there are fewer ids per thread than this (default 2**19: below
    it thread start-up and barriers cost more than they save); the result does not depend on it."""
    return _count_owned([np.ascontiguousarray(ids, dtype=np.int32)], vocab, order, n_threads, method,
                        min_per_thread)


def _count_owned(holder: list, vocab: Vocab, order: int, n_threads: int | None, method: str = "sort",
                 min_per_thread: int | None = None) -> NGramCounts:
    """count_ids of the int32 ids in the list holder (the stream in pieces that end with -1, or one array),
    which is emptied once they are counted: the ids' memory is freed before the n-grams are exported when
    holder held the last reference."""
    order = _check_order(order)
    nt = resolve_threads(n_threads)
    args = (holder, len(vocab), order, nt, method) + ((min_per_thread,) if min_per_thread else ())
    return NGramCounts._held(vocab, _c_counter(*args))


def count_ngrams(source=None, order: int = 3, level: str = "word", pad: bool = False, boundaries: str = "line",
                 lower: bool = False, n_threads: int | None = None, vocab: Vocab | None = None,
                 errors: str = "strict", progress: bool = False, method: str = "sort", *, pattern: str | None = None,
                 text: str | None = None, memory=None, tmpdir=None, client=None) -> NGramCounts:
    """Count every n-gram of orders 1..``order`` in a corpus.

    Parameters
    ----------
    source : a path (gzip files are decompressed at every level, recognized by their content, not their
        name, as :func:`seqfast.read_text` does: a ``.gz`` name holding plain text is read as plain text;
        truncated or corrupt gzip data raises ValueError naming the file; ``"-"`` is stdin; a str that names no
        file raises FileNotFoundError), a list of ``os.PathLike`` paths, an iterable of str (each str is a
        line of text), or an int array of ids (shape (T,), one stream; requires ``vocab``).
    order : highest order N (1..16).
    level, lower, pattern : the tokenization (:class:`seqfast.Tokenizer`): ``"word"`` (exactly
        :func:`seqfast.tokenize`'s words), ``"char"`` (characters; in boundaries="none" mode "\\n" is a
        character too), ``"whitespace"`` (split only at ASCII space, tab, newline, CR, VT and FF, in C: for
        pre-tokenized text, as KenLM reads it) or ``"regex"`` with ``pattern=`` (applied to each line).
    text : a text to count instead of ``source`` (its lines are the lines).
    pad : wrap every line in ``<s> ... </s>``: ``<s>`` and ``</s>`` are unigrams once per line, no n-gram
        has ``<s>`` after its start (KenLM's convention). Lines without tokens are skipped.
    boundaries : ``"line"`` (no n-gram crosses a line break) or ``"none"`` (the input is one stream).
    n_threads : threads (None: all cores, honouring OMP_NUM_THREADS). Results are identical for any count.
    vocab : count over this fixed vocabulary (unknown tokens become ``<unk>``); default: the corpus's own.
    errors : invalid UTF-8: ``"strict"`` raises :class:`seqfast.InvalidUTF8Error` naming file and offset,
        ``"replace"`` substitutes U+FFFD, ``"ignore"`` drops bad bytes.
    progress : print a progress bar of bytes read to stderr (when it is a terminal).
    method : counting engine, ``"sort"`` (default, fastest; working memory ~8 x ceil((order-1)*bits/64) + 2
        bytes per token, bits = bits of the vocabulary size) or ``"hash"`` (memory grows with the distinct
        n-grams, ~30-40 bytes each). Identical results.
    memory : None (count in memory) or a budget for the working memory, as lmplz's ``-S``: ``"2G"``,
        ``"500M"``, a number of bytes, or ``"80%"`` of the RAM. The text is then read once into an ids file,
        counted in chunks that fit the budget, the sorted runs spilled to disk in partitions and merged
        (see :mod:`seqfast.extmem`); the result is identical. The returned counts themselves are held in
        memory.
    tmpdir : where the temporary files of ``memory=`` go (default: the system's temporary directory, as
        ``TMPDIR``); they are removed on success, on an error and on Ctrl-C. With ``client``, the directory of
        the files the tasks exchange, which must then be shared by the driver and every worker.
    client : a ``dask.distributed.Client``: count on its workers, the stages of ``memory=`` as tasks
        (:mod:`seqfast.cluster`; the ``dask`` extra; ``memory`` is then each task's budget, default 1 GiB). The
        source must be files (paths every worker sees, or fsspec URLs such as ``"s3://bucket/a.txt"``; several
        as a list of ``pathlib.Path`` or URL str), boundaries ``"line"``; ``n_threads`` is then per task
        (default 1). The result is identical to counting without ``client``; every worker must run the same
        seqfast version and build (:class:`seqfast.cluster.ClusterMismatchError` otherwise).

    Returns
    -------
    :class:`NGramCounts`; ``arrays(n)`` rows are sorted lexicographically by ids.

    Example
    -------
    >>> c = count_ngrams(["the cat sat", "the cat ran"], 2, pad=True)
    >>> c[("the", "cat")], c[("<s>", "the")], c.unique(2)
    (2, 2, 6)
    """
    t0 = time.perf_counter()
    order = _check_order(order)
    tokenizer = Tokenizer(level, lower, pattern)
    source = _source_or_text(source, text, "count_ngrams")
    if boundaries not in ("line", "none"):
        raise ValueError(f"boundaries must be 'line' or 'none', got {boundaries!r}")
    _check_errors(errors)
    if method not in ("sort", "hash"):
        raise ValueError(f"method must be 'sort' or 'hash', got {method!r}")
    if vocab is not None and not isinstance(vocab, Vocab):
        raise TypeError(f"vocab must be a seqfast.Vocab, got {type(vocab).__name__}")
    if client is not None:
        if boundaries != "line":
            raise ValueError("count_ngrams(client=...) counts with boundaries='line' (ranges of the input are "
                             "cut at line breaks); count boundaries='none' without client=")
        from .cluster import count_ngrams_dask
        result = count_ngrams_dask(client, source, order, tokenizer, pad, errors, vocab,
                                   1 if n_threads is None else resolve_threads(n_threads), memory, tmpdir,
                                   progress=progress)
        result.stats["seconds"] = time.perf_counter() - t0
        return result
    nt = resolve_threads(n_threads)
    kind, items = _classify(source)
    specials = PAD_SPECIALS if pad else PLAIN_SPECIALS
    bar = _progress_bar(kind, items) if progress else None
    if memory is not None:
        from . import extmem
        budget = extmem.memory_budget(memory)
        if kind == "ids":
            raise ValueError("memory= counts text (paths or lines); an id array is already in memory: count it "
                             "without memory=")
        with extmem.workdir(tmpdir) as wd:
            b = extmem.Build(wd, order, budget, nt, progress)
            b.count(kind, items, tokenizer, pad, boundaries, errors, bar, vocab)
            result = b.assemble_counts()
        if bar is not None:
            bar(None)
        result.stats.update(seconds=time.perf_counter() - t0, threads=nt, chunks=b.n_chunks,
                            partitions=b.plan.partitions)
        return result
    if tmpdir is not None:
        raise ValueError("tmpdir= is where memory= puts its temporary files; give memory= too (e.g. memory='2G')")
    if kind == "ids":
        if vocab is None:
            raise ValueError("an int array of ids needs the Vocab they index: count_ngrams(ids, N, vocab=vocab)")
        from .data import as_ids
        ids = as_ids(items)
        if ids.size and int(ids.max()) >= len(vocab):
            raise IndexError(f"ids contain {int(ids.max())}, out of range for a vocabulary of {len(vocab)} tokens")
        if pad:
            _check_pad_vocab(vocab)
            if ids.size:
                ids = np.concatenate([[vocab["<s>"]], ids, [vocab["</s>"]]]).astype(np.int32)
        result = count_ids(ids, vocab, order, nt, method)
    else:
        ids, itos, specials = _stream_ids(kind, items, tokenizer, pad, boundaries, errors, bar, nt, pieces=True)
        T = sum(x.size for x in ids)
        # the largest of: the frequency order (the string table held already, ~36 bytes per token of counts,
        # sort keys and order while it is sorted; then ~20 of frequencies, permutation and inverse while the
        # table's offsets and pool are copied in the new order) beside the id stream, and the counting (the
        # table, ~16 bytes per token of frequencies, first-seen ranks and unigram rows, the sort engine's
        # working memory per id)
        bits = max(1, (len(itos) - 1).bit_length())
        table, V = (itos.nbytes if isinstance(itos, StrTable) else len(itos) * 300), len(itos)
        need = max(max(table + 36 * V, 2 * table + 20 * V) + 4 * T,
                   table + 16 * V + T * (12 + 8 * -(-(order - 1) * bits // 64)))
        check_memory(_source_name(kind, items), need)
        if vocab is None:
            ids, itos, freqs, first = _frequency_order(ids, itos, len(specials), nt)
            vocab_out = Vocab.from_tokens(itos, specials=specials, freqs=freqs)
        else:
            if pad:
                _check_pad_vocab(vocab)
            ids = ids[0] if len(ids) == 1 else np.concatenate(ids)
            remap = np.append(_encode_used(vocab, itos, ids), -1).astype(np.int32)
            ids = [remap[ids]]
            vocab_out = vocab
            first = None
        holder = ids
        del ids  # the counter frees the id stream before it writes the n-grams
        result = _count_owned(holder, vocab_out, order, nt, method)
        result.first_seen = first
        if vocab is None:
            _share_unigram_freqs(result)
    if bar is not None:
        bar(None)
    result.stats["seconds"] = time.perf_counter() - t0
    result.stats["threads"] = nt
    return result


def _share_unigram_freqs(result: NGramCounts) -> None:
    """Make the vocabulary's frequencies a view of the unigram counts when they are the same numbers (a
    vocabulary made from the counted corpus: every non-special token occurs, so the non-specials are the last
    unigram rows, in id order), so that they are held once (counts held by the engine: once exported)."""
    if result._engine is not None:
        result._share_freqs = True
        return
    n_reg = len(result.vocab) - len(result.vocab.specials)
    c1 = result._counts[0]
    if n_reg and c1.shape[0] >= n_reg:
        tail = c1[c1.shape[0] - n_reg:]
        g1 = result._grams[0]
        if (int(g1[-n_reg, 0]) == len(result.vocab.specials) and c1.dtype == np.int64
                and np.array_equal(tail, result.vocab._freqs)):
            result.vocab._freqs = tail


def _check_pad_vocab(vocab: Vocab) -> None:
    """ValueError unless a fixed vocabulary holds <s> and </s>, which pad=True writes."""
    for s in ("<s>", "</s>"):
        if s not in vocab:
            raise ValueError(f"pad=True needs {s!r} in the vocabulary; build it with specials={PAD_SPECIALS}")


def _source_or_text(source, text, where: str):
    """The source to read: ``source``, or the lines of ``text`` when given instead (exactly one of them)."""
    if text is not None:
        if source is not None:
            raise TypeError(f"{where}() takes a source or text=, not both")
        if not isinstance(text, str):
            raise TypeError(f"text= must be a str, got {type(text).__name__}")
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        return lines
    if source is None:
        raise TypeError(f"{where}() needs a source (a path, paths or lines) or text=")
    return source


def _encode_used(vocab: Vocab, itos: list, ids: np.ndarray) -> np.ndarray:
    """Ids in ``vocab`` of the corpus tokens ``itos``. With no unknown-token special in ``vocab``, only the
    tokens the corpus holds are looked up (the reader's own specials may not occur), so the KeyError names
    the first unknown token of the corpus."""
    if vocab.unk_id >= 0:
        return vocab.encode(itos)
    used = np.zeros(len(itos), dtype=bool)
    used[ids[ids >= 0]] = True
    out = np.zeros(len(itos), dtype=np.int32)  # tokens that never occur are never looked up
    idx = np.flatnonzero(used)
    try:
        out[idx] = vocab.encode([itos[i] for i in idx])
    except KeyError as e:
        raise KeyError(f"count_ngrams(vocab=...): {e.args[0]}") from None
    return out


def _progress_bar(kind, items):
    """A callback(bytes_read) drawing the bytes read on stderr (None: finished); None when stderr is not a
    terminal."""
    bar = Progress()
    if not bar.enabled:
        return None
    total = 0
    if kind == "paths":
        for p in items:
            try:
                total += os.path.getsize(p) if p != "-" else 0
            except OSError:
                pass
    state = {"done": 0, "last": -1}

    def update(nbytes):
        if nbytes is None:
            bar.clear()
            return
        state["done"] += nbytes
        if total:
            pct = min(100, int(100 * state["done"] / total))
            if pct != state["last"]:
                state["last"] = pct
                bar.show(f"reading {bar.gauge(state['done'], total)} {pct:3d}% of {total / 1e6:.1f} MB")
        else:
            bar.show(f"reading {state['done'] / 1e6:.1f} MB")

    return update
