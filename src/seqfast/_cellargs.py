"""Argument checks of the cell wrapper (seqfast._cells): every check runs before any C is called and raises an
error naming the argument, what was expected and how to fix it, so bad input never reaches the kernels.
"""
from __future__ import annotations

import numpy as np

DTYPES = (np.float32, np.float64)


def _fail(cell: str, msg: str, exc=ValueError):
    raise exc(f"{cell}: {msg}")


def check_array(cell: str, name: str, a, shape: tuple, dtype=None, writable: bool = False) -> np.ndarray:
    """``a`` as a C-contiguous ndarray of ``shape`` (None = any size) and ``dtype`` (None = float32 or 64)."""
    if not isinstance(a, np.ndarray):
        _fail(cell, f"{name} must be a numpy.ndarray, got {type(a).__name__}", TypeError)
    if dtype is None:
        if a.dtype not in DTYPES:
            _fail(cell, f"{name} has dtype {a.dtype}; use float32 or float64 (e.g. {name}.astype(np.float32))",
                  TypeError)
    elif a.dtype != dtype:
        _fail(cell, f"{name} has dtype {a.dtype} but the other arrays are {np.dtype(dtype)}; "
                    f"convert it with {name}.astype(np.{np.dtype(dtype).name})", TypeError)
    if a.ndim != len(shape) or any(s is not None and s != n for s, n in zip(shape, a.shape)):
        want = "(" + ", ".join("?" if s is None else str(s) for s in shape) + ")"
        _fail(cell, f"{name} has shape {a.shape}, expected {want}")
    if not a.flags.c_contiguous:
        _fail(cell, f"{name} is not C-contiguous; pass np.ascontiguousarray({name})")
    if writable and not a.flags.writeable:
        _fail(cell, f"{name} is read-only but the kernel writes into it; pass a writable array")
    return a


def check_finite(cell: str, name: str, a: np.ndarray) -> None:
    """ValueError when ``a`` holds a NaN or an infinity (the kernels would spread it through every step)."""
    if not np.isfinite(a).all():
        _fail(cell, f"{name} contains NaN or inf; the recurrence needs finite values")


def _check_ids(cell: str, ids, V: int, table: str, shape=None) -> np.ndarray:
    """ids (B, T) integers in [0, V) (of ``shape`` when given) as a flat C-contiguous int32 array (B*T,)."""
    ids = np.asarray(ids) if ids is not None else None
    if ids is None or ids.ndim != 2 or ids.shape[0] < 1 or ids.shape[1] < 1 or ids.dtype.kind not in "iu":
        got = "None" if ids is None else f"shape {ids.shape}, dtype {ids.dtype}"
        _fail(cell, f"ids must be a (B, T) integer array with B, T >= 1; got {got}")
    if shape is not None and ids.shape != shape:
        _fail(cell, f"ids has shape {ids.shape}, expected {shape}")
    if ids.min() < 0 or ids.max() >= V:
        _fail(cell, f"ids must lie in [0, {V}) (the rows of {table}); got [{ids.min()}, {ids.max()}]")
    return np.ascontiguousarray(ids, dtype=np.int32).reshape(-1)


def check_forward(cell: str, G: int, S: int, x, ids, state0, W_hh, b_hh):
    """A forward's arguments: x (B, T, G*H), or with ids (B, T) a (V, G*H) table read by id; state0 (S, B, H),
    W_hh (G*H, H), b_hh (G*H,), all of one float dtype, the state and weights finite.
    Returns (B, T, H, dtype, flat int32 ids or None)."""
    if ids is not None:
        check_array(cell, "x", x, (None, None))
        V, GH = x.shape
        if V < 1 or GH < 1 or GH % G:
            _fail(cell, f"with ids, x is a table of shape (V, {G}*H); got {x.shape}")
        flat_ids = _check_ids(cell, ids, V, "the x table")
        B, T = np.shape(ids)
    else:
        check_array(cell, "x", x, (None, None, None))
        B, T, GH = x.shape
        if B < 1 or T < 1 or GH < 1 or GH % G:
            _fail(cell, f"x has shape {x.shape}; expected (B, T, {G}*H) with B, T, H >= 1")
        flat_ids = None
    if max(B, T, GH) >= 2 ** 31:
        _fail(cell, f"sizes {(B, T, GH)}: every size must be below 2**31")
    H = GH // G
    check_array(cell, "state0", state0, (S, B, H), x.dtype)
    check_array(cell, "W_hh", W_hh, (G * H, H), x.dtype)
    check_array(cell, "b_hh", b_hh, (G * H,), x.dtype)
    for name, a in (("state0", state0), ("W_hh", W_hh), ("b_hh", b_hh)):
        check_finite(cell, name, a)
    return B, T, H, x.dtype, flat_ids


def check_lengths(cell: str, lengths, B: int, T: int):
    """None, or ``lengths`` (B,) integers in [1, T] as a C-contiguous int32 array."""
    if lengths is None:
        return None
    a = np.asarray(lengths)
    if a.shape != (B,) or a.dtype.kind not in "iu":
        _fail(cell, f"lengths must be a ({B},) integer array (one length per row), got shape {a.shape}, "
                    f"dtype {a.dtype}")
    if a.min() < 1 or a.max() > T:
        _fail(cell, f"lengths must lie in [1, {T}] (T = the padded number of steps); got [{a.min()}, {a.max()}]")
    return np.ascontiguousarray(a, dtype=np.int32)


def check_out(cell: str, name: str, a, shape: tuple, dtype):
    """An optional output buffer: None (allocate one) or a writable C-contiguous array of shape and dtype."""
    if a is None:
        return np.empty(shape, dtype)
    return check_array(cell, name, a, shape, dtype, writable=True)


def check_in_cache(cell: str, name: str, a, cache: np.ndarray) -> None:
    """``a`` must not overlap ``cache``, except by starting exactly where it starts (the in-place layout)."""
    if np.shares_memory(a, cache) and a.__array_interface__["data"][0] != cache.__array_interface__["data"][0]:
        _fail(cell, f"{name} overlaps the cache without starting at its start; pass it separately or at the "
                    f"cache's start (the gates' place)")


def check_backward(cell: str, G: int, S: int, dh_all, dstateT, W_hh, dW_hh, db_hh, B: int, T: int, H: int, dtype):
    """A backward's gradient arguments against the forward's sizes; dstateT may be None."""
    check_array(cell, "dh_all", dh_all, (B, T, H), dtype)
    if dstateT is not None:
        check_array(cell, "dstateT", dstateT, (S, B, H), dtype)
    check_array(cell, "W_hh", W_hh, (G * H, H), dtype)
    check_array(cell, "dW_hh", dW_hh, (G * H, H), dtype, writable=True)
    check_array(cell, "db_hh", db_hh, (G * H,), dtype, writable=True)


def check_input_grads(cell: str, G: int, ids, dtable, db_ih, db_hh, B: int, T: int, H: int, dtype):
    """The optional input-gradient outputs of a backward: ``dtable`` (V, G*H) with ``ids`` (B, T) in [0, V),
    and ``db_ih`` (G*H,), both writable, db_ih overlapping neither db_hh nor dtable. Returns ids flattened to
    a C-contiguous int32 array (B*T,), or None without dtable."""
    flat_ids = None
    if dtable is not None:
        check_array(cell, "dtable", dtable, (None, G * H), dtype, writable=True)
        flat_ids = _check_ids(cell, ids, dtable.shape[0], "dtable", (B, T))
    if db_ih is not None:
        check_array(cell, "db_ih", db_ih, (G * H,), dtype, writable=True)
        if np.shares_memory(db_ih, db_hh) or (dtable is not None and np.shares_memory(db_ih, dtable)):
            _fail(cell, "db_ih must not overlap db_hh or dtable (each is summed separately)")
    return flat_ids
