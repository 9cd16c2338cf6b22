"""pytest-benchmark suite for the RNN kernels. Each benchmark checks the fast kernel against its
reference on the same inputs before timing it.

    python -m pytest bench/test_bench_rnn.py --benchmark-only --benchmark-min-rounds=3
"""
import numpy as np
import pytest

import seqfast
from seqfast import _rnn
from seqfast.reference import rnn as ref

pytest.importorskip("pytest_benchmark")


@pytest.mark.parametrize("M,N,K", [(32, 256, 256), (1120, 256, 256)])
def test_bench_sgemm(benchmark, M, N, K):
    rng = np.random.default_rng(0)
    A, B = rng.standard_normal((M, K)).astype(np.float32), rng.standard_normal((K, N)).astype(np.float32)
    np.testing.assert_allclose(_rnn.gemm(A, B), A.astype(np.float64) @ B, rtol=1e-3, atol=1e-3)
    benchmark.extra_info["gflop"] = 2 * M * N * K / 1e9
    benchmark(_rnn.gemm, A, B)


@pytest.mark.parametrize("V,H,B", [(65, 128, 32), (65, 256, 64)])
def test_bench_train_step(benchmark, V, H, B):
    T = 35
    m = seqfast.RNNLM(V, H, embedding_dim=H, seed=0)
    rng = np.random.default_rng(0)
    X, Y = rng.integers(0, V, (B, T)), rng.integers(0, V, (B, T))
    loss, _, _ = m.loss_and_grad(X, Y)
    P = {k: v.astype(np.float64) for k, v in m.params.items()}
    assert abs(loss - ref.lm_loss_and_grad(P, X, Y, [np.zeros((B, H))])[0]) < 1e-4 * loss
    t = seqfast.Trainer(m, lr=0.1, clip_norm=1.0)
    benchmark.extra_info["tokens_per_step"] = B * T
    benchmark(t.step, X, Y)
