"""pytest-benchmark suite of the LSTM / GRU cell kernels (issue 6 sizes: H = 256, B = 64, T = 35).

    python -m pytest bench/test_bench_cells.py --benchmark-only

Each benchmark first checks the C kernel against its NumPy twin on a small input, then times the kernel.
"""
import numpy as np
import pytest

from seqfast import _gru, _lstm
from seqfast.reference import gru as ref_gru, lstm as ref_lstm

CELLS = {"lstm": (4, 2, _lstm, ref_lstm), "gru": (3, 1, _gru, ref_gru)}


def _inputs(G, ns, B, T, H, dtype, seed=0):
    rng = np.random.default_rng(seed)
    xproj = (rng.standard_normal((B, T, G * H)) * 0.5).astype(dtype)
    state = [(rng.standard_normal((B, H)) * 0.5).astype(dtype) for _ in range(ns)]
    W = (rng.standard_normal((G * H, H)) / np.sqrt(H)).astype(dtype)
    b = (rng.standard_normal(G * H) * 0.1).astype(dtype)
    return xproj, state, W, b


def _check_against_reference(cell):
    G, ns, mod, ref = CELLS[cell]
    xproj, state, W, b = _inputs(G, ns, 3, 4, 8, np.float64)
    got, want = mod.forward(xproj, *state, W, b, n_threads=2), ref.forward(xproj, *state, W, b)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("cell", list(CELLS))
@pytest.mark.parametrize("direction", ["forward", "forward+backward"])
def test_bench_cell(benchmark, cell, direction):
    _check_against_reference(cell)
    G, ns, mod, _ = CELLS[cell]
    B, T, H = 64, 35, 256
    xproj, state, W, b = _inputs(G, ns, B, T, H, np.float32)
    dh_all = np.ones((B, T, H), np.float32)
    dW, db = np.zeros_like(W), np.zeros_like(b)

    def run():
        out = mod.forward(xproj, *state, W, b)
        if direction != "forward":
            mod.backward(dh_all, *([None] * ns), out[-1], W, dW, db)

    benchmark.group = f"{cell} cell B={B} T={T} H={H}"
    benchmark.extra_info["tokens"] = B * T
    benchmark.pedantic(run, rounds=3, warmup_rounds=1)
