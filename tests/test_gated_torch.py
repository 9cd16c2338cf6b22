"""Whole torch.nn.LSTM / torch.nn.GRU layers (1 and 2 layers) vs seqfast's cells plus a NumPy input projection:
outputs, final states and every gradient. Skipped when torch is not installed."""
import numpy as np
import pytest

from _gated import CELLS, backward, forward

torch = pytest.importorskip("torch")

TORCH = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}
TOL = {np.float64: 1e-10, np.float32: 2e-4}


def _stack_forward_backward(cell, params, x, state0, dout, dstateT, n_threads):
    """Layers of (xproj = x W_ih^T + b_ih, then the cell kernel), forward and backward, in NumPy + C.

    params: per layer (W_ih, W_hh, b_ih, b_hh); state0 / dstateT: per layer tuples of (B, H) arrays.
    Returns out, final states, dx, initial-state grads, per-layer (dW_ih, dW_hh, db_ih, db_hh).
    """
    G, mod, _, ns = CELLS[cell]
    inputs, caches, finals = [], [], []
    h = x
    for (W_ih, W_hh, b_ih, b_hh), st in zip(params, state0):
        B, T, I = h.shape
        xproj = (h.reshape(B * T, I) @ W_ih.T + b_ih).reshape(B, T, -1)
        inputs.append(h)
        h, fin, cache = forward(mod, ns, np.ascontiguousarray(xproj), st, W_hh, b_hh, n_threads)
        caches.append(cache)
        finals.append(fin)
    out = h
    grads, dinits = [None] * len(params), [None] * len(params)
    dh = dout
    for k in reversed(range(len(params))):
        W_ih, W_hh, b_ih, b_hh = params[k]
        dW_hh, db_hh = np.zeros_like(W_hh), np.zeros_like(b_hh)
        dxproj, dinit = backward(mod, ns, np.ascontiguousarray(dh), dstateT[k], caches[k], W_hh, dW_hh, db_hh,
                                 n_threads)
        xin = inputs[k]
        B, T, I = xin.shape
        flat = dxproj.reshape(B * T, -1)
        dW_ih = flat.T @ xin.reshape(B * T, I)
        db_ih = flat.sum(axis=0)
        dh = (flat @ W_ih).reshape(B, T, I)
        grads[k] = (dW_ih, dW_hh, db_ih, db_hh)
        dinits[k] = dinit
    return out, finals, dh, dinits, grads


@pytest.mark.parametrize("cell", list(CELLS))
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_matches_torch_layer(cell, num_layers, dtype):
    G, _, _, ns = CELLS[cell]
    B, T, I, H = 3, 5, 6, 7
    torch.manual_seed(0)
    tdt = torch.float64 if dtype == np.float64 else torch.float32
    layer = TORCH[cell](I, H, num_layers=num_layers, batch_first=True).to(tdt)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((B, T, I)).astype(dtype)
    st0 = [rng.standard_normal((num_layers, B, H)).astype(dtype) for _ in range(ns)]
    dout = rng.standard_normal((B, T, H)).astype(dtype)
    dst = [rng.standard_normal((num_layers, B, H)).astype(dtype) for _ in range(ns)]

    tx = torch.tensor(x, requires_grad=True)
    tst = [torch.tensor(s, requires_grad=True) for s in st0]
    tout, tfin = layer(tx, tuple(tst) if ns == 2 else tst[0])
    tfin = tfin if ns == 2 else (tfin,)
    loss = (tout * torch.tensor(dout)).sum() + sum((f * torch.tensor(d)).sum() for f, d in zip(tfin, dst))
    loss.backward()

    names = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]
    params = [tuple(getattr(layer, f"{n}_l{k}").detach().numpy().copy() for n in names)
              for k in range(num_layers)]
    state0 = [tuple(np.ascontiguousarray(s[k]) for s in st0) for k in range(num_layers)]
    dstateT = [tuple(np.ascontiguousarray(d[k]) for d in dst) for k in range(num_layers)]
    out, finals, dx, dinits, grads = _stack_forward_backward(cell, params, x, state0, dout, dstateT, 2)

    tol = dict(rtol=TOL[dtype], atol=TOL[dtype])
    np.testing.assert_allclose(out, tout.detach().numpy(), **tol)
    for j in range(ns):
        np.testing.assert_allclose(np.stack([f[j] for f in finals]), tfin[j].detach().numpy(), **tol)
        np.testing.assert_allclose(np.stack([d[j] for d in dinits]), tst[j].grad.numpy(), **tol)
    np.testing.assert_allclose(dx, tx.grad.numpy(), **tol)
    for k in range(num_layers):
        for n, g in zip(names, grads[k]):
            np.testing.assert_allclose(g, getattr(layer, f"{n}_l{k}").grad.numpy(), err_msg=f"{n}_l{k}", **tol)
