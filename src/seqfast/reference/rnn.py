"""Plain NumPy twin of the RNN language model's C kernels (csrc/rnn_*.c), written like the course:

    h_t = phi(W_xh x_t + b_xh + W_hh h_{t-1} + b_hh)        (PyTorch names: weight_ih, bias_ih, ...)
    o_t = W_o h_t + b_o
    L   = 1/(B*T) * sum_{b,t} -log softmax(o_t)[y_t]         (natural log)

and backpropagation through time over the window (truncated at its start). Slow on purpose; the tests
compare every C kernel and the whole model with these functions, and these with finite differences.

The cell functions follow the shared cell interface of seqfast.nn.cells:
    cell_forward(xproj (B,T,G*H), h0, W_hh, b_hh) -> h_all (B,T,H), hT, cache
    cell_backward(dh_all (B,T,H), dhT or None, cache, W_hh, dW_hh (+=), db_hh (+=)) -> dxproj, dh0
"""
from __future__ import annotations

import numpy as np

__all__ = ["rnn_cell_forward", "rnn_cell_backward", "softmax_cross_entropy", "CELLS", "lm_forward",
           "lm_loss_and_grad", "packed_forward", "packed_backward", "reverse_index"]


def _phi(a, nonlinearity):
    return np.tanh(a) if nonlinearity == "tanh" else np.maximum(a, 0)


def _dphi_from_output(h, nonlinearity):
    # tanh'(a) = 1 - tanh(a)^2 = 1 - h^2;  relu'(a) = [a > 0] = [h > 0]
    return 1 - h * h if nonlinearity == "tanh" else (h > 0).astype(h.dtype)


def rnn_cell_forward(xproj, h0, W_hh, b_hh, nonlinearity="tanh"):
    """h_t = phi(xproj_t + W_hh h_{t-1} + b_hh) for t = 1..T. Returns h_all (B,T,H), hT (B,H), cache."""
    B, T, H = xproj.shape
    h_all = np.empty_like(xproj)
    h = h0
    for t in range(T):
        h = _phi(xproj[:, t] + h @ W_hh.T + b_hh, nonlinearity)
        h_all[:, t] = h
    return h_all, h.copy(), (h_all, h0)


def rnn_cell_backward(dh_all, dhT, cache, W_hh, dW_hh, db_hh, nonlinearity="tanh"):
    """BPTT: dL/da_t = (dL/dh_t from above + dL/dh_t through h_{t+1}) * phi'(a_t)."""
    h_all, h0 = cache
    B, T, H = h_all.shape
    dxproj = np.empty_like(h_all)
    g = np.zeros_like(h0) if dhT is None else dhT.copy()  # dL/dh_t arriving from step t+1
    for t in reversed(range(T)):
        da = (dh_all[:, t] + g) * _dphi_from_output(h_all[:, t], nonlinearity)
        h_prev = h0 if t == 0 else h_all[:, t - 1]
        dW_hh += da.T @ h_prev
        db_hh += da.sum(axis=0)
        dxproj[:, t] = da
        g = da @ W_hh
    return dxproj, g


def softmax_cross_entropy(logits, targets):
    """Mean over rows of -log softmax(logits)[target] and its gradient, with a stable log-sum-exp."""
    z = logits.reshape(-1, logits.shape[-1])
    y = np.asarray(targets).reshape(-1)
    m = z.max(axis=1, keepdims=True)
    e = np.exp(z - m)  # every exponent <= 0: no overflow
    s = e.sum(axis=1, keepdims=True)
    lse = m + np.log(s)
    n = z.shape[0]
    loss = float((lse[:, 0] - z[np.arange(n), y]).mean())
    d = e / s
    d[np.arange(n), y] -= 1
    return loss, (d / n).reshape(logits.shape)


def _rnn_cell(nonlinearity):
    def fwd(xproj, h0, W_hh, b_hh):
        return rnn_cell_forward(xproj, h0, W_hh, b_hh, nonlinearity)

    def bwd(dh_all, dhT, cache, W_hh, dW_hh, db_hh):
        return rnn_cell_backward(dh_all, dhT, cache, W_hh, dW_hh, db_hh, nonlinearity)
    return fwd, bwd


#: name -> (forward, backward) with the cell interface above; other cells (lstm, gru) add themselves here.
CELLS = {"rnn_tanh": _rnn_cell("tanh"), "rnn_relu": _rnn_cell("relu")}


def _rows(state, b):
    """Row b of a state in the cell interface's form (ndarray (B, H) or tuple of them), kept 2-D."""
    return tuple(s[b:b + 1] for s in state) if isinstance(state, tuple) else state[b:b + 1]


def _stack_rows(rows):
    if isinstance(rows[0], tuple):
        return tuple(np.concatenate(parts) for parts in zip(*rows))
    return np.concatenate(rows)


def packed_forward(cell, xproj, state0, W_hh, b_hh, lengths):
    """A batch of sequences of different lengths, as torch's packed sequences run them: row b is the cell run
    alone over its first lengths[b] steps. Returns h_all (B, T, H) (0 at padding), the final states (each
    row's state after its last step) and a cache for :func:`packed_backward`."""
    fwd, _ = CELLS[cell]
    B, T, _ = xproj.shape
    H = W_hh.shape[1]
    h_all = np.zeros((B, T, H), xproj.dtype)
    finals, caches = [], []
    for b in range(B):
        L = int(lengths[b])
        h, fin, cache = fwd(xproj[b:b + 1, :L], _rows(state0, b), W_hh, b_hh)
        h_all[b, :L] = h[0]
        finals.append(fin)
        caches.append(cache)
    return h_all, _stack_rows(finals), (caches, lengths, xproj.shape)


def packed_backward(cell, dh_all, dstateT, cache, W_hh, dW_hh, db_hh):
    """Backward of :func:`packed_forward`: each row alone; dxproj is 0 at padding, dh_all there is ignored."""
    _, bwd = CELLS[cell]
    caches, lengths, shape = cache
    dxproj = np.zeros(shape, dh_all.dtype)
    d0 = []
    for b, c in enumerate(caches):
        L = int(lengths[b])
        dT = None if dstateT is None else _rows(dstateT, b)
        dx, ds = bwd(dh_all[b:b + 1, :L], dT, c, W_hh, dW_hh, db_hh)
        dxproj[b, :L] = dx[0]
        d0.append(ds)
    return dxproj, _stack_rows(d0)


def reverse_index(lengths, T):
    """Flat index (B*T,) that reverses every row of a (B, T, ...) batch within its length: position t < L_b of
    row b takes position L_b - 1 - t, padding stays where it is (a permutation that is its own inverse). The
    reverse direction of a bidirectional layer is the forward recurrence over the rows gathered by it."""
    lengths = np.asarray(lengths)
    t = np.arange(T)[None, :]
    L = lengths[:, None]
    src = np.where(t < L, L - 1 - t, t)
    return (np.arange(len(lengths))[:, None] * T + src).reshape(-1)


def _layers(params):
    k = 0
    while f"rnn.weight_ih_l{k}" in params:
        k += 1
    return k


def lm_forward(params, X, state0, cell="rnn_tanh"):
    """The whole model on a (B, T) window of ids X. params: dict named like RNNLM.state_dict().

    state0: per-layer list of cell states (ndarray (B,H), or a tuple for cells with two states).
    Returns logits (B,T,V), the per-layer final states, and what lm_backward needs.
    """
    fwd, _ = CELLS[cell]
    X = np.asarray(X)
    V = params["decoder.weight"].shape[0]
    if "embedding.weight" in params:
        x = params["embedding.weight"][X]                       # (B,T,E)
    else:
        x = np.eye(V, dtype=params["decoder.weight"].dtype)[X]  # one-hot (B,T,V)
    inputs, caches, statesT = [], [], []
    for k in range(_layers(params)):
        inputs.append(x)
        xproj = x @ params[f"rnn.weight_ih_l{k}"].T + params[f"rnn.bias_ih_l{k}"]
        h_all, sT, cache = fwd(xproj, state0[k], params[f"rnn.weight_hh_l{k}"], params[f"rnn.bias_hh_l{k}"])
        caches.append(cache)
        statesT.append(sT)
        x = h_all
    logits = x @ params["decoder.weight"].T + params["decoder.bias"]
    return logits, statesT, (X, inputs, caches, x)


def lm_loss_and_grad(params, X, Y, state0, cell="rnn_tanh"):
    """Mean cross-entropy (nats) over the B*T tokens and the gradient of every parameter (a dict like params).
    Also returns the final states and dL/d(initial states) (per layer)."""
    _, bwd = CELLS[cell]
    logits, statesT, (X, inputs, caches, h_top) = lm_forward(params, X, state0, cell)
    loss, dlogits = softmax_cross_entropy(logits, Y)
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    grads["decoder.weight"] += np.einsum("btv,bth->vh", dlogits, h_top)
    grads["decoder.bias"] += dlogits.sum(axis=(0, 1))
    dh_all = dlogits @ params["decoder.weight"]
    dstate0 = [None] * len(caches)
    for k in reversed(range(len(caches))):
        W_ih = params[f"rnn.weight_ih_l{k}"]
        dxproj, dstate0[k] = bwd(dh_all, None, caches[k], params[f"rnn.weight_hh_l{k}"],
                                 grads[f"rnn.weight_hh_l{k}"], grads[f"rnn.bias_hh_l{k}"])
        grads[f"rnn.weight_ih_l{k}"] += np.einsum("btg,bti->gi", dxproj, inputs[k])
        grads[f"rnn.bias_ih_l{k}"] += dxproj.sum(axis=(0, 1))
        dh_all = dxproj @ W_ih  # dL/dx for the layer below (or the embedding)
    if "embedding.weight" in params:
        np.add.at(grads["embedding.weight"], X, dh_all)
    return loss, grads, statesT, dstate0
