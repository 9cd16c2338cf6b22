# cython: boundscheck=False, wraparound=False, language_level=3
"""The one wrapper of the recurrent cells of csrc/sf_cell.h (rnn_tanh, rnn_relu, lstm, gru).

``forward(cell, x, state0, W_hh, b_hh, n_threads, ids, h_all, cache, lengths) -> (h_all, stateT, Cache)`` and
``backward(cache, dh_all, dstateT, W_hh, dW_hh, db_hh, n_threads, db_ih, dtable, dx) -> (dx, dstate0)``;
shapes and equations are in csrc/sf_cell.h. Arguments are checked with the GIL held (seqfast._cellargs), then
one C call runs without it.
"""
from libc.stdint cimport int32_t

import numpy as np

from seqfast._cellargs import (check_array, check_backward, check_finite, check_forward, check_in_cache,
                               check_input_grads, check_lengths, check_out)
from seqfast._status cimport check
from seqfast._threads import resolve_threads

#: every cell: name -> (gates G, states S, cache width W: a cache holds B*T*W*H elements)
CELLS = {"rnn_tanh": (1, 1, SF_RNN_CACHE), "rnn_relu": (1, 1, SF_RNN_CACHE), "lstm": (4, 2, SF_LSTM_CACHE),
         "gru": (3, 1, SF_GRU_CACHE)}
_INDEX = {name: i for i, name in enumerate(CELLS)}

ctypedef int (*fwd32_t)(float *, float *, float *, const float *, const int32_t *, int, const int32_t *,
                        const float *, const float *, const float *, int, int, int, int) noexcept nogil
ctypedef int (*fwd64_t)(double *, double *, double *, const double *, const int32_t *, int, const int32_t *,
                        const double *, const double *, const double *, int, int, int, int) noexcept nogil
ctypedef int (*bwd32_t)(float *, float *, float *, float *, float *, float *, const float *, const float *,
                        float *, const float *, const int32_t *, int, const int32_t *, const float *, const float *,
                        int, int, int, int) noexcept nogil
ctypedef int (*bwd64_t)(double *, double *, double *, double *, double *, double *, const double *,
                        const double *, double *, const double *, const int32_t *, int, const int32_t *,
                        const double *, const double *, int, int, int, int) noexcept nogil

cdef fwd32_t FWD32[4]
cdef fwd64_t FWD64[4]
cdef bwd32_t BWD32[4]
cdef bwd64_t BWD64[4]
FWD32[:] = [sf_rnn_tanh_forward_f32, sf_rnn_relu_forward_f32, sf_lstm_forward_f32, sf_gru_forward_f32]
FWD64[:] = [sf_rnn_tanh_forward_f64, sf_rnn_relu_forward_f64, sf_lstm_forward_f64, sf_gru_forward_f64]
BWD32[:] = [sf_rnn_tanh_backward_f32, sf_rnn_relu_backward_f32, sf_lstm_backward_f32, sf_gru_backward_f32]
BWD64[:] = [sf_rnn_tanh_backward_f64, sf_rnn_relu_backward_f64, sf_lstm_backward_f64, sf_gru_backward_f64]


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


cdef const int32_t *_ids_ptr(ids):
    cdef const int32_t[::1] v
    if ids is None:
        return NULL
    v = ids
    return &v[0]


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
    cdef int k = _INDEX[cell], nt = resolve_threads(n_threads), rc, V = x.shape[0]
    cdef int b = B, t = T, h = H
    cdef const int32_t *pids = _ids_ptr(flat_ids)
    cdef const int32_t *plen = _ids_ptr(lengths)
    cdef float[::1] c32
    cdef const float[::1] x32, s32, w32, bb32
    cdef float[::1] h32, st32
    cdef double[::1] c64
    cdef const double[::1] x64, s64, w64, bb64
    cdef double[::1] h64, st64
    if dtype == np.float32:
        c32, h32, st32 = cache, h_all.reshape(-1), stateT.reshape(-1)
        x32, s32, w32, bb32 = x.reshape(-1), state0.reshape(-1), W_hh.reshape(-1), b_hh
        with nogil:
            rc = FWD32[k](&h32[0], &st32[0], &c32[0], &x32[0], pids, V, plen, &s32[0], &w32[0], &bb32[0], b, t, h, nt)
    else:
        c64, h64, st64 = cache, h_all.reshape(-1), stateT.reshape(-1)
        x64, s64, w64, bb64 = x.reshape(-1), state0.reshape(-1), W_hh.reshape(-1), b_hh
        with nogil:
            rc = FWD64[k](&h64[0], &st64[0], &c64[0], &x64[0], pids, V, plen, &s64[0], &w64[0], &bb64[0], b, t, h, nt)
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
    if dstateT is not None:
        check_finite(cell, "dstateT", dstateT)
    if dtable is not None and cache.ids is None:
        raise ValueError(f"{cell}: dtable needs a forward that read a table by ids")
    check_input_grads(cell, G, None if cache.ids is None else cache.ids.reshape(B, T), dtable, db_ih, db_hh,
                      B, T, H, dtype)
    dx = check_out(cell, "dx", dx, (B, T, G * H), dtype)
    check_in_cache(cell, "dx", dx, cache.buf)
    dstate0 = np.empty((S, B, H), dtype)
    cdef int k = _INDEX[cell], nt = resolve_threads(n_threads), rc
    cdef int V = dtable.shape[0] if dtable is not None else 0, b = B, t = T, h = H
    cdef const int32_t *pids = _ids_ptr(cache.ids) if dtable is not None else NULL
    cdef const int32_t *plen = _ids_ptr(cache.lengths)
    cdef float[::1] dx32, ds32, dw32, dbh32, dbi32, dt32, c32
    cdef const float[::1] dh32, dsT32, h32, s32, w32
    cdef float *pbi32 = NULL
    cdef float *pt32 = NULL
    cdef const float *psT32 = NULL
    cdef double[::1] dx64, ds64, dw64, dbh64, dbi64, dt64, c64
    cdef const double[::1] dh64, dsT64, h64, s64, w64
    cdef double *pbi64 = NULL
    cdef double *pt64 = NULL
    cdef const double *psT64 = NULL
    if dtype == np.float32:
        dx32, ds32, dw32, dbh32, c32 = dx.reshape(-1), dstate0.reshape(-1), dW_hh.reshape(-1), db_hh, cache.buf
        dh32, h32, s32, w32 = dh_all.reshape(-1), cache.h_all.reshape(-1), cache.state0.reshape(-1), W_hh.reshape(-1)
        if db_ih is not None:
            dbi32 = db_ih
            pbi32 = &dbi32[0]
        if dtable is not None:
            dt32 = dtable.reshape(-1)
            pt32 = &dt32[0]
        if dstateT is not None:
            dsT32 = dstateT.reshape(-1)
            psT32 = &dsT32[0]
        with nogil:
            rc = BWD32[k](&dx32[0], &ds32[0], &dw32[0], &dbh32[0], pbi32, pt32, &dh32[0], psT32, &c32[0], &h32[0],
                          pids, V, plen, &s32[0], &w32[0], b, t, h, nt)
    else:
        dx64, ds64, dw64, dbh64, c64 = dx.reshape(-1), dstate0.reshape(-1), dW_hh.reshape(-1), db_hh, cache.buf
        dh64, h64, s64, w64 = dh_all.reshape(-1), cache.h_all.reshape(-1), cache.state0.reshape(-1), W_hh.reshape(-1)
        if db_ih is not None:
            dbi64 = db_ih
            pbi64 = &dbi64[0]
        if dtable is not None:
            dt64 = dtable.reshape(-1)
            pt64 = &dt64[0]
        if dstateT is not None:
            dsT64 = dstateT.reshape(-1)
            psT64 = &dsT64[0]
        with nogil:
            rc = BWD64[k](&dx64[0], &ds64[0], &dw64[0], &dbh64[0], pbi64, pt64, &dh64[0], psT64, &c64[0], &h64[0],
                          pids, V, plen, &s64[0], &w64[0], b, t, h, nt)
    check(rc, cell)
    return dx, dstate0
