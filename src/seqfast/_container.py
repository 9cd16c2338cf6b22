"""seqfast's binary container: a fixed header, a JSON header, then aligned arrays, read by memory-mapping.

Layout (all integers in the writer's byte order, which the byte-order mark records)::

    0   8   magic b"SEQFAST\\0"
    8   4   container version (uint32, 1)
    12  4   byte-order mark 0x01020304 (uint32)
    16  4   word size of the writer (uint32, bytes in a pointer)
    20  4   CRC-32 of bytes 0..20 and of the JSON header
    24  8   length of the JSON header in bytes (uint64)
    32  J   JSON header (UTF-8): {"kind", "version", "file_size", "arrays": {name: {"dtype", "shape",
            "offset"}}, ...fields of the kind}
    then    each array's bytes at its offset, a multiple of 64, in native byte order

Opening checks the magic, version, byte order, word size, the checksum, the recorded size against the file's
(a truncated file is refused) and that every array lies inside the file, then maps the file read-only: opening
costs the same for any size, the pages are read when first touched, and processes mapping one file share
its pages. Array contents are checksummed only with ``verify=True`` (that reads the whole file); code reading
them must stay in bounds whatever they hold.

Compression is chosen by the writer (``compress=True``: the whole container as one gzip member) and recognized
by content on reading, whatever the file's name: a gzip file is decompressed into memory (not mapped) and then
read exactly as above. Lists of strings are stored as two arrays (:func:`pack_strings`): the UTF-8 bytes of
all of them (``uint8``) and ``len + 1`` offsets (``int64``).

Every saved seqfast object is a container of its own kind: ``"vocab"`` (:meth:`seqfast.Vocab.save`),
``"ngramcounts"`` (:meth:`seqfast.NGramCounts.save`), ``"ngramlm"`` (:mod:`seqfast.lm.binary`) and ``"rnnlm"``
(:meth:`seqfast.nn.RNNLM.save`).
"""
from __future__ import annotations

import codecs
import gzip
import json
import mmap
import os
import struct
import sys
import zlib

import numpy as np

from ._atomic import atomic_write
from ._checks import parse_json, read_npz

__all__ = ["MAGIC", "GZIP_MAGIC", "ContainerError", "is_container", "is_gzip", "write_container",
           "open_container", "pack_strings", "unpack_strings"]

MAGIC = b"SEQFAST\x00"
VERSION = 1
_BOM = 0x01020304
_FIXED = struct.Struct("=8sIIIIQ")  # magic, version, bom, word size, crc, json length
_ALIGN = 64
_WORD = struct.calcsize("P")
_DTYPES = {"u1", "i1", "u2", "i2", "u4", "i4", "u8", "i8", "f4", "f8"}
GZIP_MAGIC = b"\x1f\x8b"


class ContainerError(ValueError):
    """A file is not a seqfast container, is damaged or truncated, or was written on another platform."""


def is_gzip(path) -> bool:
    """True when the file starts with the gzip magic bytes (how every seqfast reader decides, whatever the
    name: a ``.gz`` file holding plain text is read as plain text, gzip data under any name is decompressed).
    Valid UTF-8 text never starts with them (0x8b is a continuation byte)."""
    with open(path, "rb") as f:
        return f.read(2) == GZIP_MAGIC


def is_container(path) -> bool:
    """True when the file is a container, plain or gzip-compressed (recognized by content)."""
    with open(path, "rb") as f:
        head = f.read(8)
        if head[:2] != GZIP_MAGIC:
            return head == MAGIC
        f.seek(0)
        try:
            with gzip.GzipFile(fileobj=f, mode="rb") as g:
                return g.read(8) == MAGIC
        except (OSError, EOFError, ValueError, zlib.error):
            return False


def pack_strings(strings, errors: str = "strict") -> tuple[np.ndarray, np.ndarray]:
    """(pool uint8 (bytes,), offsets int64 (len + 1,)): the UTF-8 bytes of ``strings`` end to end, string i
    at ``pool[offsets[i]:offsets[i + 1]]``."""
    enc = [t.encode("utf-8", errors) for t in strings]
    offs = np.zeros(len(enc) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in enc], out=offs[1:])
    return np.frombuffer(b"".join(enc), dtype=np.uint8), offs


def unpack_strings(pool: np.ndarray, offsets: np.ndarray, where: str) -> list[str]:
    """The strings :func:`pack_strings` stored; ContainerError (naming ``where``) when the arrays disagree or
    a string is not valid UTF-8."""
    pool, offs = check_strings(pool, offsets, where, decode=False)
    raw = pool.tobytes()
    try:
        return [raw[a:b].decode("utf-8") for a, b in zip(offs[:-1].tolist(), offs[1:].tolist())]
    except UnicodeDecodeError as e:
        raise ContainerError(f"{where}: a string is not valid UTF-8 ({e})") from None


def check_strings(pool: np.ndarray, offsets: np.ndarray, where: str, decode: bool = True):
    """(pool, offsets int64) of strings :func:`pack_strings` stored, checked without making a str per string
    (ContainerError naming ``where`` as :func:`unpack_strings` raises it). ``decode=False`` checks only the
    types and offsets; otherwise the pool is also checked to be valid UTF-8 cut at character boundaries, which
    is every string being valid UTF-8."""
    if (pool.dtype != np.uint8 or pool.ndim != 1 or offsets.dtype.kind not in "iu" or offsets.ndim != 1
            or not offsets.size):
        raise ContainerError(f"{where}: the string arrays have the wrong type or shape")
    offs = offsets.astype(np.int64)
    if offs[0] != 0 or offs[-1] != pool.shape[0] or (np.diff(offs) < 0).any():
        raise ContainerError(f"{where}: string offsets are not increasing from 0 to the size of the pool")
    if decode:
        starts = offs[:-1][offs[:-1] < pool.shape[0]]
        ok = not ((pool[starts] & 0xC0) == 0x80).any()
        if ok:
            dec = codecs.getincrementaldecoder("utf-8")()
            step = 1 << 24
            try:
                for a in range(0, pool.shape[0], step):
                    dec.decode(pool[a:a + step].tobytes(), False)
                dec.decode(b"", True)
            except UnicodeDecodeError:
                ok = False
        if not ok:
            unpack_strings(pool, offs, where)  # raises, naming the first bad string
    return pool, offs


def _crc(fixed20: bytes, js: bytes) -> int:
    return zlib.crc32(js, zlib.crc32(fixed20)) & 0xFFFFFFFF


class FileArray:
    """An array stored raw (C order, native byte order) in a file, for :func:`write_container` to copy in
    pieces without holding or mapping it (arrays larger than memory: the out-of-core build)."""

    def __init__(self, path: str, dtype, shape):
        self.path, self.dtype, self.shape = os.fspath(path), np.dtype(dtype), tuple(int(x) for x in shape)
        self.nbytes = int(np.prod(self.shape, dtype=np.int64)) * self.dtype.itemsize
        if os.path.getsize(self.path) != self.nbytes:
            raise ValueError(f"{self.path}: {os.path.getsize(self.path)} bytes, expected {self.nbytes}")

    def pieces(self, size: int = 1 << 24):
        with open(self.path, "rb") as f:
            while True:
                b = f.read(size)
                if not b:
                    return
                yield b


def write_container(dest, kind: str, version: int, header: dict, arrays: dict, compress: bool = False) -> None:
    """Write ``arrays`` (name -> numpy array, stored C-contiguous in native byte order) and ``header`` (JSON
    values) as a container of ``kind``/``version``. ``dest``: a path (written atomically: a temporary file
    renamed over it) or a binary file object (e.g. ``sys.stdout.buffer``). ``compress=True`` writes the
    container as gzip (smaller, but read into memory instead of mapped)."""
    table, offset, body = {}, 0, []
    for name, a in arrays.items():
        if not isinstance(a, FileArray):
            a = np.ascontiguousarray(a)
        if a.dtype.kind + str(a.dtype.itemsize) not in _DTYPES:
            raise TypeError(f"container array {name!r}: unsupported dtype {a.dtype}")
        if not isinstance(a, FileArray):
            a = a.astype(a.dtype.newbyteorder("="), copy=False)
        table[name] = {"dtype": a.dtype.kind + str(a.dtype.itemsize), "shape": list(a.shape), "offset": offset}
        body.append((offset, a))
        offset += -(-a.nbytes // _ALIGN) * _ALIGN
    meta = dict(header, kind=kind, version=version, arrays=table)
    crc = 0
    for chunk in _body(body, offset):
        crc = zlib.crc32(chunk, crc)
    meta["data_crc32"] = crc & 0xFFFFFFFF
    # the JSON's length fixes where the arrays start, and the file size is part of the JSON: iterate
    for _ in range(3):
        js = json.dumps(meta, separators=(",", ":")).encode()
        start = -(-(_FIXED.size + len(js)) // _ALIGN) * _ALIGN
        size = start + offset
        if meta.get("data_start") == start and meta.get("file_size") == size:
            break
        meta["data_start"], meta["file_size"] = start, size
    js = json.dumps(meta, separators=(",", ":")).encode()
    fixed20 = _FIXED.pack(MAGIC, VERSION, _BOM, _WORD, 0, 0)[:20]
    head = _FIXED.pack(MAGIC, VERSION, _BOM, _WORD, _crc(fixed20, js), len(js)) + js

    def emit(f):
        if compress:  # mtime 0: the same container gives the same bytes
            f = gzip.GzipFile(fileobj=f, mode="wb", filename="", mtime=0)
        f.write(head)
        f.write(b"\0" * (start - len(head)))
        for chunk in _body(body, offset):
            f.write(chunk)
        if compress:
            f.close()

    if hasattr(dest, "write"):
        emit(dest)
        return
    with atomic_write(dest, "wb") as f:
        emit(f)


def _body(body, end: int):
    """The bytes after the headers, in order: each array at its offset, zeros between."""
    pos = 0
    for off, a in body:
        if off > pos:
            yield b"\0" * (off - pos)
        if isinstance(a, FileArray):
            yield from a.pieces()
        elif a.nbytes:
            yield memoryview(a).cast("B")
        pos = off + a.nbytes
    if pos < end:
        yield b"\0" * (end - pos)


def open_container(path, kind: str, versions=(1,), verify: bool = False):
    """(header dict, {name: read-only numpy array}) of a container of ``kind``: mapped from the file, or read
    into memory when the file is gzip (recognized by content).

    verify=True also checks the arrays' bytes against the checksum the writer recorded (reads the whole file).
    Raises FileNotFoundError, or :class:`ContainerError` naming the file and what is wrong with it."""
    path = os.fspath(path)
    if os.path.isdir(path):
        raise IsADirectoryError(f"{path}: is a directory, expected a seqfast {kind} file")
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such file")
    with open(path, "rb") as f:
        if f.read(2) == GZIP_MAGIC:
            f.seek(0)
            try:
                with gzip.GzipFile(fileobj=f, mode="rb") as g:
                    buf = g.read()
            except (OSError, EOFError, ValueError, zlib.error) as e:
                raise ContainerError(f"{path}: corrupt or truncated gzip data ({e})") from None
        else:
            size = os.fstat(f.fileno()).st_size
            buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
    return _parse(buf, path, kind, versions, verify)


def _parse(buf, path: str, kind: str, versions, verify: bool):
    """open_container on the bytes of a container (a mapped file or the decompressed content)."""
    size = len(buf)
    fixed = bytes(buf[:_FIXED.size])
    if len(fixed) < _FIXED.size or fixed[:8] != MAGIC:
        raise ContainerError(f"{path}: not a seqfast binary file (no {MAGIC!r} magic)")
    _, ver, bom, word, crc, jlen = _FIXED.unpack(fixed)
    if bom != _BOM:
        other = "big" if sys.byteorder == "little" else "little"
        raise ContainerError(f"{path}: written on a {other}-endian machine; this one is {sys.byteorder}-endian. "
                             f"Convert the model from its ARPA file on this machine (seqfast lm convert)")
    if ver != VERSION:
        raise ContainerError(f"{path}: container version {ver}; this seqfast reads version {VERSION}")
    if word != _WORD:
        raise ContainerError(f"{path}: written on a machine with {word}-byte words; this one has {_WORD}. "
                             f"Convert the model from its ARPA file on this machine (seqfast lm convert)")
    if jlen > size - _FIXED.size:
        raise ContainerError(f"{path}: truncated or corrupt (header length {jlen} > file size {size})")
    js = bytes(buf[_FIXED.size:_FIXED.size + jlen])
    if _crc(fixed[:20], js) != crc:
        raise ContainerError(f"{path}: corrupt header (checksum mismatch)")
    try:
        meta = json.loads(js)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise ContainerError(f"{path}: corrupt header ({type(e).__name__})") from None
    if not isinstance(meta, dict) or meta.get("kind") != kind:
        got = meta.get("kind") if isinstance(meta, dict) else None
        raise ContainerError(f"{path}: holds a {got!r}, expected a {kind!r}")
    if meta.get("version") not in versions:
        raise ContainerError(f"{path}: {kind} format version {meta.get('version')!r}; this seqfast reads "
                             f"{', '.join(map(str, versions))}")
    want, start = meta.get("file_size"), meta.get("data_start")
    if not isinstance(want, int) or not isinstance(start, int) or not 0 < start <= want:
        raise ContainerError(f"{path}: corrupt header (file_size/data_start)")
    if size != want:
        raise ContainerError(f"{path}: truncated or damaged: {size} bytes, the header says {want}")
    table = meta.get("arrays")
    if not isinstance(table, dict):
        raise ContainerError(f"{path}: corrupt header (no array table)")
    if verify and zlib.crc32(memoryview(buf)[start:]) & 0xFFFFFFFF != meta.get("data_crc32"):
        raise ContainerError(f"{path}: corrupt data (the arrays' checksum does not match)")
    arrays = {}
    for name, d in table.items():
        try:
            dt, shape, off = d["dtype"], tuple(d["shape"]), d["offset"]
            ok = dt in _DTYPES and all(isinstance(s, int) and s >= 0 for s in shape) and isinstance(off, int)
        except (KeyError, TypeError):
            ok = False
        if not ok:
            raise ContainerError(f"{path}: corrupt header (array {name!r})")
        dtype = np.dtype(dt)
        count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        nbytes = count * dtype.itemsize
        if off < 0 or off % _ALIGN or start + off + nbytes > size:
            raise ContainerError(f"{path}: corrupt header (array {name!r} lies outside the file)")
        arrays[name] = np.frombuffer(buf, dtype=dtype, count=count, offset=start + off).reshape(shape)
    return meta, arrays


def save_params(dest, kind: str, header: dict, params: dict, compress: bool = False) -> None:
    """Write a model of named parameter arrays (``params``: name -> float array) and its JSON ``header``
    (config, metadata) as a container of ``kind``, version 2; ``dest`` and ``compress`` as
    :func:`write_container`."""
    write_container(dest, kind, 2, header, params, compress=compress)


def load_params(path, kind: str, what: str) -> tuple[dict, dict]:
    """(header, {name: array}) of a model written by :func:`save_params`, or of the ``.npz`` form of seqfast
    0.1 (a ``np.savez`` archive whose ``__header__`` string holds the JSON header). ``what`` names the file's
    kind in errors ("seqfast RNNLM file"); a file of neither form raises ValueError naming it."""
    path = os.fspath(path)
    if is_container(path):
        meta, arrays = open_container(path, kind, (2,), verify=True)
        header = {k: v for k, v in meta.items() if k not in ("kind", "version", "arrays", "data_crc32",
                                                               "data_start", "file_size")}
        return header, dict(arrays)
    arrays = read_npz(path, what)
    head = arrays.pop("__header__", None)
    if head is None or head.dtype.kind != "U" or head.ndim != 0:
        raise ValueError(f"{path}: not a {what} (neither a seqfast container nor an .npz with a __header__ "
                         f"string)")
    header = parse_json(str(head), path, "header")
    if not isinstance(header, dict):
        raise ValueError(f"{path}: not a {what} (its header is a JSON {type(header).__name__}, not an object)")
    return header, arrays
