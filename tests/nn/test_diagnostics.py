"""Gradient diagnostics (dL/dh_t through time) and dropout between layers."""
import numpy as np
import pytest

import seqfast
from seqfast.nn import CELLS
from seqfast.nn.diagnostics import grad_h_through_time


def _inputs(cell, B, T, H, seed=0):
    c = CELLS[cell]
    rng = np.random.default_rng(seed)
    xproj = rng.standard_normal((B, T, c.gates * H)) * 0.5
    st = tuple(rng.standard_normal((B, H)) * 0.5 for _ in range(c.n_states))
    W = rng.standard_normal((c.gates * H, H)) * 0.5 / np.sqrt(H)
    b = rng.standard_normal(c.gates * H) * 0.5
    return xproj, (st if c.n_states > 1 else st[0]), W, b


@pytest.mark.parametrize("cell", ["rnn_tanh", "rnn_relu", "lstm", "gru"])
def test_grad_h_through_time_equals_backward_of_the_suffix(cell):
    """dL/dh_t = dL/dh_t from above + dL/d(initial h) of the window's suffix t+1.. started from state_t."""
    c = CELLS[cell]
    B, T, H = 3, 6, 5
    xproj, st, W, b = _inputs(cell, B, T, H)
    h_all, _, cache = c.forward(xproj, st, W, b, 1)
    dh_all = np.random.default_rng(1).standard_normal((B, T, H))
    dx, _ = c.backward(dh_all, None, cache, W, np.zeros_like(W), np.zeros_like(b), 1)
    g = grad_h_through_time(cell, dh_all, dx, cache.gates, W)
    np.testing.assert_array_equal(g[:, -1], dh_all[:, -1])
    for t in range(T - 1):
        # the lstm cache holds c_all (B, T, H) after the gates (B, T, 4H)
        c_all = cache.buf[B * T * 4 * H:B * T * 5 * H].reshape(B, T, H) if cell == "lstm" else None
        s_t = (h_all[:, t].copy(), c_all[:, t].copy()) if cell == "lstm" else h_all[:, t].copy()
        _, _, c2 = c.forward(np.ascontiguousarray(xproj[:, t + 1:]), s_t, W, b, 1)
        _, ds = c.backward(np.ascontiguousarray(dh_all[:, t + 1:]), None, c2, W, np.zeros_like(W),
                           np.zeros_like(b), 1)
        want = dh_all[:, t] + (ds[0] if cell == "lstm" else ds)
        np.testing.assert_allclose(g[:, t], want, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("cell", ["rnn_tanh", "lstm", "gru"])
def test_gradient_norms_through_time(cell):
    V, H, B, T, L = 7, 6, 4, 9, 2
    m = seqfast.RNNLM(V, H, cell=cell, num_layers=L, dtype="float64", seed=1, dropout=0.5)
    rng = np.random.default_rng(0)
    X, Y = rng.integers(0, V, (B, T)), rng.integers(0, V, (B, T))
    m.flat_grads[...] = 3.0
    last = m.gradient_norms_through_time(X, Y)
    assert last.shape == (T,) and last.dtype == np.float64 and np.all(np.isfinite(last))
    assert np.all(m.flat_grads == 3.0)  # left as it was
    assert np.all(np.diff(last[-3:]) > 0)  # an untrained net: the gradient of the last loss decays backwards
    np.testing.assert_array_equal(last, m.gradient_norms_through_time(X, Y))  # no dropout: deterministic
    full = m.gradient_norms_through_time(X, Y, at="all", layer=0)
    assert full.shape == (T,) and np.all(full > 0)
    # at="last", top layer, last step: only the decoder's gradient, |W_dec^T (softmax - onehot) / B|
    logits, _ = m.forward(X)
    p = np.exp(logits[:, -1] - logits[:, -1].max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(B), Y[:, -1]] -= 1
    want = np.linalg.norm(p @ m.params["decoder.weight"] / B, axis=1).mean()
    assert abs(last[-1] - want) < 1e-12
    with pytest.raises(ValueError, match="at must be"):
        m.gradient_norms_through_time(X, Y, at="first")
    with pytest.raises(ValueError, match="layer"):
        m.gradient_norms_through_time(X, Y, layer=2)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn_tanh"])
def test_dropout_training_only_and_gradients(cell):
    V, H, B, T = 6, 5, 3, 4
    rng = np.random.default_rng(0)
    X, Y = rng.integers(0, V, (B, T)), rng.integers(0, V, (B, T))
    plain = seqfast.RNNLM(V, H, cell=cell, num_layers=2, dtype="float64", seed=2)
    drop = seqfast.RNNLM(V, H, cell=cell, num_layers=2, dtype="float64", seed=2, dropout=0.4, n_threads=1)
    # evaluation never drops
    np.testing.assert_array_equal(plain.forward(X)[0], drop.forward(X)[0])
    assert plain.loss(X, Y)[0] == drop.loss(X, Y)[0]
    # training drops (different loss), with one layer there is nothing between layers to drop
    assert plain.loss_and_grad(X, Y)[0] != drop.loss_and_grad(X, Y)[0]
    one_a = seqfast.RNNLM(V, H, cell=cell, dtype="float64", seed=2)
    one_b = seqfast.RNNLM(V, H, cell=cell, dtype="float64", seed=2, dropout=0.4)
    assert one_a.loss_and_grad(X, Y)[0] == one_b.loss_and_grad(X, Y)[0]

    # gradients with dropout match finite differences of the training loss under the same masks
    def train_loss():
        drop._dropout_rng = np.random.default_rng(123)
        return drop._loss_and_grad(X, Y, None)[0]
    train_loss()
    g = drop.flat_grads.copy()
    eps = 1e-6
    for i in np.random.default_rng(1).choice(drop.flat_params.size, 25, replace=False):
        old = drop.flat_params[i]
        drop.flat_params[i] = old + eps
        lp = train_loss()
        drop.flat_params[i] = old - eps
        lm = train_loss()
        drop.flat_params[i] = old
        assert abs((lp - lm) / (2 * eps) - g[i]) < 1e-7 + 1e-5 * abs(g[i]), i


def test_dropout_validation_and_config(tmp_path):
    for bad in (-0.1, 1.0, "0.5", True):
        with pytest.raises(ValueError, match="dropout"):
            seqfast.RNNLM(5, 3, dropout=bad)
    m = seqfast.RNNLM(5, 3, cell="gru", num_layers=2, dropout=0.25)
    m.save(tmp_path / "m.npz")
    assert seqfast.RNNLM.load(tmp_path / "m.npz").dropout == 0.25
