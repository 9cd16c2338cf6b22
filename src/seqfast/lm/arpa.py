"""ARPA back-off language model files: a robust reader and a fast writer.

Format (as written by KenLM's lmplz and SRILM)::

    \\data\\
    ngram 1=K1
    ...
    \\1-grams:
    log10p<TAB>word<TAB>log10backoff
    ...
    \\end\\

The reader accepts tabs or spaces, CRLF line ends, blank lines, missing backoffs (= 0), ``-inf`` / ``-99``
sentinels, comments before ``\\data\\`` and gzip files (by magic bytes, whatever the name). It checks the
header counts against the sections and raises :class:`ARPAError` naming the line and what was expected; a
truncated or garbage file never crashes.
"""
from __future__ import annotations

import contextlib
import gzip
import math
import os

import numpy as np

from .._atomic import atomic_write

__all__ = ["ARPAError", "ARPAModel", "read_arpa", "write_arpa"]


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
        except (OSError, EOFError, ValueError) as e:
            raise ARPAError(f"{path}: gzip data is corrupt or truncated ({e})") from None
    return data


def _float(tok, path, lineno, what):
    try:
        if "_" in tok:  # float() reads '-1_0' as -10; no ARPA writer (or KenLM) does
            raise ValueError
        v = float(tok)
    except ValueError:
        raise ARPAError(f"{path}:{lineno}: expected a number for the {what}, got {tok[:40]!r}") from None
    if math.isnan(v) or v == math.inf:
        raise ARPAError(f"{path}:{lineno}: the {what} is {tok!r}; expected a finite log10 value or -inf")
    return v


def _logprob(tok, path, lineno):
    v = _float(tok, path, lineno, "log10 probability")
    if v > 0:
        raise ARPAError(f"{path}:{lineno}: log10 probability must be <= 0 (a probability is at most 1), got {tok!r}")
    return v


def _check_counts(counts, total_lines, first_line, path=None):
    """The header's counts must fit the lines after the header (one line per n-gram): an absurd count is a
    corrupt header, not a request for terabytes. Returns an error message or None."""
    left = total_lines - first_line
    for n, k in enumerate(counts, 1):
        if k > left:
            return (f"{path}: the header announces {k} {n}-grams but only {left} lines follow it: the header "
                    f"count does not fit the file (truncated file or corrupt header?)")
    if sum(counts) > left:
        return (f"{path}: the header announces {sum(counts)} n-grams in all but only {left} lines follow it: the "
                f"header counts do not fit the file (truncated file or corrupt header?)")
    return None


def _header_fast(data: bytes):
    """(counts, byte offset and line number before the first section) or None if the header looks odd."""
    pos, lineno, counts, in_data = 0, 0, [], False
    while pos < len(data):
        nl = data.find(b"\n", pos)
        end = len(data) if nl < 0 else nl
        line = data[pos:end].strip(b" \t\r\f\v")
        if not in_data:
            in_data = line == b"\\data\\"
        elif line.startswith(b"ngram"):
            try:
                n_s, k_s = line[5:].strip().split(b"=")
                n, k = int(n_s), int(k_s)
            except ValueError:
                return None
            if n != len(counts) + 1 or k < 0:
                return None
            counts.append(k)
        elif line:
            if not counts or counts[0] <= 0 or _check_counts(counts, data.count(b"\n") + 1, lineno) is not None:
                return None
            return counts, pos, lineno
        pos, lineno = end + 1, lineno + 1
    return None


def read_arpa(path, unk_logprob: float = -100.0) -> ARPAModel:
    """Parse an ARPA file (plain or gzip). ``<unk>`` is added with ``unk_logprob`` if absent (as KenLM).

    A C parser reads well-formed files; on any problem the file is re-read by a Python parser whose
    ARPAError names the line and what was expected.
    """
    from .. import _lm
    from .._threads import resolve_threads

    path = os.fspath(path)
    data = _open_bytes(path)
    head = _header_fast(data)
    if head is not None:
        counts, pos, lineno = head
        try:
            grams, logp, bo, spans = _lm.arpa_parse(data, pos, lineno, counts)
            if any((lp > 0).any() for lp in logp):
                raise ValueError("a positive log10 probability")  # the Python parser names its line
            itos = [data[o:o + n].decode("utf-8") for o, n in spans.tolist()]
            # a repeated n-gram raises ValueError here; sorted rows are distinct and need no check
            nt = resolve_threads(None)
            indexes = [None] + [None if _lm.rows_sorted(g, nt) else _lm.Index(g) for g in grams[1:]]
        except ValueError:
            pass  # explained by the Python parser below
        else:
            return _finish(path, itos, grams, logp, bo, unk_logprob, indexes)
    return _read_arpa_python(path, data, unk_logprob)  # raises ARPAError naming the line, or reads odd files


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


def _read_arpa_python(path, data: bytes, unk_logprob: float) -> ARPAModel:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        lineno = data.count(b"\n", 0, e.start) + 1
        raise ARPAError(f"{path}:{lineno}: invalid UTF-8 at byte {e.start}") from None
    lines = text.split("\n")
    nlines = len(lines)
    i = 0

    def strip(s):
        return s.strip(" \t\r\f\v")

    # -- header --
    while i < nlines and strip(lines[i]) != "\\data\\":
        i += 1
    if i == nlines:
        raise ARPAError(f"{path}: no \\data\\ line: not an ARPA file")
    i += 1
    counts = []
    while i < nlines:
        s = strip(lines[i])
        if not s:
            i += 1
            if counts:
                break
            continue
        if not s.startswith("ngram"):
            break
        body = s[5:].strip()
        try:
            n_s, k_s = body.split("=")
            n, k = int(n_s), int(k_s)
        except ValueError:
            raise ARPAError(f"{path}:{i + 1}: expected 'ngram N=COUNT', got {s[:60]!r}") from None
        if n != len(counts) + 1 or k < 0:
            raise ARPAError(f"{path}:{i + 1}: expected 'ngram {len(counts) + 1}=COUNT' with COUNT >= 0, got {s!r}")
        counts.append(k)
        i += 1
    if counts and (msg := _check_counts(counts, nlines, i, path)) is not None:
        raise ARPAError(msg)
    if not counts:
        raise ARPAError(f"{path}:{i + 1}: expected 'ngram 1=COUNT' after \\data\\")
    if counts[0] == 0:
        raise ARPAError(f"{path}: the header announces 0 unigrams")
    N = len(counts)
    itos: list[str] = []
    stoi: dict[str, int] = {}
    grams, logps, bos = [], [], []
    for n in range(1, N + 1):
        header = f"\\{n}-grams:"
        while i < nlines and not strip(lines[i]):
            i += 1
        if i == nlines:
            raise ARPAError(f"{path}: file ends before the {header} section (truncated?)")
        if strip(lines[i]) != header:
            raise ARPAError(f"{path}:{i + 1}: expected {header!r}, got {strip(lines[i])[:60]!r}")
        i += 1
        k = counts[n - 1]
        g = np.empty((k, n), dtype=np.int32)
        lp = np.empty(k, dtype=np.float32)
        bo = np.zeros(k, dtype=np.float32)
        r = 0
        seen = set() if n > 1 else None
        while i < nlines:
            s = strip(lines[i])
            if not s:
                i += 1
                continue
            if s.startswith("\\"):
                break
            f = s.split()
            if len(f) not in (n + 1, n + 2):
                raise ARPAError(f"{path}:{i + 1}: expected 'log10p' then {n} word(s) and an optional backoff "
                                f"in the {n}-grams section, got {len(f)} field(s): {s[:80]!r}")
            if r >= k:
                raise ARPAError(f"{path}:{i + 1}: more {n}-grams than the {k} the header announces")
            lp[r] = _logprob(f[0], path, i + 1)
            if len(f) == n + 2:
                b = _float(f[-1], path, i + 1, "log10 backoff")
                bo[r] = b
            words = f[1:n + 1]
            if n == 1:
                w = words[0]
                if w in stoi:
                    raise ARPAError(f"{path}:{i + 1}: unigram {w!r} appears twice")
                stoi[w] = len(itos)
                itos.append(w)
                g[r, 0] = stoi[w]
            else:
                try:
                    g[r] = [stoi[w] for w in words]
                except KeyError as e:
                    raise ARPAError(f"{path}:{i + 1}: word {e.args[0]!r} of this {n}-gram is not a unigram") from None
                key = tuple(words)
                if key in seen:
                    raise ARPAError(f"{path}:{i + 1}: {n}-gram {' '.join(words)!r} appears twice")
                seen.add(key)
            r += 1
            i += 1
        if r != k:
            raise ARPAError(f"{path}:{i + 1}: the header announces {k} {n}-grams but the section has {r}")
        grams.append(g)
        logps.append(lp)
        bos.append(bo)
    while i < nlines and not strip(lines[i]):
        i += 1
    if i == nlines:
        raise ARPAError(f"{path}: no \\end\\ line after the {N}-grams (truncated?)")
    if strip(lines[i]) != "\\end\\":
        raise ARPAError(f"{path}:{i + 1}: expected \\end\\ or a {N}-gram, got {strip(lines[i])[:60]!r}")
    return _finish(path, itos, grams, logps, bos, unk_logprob)


def _pool(itos):
    enc = [t.encode("utf-8") for t in itos]
    offs = np.zeros(len(enc) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in enc], out=offs[1:])
    return b"".join(enc), offs


def write_arpa(path, itos, grams, logp, backoff, n_threads: int | None = None) -> None:
    """Write an ARPA file (gzip when path ends in .gz). backoff[N-1] is ignored (the top order has none)."""
    from .. import _lm
    from .._threads import resolve_threads

    nt = resolve_threads(n_threads)
    path = os.fspath(path)
    for t in itos:
        if not t or any(c.isspace() for c in t):
            raise ValueError(f"word {t!r} is empty or contains whitespace: ARPA files cannot hold it "
                             f"(train with level='word' or 'whitespace' to write ARPA)")
    pool, offs = _pool(itos)
    N = len(grams)
    with atomic_write(path, "wb") as raw, \
            (gzip.GzipFile(fileobj=raw, mode="wb", filename="") if path.endswith(".gz")
             else contextlib.nullcontext(raw)) as f:
        f.write(b"\\data\\\n")
        for n in range(1, N + 1):
            f.write(f"ngram {n}={grams[n - 1].shape[0]}\n".encode())
        for n in range(1, N + 1):
            f.write(f"\n\\{n}-grams:\n".encode())
            for chunk in _lm.arpa_chunks(grams[n - 1], logp[n - 1], backoff[n - 1] if n < N else None, pool, offs,
                                         nt):
                f.write(chunk)
        f.write(b"\n\\end\\\n")
