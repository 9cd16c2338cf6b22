"""Finite-difference check of a model's flat gradient, shared by the RNN and gated-cell model tests."""
import numpy as np


def assert_model_gradients(m, X, Y, h0, n: int = 40, eps: float = 1e-6, seed: int = 0) -> None:
    """Central differences of m.loss on n random parameters (float64 model) against m.loss_and_grad."""
    m.loss_and_grad(X, Y, h0)
    g = m.flat_grads.copy()
    for i in np.random.default_rng(seed).choice(m.flat_params.size, n, replace=False):
        old = m.flat_params[i]
        m.flat_params[i] = old + eps
        lp, _ = m.loss(X, Y, h0)
        m.flat_params[i] = old - eps
        lm, _ = m.loss(X, Y, h0)
        m.flat_params[i] = old
        num = (lp - lm) / (2 * eps)
        assert abs(num - g[i]) < 1e-7 + 1e-5 * abs(num), (i, num, g[i])
