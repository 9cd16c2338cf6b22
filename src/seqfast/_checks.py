"""Small checks shared by the text, n-gram LM and RNN layers (one definition each, so their rules agree).

Reading files written by seqfast: :func:`read_npz` and :func:`parse_json` turn anything a damaged or hostile
file can make the standard library raise (zip methods it does not implement, encrypted members, bad ``.npy``
headers, shapes of terabytes in a file of kilobytes, code points past U+10FFFF, JSON nested 10,000 deep) into a
ValueError that names the file, before allocating more than the file can hold.
"""
from __future__ import annotations

import ast
import json
import math
import numbers
import os
import struct
import zlib

import numpy as np


def npz_read_errors() -> tuple:
    """What reading a damaged .npz archive can raise from zipfile/zlib (loaders turn these into ValueError). Made
    when first needed: importing zipfile (and pathlib, shutil, bz2 and lzma under it) takes ~10 ms, which commands
    that read no .npz file need not pay."""
    import zipfile
    return (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError, zlib.error, NotImplementedError,
            RuntimeError, OverflowError, struct.error, UnicodeDecodeError, json.JSONDecodeError)


#: Array kinds a seqfast .npz may hold: bool, ints, floats, and str (RNNLM's JSON header).
_NPZ_KINDS = "biufU"
_NPY_MAGIC = b"\x93NUMPY"
_MAX_MEMBERS = 4096
_MAX_HEADER = 1 << 16
_DEFLATE_MAX_RATIO = 1032  # deflate cannot expand data more than this (zlib's documented bound)


class _BadFile(ValueError):
    """A ValueError that already names the file (re-raised as is)."""


def is_int(v) -> bool:
    """An integer (Python or numpy, anything numbers.Integral) that is not a bool."""
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def check_count(x, name: str, minimum: int = 0, maximum: int | None = None) -> int:
    """x as an int in [minimum, maximum] (a bool, float or out-of-range value is an error naming the argument)."""
    kind = "a non-negative int" if minimum == 0 else f"an int >= {minimum}"
    if maximum is not None:
        kind += f" (at most {maximum:,})"
    if not is_int(x):
        raise TypeError(f"{name} must be {kind}, got {x!r} ({type(x).__name__})")
    if x < minimum or (maximum is not None and x > maximum):
        raise ValueError(f"{name} must be {kind}, got {x!r}")
    return int(x)


#: Most tokens one generate() call samples (a bound, so that a typo cannot run for hours).
MAX_GENERATE = 10**8


def score_buffers(ids, offsets, eos: bool, want_len: bool) -> tuple:
    """The checked inputs and new outputs of an n-gram scorer's ``score(ids, offsets, bos, eos, ...)``:
    (ids int32 (T,), offsets int64 (L + 1,), log10 p float32 (T + L * eos,), matched n-gram lengths int8 of
    the same shape or None). ValueError unless ids is 1-D and offsets rise from 0 to len(ids)."""
    i = np.ascontiguousarray(ids, dtype=np.int32)
    o = np.ascontiguousarray(offsets, dtype=np.int64)
    if i.ndim != 1 or o.ndim != 1 or o.shape[0] < 1 or o[0] != 0 or o[-1] != i.shape[0]:
        raise ValueError("score: ids must be 1-D and offsets (L + 1,) from 0 to len(ids)")
    if np.any(np.diff(o) < 0):
        raise ValueError("score: offsets must be non-decreasing")
    n = i.shape[0] + (o.shape[0] - 1) * bool(eos)
    return i, o, np.empty(n, dtype=np.float32), np.empty(n, dtype=np.int8) if want_len else None


class MemoryLimitError(MemoryError):
    """Reading or counting an input would need more memory than :func:`memory_limit` allows. ``what`` names
    the input, ``need`` and ``limit`` are bytes."""

    def __init__(self, what: str, need: int, limit: int, advice: str | None = None):
        self.what, self.need, self.limit = what, need, limit
        if advice is None:
            advice = (f"(SEQFAST_MEMORY, default 80% of the RAM): count with a memory budget instead (memory='2G', "
                      f"-S 2G: sorted runs go to disk), split the input, count fewer orders, or raise SEQFAST_MEMORY "
                      f"(e.g. SEQFAST_MEMORY=64G)")
        else:
            advice = f"(memory=): {advice}"
        super().__init__(
            f"{what}: this needs about {need / 2**30:.2f} GiB of memory, more than the limit of "
            f"{limit / 2**30:.2f} GiB {advice}")


_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def _ram() -> int:
    """Physical RAM in bytes (0 when unknown)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 0


def parse_memory(value, what: str = "memory") -> int:
    """Bytes of a memory size as lmplz's -S takes it: an int (bytes), or a str: a number with an optional
    K/M/G/T suffix (powers of 1024; a trailing B is allowed: "2G", "500M", "1.5GB"), or a percentage of the
    physical RAM ("80%"). ValueError/TypeError naming ``what`` otherwise."""
    if is_int(value):
        if value <= 0:
            raise ValueError(f"{what} must be a positive number of bytes, got {value}")
        return int(value)
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a size such as '2G', '500M', '80%' or a number of bytes, got "
                        f"{type(value).__name__} {value!r:.40}")
    v = value.strip().upper()
    if v.endswith("%"):
        try:
            pct = float(v[:-1])
        except ValueError:
            pct = float("nan")
        if not 0 < pct <= 100:
            raise ValueError(f"{what}: a percentage of the RAM must be in (0, 100], got {value!r}")
        ram = _ram()
        if not ram:
            raise ValueError(f"{what}: the physical RAM is unknown on this system; give a size such as '2G'")
        return int(ram * pct / 100)
    if v.endswith("B"):
        v = v[:-1]
    unit = v[-1] if v and v[-1] in _UNITS else ""
    try:
        x = float(v[:-1] if unit else v)
    except ValueError:
        raise ValueError(f"{what} must be a size such as '2G', '500M', '80%' or a number of bytes, got "
                         f"{value!r}") from None
    if not x > 0 or not math.isfinite(x):
        raise ValueError(f"{what} must be positive, got {value!r}")
    return max(1, int(x * _UNITS[unit]))


def memory_limit() -> int:
    """Bytes seqfast's readers and counters may use: ``SEQFAST_MEMORY`` (see :func:`parse_memory`: bytes, a
    K/M/G/T suffix such as ``8G``, or a percentage of the RAM), else 80% of the physical RAM (0 when unknown:
    no limit)."""
    env = os.environ.get("SEQFAST_MEMORY", "").strip()
    if env:
        return parse_memory(int(env) if env.isdigit() else env, "SEQFAST_MEMORY")
    return int(0.8 * _ram())


def check_memory(what: str, need: int) -> None:
    """MemoryLimitError naming ``what`` when ``need`` bytes exceed :func:`memory_limit`."""
    limit = memory_limit()
    if limit and need > limit:
        raise MemoryLimitError(what, int(need), limit)


def trim_heap() -> None:
    """Give the free pages inside the C heap back to the system (glibc's malloc_trim; elsewhere nothing). glibc
    serves arrays below its mmap threshold (which rises to 32 MiB as large arrays are freed) from the heap,
    and the ones freed below its top stay resident (between the orders of a build, tens of MiB of the peak
    beside the next order's arrays, which are too large to reuse them; after a vocabulary is renumbered, the
    arrays it replaced)."""
    global _malloc_trim
    if _malloc_trim is None:
        import ctypes
        import ctypes.util
        try:
            _malloc_trim = ctypes.CDLL(ctypes.util.find_library("c") or None).malloc_trim
        except (OSError, AttributeError):  # not glibc
            _malloc_trim = False
    if _malloc_trim:
        _malloc_trim(0)


_malloc_trim = None


def check_threads(n_threads, what: str = "n_threads") -> int | None:
    """None, or an int in 1..2**31-1 (what C's int holds); ValueError/TypeError naming ``what`` otherwise."""
    if n_threads is None:
        return None
    if not is_int(n_threads):
        raise TypeError(f"{what} must be None or a positive int, got {n_threads!r}")
    if not 1 <= n_threads <= 2**31 - 1:
        raise ValueError(f"{what} must be between 1 and {2**31 - 1} (or None for all cores), got {n_threads}")
    return int(n_threads)


def parse_json(text: str | bytes, path: str, what: str = "JSON"):
    """json.loads that raises ValueError naming ``path`` for bad or too deeply nested JSON (never
    RecursionError)."""
    try:
        return json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as e:
        why = "nested too deeply" if isinstance(e, RecursionError) else str(e)
        raise _BadFile(f"{path}: its {what} is not valid JSON ({why})") from None


def _npy_header(f, path: str, name: str) -> tuple:
    """Parse a .npy header from file object f: (dtype, shape, fortran_order, header bytes)."""
    def bad(why):
        return _BadFile(f"{path}: member {name!r} is not a valid .npy array ({why})")

    magic = f.read(8)
    if len(magic) < 8 or magic[:6] != _NPY_MAGIC:
        raise bad("no NUMPY magic")
    major = magic[6]
    if major not in (1, 2, 3) or magic[7] != 0:
        raise bad(f"format version {magic[6]}.{magic[7]}")
    lsize = 2 if major == 1 else 4
    raw = f.read(lsize)
    if len(raw) < lsize:
        raise bad("truncated header")
    hlen = int.from_bytes(raw, "little")
    if hlen > _MAX_HEADER:
        raise bad(f"header of {hlen} bytes")
    text = f.read(hlen)
    if len(text) < hlen:
        raise bad("truncated header")
    try:
        d = ast.literal_eval(text.decode("utf-8" if major == 3 else "latin1"))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError, UnicodeDecodeError) as e:
        raise bad(f"header is not a Python literal: {type(e).__name__}") from None
    if not isinstance(d, dict) or set(d) != {"descr", "fortran_order", "shape"}:
        raise bad("header keys are not descr, fortran_order, shape")
    shape, fortran = d["shape"], d["fortran_order"]
    if (not isinstance(shape, tuple) or len(shape) > 32 or not all(is_int(s) and 0 <= s < 2**62 for s in shape)
            or not isinstance(fortran, bool)):
        raise bad(f"shape {shape!r} / fortran_order {fortran!r}")
    try:
        dtype = np.dtype(d["descr"]) if isinstance(d["descr"], str) else None
    except (TypeError, ValueError, SyntaxError):
        dtype = None
    if dtype is None or dtype.kind not in _NPZ_KINDS or dtype.hasobject or dtype.fields or dtype.subdtype:
        raise bad(f"dtype {d['descr']!r} is not a plain number or str type")
    return dtype, shape, fortran, 8 + lsize + hlen


def read_npz(path: str | os.PathLike, what: str = "seqfast file") -> dict:
    """Read every array of a .npz file written by ``np.savez``, safely: ``{name: ndarray}`` (names without
    ``.npy``). Any damage raises ValueError naming ``path`` (and ``what`` it should have been); sizes are
    checked against the file's size before anything is allocated; only bool/int/float/str arrays are read."""
    path = os.fspath(path)
    if os.path.isdir(path):
        raise IsADirectoryError(f"{path}: is a directory, expected a {what}")
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such file (expected a {what})")

    def bad(why):
        return _BadFile(f"{path}: not a {what}, or a corrupt one ({why})")

    import zipfile

    fsize = os.path.getsize(path)
    out = {}
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > _MAX_MEMBERS:
                raise bad(f"{len(infos)} members")
            for info in infos:
                name = info.filename
                if not name.endswith(".npy") or name[:-4] in out:
                    raise bad(f"member {name!r} is not a distinct .npy array")
                if info.flag_bits & 0x1:
                    raise bad(f"member {name!r} is encrypted")
                if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                    raise bad(f"member {name!r} uses compression method {info.compress_type}")
                limit = info.compress_size * (_DEFLATE_MAX_RATIO if info.compress_type else 1)
                if info.compress_size > fsize or info.file_size > limit + 64:
                    raise bad(f"member {name!r} claims {info.file_size:,} bytes in a {fsize:,}-byte file")
                with zf.open(info) as f:
                    dtype, shape, fortran, hbytes = _npy_header(f, path, name)
                    nbytes = math.prod(shape) * dtype.itemsize
                    if hbytes + nbytes != info.file_size:
                        raise bad(f"member {name!r}: shape {shape} of {dtype} needs {nbytes:,} bytes, the member "
                                  f"holds {info.file_size - hbytes:,}")
                    arr = np.empty(shape[::-1] if fortran else shape, dtype=dtype)
                    buf = memoryview(arr.reshape(-1).view(np.uint8)) if arr.size else memoryview(b"")
                    got = 0
                    while got < nbytes:
                        k = f.readinto(buf[got:])
                        if not k:
                            raise bad(f"member {name!r} is truncated")
                        got += k
                    f.read()  # reaching the end checks the member's CRC
                if fortran:
                    arr = arr.T
                if dtype.kind == "U":
                    cps = arr.reshape(-1).view(np.uint32) if arr.size else np.zeros(0, np.uint32)
                    if cps.size and (cps.max() > 0x10FFFF or ((cps >= 0xD800) & (cps <= 0xDFFF)).any()):
                        raise bad(f"member {name!r} holds a code point that is not a character")
                out[name[:-4]] = arr
    except _BadFile:
        raise
    except npz_read_errors() as e:
        raise bad(f"{type(e).__name__}: {e}") from None
    except MemoryError:
        raise MemoryError(f"{path}: not enough memory to read this {what} ({fsize:,} bytes on disk)") from None
    return out

def npz_error_reason(e: BaseException) -> str:
    """What an error of reading a .npz file says about the file, in words (never numpy's advice to enable
    pickles: seqfast files hold no pickles, so a file numpy would unpickle is simply not one of them)."""
    import zipfile

    msg = str(e)
    if isinstance(e, zipfile.BadZipFile):
        return f"a damaged zip archive ({msg})"
    if isinstance(e, KeyError):
        return f"it lacks the member {e.args[0]!r}" if e.args else "a member is missing"
    if isinstance(e, json.JSONDecodeError):
        return "its header is not JSON"
    if "pickle" in msg or "allow_pickle" in msg:
        return "it is not a .npz archive at all"
    if isinstance(e, EOFError):
        return "the file is truncated"
    return f"{type(e).__name__}: {msg}"


# ---- batches of the sequence models (RNNLM, RNNClassifier, RNNTagger, RNNRegressor) ----------------------
_RAGGED = ("{name} is ragged (its rows have different lengths); pad it with seqfast.pad_sequences(seqs), which "
           "returns (ids, lengths), and pass lengths=")


def _as_batch(X, name: str) -> np.ndarray:
    try:
        a = np.asarray(X)
    except ValueError:  # numpy refuses inhomogeneous nested lists
        raise ValueError(_RAGGED.format(name=name)) from None
    if a.dtype == object:
        raise ValueError(_RAGGED.format(name=name))
    return a


def check_id_batch(X, V: int, name: str = "X") -> np.ndarray:
    """A (B, T) batch of token ids in [0, V) as C-contiguous int32; ragged rows, floats, other shapes and
    out-of-range ids raise errors that say what to do."""
    a = _as_batch(X, name)
    if not np.issubdtype(a.dtype, np.integer):
        raise TypeError(f"{name} must be an integer array of token ids, got dtype {a.dtype}")
    if a.ndim != 2:
        raise ValueError(f"{name} must have shape (batch, num_steps), got shape {a.shape}; "
                         f"for one sequence use {name}[None, :]")
    if a.shape[0] < 1 or a.shape[1] < 1:
        raise ValueError(f"{name} is empty (shape {a.shape})")
    lo, hi = int(a.min()), int(a.max())
    if lo < 0 or hi >= V:
        raise IndexError(f"{name} contains token id {lo if lo < 0 else hi}, out of range for a model with "
                         f"vocab_size={V} (ids must be in [0, {V}))")
    return np.ascontiguousarray(a, dtype=np.int32)


def check_real_batch(X, size: int, dtype, name: str = "X") -> np.ndarray:
    """A (B, T, size) batch of finite real values as a C-contiguous array of ``dtype``."""
    a = _as_batch(X, name)
    if a.dtype.kind not in "fiub":
        raise TypeError(f"{name} must be a real-valued array, got dtype {a.dtype}")
    if a.ndim != 3 or a.shape[2] != size:
        raise ValueError(f"{name} must have shape (batch, num_steps, {size}), got shape {a.shape}")
    if a.shape[0] < 1 or a.shape[1] < 1:
        raise ValueError(f"{name} is empty (shape {a.shape})")
    a = np.ascontiguousarray(a, dtype=dtype)
    bad = ~np.isfinite(a)
    if bad.any():
        i = tuple(int(j) for j in np.argwhere(bad)[0])
        raise ValueError(f"{name} contains {a[i]} at index {i}; the recurrence would spread it to every later "
                         f"step: fill or drop missing values first")
    return a


def check_lengths(lengths, B: int, T: int, name: str = "lengths") -> np.ndarray:
    """Per-row lengths (B,) in [1, T] as int32 (None: every row has T steps)."""
    if lengths is None:
        return np.full(B, T, dtype=np.int32)
    a = _as_batch(lengths, name)
    if a.shape != (B,) or not np.issubdtype(a.dtype, np.integer):
        raise ValueError(f"{name} must be a ({B},) integer array (one length per row of the batch), got shape "
                         f"{a.shape}, dtype {a.dtype}")
    if a.min() < 1:
        i = int(np.argmin(a))
        raise ValueError(f"{name}[{i}] = {a[i]}: every sequence needs at least one step (drop empty ones)")
    if a.max() > T:
        i = int(np.argmax(a))
        raise ValueError(f"{name}[{i}] = {a[i]} is longer than the batch's {T} steps (the padded length)")
    return a.astype(np.int32)


def check_labels(y, num_classes: int, shape: tuple, name: str = "y", valid=None) -> np.ndarray:
    """Class labels of ``shape`` in [0, num_classes) as int32 (only where ``valid`` is True, when given: the
    padding of per-token labels may hold anything, such as -100)."""
    a = _as_batch(y, name)
    if not np.issubdtype(a.dtype, np.integer):
        raise TypeError(f"{name} must hold integer class labels, got dtype {a.dtype}")
    if a.shape != tuple(shape):
        raise ValueError(f"{name} has shape {a.shape}, expected {tuple(shape)}")
    v = a if valid is None else a[valid]
    if v.size and (v.min() < 0 or v.max() >= num_classes):
        bad = int(v.min()) if v.min() < 0 else int(v.max())
        raise IndexError(f"{name} contains label {bad}, out of range for {num_classes} classes (labels must be "
                         f"in [0, {num_classes}))")
    return np.ascontiguousarray(a, dtype=np.int32)
