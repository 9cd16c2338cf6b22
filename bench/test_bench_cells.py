"""pytest-benchmark suite of the four cell kernels (H = 256, B = 64, T = 35).

    python -m pytest bench/test_bench_cells.py --benchmark-only

Each benchmark first checks the C kernel against its NumPy twin on a small input, then times the kernel.
"""
import numpy as np
import pytest

from seqfast.nn import CELLS


def _inputs(cell, B, T, H, dtype, seed=0):
    c = CELLS[cell]
    rng = np.random.default_rng(seed)
    xproj = (rng.standard_normal((B, T, c.gates * H)) * 0.5).astype(dtype)
    state = c.unpack((rng.standard_normal((c.n_states, B, H)) * 0.5).astype(dtype))
    W = (rng.standard_normal((c.gates * H, H)) / np.sqrt(H)).astype(dtype)
    b = (rng.standard_normal(c.gates * H) * 0.1).astype(dtype)
    return xproj, state, W, b


def _check_against_reference(cell):
    xproj, state, W, b = _inputs(cell, 3, 4, 8, np.float64)
    c = CELLS[cell]
    got, want = c.forward(xproj, state, W, b, n_threads=2), c.reference_forward(xproj, state, W, b)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("cell", sorted(CELLS))
@pytest.mark.parametrize("direction", ["forward", "forward+backward"])
def test_bench_cell(benchmark, cell, direction):
    _check_against_reference(cell)
    c = CELLS[cell]
    B, T, H = 64, 35, 256
    xproj, state, W, b = _inputs(cell, B, T, H, np.float32)
    dh_all = np.ones((B, T, H), np.float32)
    dW, db = np.zeros_like(W), np.zeros_like(b)

    def run():
        _, _, cache = c.forward(xproj, state, W, b)
        if direction != "forward":
            c.backward(dh_all, None, cache, W, dW, db)

    benchmark.group = f"{cell} cell B={B} T={T} H={H}"
    benchmark.extra_info["tokens"] = B * T
    benchmark.pedantic(run, rounds=3, warmup_rounds=1)
