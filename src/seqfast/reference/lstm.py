"""NumPy twin of csrc/lstm.c: the LSTM cell recurrence, step by step as the equations read.

For t = 0 .. T-1 (h_{-1} = h0, c_{-1} = c0), with xproj[:, t] = W_ih x_t + b_ih already computed:

    i = sigmoid(xproj_i + W_hi h_{t-1} + b_hi)      input gate
    f = sigmoid(xproj_f + W_hf h_{t-1} + b_hf)      forget gate
    g = tanh   (xproj_g + W_hg h_{t-1} + b_hg)      candidate cell
    o = sigmoid(xproj_o + W_ho h_{t-1} + b_ho)      output gate
    c_t = f * c_{t-1} + i * g
    h_t = o * tanh(c_t)

Gate rows of W_hh (4H, H) and b_hh (4H) are stacked i, f, g, o as in torch.nn.LSTM.
"""
from __future__ import annotations

import numpy as np

from . import rnn as _rnn

__all__ = ["forward", "backward", "sigmoid", "cell_forward", "cell_backward"]


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def forward(xproj, h0, c0, W_hh, b_hh, n_threads=None):
    """xproj (B, T, 4H), h0, c0 (B, H) -> (h_all (B, T, H), hT, cT, cache)."""
    B, T, GH = xproj.shape
    H = GH // 4
    h, c = h0, c0
    hs, cs, gates = [], [], []
    for t in range(T):
        a = xproj[:, t] + h @ W_hh.T + b_hh
        i, f, g, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), np.tanh(a[:, 2 * H:3 * H]), sigmoid(a[:, 3 * H:])
        c = f * c + i * g
        h = o * np.tanh(c)
        hs.append(h)
        cs.append(c)
        gates.append((i, f, g, o))
    h_all = np.stack(hs, axis=1).astype(xproj.dtype)
    return h_all, h, c, (gates, cs, h_all, h0, c0)


def backward(dh_all, dhT, dcT, cache, W_hh, dW_hh, db_hh, n_threads=None):
    """dL/dh_t from above (B, T, H) and dL/d(hT, cT) (or None) -> (dxproj (B, T, 4H), dh0, dc0).

    Accumulates dL/dW_hh into dW_hh and dL/db_hh into db_hh.
    """
    gates, cs, h_all, h0, c0 = cache
    B, T, H = dh_all.shape
    dh_next = np.zeros((B, H), dh_all.dtype) if dhT is None else dhT.copy()
    dc_next = np.zeros((B, H), dh_all.dtype) if dcT is None else dcT.copy()
    dxproj = np.zeros((B, T, 4 * H), dh_all.dtype)
    for t in reversed(range(T)):
        i, f, g, o = gates[t]
        c_prev = c0 if t == 0 else cs[t - 1]
        h_prev = h0 if t == 0 else h_all[:, t - 1]
        tanh_c = np.tanh(cs[t])
        dh = dh_all[:, t] + dh_next
        dc = dc_next + dh * o * (1 - tanh_c ** 2)
        da = np.concatenate([
            dc * g * i * (1 - i),         # through i
            dc * c_prev * f * (1 - f),    # through f
            dc * i * (1 - g ** 2),        # through g
            dh * tanh_c * o * (1 - o),    # through o
        ], axis=1)
        dxproj[:, t] = da
        dW_hh += da.T @ h_prev
        db_hh += da.sum(axis=0)
        dh_next = da @ W_hh
        dc_next = dc * f
    return dxproj, dh_next, dc_next


def cell_forward(xproj, state0, W_hh, b_hh):
    """The registry's cell interface (state = (h, c)): -> h_all, (hT, cT), cache."""
    h_all, hT, cT, cache = forward(xproj, state0[0], state0[1], W_hh, b_hh)
    return h_all, (hT, cT), cache


def cell_backward(dh_all, dstateT, cache, W_hh, dW_hh, db_hh):
    """The registry's cell interface: dstateT = (dhT, dcT) or None -> dxproj, (dh0, dc0)."""
    dhT, dcT = (None, None) if dstateT is None else dstateT
    dxproj, dh0, dc0 = backward(dh_all, dhT, dcT, cache, W_hh, dW_hh, db_hh)
    return dxproj, (dh0, dc0)


_rnn.CELLS["lstm"] = (cell_forward, cell_backward)
