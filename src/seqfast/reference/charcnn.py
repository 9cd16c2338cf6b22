"""Plain NumPy twin of the character CNN word features (csrc/charcnn.c), written like the equations:

    x_w      = [0]*P ++ [emb[c] for c in word w's characters] ++ [0]*P          (n + 2P, E)
    s_w[t,f] = bias[f] + sum_{e,k} weight[f,e,k] x_w[t+k, e]                     (torch.nn.Conv1d)
    out[w,f] = act(max_t s_w[t,f])

and its backward through the max (the gradient goes to the first position holding the max). Slow on purpose:
the tests compare the C kernels with these functions, and these with finite differences.
"""
from __future__ import annotations

import numpy as np

__all__ = ["charcnn_forward", "charcnn_backward"]


def _act(s, activation):
    return {"identity": s, "tanh": np.tanh(s), "relu": np.maximum(s, 0)}[activation]


def _dact_from_output(out, activation):
    # tanh' = 1 - tanh^2 = 1 - out^2; relu' = [s > 0] = [out > 0]; identity' = 1
    return {"identity": np.ones_like(out), "tanh": 1 - out * out, "relu": (out > 0).astype(out.dtype)}[activation]


def _word_input(chars_w, n, emb, P):
    E = emb.shape[1]
    return np.concatenate([np.zeros((P, E), emb.dtype), emb[chars_w[:n]], np.zeros((P, E), emb.dtype)])


def charcnn_forward(chars, lengths, emb, weight, bias, padding, activation="tanh"):
    """out (W, F), argmax (W, F) of W words: chars (W, L) int, lengths (W,), emb (C, E), weight (F, E, K),
    bias (F,). A word of length 0 gives zeros and argmax -1."""
    W = chars.shape[0]
    F, E, K = weight.shape
    out = np.zeros((W, F), dtype=emb.dtype)
    argmax = np.full((W, F), -1, dtype=np.int32)
    for w in range(W):
        n = int(lengths[w])
        if n == 0:
            continue
        x = _word_input(chars[w], n, emb, padding)
        npos = n + 2 * padding - K + 1
        s = np.array([[bias[f] + np.sum(weight[f] * x[t:t + K].T) for f in range(F)] for t in range(npos)])
        argmax[w] = np.argmax(s, axis=0)
        out[w] = _act(s.max(axis=0), activation)
    return out, argmax


def charcnn_backward(dout, out, argmax, chars, lengths, emb, weight, padding, activation="tanh"):
    """(demb (C, E), dweight (F, E, K), dbias (F,)): the gradients of sum(dout * out)."""
    F, E, K = weight.shape
    demb, dweight, dbias = np.zeros_like(emb), np.zeros_like(weight), np.zeros(F, dtype=weight.dtype)
    dpre = dout * _dact_from_output(out, activation)
    for w in range(chars.shape[0]):
        n = int(lengths[w])
        if n == 0:
            continue
        x = _word_input(chars[w], n, emb, padding)
        dx = np.zeros_like(x)
        for f in range(F):
            t = argmax[w, f]
            dbias[f] += dpre[w, f]
            dweight[f] += dpre[w, f] * x[t:t + K].T
            dx[t:t + K] += dpre[w, f] * weight[f].T
        np.add.at(demb, chars[w, :n], dx[padding:padding + n])
    return demb, dweight, dbias
