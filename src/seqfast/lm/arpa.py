"""ARPA back-off language model files: the reader (C, csrc/lm_arpa_read.c) and a fast writer.

Format (as written by KenLM's lmplz and SRILM)::

    \\data\\
    ngram 1=K1
    ...
    \\1-grams:
    log10p<TAB>word<TAB>log10backoff
    ...
    \\end\\

One parser reads it, in C; this module only words its errors (:class:`ARPAError`, naming the file, the line
and what was expected). The rules (stated in full in csrc/lm_arpa_read.c): fields are separated by spaces or
tabs; CR before LF, blank lines anywhere and lines before ``\\data\\`` are ignored; bytes after ``\\end\\``
are not read; missing backoffs are 0; numbers are decimal (``-99``, ``-1.5e-3``) or ``-inf``: hex floats,
``nan``, ``inf`` and ``_`` are errors, and so is a log10 probability above 0; words are UTF-8 without
whitespace (what :func:`write_arpa` can write back); gzip files are read by content (magic bytes), whatever
their name. Header counts must fit the lines of the file, so a corrupt header never allocates terabytes.
"""
from __future__ import annotations

import contextlib
import gzip
import io
import os
import re
import shutil
import zlib

import numpy as np

from .._atomic import atomic_write
from .._container import pack_strings
from ..ngram import MAX_ORDER

__all__ = ["ARPAError", "ARPAModel", "read_arpa", "write_arpa", "read_header_comments", "TOKENIZATION_COMMENT"]

#: Prefix of the comment line (before ``\\data\\``) that records a model's tokenization as JSON.
TOKENIZATION_COMMENT = "# seqfast tokenization: "
#: Bytes that cannot be part of an ARPA word: KenLM separates fields and words with them.
ARPA_SEPARATORS = " \t\n\r\v\f"


class ARPAError(ValueError):
    """An ARPA file is malformed; the message names the file, the line number and what was expected."""


class ARPAModel:
    """The contents of an ARPA file: words (unigram order) and per-order id tables with log10 values."""

    def __init__(self, itos, grams, logp, backoff, indexes=None):
        self.itos = itos          # list[str], ids = position among the unigrams
        self.grams = grams        # list of (k_n, n) int32
        self.logp = logp          # list of (k_n,) float32 log10 p
        self.backoff = backoff    # list of (k_n,) float32 log10 backoff (zeros where absent)
        self.indexes = indexes    # per-order seqfast._lm.Index built while checking for duplicates, or None

    @property
    def order(self):
        return len(self.grams)


def _open_bytes(path) -> bytes:
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, ValueError, zlib.error) as e:
            raise ARPAError(f"{path}: gzip data is corrupt or truncated ({e})") from None
    return data


_SPACE = re.compile(r"[ \t\n\r\v\f]")  # KenLM's separators; any other character (NBSP, U+3000) belongs to a word


def _line_text(data: bytes, line: int) -> str:
    """Line `line` (1-based) of data, decoded for a message."""
    parts = data.split(b"\n", line)
    s = parts[line - 1] if 0 < line <= len(parts) else b""
    return s.strip(b" \t\r").decode("utf-8", "replace")


def _word_at(data: bytes, offset: int) -> str:
    m = re.compile(rb"[^ \t\r\n]*").match(data, offset)
    return m.group(0).decode("utf-8", "replace")


def _row_line(data: bytes, n: int, row: int) -> int:
    """1-based line number of row ``row`` (0-based) of the ``\\n-grams:`` section, counting lines as the C
    parser reads them (blank lines skipped). Only for wording an error: a linear scan of the section."""
    m = re.compile(rb"^[ \t]*\\%d-grams:[ \t\r]*$" % n, re.M).search(data, max(data.find(b"\\data\\"), 0))
    if m is None:
        return 0
    line, pos, seen = data.count(b"\n", 0, m.start()) + 2, m.end() + 1, -1
    while pos <= len(data):
        end = data.find(b"\n", pos)
        end = len(data) if end < 0 else end
        if data[pos:end].strip(b" \t\r"):
            seen += 1
            if seen == row:
                return line
        pos, line = end + 1, line + 1
    return 0


def _number_error(path, line: int, tok: str, what: str) -> "ARPAError":
    if tok.lower().lstrip("+-") in ("nan", "inf", "infinity"):
        return ARPAError(f"{path}:{line}: the {what} is {tok!r}; expected a finite log10 value or -inf")
    try:
        big = abs(float(tok)) > 3.4028234663852886e38  # past float32, which the model stores
    except ValueError:
        big = False
    if big:
        return ARPAError(f"{path}:{line}: the {what} is {tok[:40]!r}, beyond the float range (about 3.4e38) the "
                         f"model stores; write -inf for a zero probability")
    return ARPAError(f"{path}:{line}: expected a number for the {what}, got {tok[:40]!r}")


def _explain(path, data: bytes, e) -> "ARPAError":
    """The ARPAError for the C parser's ARPAParseError e."""
    why, line, n, k = e.why, e.line, e.order, e.expected
    text = _line_text(data, line) if line > 0 else ""
    fields = re.split(r"[ \t]+", text) if text else []
    msgs = {
        "no_data": f"{path}: no \\data\\ line: not an ARPA file",
        "bad_count_line": f"{path}:{line}: expected 'ngram N=COUNT', got {text[:60]!r}",
        "wrong_order": f"{path}:{line}: expected 'ngram {n}=COUNT' with COUNT >= 0, got {text[:60]!r}",
        "too_many_orders": f"{path}:{line}: order {n} is above the highest supported ({MAX_ORDER})",
        "no_counts": f"{path}:{line}: expected 'ngram 1=COUNT' after \\data\\",
        "zero_unigrams": f"{path}: the header announces 0 unigrams",
        "counts_do_not_fit": (f"{path}: the header announces {k} {f'{n}-grams' if n else 'n-grams in all'} but "
                              f"only {e.rows} lines follow it: the header count does not fit the file (truncated "
                              f"file or corrupt header?)"),
        "eof_before_section": f"{path}: file ends before the \\{n}-grams: section (truncated?)",
        "expected_section": f"{path}:{line}: expected {chr(92) + str(n) + '-grams:'!r}, got {text[:60]!r}",
        "fields": (f"{path}:{line}: expected 'log10p' then {n} word(s) and an optional backoff in the {n}-grams "
                   f"section, got {len(fields)} field(s): {text[:80]!r}"),
        "too_many_rows": f"{path}:{line}: more {n}-grams than the {k} the header announces",
        "positive_logp": (f"{path}:{line}: log10 probability must be <= 0 (a probability is at most 1), got "
                          f"{fields[0] if fields else ''!r}"),
        "dup_unigram": f"{path}:{line}: unigram {_word_at(data, e.offset)!r} appears twice",
        "not_unigram": f"{path}:{line}: word {_word_at(data, e.offset)!r} of this {n}-gram is not a unigram",
        "too_few_rows": f"{path}:{line}: the header announces {k} {n}-grams but the section has {e.rows}",
        "no_end": f"{path}: no \\end\\ line after the {n}-grams (truncated?)",
        "expected_end": f"{path}:{line}: expected \\end\\ or a {n}-gram, got {text[:60]!r}",
    }
    if why == "bad_logp":
        return _number_error(path, line, fields[0] if fields else "", "log10 probability")
    if why == "bad_backoff":
        return _number_error(path, line, fields[-1] if fields else "", "log10 backoff")
    return ARPAError(msgs.get(why, f"{path}:{line}: malformed ARPA file ({why})"))


def read_arpa(path, unk_logprob: float = -100.0) -> ARPAModel:
    """Parse an ARPA file (plain or gzip). ``<unk>`` is added with ``unk_logprob`` if absent (as KenLM).
    A malformed file raises :class:`ARPAError` naming the line and what was expected."""
    from .. import _lm
    from .._threads import resolve_threads

    path = os.fspath(path)
    data = _open_bytes(path)
    try:
        grams, logp, bo, spans = _lm.arpa_parse(data, MAX_ORDER)
    except _lm.ARPAParseError as e:
        raise _explain(path, data, e) from None
    itos = []
    for o, n in spans.tolist():
        w = data[o:o + n]
        try:
            w = w.decode("utf-8")
        except UnicodeDecodeError as u:
            line = data.count(b"\n", 0, o) + 1
            raise ARPAError(f"{path}:{line}: invalid UTF-8 in the word {w!r} (byte {o + u.start})") from None
        if _SPACE.search(w):
            line = data.count(b"\n", 0, o) + 1
            raise ARPAError(f"{path}:{line}: the word {w!r} contains whitespace ({_SPACE.search(w).group(0)!r}): "
                            f"ARPA fields are separated by spaces and tabs only, and words hold no whitespace")
        itos.append(w)
    nt = resolve_threads(None)
    indexes = [None]
    for n, g in enumerate(grams[1:], 2):
        if _lm.rows_sorted(g, nt):
            indexes.append(None)  # sorted rows are distinct
            continue
        try:
            indexes.append(_lm.Index(g))
        except ValueError:
            u, c = np.unique(g, axis=0, return_counts=True)
            row = u[np.argmax(c > 1)]
            first, again = np.flatnonzero((g == row).all(axis=1))[:2].tolist()
            dup = " ".join(itos[i] for i in row)
            raise ARPAError(f"{path}:{_row_line(data, n, again)}: {n}-gram {dup!r} appears twice in the "
                            f"\\{n}-grams: section (first at line {_row_line(data, n, first)})") from None
    return _finish(path, itos, grams, logp, bo, unk_logprob, indexes)


def _finish(path, itos, grams, logps, bos, unk_logprob, indexes=None):
    if "<s>" not in itos or "</s>" not in itos:
        raise ARPAError(f"{path}: the unigrams lack {'<s>' if '<s>' not in itos else '</s>'}, which every ARPA "
                        f"model needs")
    if "<unk>" not in itos:
        itos.append("<unk>")
        grams[0] = np.vstack([grams[0], np.array([[len(itos) - 1]], dtype=np.int32)])
        logps[0] = np.append(logps[0], np.float32(unk_logprob))
        bos[0] = np.append(bos[0], np.float32(0))
    if indexes is not None:
        indexes[0] = None  # rebuilt by the scorer (the unigram table may have grown)
    return ARPAModel(itos, grams, logps, bos, indexes)


def read_header_comments(path, max_lines: int = 1000) -> list[str]:
    """The ``#`` comment lines before ``\\data\\`` of an ARPA file (plain or gzip), without their newline."""
    from ..text import open_binary
    out = []
    with open_binary(os.fspath(path)) as f:
        for i, raw in enumerate(f):
            line = raw.rstrip(b"\r\n")
            if line.strip() == b"\\data\\" or i >= max_lines:
                break
            if line.startswith(b"#"):
                out.append(line.decode("utf-8", "replace"))
    return out


def write_arpa(path, itos, grams, logp, backoff, n_threads: int | None = None, comments=(),
               where: str = "the words", compress: bool = False) -> None:
    """Write an ARPA file (``path``: a path or a binary file object; ``compress=True``: gzip, whatever the
    name).
    backoff[N-1] is ignored (the top order has none). ``comments``: lines starting with ``#`` written before
    ``\\data\\`` (KenLM skips them). A word holding one of :data:`ARPA_SEPARATORS` cannot be written."""
    N = len(grams)
    write_arpa_blocks(path, itos, [g.shape[0] for g in grams],
                      [[(grams[n], logp[n], backoff[n] if n < N - 1 else None)] for n in range(N)], n_threads,
                      comments, where, compress)


def write_arpa_blocks(path, itos, counts, sections, n_threads: int | None = None, comments=(),
                      where: str = "the words", compress: bool = False) -> None:
    """:func:`write_arpa` of a model given as ``counts`` (n-grams per order) and ``sections``: per order an
    iterable of blocks (grams (k, n), log10 p (k,), log10 backoff (k,) or None), consumed one at a time in
    file order (the memory-capped build streams them from disk), where a block may also be the path of a file
    holding the next lines of the order already written (by :func:`arpa_section`, e.g. on a Dask worker),
    copied as it is; a section may be one such path."""
    from .._threads import resolve_threads

    nt = resolve_threads(n_threads)
    for t in itos:
        if not t or any(c in ARPA_SEPARATORS for c in t):
            raise ValueError(f"word {t!r} is empty or contains ASCII whitespace (space, tab, newline, CR, VT or "
                             f"FF), which separates words in an ARPA file, so the file cannot hold it; "
                             f"{where} include it: save the model with save() (.sfl), or use a tokenization "
                             f"whose tokens never hold such a character (level 'word' or 'whitespace')")
    for c in comments:
        if not c.startswith("#") or "\n" in c:
            raise ValueError(f"an ARPA comment must be one line starting with '#', got {c!r:.80}")
    pool, offs = pack_strings(itos)
    pool = pool.tobytes()
    with open_arpa(path, compress) as f:
        _write_arpa_body(f, comments, counts, sections, pool, offs, nt)


@contextlib.contextmanager
def open_arpa(path, compress: bool = False):
    """The binary file an ARPA writer writes: ``path`` itself when it is a file object, else the path written
    atomically; gzip (reproducible: no name, no time) when ``compress``."""
    with (contextlib.nullcontext(path) if hasattr(path, "write") else atomic_write(os.fspath(path), "wb")) as raw, \
            (gzip.GzipFile(fileobj=raw, mode="wb", filename="", mtime=0) if compress
             else contextlib.nullcontext(raw)) as f:
        yield f


def _write_arpa_body(f, comments, counts, sections, pool, offs, nt) -> None:
    from .. import _lm
    N = len(counts)
    for c in comments:
        f.write(c.encode("utf-8") + b"\n")
    f.write(b"\\data\\\n")
    for n in range(1, N + 1):
        f.write(f"ngram {n}={counts[n - 1]}\n".encode())
    for n in range(1, N + 1):
        f.write(f"\n\\{n}-grams:\n".encode())
        sec = sections[n - 1]
        for block in ([sec] if isinstance(sec, (str, os.PathLike)) else sec):
            if isinstance(block, (str, os.PathLike)):
                _copy_file(block, f)
                continue
            g, lp, bo = block
            for chunk in _lm.arpa_chunks(g, lp, bo if n < N else None, pool, offs, nt):
                f.write(chunk)
    f.write(b"\n\\end\\\n")


def _copy_file(path, f) -> None:
    """Append the file ``path`` to the open binary file ``f`` (copied in the kernel where it can be)."""
    with open(path, "rb") as src:
        done = 0
        if hasattr(os, "copy_file_range") and isinstance(f, io.BufferedWriter):
            f.flush()
            size = os.fstat(src.fileno()).st_size
            try:
                while done < size:
                    k = os.copy_file_range(src.fileno(), f.fileno(), size - done)
                    if k == 0:
                        break
                    done += k
            except OSError:  # not supported between these files: the rest by reads and writes
                pass
            f.seek(0, os.SEEK_END)
            src.seek(done)
        shutil.copyfileobj(src, f, 1 << 22)


def arpa_section(out: str, itos, blocks, top: bool, n_threads: int = 1) -> int:
    """Write the lines of one order of an ARPA file (no header) to the file ``out``, from ``blocks`` as
    :func:`write_arpa_blocks` takes them (``top``: the highest order, written without backoffs). Returns the
    bytes written."""
    from .. import _lm
    pool, offs = pack_strings(itos)
    pool = pool.tobytes()
    size = 0
    with open(out, "wb") as f:
        for g, lp, bo in blocks:
            for chunk in _lm.arpa_chunks(g, lp, None if top else bo, pool, offs, n_threads):
                f.write(chunk)
                size += len(chunk)
    return size
