"""Test helpers for the gated cells: one calling convention over lstm (state (h, c)) and gru (state (h,))."""
import numpy as np

from seqfast import _gru, _lstm
from seqfast.reference import gru as ref_gru, lstm as ref_lstm

#: cell -> (gates G, C module, reference module, number of state arrays)
CELLS = {"lstm": (4, _lstm, ref_lstm, 2), "gru": (3, _gru, ref_gru, 1)}


def forward(mod, ns, xproj, state, W, b, n_threads=1):
    """-> h_all, final state tuple, cache."""
    out = mod.forward(xproj, *state, W, b, n_threads=n_threads)
    return out[0], tuple(out[1:1 + ns]), out[-1]


def backward(mod, ns, dh_all, dstate, cache, W, dW, db, n_threads=1):
    """dstate: tuple of ns arrays or Nones -> dxproj, tuple of ns initial-state gradients."""
    out = mod.backward(dh_all, *dstate, cache, W, dW, db, n_threads=n_threads)
    return out[0], tuple(out[1:])


def make_inputs(cell, B, T, H, dtype, seed=0, scale=0.5):
    G, _, _, ns = CELLS[cell]
    rng = np.random.default_rng(seed)
    xproj = (rng.standard_normal((B, T, G * H)) * scale).astype(dtype)
    state = tuple((rng.standard_normal((B, H)) * scale).astype(dtype) for _ in range(ns))
    W = (rng.standard_normal((G * H, H)) * scale / np.sqrt(H)).astype(dtype)
    b = (rng.standard_normal(G * H) * scale).astype(dtype)
    return xproj, state, W, b


def make_upstream(cell, B, T, H, dtype, seed=1):
    ns = CELLS[cell][3]
    rng = np.random.default_rng(seed)
    dh_all = rng.standard_normal((B, T, H)).astype(dtype)
    dstate = tuple(rng.standard_normal((B, H)).astype(dtype) for _ in range(ns))
    return dh_all, dstate
