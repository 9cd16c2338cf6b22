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
its pages. Array contents are not checksummed (that would read the whole file); code reading them must stay
in bounds whatever they hold.
"""
from __future__ import annotations

import json
import mmap
import os
import struct
import sys
import zlib

import numpy as np

from ._atomic import atomic_write

__all__ = ["MAGIC", "ContainerError", "is_container", "write_container", "open_container"]

MAGIC = b"SEQFAST\x00"
VERSION = 1
_BOM = 0x01020304
_FIXED = struct.Struct("=8sIIIIQ")  # magic, version, bom, word size, crc, json length
_ALIGN = 64
_WORD = struct.calcsize("P")
_DTYPES = {"u1", "i1", "u2", "i2", "u4", "i4", "u8", "i8", "f4", "f8"}


class ContainerError(ValueError):
    """A file is not a seqfast container, is damaged or truncated, or was written on another platform."""


def is_container(path) -> bool:
    """True when the file starts with the container magic."""
    with open(path, "rb") as f:
        return f.read(8) == MAGIC


def _crc(fixed20: bytes, js: bytes) -> int:
    return zlib.crc32(js, zlib.crc32(fixed20)) & 0xFFFFFFFF


def write_container(path, kind: str, version: int, header: dict, arrays: dict) -> None:
    """Write ``arrays`` (name -> numpy array, stored C-contiguous in native byte order) and ``header`` (JSON
    values) as a container of ``kind``/``version``, atomically (a temporary file renamed over ``path``)."""
    table, offset, body = {}, 0, []
    for name, a in arrays.items():
        a = np.ascontiguousarray(a)
        if a.dtype.kind + str(a.dtype.itemsize) not in _DTYPES:
            raise TypeError(f"container array {name!r}: unsupported dtype {a.dtype}")
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
    with atomic_write(path, "wb") as f:
        f.write(head)
        f.write(b"\0" * (start - len(head)))
        for chunk in _body(body, offset):
            f.write(chunk)


def _body(body, end: int):
    """The bytes after the headers, in order: each array at its offset, zeros between."""
    pos = 0
    for off, a in body:
        if off > pos:
            yield b"\0" * (off - pos)
        if a.nbytes:
            yield memoryview(a).cast("B")
        pos = off + a.nbytes
    if pos < end:
        yield b"\0" * (end - pos)


def open_container(path, kind: str, versions=(1,), verify: bool = False):
    """(header dict, {name: read-only numpy array mapped from the file}) of a container of ``kind``.

    verify=True also checks the arrays' bytes against the checksum the writer recorded (reads the whole file).
    Raises FileNotFoundError, or :class:`ContainerError` naming the file and what is wrong with it."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such file")
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        fixed = f.read(_FIXED.size)
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
        js = f.read(jlen)
    if _crc(fixed[:20], js) != crc:
        raise ContainerError(f"{path}: corrupt header (checksum mismatch)")
    try:
        meta = json.loads(js)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ContainerError(f"{path}: corrupt header ({e})") from None
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
    with open(path, "rb") as f:
        mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    if verify and zlib.crc32(memoryview(mm)[start:]) & 0xFFFFFFFF != meta.get("data_crc32"):
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
        arrays[name] = np.frombuffer(mm, dtype=dtype, count=count, offset=start + off).reshape(shape)
    return meta, arrays
