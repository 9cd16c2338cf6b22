# cython: boundscheck=False, wraparound=False, language_level=3
"""The one wrapper of the recurrent cells of csrc/sf_cell.h (rnn_tanh, rnn_relu, lstm, gru).

``forward(cell, x, state0, W_hh, b_hh, n_threads, ids, h_all, cache, lengths) -> (h_all, stateT, Cache)`` and
``backward(cache, dh_all, dstateT, W_hh, dW_hh, db_hh, n_threads, db_ih, dtable, dx) -> (dx, dstate0)``;
shapes and equations are in csrc/sf_cell.h. Arguments are checked with the GIL held (seqfast._cellargs), then
one C call runs without it.
"""
from libc.stdint cimport int32_t

cimport numpy as cnp
import numpy as np

from seqfast._cellargs import (check_array, check_backward, check_finite, check_forward, check_in_cache,
                               check_input_grads, check_lengths, check_out)
from seqfast._status cimport check
from seqfast._threads import resolve_threads

#: every cell: name -> (gates G, states S, cache width W: a cache holds B*T*W*H elements)
CELLS = {"rnn_tanh": (1, 1, SF_RNN_CACHE), "rnn_relu": (1, 1, SF_RNN_CACHE), "lstm": (4, 2, SF_LSTM_CACHE),
         "gru": (3, 1, SF_GRU_CACHE)}
_INDEX = {name: i for i, name in enumerate(CELLS)}  # the order of csrc/sf_cell.h's tables
assert len(CELLS) == SF_N_CELLS
cnp.import_array()

class Cache:
    """What a forward leaves for its backward: the cell, the cache buffer (B*T*W*H,), h_all (B, T, H), state0
    (S, B, H), the flat ids of a table input (or None) and the rows' lengths (int32 (B,), or None: all T).
    ``gates`` views the activated gates (B, T, G*H) of lstm and gru."""
    __slots__ = ("cell", "buf", "h_all", "state0", "ids", "lengths")

    def __init__(self, cell, buf, h_all, state0, ids, lengths=None):
        self.cell, self.buf, self.h_all, self.state0, self.ids = cell, buf, h_all, state0, ids
        self.lengths = lengths

    @property
    def gates(self):
        B, T, H = self.h_all.shape
        G = CELLS[self.cell][0]
        return self.buf[:B * T * G * H].reshape(B, T, G * H)


def cache_size(str cell, Py_ssize_t B, Py_ssize_t T, Py_ssize_t H):
    """Elements of the cache of a (B, T) window of ``cell`` with hidden size H."""
    return B * T * CELLS[cell][2] * H


def _cell(str cell):
    if cell not in CELLS:
        raise ValueError(f"unknown cell {cell!r}; the C cells are {', '.join(CELLS)}")
    return CELLS[cell]


cdef inline void *_data(a):
    """The data of an ndarray that seqfast._cellargs checked (C-contiguous, dtype, shape), or NULL for None."""
    return NULL if a is None else cnp.PyArray_DATA(<cnp.ndarray?>a)


def forward(str cell, x, state0, W_hh, b_hh, n_threads=None, ids=None, h_all=None, cache=None, lengths=None):
    """The recurrence of ``cell`` over a window (csrc/sf_cell.h).

    x (B, T, G*H) = W_ih x_t + b_ih for every step, or with ``ids`` (B, T) integers a table (V, G*H) whose row
    ids[b, t] is step t of row b; state0 (S, B, H) finite (lstm: [h; c]); W_hh (G*H, H); b_hh (G*H,); one float
    dtype, C-contiguous. ``h_all`` (B, T, H) and ``cache`` (cache_size,) are optional output buffers (the
    model's preallocated ones); x may be the start of cache (lstm and gru then write their gates over it).
    ``lengths`` (B,) integers in [1, T] (None: every row has T steps): steps t >= lengths[b] are padding,
    skipped (h_all 0 there; stateT the state after each row's last step; see csrc/sf_cell.h).
    Returns ``(h_all, stateT (S, B, H), Cache)``; pass the Cache to :func:`backward`. NaN in x propagates.
    """
    G, S, W = _cell(cell)
    B, T, H, dtype, flat_ids = check_forward(cell, G, S, x, ids, state0, W_hh, b_hh)
    lengths = check_lengths(cell, lengths, B, T)
    h_all = check_out(cell, "h_all", h_all, (B, T, H), dtype)
    cache = check_out(cell, "cache", cache, (B * T * W * H,), dtype)
    check_in_cache(cell, "x", x, cache)
    stateT = np.empty((S, B, H), dtype)
    cdef int k = _INDEX[cell], nt = resolve_threads(n_threads), rc, V = x.shape[0], b = B, t = T, h = H
    cdef bint f64 = dtype == np.float64
    cdef const int32_t *pids = <const int32_t *>_data(flat_ids)
    cdef const int32_t *plen = <const int32_t *>_data(lengths)
    cdef void *ph = _data(h_all), *pst = _data(stateT), *pc = _data(cache), *px = _data(x)
    cdef void *ps = _data(state0), *pw = _data(W_hh), *pb = _data(b_hh)
    with nogil:
        if f64:
            rc = sf_cell_forward_f64[k](<double *>ph, <double *>pst, <double *>pc, <const double *>px, pids, V, plen,
                                        <const double *>ps, <const double *>pw, <const double *>pb, b, t, h, nt)
        else:
            rc = sf_cell_forward_f32[k](<float *>ph, <float *>pst, <float *>pc, <const float *>px, pids, V, plen,
                                        <const float *>ps, <const float *>pw, <const float *>pb, b, t, h, nt)
    check(rc, cell)
    return h_all, stateT, Cache(cell, cache, h_all, state0, flat_ids, lengths)


def backward(cache, dh_all, dstateT, W_hh, dW_hh, db_hh, n_threads=None, db_ih=None, dtable=None, dx=None):
    """Backward of :func:`forward` through its ``cache`` (a :class:`Cache`; its buffer is overwritten).

    dh_all (B, T, H) = dL/dh_t from above; dstateT (S, B, H) = dL/d(final state), or None for zero. Accumulates
    (+=) into dW_hh (G*H, H) and db_hh (G*H,), and in the same pass db_ih (G*H,) += dx summed over (b, t) and,
    for a forward with ids, dtable (V, G*H): dtable[ids[b, t]] += dx[b, t]. ``dx`` (B, T, G*H) is an optional
    output buffer, possibly the start of the cache. Returns ``(dx = dL/dx (B, T, G*H), dstate0 (S, B, H))``.
    With the forward's lengths, dstateT[b] enters at row b's last step and dx is 0 at padding.
    """
    if not isinstance(cache, Cache):
        raise TypeError(f"cache must be the Cache a forward returned, got {type(cache).__name__}")
    cell = cache.cell
    G, S, W = _cell(cell)
    B, T, H = cache.h_all.shape
    dtype = cache.h_all.dtype
    check_backward(cell, G, S, dh_all, dstateT, W_hh, dW_hh, db_hh, B, T, H, dtype)
    check_array(cell, "cache", cache.buf, (B * T * W * H,), dtype, writable=True)
    check_array(cell, "the cache's state0", cache.state0, (S, B, H), dtype)
    if dstateT is not None:
        check_finite(cell, "dstateT", dstateT)
    if dtable is not None and cache.ids is None:
        raise ValueError(f"{cell}: dtable needs a forward that read a table by ids")
    check_input_grads(cell, G, None if cache.ids is None else cache.ids.reshape(B, T), dtable, db_ih, db_hh,
                      B, T, H, dtype)
    dx = check_out(cell, "dx", dx, (B, T, G * H), dtype)
    check_in_cache(cell, "dx", dx, cache.buf)
    dstate0 = np.empty((S, B, H), dtype)
    cdef int k = _INDEX[cell], nt = resolve_threads(n_threads), rc, b = B, t = T, h = H
    cdef int V = dtable.shape[0] if dtable is not None else 0
    cdef bint f64 = dtype == np.float64
    cdef const int32_t *pids = <const int32_t *>_data(cache.ids) if dtable is not None else NULL
    cdef const int32_t *plen = <const int32_t *>_data(cache.lengths)
    cdef void *pdx = _data(dx), *pds = _data(dstate0), *pdw = _data(dW_hh), *pdbh = _data(db_hh)
    cdef void *pdbi = _data(db_ih), *pdt = _data(dtable), *pdh = _data(dh_all), *pdsT = _data(dstateT)
    cdef void *pc = _data(cache.buf), *ph = _data(cache.h_all), *ps = _data(cache.state0), *pw = _data(W_hh)
    with nogil:
        if f64:
            rc = sf_cell_backward_f64[k](<double *>pdx, <double *>pds, <double *>pdw, <double *>pdbh, <double *>pdbi,
                                         <double *>pdt, <const double *>pdh, <const double *>pdsT, <double *>pc,
                                         <const double *>ph, pids, V, plen, <const double *>ps, <const double *>pw,
                                         b, t, h, nt)
        else:
            rc = sf_cell_backward_f32[k](<float *>pdx, <float *>pds, <float *>pdw, <float *>pdbh, <float *>pdbi,
                                         <float *>pdt, <const float *>pdh, <const float *>pdsT, <float *>pc,
                                         <const float *>ph, pids, V, plen, <const float *>ps, <const float *>pw,
                                         b, t, h, nt)
    check(rc, cell)
    return dx, dstate0
