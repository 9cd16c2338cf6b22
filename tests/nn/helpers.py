"""Helpers of the seqfast.nn tests: the cells, dtypes and tolerances they are parametrized over, inputs in the
cell interface's state form, and a finite-difference check of a model's gradients."""
import numpy as np

from seqfast.nn import CELLS

#: every registered cell
CELL_NAMES = sorted(CELLS)
DTYPES = [np.float64, np.float32]
#: kernel vs float64 NumPy twin
TOL = {np.float64: 1e-10, np.float32: 1e-4}


def make_inputs(cell, B, T, H, dtype, seed=0, scale=0.5):
    """(xproj (B, T, G*H), state (the cell's form), W_hh, b_hh) of one cell call."""
    c = CELLS[cell]
    G = c.gates
    rng = np.random.default_rng(seed)
    xproj = (rng.standard_normal((B, T, G * H)) * scale).astype(dtype)
    parts = [(rng.standard_normal((B, H)) * scale).astype(dtype) for _ in range(c.n_states)]
    W = (rng.standard_normal((G * H, H)) * scale / np.sqrt(H)).astype(dtype)
    b = (rng.standard_normal(G * H) * scale).astype(dtype)
    return xproj, c.unpack(np.stack(parts)), W, b


def make_upstream(cell, B, T, H, dtype, seed=1):
    """(dh_all (B, T, H), dstateT (the cell's state form)) of one backward."""
    c = CELLS[cell]
    rng = np.random.default_rng(seed)
    dh_all = rng.standard_normal((B, T, H)).astype(dtype)
    return dh_all, c.unpack(rng.standard_normal((c.n_states, B, H)).astype(dtype))


def states(cell, s) -> list:
    """A state in the cell's form as a list of (B, H) arrays."""
    return list(s) if CELLS[cell].n_states > 1 else [s]


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


def fixture_module(name: str):
    """The recording script tests/fixtures/<name>.py as a module (its load() reads the recorded peer outputs;
    its record() reruns the peer when installed)."""
    import importlib.util
    import os
    import sys
    folder = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures")
    if folder not in sys.path:  # the scripts import their shared reader, _npzcases
        sys.path.insert(0, folder)
    path = os.path.join(folder, f"{name}.py")
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod
