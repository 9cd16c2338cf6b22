"""Gradient diagnostics: how far back through time the gradient of the loss reaches (issue 6).

The course's vanishing-gradient picture: for a loss at the end of a window, the norm of dL/dh_t shrinks
(vanilla RNN, tanh) or explodes as t moves back from the end; LSTM and GRU keep it alive longer through
their additive cell / interpolated state paths.

dL/dh_t here is the *total* gradient at h_t: what arrives from above at step t (decoder or next layer) plus
what flows back through the recurrence from step t+1. The cell backward kernels return dL/d(pre-activation)
(dxproj) per step; the recurrent part follows from it:

    rnn, lstm:  dL/dh_t = dh_above_t + dxproj_{t+1} W_hh         (h_t reaches step t+1 only through W_hh h_t)
    gru:        dL/dh_t = dh_above_t + z_{t+1} * dL/dh_{t+1} + du_{t+1} W_hh
                with du = dxproj, its n block times r (the reset gate multiplies W_hn h + b_hn)
"""
from __future__ import annotations

import numpy as np

__all__ = ["grad_h_through_time"]


def grad_h_through_time(cell: str, dh_above: np.ndarray, dxproj: np.ndarray, cache, W_hh: np.ndarray,
                        dhT: np.ndarray | None = None) -> np.ndarray:
    """Total dL/dh_t (B, T, H) of one layer from its backward's inputs and outputs.

    cell: the registry name ("rnn_tanh", "rnn_relu", "lstm", "gru"); dh_above (B, T, H) = dL/dh_t from above;
    dxproj (B, T, G*H) = what the cell's backward returned; cache = what its forward returned (the gru
    formula reads r and z from it); dhT = the gradient given for the final h (None: zero).
    """
    B, T, H = dh_above.shape
    g = np.array(dh_above, dtype=np.float64)
    if dhT is not None:
        g[:, -1] += dhT
    if cell != "gru":
        if T > 1:
            g[:, :-1] += (dxproj[:, 1:].reshape(-1, dxproj.shape[2]) @ W_hh).reshape(B, T - 1, H)
        return g
    gates = cache[0]  # (B, T, 3H): r, z, n of the C kernel's cache
    r, z = gates[:, :, :H], gates[:, :, H:2 * H]
    du = np.array(dxproj, dtype=np.float64)
    du[:, :, 2 * H:] *= r
    for t in range(T - 2, -1, -1):
        g[:, t] += z[:, t + 1] * g[:, t + 1] + du[:, t + 1] @ W_hh
    return g
