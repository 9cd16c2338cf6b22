"""Argument checks shared by the gated-cell wrappers (_lstm.pyx, _gru.pyx).

Every check runs before any C is called and raises an error naming the argument, what was expected and how
to fix it, so bad input never reaches the kernels.
"""
from __future__ import annotations

import numpy as np

DTYPES = (np.float32, np.float64)


def _fail(cell: str, msg: str, exc=ValueError):
    raise exc(f"{cell}: {msg}")


def check_array(cell: str, name: str, a, shape: tuple, dtype=None, writable: bool = False) -> np.ndarray:
    """``a`` as a C-contiguous ndarray of ``shape`` (None = any size >= 1) and ``dtype`` (None = float32 or 64)."""
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
        _fail(cell, f"{name} is read-only but the kernel accumulates into it; pass a writable array")
    return a


def check_forward(cell: str, G: int, xproj, h0, W_hh, b_hh):
    """Sizes (B, T, H) and dtype of a cell forward's arguments (G gates), after checking them all."""
    check_array(cell, "xproj", xproj, (None, None, None))
    dtype = xproj.dtype
    B, T, GH = xproj.shape
    if B < 1 or T < 1 or GH < 1 or GH % G:
        _fail(cell, f"xproj has shape {xproj.shape}; expected (B, T, {G}*H) with B, T, H >= 1")
    if max(B, T, GH) >= 2 ** 31:
        _fail(cell, f"xproj has shape {xproj.shape}; every size must be below 2**31")
    H = GH // G
    check_array(cell, "h0", h0, (B, H), dtype)
    check_array(cell, "W_hh", W_hh, (G * H, H), dtype)
    check_array(cell, "b_hh", b_hh, (G * H,), dtype)
    return B, T, H, dtype


def _check_ids(cell: str, ids, V: int, table: str, shape=None) -> np.ndarray:
    """ids as a C-contiguous int32 array, after checking it is a (B, T) integer array (of ``shape`` when
    given) whose values index the V rows of ``table``."""
    ids = np.asarray(ids) if ids is not None else None
    if ids is None or ids.ndim != 2 or ids.shape[0] < 1 or ids.shape[1] < 1 or ids.dtype.kind not in "iu":
        got = "None" if ids is None else f"shape {ids.shape}, dtype {ids.dtype}"
        _fail(cell, f"ids must be a (B, T) integer array with B, T >= 1; got {got}")
    if shape is not None and ids.shape != shape:
        _fail(cell, f"ids has shape {ids.shape}, expected {shape}")
    if ids.min() < 0 or ids.max() >= V:
        _fail(cell, f"ids must lie in [0, {V}) (the rows of {table}); got [{ids.min()}, {ids.max()}]")
    return np.ascontiguousarray(ids, dtype=np.int32)


def check_forward_ids(cell: str, G: int, table, ids, h0, W_hh, b_hh):
    """check_forward for a gathered input: ``table`` (V, G*H) whose row ids[b, t] is the step's xproj, ``ids``
    (B, T) integers in [0, V). Returns (B, T, H, dtype, ids as a C-contiguous int32 array)."""
    check_array(cell, "xproj", table, (None, None))
    dtype = table.dtype
    V, GH = table.shape
    if GH % G:
        _fail(cell, f"with ids, xproj is a table of shape (V, {G}*H); got {table.shape}")
    ids = _check_ids(cell, ids, V, "the xproj table")
    B, T = ids.shape
    H = GH // G
    check_array(cell, "h0", h0, (B, H), dtype)
    check_array(cell, "W_hh", W_hh, (G * H, H), dtype)
    check_array(cell, "b_hh", b_hh, (G * H,), dtype)
    return B, T, H, dtype, ids


def check_forward_input(cell: str, G: int, xproj, ids, h0, W_hh, b_hh, inplace: bool):
    """A cell forward's input, either xproj (B, T, G*H) or, with ids (B, T), a (V, G*H) table read by id.
    Returns (B, T, H, dtype, xrows, flat_ids, inplace): xrows is xproj as (B*T, G*H) rows or the table,
    flat_ids the ids as (B*T,) int32 or None; inplace (gates written over xproj) is checked writable and
    turned off for a table."""
    if ids is not None:
        B, T, H, dtype, ids = check_forward_ids(cell, G, xproj, ids, h0, W_hh, b_hh)
        return B, T, H, dtype, xproj, ids.reshape(-1), False
    B, T, H, dtype = check_forward(cell, G, xproj, h0, W_hh, b_hh)
    if inplace:
        check_array(cell, "xproj", xproj, (B, T, G * H), dtype, writable=True)
    return B, T, H, dtype, xproj.reshape(B * T, G * H), None, bool(inplace)


def check_input_grads(cell: str, G: int, ids, dtable, db_ih, db_hh, B: int, T: int, H: int, dtype):
    """The optional input-gradient outputs of a backward: ``dtable`` (V, G*H) with ``ids`` (B, T) in [0, V),
    and ``db_ih`` (G*H,), both writable, db_ih overlapping neither db_hh nor dtable. Returns ids flattened to
    a C-contiguous int32 array (B*T,), or None without dtable."""
    flat_ids = None
    if dtable is not None:
        check_array(cell, "dtable", dtable, (None, G * H), dtype, writable=True)
        flat_ids = _check_ids(cell, ids, dtable.shape[0], "dtable", (B, T)).reshape(-1)
    if db_ih is not None:
        check_array(cell, "db_ih", db_ih, (G * H,), dtype, writable=True)
        if np.shares_memory(db_ih, db_hh) or (dtable is not None and np.shares_memory(db_ih, dtable)):
            _fail(cell, "db_ih must not overlap db_hh or dtable (each is summed separately)")
    return flat_ids


def check_cache(cell: str, G: int, cache, layout):
    """Sizes (B, T, H) and dtype of a forward's cache, after checking its arrays against ``layout`` (a list of
    (name, dims) in cache order, dims made of "B", "T", "H", "GH"; one name must be "h_all"), so that a cache
    from another call or a hand-made tuple cannot make a kernel read out of bounds."""
    if not isinstance(cache, tuple) or len(cache) != len(layout):
        _fail(cell, f"cache must be the tuple of {len(layout)} arrays returned by forward", TypeError)
    h_all = cache[[n for n, _ in layout].index("h_all")]
    check_array(cell, "cache h_all", h_all, (None, None, None))
    B, T, H = h_all.shape
    size = {"B": B, "T": T, "H": H, "GH": G * H}
    for (name, dims), a in zip(layout, cache):
        check_array(cell, f"cache {name}", a, tuple(size[d] for d in dims), h_all.dtype)
    return B, T, H, h_all.dtype


def check_backward(cell: str, G: int, dh_all, dhT, W_hh, dW_hh, db_hh, B: int, T: int, H: int, dtype):
    """Check a cell backward's arguments against the forward's sizes; dhT may be None."""
    check_array(cell, "dh_all", dh_all, (B, T, H), dtype)
    if dhT is not None:
        check_array(cell, "dhT", dhT, (B, H), dtype)
    check_array(cell, "W_hh", W_hh, (G * H, H), dtype)
    check_array(cell, "dW_hh", dW_hh, (G * H, H), dtype, writable=True)
    check_array(cell, "db_hh", db_hh, (G * H,), dtype, writable=True)
