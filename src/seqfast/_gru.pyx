# cython: boundscheck=False, wraparound=False, language_level=3
"""GRU cell recurrence (csrc/gru.c): the cell interface of seqfast.nn for ``cell="gru"``.

``forward(xproj, h0, W_hh, b_hh, n_threads) -> (h_all, hT, cache)`` and
``backward(dh_all, dhT, cache, W_hh, dW_hh, db_hh, n_threads) -> (dxproj, dh0)``;
shapes and equations are in csrc/gru.h (gate rows r, z, n as in torch.nn.GRU).
"""
from libc.stdint cimport int32_t

import numpy as np

from seqfast._cellargs import check_array, check_backward, check_cache, check_forward_input, check_input_grads
from seqfast._status cimport check
from seqfast._threads import resolve_threads

#: what forward returns as ``cache`` (checked by backward)
_CACHE = [("gates", ("B", "T", "GH")), ("hn_all", ("B", "T", "H")), ("h_all", ("B", "T", "H")),
          ("h0", ("B", "H"))]

ctypedef fused real:
    float
    double


cdef int _forward(real[:, :, ::1] h_all, real[:, ::1] hT, real[:, :, ::1] gates, real[:, :, ::1] hn_all,
                  const real[:, ::1] xrows, const real[:, ::1] h0, const real[:, ::1] W_hh,
                  const real[::1] b_hh, int n_threads, const int32_t[::1] ids):
    """xrows: xproj as (B*T, 3H) rows, or the (V, 3H) table that ids (B*T) index."""
    cdef int B = <int>h_all.shape[0], T = <int>h_all.shape[1], H = <int>h0.shape[1], rc
    cdef const int32_t *pids = &ids[0] if ids is not None else NULL
    cdef int V = <int>xrows.shape[0]
    with nogil:
        if real is float:
            rc = sf_gru_forward_f32(&h_all[0, 0, 0], &hT[0, 0], &gates[0, 0, 0], &hn_all[0, 0, 0],
                                    &xrows[0, 0], &h0[0, 0], &W_hh[0, 0], &b_hh[0], B, T, H, n_threads, pids, V)
        else:
            rc = sf_gru_forward_f64(&h_all[0, 0, 0], &hT[0, 0], &gates[0, 0, 0], &hn_all[0, 0, 0],
                                    &xrows[0, 0], &h0[0, 0], &W_hh[0, 0], &b_hh[0], B, T, H, n_threads, pids, V)
    return rc


cdef int _backward(real[:, :, ::1] dxproj, real[:, ::1] dh0, real[:, ::1] dW_hh, real[::1] db_hh,
                   const real[:, :, ::1] dh_all, const real[:, ::1] dhT, const real[:, :, ::1] gates,
                   const real[:, :, ::1] hn_all, const real[:, :, ::1] h_all, const real[:, ::1] h0,
                   const real[:, ::1] W_hh, int n_threads, real[::1] db_ih, real[:, ::1] dtable,
                   const int32_t[::1] ids):
    cdef int B = <int>h_all.shape[0], T = <int>h_all.shape[1], H = <int>h_all.shape[2], rc
    cdef const real *pdhT = &dhT[0, 0] if dhT is not None else NULL
    cdef real *pdb_ih = &db_ih[0] if db_ih is not None else NULL
    cdef real *pdtable = &dtable[0, 0] if dtable is not None else NULL
    cdef const int32_t *pids = &ids[0] if ids is not None else NULL
    cdef int V = <int>dtable.shape[0] if dtable is not None else 0
    with nogil:
        if real is float:
            rc = sf_gru_backward_f32(&dxproj[0, 0, 0], &dh0[0, 0], &dW_hh[0, 0], &db_hh[0], &dh_all[0, 0, 0],
                                     pdhT, &gates[0, 0, 0], &hn_all[0, 0, 0], &h_all[0, 0, 0], &h0[0, 0],
                                     &W_hh[0, 0], B, T, H, n_threads, pdb_ih, pdtable, pids, V)
        else:
            rc = sf_gru_backward_f64(&dxproj[0, 0, 0], &dh0[0, 0], &dW_hh[0, 0], &db_hh[0], &dh_all[0, 0, 0],
                                     pdhT, &gates[0, 0, 0], &hn_all[0, 0, 0], &h_all[0, 0, 0], &h0[0, 0],
                                     &W_hh[0, 0], B, T, H, n_threads, pdb_ih, pdtable, pids, V)
    return rc


def forward(xproj, h0, W_hh, b_hh, n_threads=None, inplace=False, ids=None):
    """GRU recurrence over a window.

    xproj (B, T, 3H) = W_ih x + b_ih for every step; h0 (B, H); W_hh (3H, H); b_hh (3H); all float32 or
    all float64, C-contiguous. Returns ``(h_all (B, T, H), hT (B, H), cache)``; pass ``cache`` to
    :func:`backward`. ``inplace=True`` overwrites xproj with the gates of the cache instead of allocating
    them (the model's own temporary; saves a (B, T, 3H) array). With ``ids`` (B, T) integers, xproj is
    instead a table (V, 3H) and step t of row b reads ``xproj[ids[b, t]]``.
    """
    B, T, H, dtype, xrows, flat_ids, inplace = check_forward_input("gru", 3, xproj, ids, h0, W_hh, b_hh,
                                                                  inplace)
    cdef int nt = resolve_threads(n_threads)
    h_all = np.empty((B, T, H), dtype)
    hn_all = np.empty((B, T, H), dtype)
    gates = xproj if inplace else np.empty((B, T, 3 * H), dtype)
    hT = np.empty((B, H), dtype)
    if dtype == np.float32:
        rc = _forward[float](h_all, hT, gates, hn_all, xrows, h0, W_hh, b_hh, nt, flat_ids)
    else:
        rc = _forward[double](h_all, hT, gates, hn_all, xrows, h0, W_hh, b_hh, nt, flat_ids)
    check(rc, "gru")
    return h_all, hT, (gates, hn_all, h_all, h0)


def backward(dh_all, dhT, cache, W_hh, dW_hh, db_hh, n_threads=None, inplace=False, ids=None, dtable=None,
             db_ih=None):
    """Backward of :func:`forward`.

    dh_all (B, T, H) = dL/dh_t from above; dhT (B, H) = dL/dhT, or None for zero. Accumulates (+=) into
    dW_hh (3H, H) and db_hh (3H). Returns ``(dxproj (B, T, 3H), dh0 (B, H))``.
    ``inplace=True`` writes dxproj over the cache's gates (the cache is then spent). ``db_ih`` (3H) +=
    dxproj summed over (B, T), and with ``ids`` (B, T) and ``dtable`` (V, 3H), ``dtable[ids[b, t]] +=
    dxproj[b, t]``: as lstm's backward (read in the weight gradient's pass over dL/du).
    """
    B, T, H, dtype = check_cache("gru", 3, cache, _CACHE)
    gates, hn_all, h_all, h0 = cache
    check_backward("gru", 3, dh_all, dhT, W_hh, dW_hh, db_hh, B, T, H, dtype)
    flat_ids = check_input_grads("gru", 3, ids, dtable, db_ih, db_hh, B, T, H, dtype)
    cdef int nt = resolve_threads(n_threads)
    if inplace:
        check_array("gru", "cache gates", gates, (B, T, 3 * H), dtype, writable=True)
    dxproj = gates if inplace else np.empty((B, T, 3 * H), dtype)
    dh0 = np.empty((B, H), dtype)
    if dtype == np.float32:
        rc = _backward[float](dxproj, dh0, dW_hh, db_hh, dh_all, dhT, gates, hn_all, h_all, h0, W_hh, nt,
                              db_ih, dtable, flat_ids)
    else:
        rc = _backward[double](dxproj, dh0, dW_hh, db_hh, dh_all, dhT, gates, hn_all, h_all, h0, W_hh, nt,
                               db_ih, dtable, flat_ids)
    check(rc, "gru")
    return dxproj, dh0
