# cython: boundscheck=False, wraparound=False, language_level=3
"""Thin wrappers over csrc/charcnn.c (character CNN word features), float32 and float64 through Cython's fused
``floating`` type. Shapes and dtypes are checked here with the GIL held; each function then makes one C call
without the GIL. The documented entry point is seqfast.nn.chars.CharCNN."""
from cython cimport floating
from libc.stdint cimport int32_t

import numpy as np

from seqfast._status cimport check

#: activation name -> the C code of charcnn.h
ACTIVATIONS = {"identity": SF_ACT_IDENTITY, "tanh": SF_ACT_TANH, "relu": SF_ACT_RELU}


def _shapes(chars, lengths, emb, weight):
    """(W, L, C, E, F, K) from the arrays' shapes, or ValueError."""
    if chars.ndim != 2 or lengths.ndim != 1 or lengths.shape[0] != chars.shape[0]:
        raise ValueError(f"chars must be (W, L) and lengths (W,), got {chars.shape} and {lengths.shape}")
    if emb.ndim != 2 or weight.ndim != 3 or weight.shape[1] != emb.shape[1]:
        raise ValueError(f"emb must be (C, E) and weight (F, E, K), got {emb.shape} and {weight.shape}")
    return chars.shape[0], chars.shape[1], emb.shape[0], emb.shape[1], weight.shape[0], weight.shape[2]


def forward(const int32_t[:, ::1] chars, const int32_t[::1] lengths, const floating[:, ::1] emb,
            const floating[:, :, ::1] weight, const floating[::1] bias, int padding, str activation, int n_threads):
    """(out (W, F), argmax (W, F) int32) of the character CNN over W words (see charcnn.h)."""
    W, L, C, E, F, K = _shapes(np.asarray(chars), np.asarray(lengths), np.asarray(emb), np.asarray(weight))
    if bias.shape[0] != F:
        raise ValueError(f"bias has {bias.shape[0]} entries, expected {F}")
    cdef int act = ACTIVATIONS[activation]
    cdef int cW = W, cL = L, cC = C, cE = E, cF = F, cK = K, rc
    dt = np.float32 if floating is float else np.float64
    out = np.empty((W, F), dtype=dt)
    argmax = np.empty((W, F), dtype=np.int32)
    if W == 0:
        return out, argmax
    cdef floating[:, ::1] o = out
    cdef int32_t[:, ::1] am = argmax
    cdef const int32_t *pc = &chars[0, 0] if cL > 0 else NULL
    with nogil:
        if floating is float:
            rc = charcnn_forward_f32(&o[0, 0], &am[0, 0], pc, &lengths[0], &emb[0, 0], &weight[0, 0, 0], &bias[0],
                                     cW, cL, cC, cE, cF, cK, padding, act, n_threads)
        else:
            rc = charcnn_forward_f64(&o[0, 0], &am[0, 0], pc, &lengths[0], &emb[0, 0], &weight[0, 0, 0], &bias[0],
                                     cW, cL, cC, cE, cF, cK, padding, act, n_threads)
    check(rc, "character CNN forward")
    return out, argmax


def backward(const floating[:, ::1] dout, const floating[:, ::1] out, const int32_t[:, ::1] argmax,
             const int32_t[:, ::1] chars, const int32_t[::1] lengths, const floating[:, ::1] emb,
             const floating[:, :, ::1] weight, floating[:, ::1] demb, floating[:, :, ::1] dweight,
             floating[::1] dbias, int padding, str activation, int n_threads):
    """Accumulate (+=) demb (C, E), dweight (F, E, K) and dbias (F,) from dout (W, F) (see charcnn.h)."""
    W, L, C, E, F, K = _shapes(np.asarray(chars), np.asarray(lengths), np.asarray(emb), np.asarray(weight))
    for name, a, shape in (("dout", dout, (W, F)), ("out", out, (W, F)), ("argmax", argmax, (W, F)),
                           ("demb", demb, (C, E)), ("dweight", dweight, (F, E, K)), ("dbias", dbias, (F,))):
        if tuple(np.asarray(a).shape) != shape:
            raise ValueError(f"{name} has shape {tuple(np.asarray(a).shape)}, expected {shape}")
    cdef int act = ACTIVATIONS[activation]
    cdef int cW = W, cL = L, cC = C, cE = E, cF = F, cK = K, rc
    if W == 0:
        return
    cdef const int32_t *pc = &chars[0, 0] if cL > 0 else NULL
    with nogil:
        if floating is float:
            rc = charcnn_backward_f32(&demb[0, 0], &dweight[0, 0, 0], &dbias[0], &dout[0, 0], &out[0, 0],
                                      &argmax[0, 0], pc, &lengths[0], &emb[0, 0], &weight[0, 0, 0], cW, cL, cC, cE,
                                      cF, cK, padding, act, n_threads)
        else:
            rc = charcnn_backward_f64(&demb[0, 0], &dweight[0, 0, 0], &dbias[0], &dout[0, 0], &out[0, 0],
                                      &argmax[0, 0], pc, &lengths[0], &emb[0, 0], &weight[0, 0, 0], cW, cL, cC, cE,
                                      cF, cK, padding, act, n_threads)
    check(rc, "character CNN backward")
