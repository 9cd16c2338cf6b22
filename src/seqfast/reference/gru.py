"""NumPy twin of csrc/gru.c: the GRU cell recurrence, step by step as the equations read.

For t = 0 .. T-1 (h_{-1} = h0), with xproj[:, t] = W_ih x_t + b_ih already computed:

    r = sigmoid(xproj_r + W_hr h_{t-1} + b_hr)              reset gate
    z = sigmoid(xproj_z + W_hz h_{t-1} + b_hz)              update gate
    n = tanh   (xproj_n + r * (W_hn h_{t-1} + b_hn))        candidate (reset applied after the product)
    h_t = (1 - z) * n + z * h_{t-1}

Gate rows of W_hh (3H, H) and b_hh (3H) are stacked r, z, n as in torch.nn.GRU.
"""
from __future__ import annotations

import numpy as np

from . import rnn as _rnn

from .lstm import sigmoid

__all__ = ["forward", "backward"]


def forward(xproj, h0, W_hh, b_hh, n_threads=None):
    """xproj (B, T, 3H), h0 (B, H) -> (h_all (B, T, H), hT, cache)."""
    B, T, GH = xproj.shape
    H = GH // 3
    h = h0
    hs, steps = [], []
    for t in range(T):
        x = xproj[:, t]
        u = h @ W_hh.T + b_hh
        r = sigmoid(x[:, :H] + u[:, :H])
        z = sigmoid(x[:, H:2 * H] + u[:, H:2 * H])
        n = np.tanh(x[:, 2 * H:] + r * u[:, 2 * H:])
        h = (1 - z) * n + z * h
        hs.append(h)
        steps.append((r, z, n, u[:, 2 * H:]))
    h_all = np.stack(hs, axis=1).astype(xproj.dtype)
    return h_all, h, (steps, h_all, h0)


def backward(dh_all, dhT, cache, W_hh, dW_hh, db_hh, n_threads=None):
    """dL/dh_t from above (B, T, H) and dL/dhT (or None) -> (dxproj (B, T, 3H), dh0).

    Accumulates dL/dW_hh into dW_hh and dL/db_hh into db_hh.
    """
    steps, h_all, h0 = cache
    B, T, H = dh_all.shape
    dh_next = np.zeros((B, H), dh_all.dtype) if dhT is None else dhT.copy()
    dxproj = np.zeros((B, T, 3 * H), dh_all.dtype)
    for t in reversed(range(T)):
        r, z, n, hn = steps[t]
        h_prev = h0 if t == 0 else h_all[:, t - 1]
        dh = dh_all[:, t] + dh_next
        dan = dh * (1 - z) * (1 - n ** 2)           # n's pre-activation
        dar = dan * hn * r * (1 - r)                # r's pre-activation
        daz = dh * (h_prev - n) * z * (1 - z)       # z's pre-activation
        dxproj[:, t] = np.concatenate([dar, daz, dan], axis=1)
        du = np.concatenate([dar, daz, dan * r], axis=1)   # d(W_hh h_{t-1} + b_hh)
        dW_hh += du.T @ h_prev
        db_hh += du.sum(axis=0)
        dh_next = dh * z + du @ W_hh
    return dxproj, dh_next


_rnn.CELLS["gru"] = (forward, backward)  # the registry's cell interface as it is (state = h)
