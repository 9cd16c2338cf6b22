"""NumPy twin of seqfast.nn.encoder (the C cells with lengths, stacked, one or two directions), written as the
definition reads: every row of the batch alone, over its own lengths[b] steps,

    forward direction:  h_f = cell(x[b, :L])                       (state after the row's last token)
    reverse direction:  h_r = cell(x[b, :L][::-1])[::-1]           (starts at the row's own last token)
    layer output:       [h_f | h_r] (L, D*H); the next layer reads it; padding is 0

with parameters named as torch.nn.RNN/LSTM/GRU(batch_first=True, bidirectional=...) names them. Slow on purpose.
"""
from __future__ import annotations

import numpy as np

from .rnn import CELLS

__all__ = ["encoder_forward", "encoder_backward"]

_N_STATES = {"rnn_tanh": 1, "rnn_relu": 1, "gru": 1, "lstm": 2}


def _names(k, d):
    s = "_reverse" if d else ""
    return tuple(f"rnn.{p}_l{k}{s}" for p in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))


def _zero(cell, H, dtype):
    z = np.zeros((1, H), dtype)
    return (z, z.copy()) if _N_STATES[cell] == 2 else z


def _as_tuple(state):
    return state if isinstance(state, tuple) else (state,)


def encoder_forward(params: dict, x: np.ndarray, lengths, cell: str, num_layers: int, bidirectional: bool):
    """x (B, T, I) float -> (out (B, T, D*H) with 0 at padding, finals: a list per (layer, direction) of
    states (S, B, H), cache for :func:`encoder_backward`)."""
    fwd, _ = CELLS[cell]
    B, T, _ = x.shape
    D = 2 if bidirectional else 1
    H = params["rnn.weight_hh_l0"].shape[1]
    S = _N_STATES[cell]
    out = np.zeros((B, T, D * H), x.dtype)
    finals = [np.zeros((S, B, H), x.dtype) for _ in range(num_layers * D)]
    rows = []
    for b in range(B):
        L = int(lengths[b])
        seq = x[b, :L][None]
        layers = []
        for k in range(num_layers):
            outs, dirs = [], []
            for d in range(D):
                W_ih, W_hh, b_ih, b_hh = (params[n] for n in _names(k, d))
                inp = seq[:, ::-1] if d else seq
                h, fin, cache = fwd(inp @ W_ih.T + b_ih, _zero(cell, H, x.dtype), W_hh, b_hh)
                dirs.append((inp, cache))
                outs.append(h[:, ::-1] if d else h)
                for j, s in enumerate(_as_tuple(fin)):
                    finals[k * D + d][j, b] = s[0]
            layers.append((seq, dirs))
            seq = np.concatenate(outs, axis=2)
        out[b, :L] = seq[0]
        rows.append(layers)
    return out, finals, (rows, lengths, x.shape, cell, num_layers, D, H)


def encoder_backward(params: dict, dout, dfinals, cache):
    """From dL/dout (B, T, D*H) (None: 0) and dL/dfinals (a list like finals, entries None: 0) -> (grads of
    every rnn.* parameter, dL/dx (B, T, I))."""
    rows, lengths, shape, cell, num_layers, D, H = cache
    _, bwd = CELLS[cell]
    grads = {n: np.zeros_like(p) for n, p in params.items() if n.startswith("rnn.")}
    dx = np.zeros(shape, params["rnn.weight_hh_l0"].dtype)
    S = _N_STATES[cell]
    for b, layers in enumerate(rows):
        L = int(lengths[b])
        dseq = np.zeros((1, L, D * H)) if dout is None else dout[b, :L][None].astype(np.float64)
        for k in reversed(range(num_layers)):
            seq, dirs = layers[k]
            dinp_total = np.zeros_like(seq, dtype=np.float64)
            for d in range(D):
                W_ih, W_hh = params[_names(k, d)[0]], params[_names(k, d)[1]]
                gW_ih, gW_hh, gb_ih, gb_hh = (grads[n] for n in _names(k, d))
                inp, c = dirs[d]
                dh = dseq[:, :, d * H:(d + 1) * H]
                dh = np.ascontiguousarray(dh[:, ::-1] if d else dh)
                dT = None
                if dfinals is not None and dfinals[k * D + d] is not None:
                    parts = tuple(dfinals[k * D + d][j, b][None].astype(np.float64) for j in range(S))
                    dT = parts if S == 2 else parts[0]
                dxproj, _ = bwd(dh, dT, c, W_hh, gW_hh, gb_hh)
                gW_ih += dxproj[0].T @ inp[0]
                gb_ih += dxproj[0].sum(axis=0)
                dinp = dxproj @ W_ih
                dinp_total += dinp[:, ::-1] if d else dinp
            dseq = dinp_total
        dx[b, :L] = dseq[0]
    return grads, dx
