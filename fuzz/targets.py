"""Fuzz targets: one function per reader, taking the bytes of a file (or of a text) and raising only the
library's named errors; ``Disagreement`` when a result differs from its reference.

A *named* error is a ValueError (ARPAError, InvalidUTF8Error, TokenTooLongError and other subclasses
included), FileNotFoundError or MemoryError whose message names the file it is about. Anything else
(KeyError, RecursionError, OverflowError, zlib.error, a ValueError without the file name...) is a *raw*
exception: a bug, because it does not tell the user what is wrong with which file.

Used by fuzz/run.py (a plain mutation runner, or atheris when installed).
"""
from __future__ import annotations

import gzip
import math
import os
import re
import tempfile
import zlib
from collections import Counter

import numpy as np

import seqfast
from seqfast.reference import ngram as ref_ngram

_DIR = tempfile.mkdtemp(prefix="seqfast-fuzz-")


class Disagreement(AssertionError):
    """A reader accepted the input but its result differs from the reference."""


class RawError(AssertionError):
    """A reader raised an exception that is not a named error (see the module docstring)."""


def _path(name: str, data: bytes) -> str:
    p = os.path.join(_DIR, name)
    with open(p, "wb") as f:
        f.write(data)
    return p


def _named(e: BaseException, path: str) -> bool:
    return isinstance(e, (ValueError, FileNotFoundError, MemoryError)) and path in str(e)


def _guard(fn, path: str):
    """fn() or a named error (returned as None); a raw exception becomes RawError."""
    try:
        return fn(), None
    except Disagreement:
        raise
    except Exception as e:  # noqa: BLE001 - classifying is the point
        if _named(e, path):
            return None, e
        raise RawError(f"{type(e).__name__}: {e}") from e


# ---- model and data files ---------------------------------------------------------------------------------
def arpa(data: bytes) -> str:
    p = _path("m.arpa", data)
    lm, err = _guard(lambda: seqfast.NGramLM.from_arpa(p), p)
    if err is not None:
        return "named"
    out = _path("back.arpa", b"")
    lm.to_arpa(out)
    back = seqfast.NGramLM.from_arpa(out)
    # ARPA text carries 7 significant digits (KenLM's precision), so an input written with more digits comes
    # back rounded: the n-grams and words must be identical, the values equal to that precision.
    same = lm._itos == back._itos and len(lm._grams) == len(back._grams)
    for g1, g2, l1, l2 in zip(lm._grams, back._grams, lm._logp, back._logp):
        same = same and g1.tolist() == g2.tolist() and bool(
            np.allclose(l1, l2, rtol=1e-6, atol=1e-7) and np.array_equal(np.isinf(l1), np.isinf(l2)))
    if not same:
        raise Disagreement("an ARPA file read, written and read again changed")
    return "ok"


def sfc(data: bytes) -> str:
    p = _path("c.sfc", data)
    c, err = _guard(lambda: seqfast.NGramCounts.load(p), p)
    if err is not None:
        return "named"
    for n in range(1, c.order + 1):
        if c.total(n) < 0:
            raise Disagreement(f"total({n}) is negative")
    out = _path("back.sfc", b"")
    c.save(out)
    if seqfast.NGramCounts.load(out) != c:
        raise Disagreement(".sfc save/load changed the counts")
    return "ok"


def sfl(data: bytes) -> str:
    p = _path("m.sfl", data)
    # verify=True: opening a mapped .sfl checks only its header and sizes; a flipped byte in the tables is
    # found by the checksum that verify reads (without it, such a file scores with the damaged values)
    lm, err = _guard(lambda: seqfast.NGramLM.load(p, verify=True), p)
    if err is not None:
        return "named"
    words = list(lm.vocab.itos)[:50]
    for w in words:
        v = lm.logprob(w, tuple(words[:2]))
        if math.isnan(v) or v > 1e-6:
            raise Disagreement(f"logprob({w!r}) = {v}")
    return "ok"


def _model_roundtrip(m, forward) -> str:
    """Run ``forward(m)`` (it raises Disagreement on a wrong result), then check that save/load keeps the model."""
    name = type(m).__name__
    if m.num_parameters > 1_000_000:
        return "ok"
    forward(m)
    out = _path("back.sfm", b"")
    m.save(out)
    back = type(m).load(out)
    if back.config() != m.config() or getattr(back, "meta", None) != getattr(m, "meta", None) \
            or not np.array_equal(back.flat_params, m.flat_params):
        raise Disagreement(f"{name} save/load changed the model")
    return "ok"


def _rnnlm_forward(m) -> None:
    logits, _ = m.forward(np.zeros((1, 2), dtype=np.int32))
    if logits.shape[-1] != m.vocab_size:
        raise Disagreement("forward gives the wrong vocabulary size")


def _seqmodel_forward(m) -> None:
    reg = isinstance(m, seqfast.RNNRegressor)
    X = np.zeros((2, 3, m.input_size)) if reg else np.ones((2, 3), dtype=np.int32)
    out, _ = m.forward(X, [3, 1])
    if out.shape[0] != 2 or not np.isfinite(out).all():
        raise Disagreement(f"{type(m).__name__}.forward gives shape {out.shape} or non-finite outputs")


def rnn(data: bytes) -> str:
    p = _path("m.sfm", data)
    m, err = _guard(lambda: seqfast.RNNLM.load(p), p)
    return "named" if err is not None else _model_roundtrip(m, _rnnlm_forward)


def seqmodel(data: bytes) -> str:
    """An RNNClassifier, RNNTagger or RNNRegressor file (whichever class its container kind names)."""
    p = _path("s.sfm", data)
    m = err = None
    for cls in (seqfast.RNNClassifier, seqfast.RNNTagger, seqfast.RNNRegressor):
        m, err = _guard(lambda: cls.load(p), p)
        if err is None:
            break
    return "named" if err is not None else _model_roundtrip(m, _seqmodel_forward)


def vocab(data: bytes) -> str:
    p = _path("v.sfv", data)
    v, err = _guard(lambda: seqfast.Vocab.load(p), p)
    if err is not None:
        return "named"
    out = _path("back.sfv", b"")
    v.save(out)
    if seqfast.Vocab.load(out) != v:
        raise Disagreement("vocab save/load changed it")
    return "ok"


# ---- text ----------------------------------------------------------------------------------------------
def _decompressed(data: bytes):
    """The bytes a reader sees (gzip by content), or None for corrupt gzip data."""
    if data[:2] != b"\x1f\x8b":
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, ValueError, zlib.error):
        return None


def _decoded(data: bytes):
    raw = _decompressed(data)
    if raw is None:
        raise ValueError("corrupt gzip")
    return raw, raw.decode("utf-8")


def read_text(data: bytes) -> str:
    """read_text and tokenize against Python's UTF-8 decoder (strict offsets, replace mode)."""
    p = _path("t.txt", data)
    raw = _decompressed(data)
    if raw is None:
        _, err = _guard(lambda: seqfast.read_text(p), p)
        if err is None:
            raise Disagreement("read_text accepted corrupt gzip data")
        return "named"
    try:
        want = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        _, err = _guard(lambda: seqfast.read_text(p), p)
        if not isinstance(err, seqfast.InvalidUTF8Error):
            raise Disagreement(f"read_text accepted invalid UTF-8 or said {err}") from None
        if err.offset != e.start:
            raise Disagreement(f"invalid UTF-8 at {err.offset}, Python says {e.start}") from None
        if seqfast.read_text(p, errors="replace") != raw.decode("utf-8", "replace"):
            raise Disagreement("errors='replace' differs from Python's decoder") from None
        return "named"
    got, _ = _guard(lambda: seqfast.read_text(p), p)
    if got != want:
        raise Disagreement("read_text differs from bytes.decode('utf-8')")
    if seqfast.tokenize(got, level="char") != list(want):
        raise Disagreement("tokenize(level='char') is not the characters")
    ascii_split = [t for t in re.split("[" + re.escape(seqfast.WHITESPACE) + "]+", want) if t]
    if seqfast.tokenize(got, level="whitespace") != ascii_split:
        raise Disagreement("tokenize(level='whitespace') differs from a split on KenLM's ASCII whitespace")
    return "ok"


def count(data: bytes) -> str:
    """count_ngrams(path) at every level, lower or not, against a Counter of the decoded text."""
    p = _path("c.txt", data)
    try:
        _, text = _decoded(data)
    except (OSError, EOFError, ValueError, zlib.error):
        _, err = _guard(lambda: seqfast.count_ngrams(p, 2), p)
        if err is None:
            raise Disagreement("count_ngrams accepted invalid input")
        return "named"
    for level in ("word", "char", "whitespace"):
        for lower in (False, True):
            got, err = _guard(lambda: seqfast.count_ngrams(p, 2, level=level, lower=lower), p)
            if err is not None:
                if isinstance(err, seqfast.TokenTooLongError):
                    continue
                raise Disagreement(f"count_ngrams refused valid text: {err}")
            want = ref_ngram.count_ngrams(text, 2, level=level, lower=lower)
            lines = seqfast.count_ngrams(iter(text.split("\n")), 2, level=level, lower=lower)
            for n in (1, 2):
                g = Counter(dict(got.items(n)))
                if g != want[n]:
                    raise Disagreement(f"level={level} lower={lower} order {n}: {sorted((g - want[n]).items())[:3]}"
                                       f" extra, {sorted((want[n] - g).items())[:3]} missing")
                if Counter(dict(lines.items(n))) != g:
                    raise Disagreement(f"level={level} lower={lower} order {n}: path and lines input differ")
    return "ok"


TARGETS = {"arpa": arpa, "sfc": sfc, "sfl": sfl, "rnn": rnn, "seqmodel": seqmodel, "vocab": vocab,
           "read_text": read_text, "count": count}
