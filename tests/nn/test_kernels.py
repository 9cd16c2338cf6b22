"""The kernels around the cells (csrc/rnn_*.c: dense layers, gathers, softmax cross-entropy; csrc/sf_gemm.c;
csrc/sf_math.h) against their NumPy twins."""
import numpy as np
import pytest

from seqfast import _rnn
from seqfast.reference import rnn as ref

DTYPES = [np.float64, np.float32]
TOL = {np.float64: 1e-10, np.float32: 1e-4}


def relerr(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-30))


def rand(rng, shape, dt, scale=1.0):
    return np.ascontiguousarray(rng.standard_normal(shape) * scale, dtype=dt)


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("N,V", [(1, 1), (1, 7), (9, 65), (40, 300)])
def test_softmax_ce_matches_reference(dt, N, V):
    rng = np.random.default_rng(N + V)
    z = rand(rng, (N, V), dt, 3.0)
    y = rng.integers(0, V, N)
    rloss, rd = ref.softmax_cross_entropy(z.astype(np.float64), y)
    out = []
    for nt in (1, 2):
        loss, ok = _rnn.softmax_ce(z.copy(), y, 1.0, 0, nt)
        assert ok and abs(loss / N - rloss) <= TOL[dt] * max(1, abs(rloss))
        d = z.copy()
        loss2, ok = _rnn.softmax_ce(d, y, 1.0 / N, 1, nt)  # gradient in place
        assert loss2 == loss and relerr(d, rd) < TOL[dt]
        out.append(d)
    np.testing.assert_array_equal(out[0], out[1])


def test_softmax_ce_is_stable_and_checks_targets():
    z = np.array([[1000.0, 0.0, -1000.0]])
    loss, ok = _rnn.softmax_ce(z.copy(), np.array([1]), 1.0, 0, 1)
    assert ok and loss == pytest.approx(1000.0)
    with pytest.raises(IndexError, match="out of range"):
        _rnn.softmax_ce(z.copy(), np.array([3]), 1.0, 0, 1)
    with pytest.raises(IndexError):
        _rnn.softmax_ce(z.copy(), np.array([-1]), 1.0, 0, 1)
    loss, ok = _rnn.softmax_ce(np.array([[np.nan, 0.0]]), np.array([1]), 1.0, 0, 1)
    assert not ok


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("N,I,O", [(1, 1, 1), (7, 5, 3), (70, 33, 65)])
def test_linear_and_gather_scatter(dt, N, I, O):
    rng = np.random.default_rng(N)
    x, W, b, dout = rand(rng, (N, I), dt), rand(rng, (O, I), dt), rand(rng, (O,), dt), rand(rng, (N, O), dt)
    for nt in (1, 2):
        out = _rnn.linear_forward(x, W, b, nt)
        assert relerr(out, x.astype(float) @ W.T.astype(float) + b) < TOL[dt]
        dW, db = np.ones((O, I), dt), np.ones(O, dt)
        dx = _rnn.linear_backward(dout, x, W, dW, db, True, nt)
        assert relerr(dx, dout.astype(float) @ W.astype(float)) < TOL[dt]
        assert relerr(dW - 1, dout.T.astype(float) @ x.astype(float)) < TOL[dt]
        assert relerr(db - 1, dout.astype(float).sum(0)) < TOL[dt]
    ids = rng.integers(0, O, N)
    np.testing.assert_array_equal(_rnn.gather(W, ids, False, None, 2), W[ids])
    np.testing.assert_allclose(_rnn.gather(W, ids % I, True, b, 2), W[:, ids % I].T + b, rtol=1e-6)
    dt_ = np.zeros((O, I), dt)
    _rnn.scatter_add(dt_, ids, x, False, 2)
    want = np.zeros((O, I))
    np.add.at(want, ids, x.astype(float))
    assert want.any() and relerr(dt_, want) < TOL[dt]
    with pytest.raises(IndexError, match="out of range"):
        _rnn.gather(W, np.array([O]), False, None, 1)
    with pytest.raises(TypeError):
        _rnn.gather(W, np.array([0.5]), False, None, 1)


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("M,N,K", [(1, 1, 1), (3, 17, 5), (13, 47, 300), (64, 65, 129), (9, 256, 256)])
@pytest.mark.parametrize("ta,tb", [(0, 0), (1, 0), (0, 1), (1, 1)])
def test_gemm_fast_matches_naive(dt, M, N, K, ta, tb):
    rng = np.random.default_rng(M * N + K)
    A = rand(rng, (K, M) if ta else (M, K), dt)
    B = rand(rng, (N, K) if tb else (K, N), dt)
    fast = _rnn.gemm(A, B, ta, tb)
    naive = _rnn.gemm(A, B, ta, tb, naive=True)
    packed = _rnn.gemm(A, B, ta, tb, packed=True)
    want = (A.T if ta else A).astype(float) @ (B.T if tb else B).astype(float)
    assert relerr(fast, want) < TOL[dt] and relerr(naive, want) < TOL[dt]
    np.testing.assert_array_equal(fast, packed)  # the same multiply-adds in the same order
    # rows split as threads split them give bitwise the same rows
    if M > 2 and not ta:
        np.testing.assert_array_equal(_rnn.gemm(A[: M // 3], B, 0, tb), fast[: M // 3])
        np.testing.assert_array_equal(_rnn.gemm(A[M // 3:], B, 0, tb), fast[M // 3:])


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("M,N,K", [(1, 1, 1), (5, 40, 3), (32, 1024, 256), (130, 65, 129)])
@pytest.mark.parametrize("mode", ["table+bias", "table", "bias"])
def test_gemm_packed_init_equals_init_then_product(dt, M, N, K, mode):
    """sf_*gemm_packed_init writes the initial rows panel by panel inside the product; the result is bit for bit
    that of writing them first and multiplying with beta = 1 (what the LSTM forward did before)."""
    rng = np.random.default_rng(M + N + K)
    A, B = rand(rng, (M, K), dt), rand(rng, (K, N), dt)
    table, bias = rand(rng, (7, N), dt), rand(rng, (N,), dt)
    rows = rng.integers(0, 7, M).astype(np.int32)
    C0 = rand(rng, (M, N), dt)
    init = (table[rows] if "table" in mode else C0) + (bias if "bias" in mode else 0)
    want = init + _rnn.gemm(A, B, packed=True)  # not bitwise (different order): a tolerance check
    C = C0.copy()
    _rnn.gemm_packed_init(A, B, C, table if "table" in mode else None, rows if "table" in mode else None,
                          bias if "bias" in mode else None)
    assert relerr(C, want) < TOL[dt]
    # bitwise: the same as initialising C and accumulating through the packed product (gemm_tn_sums's C += is
    # the transposed path, so compare with a beta = 1 product through a table-free init of the same rows)
    C2 = init.astype(dt).copy()
    _rnn.gemm_packed_init(A, B, C2)
    np.testing.assert_array_equal(C, C2)
    with pytest.raises(IndexError, match="out of range"):
        _rnn.gemm_packed_init(A, B, C0.copy(), table, np.full(M, 7, np.int32))


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("M,N,K,n2", [(1, 1, 1, 1), (13, 47, 300, 5), (600, 33, 700, 600), (40, 0, 9, 20),
                                      (512, 256, 260, 300)])
def test_gemm_tn_sums_matches_product_and_ordered_sums(dt, M, N, K, n2):
    """sf_*gemm_tn_sums: C += A^T B as sf_gemm computes it, and the column sums / scatter it takes while packing
    A equal, bit for bit, the same additions made row by row in order (what the kernels did before)."""
    rng = np.random.default_rng(M + N + K)
    A, B = rand(rng, (K, M), dt), rand(rng, (K, N), dt)
    V = 7
    ids = rng.integers(0, V, K).astype(np.int32)
    C0 = rand(rng, (M, N), dt)
    db0, db20, tab0 = rand(rng, (M,), dt), rand(rng, (M,), dt), rand(rng, (V, M), dt)
    C, db, db2, tab = C0.copy(), db0.copy(), db20.copy(), tab0.copy()
    _rnn.gemm_tn_sums(A, B, C, db, db2, tab, ids, n2)
    if N:
        assert relerr(C, C0 + A.T.astype(float) @ B.astype(float)) < TOL[dt]
    for k in range(K):  # the reference: rows in order
        db0 += A[k]
        db20[:n2] += A[k, :n2]
        tab0[ids[k], :n2] += A[k, :n2]
    np.testing.assert_array_equal(db, db0)
    np.testing.assert_array_equal(db2, db20)
    np.testing.assert_array_equal(tab, tab0)
    # every output optional
    C2 = C0.copy()
    _rnn.gemm_tn_sums(A, B, C2)
    np.testing.assert_array_equal(C2, C)
    with pytest.raises(IndexError, match="out of range"):
        _rnn.gemm_tn_sums(A, B, C0.copy(), dtable=tab, ids=np.full(K, V, np.int32), n2=n2)


def test_vectorized_exp_tanh_accuracy():
    x = np.concatenate([np.linspace(-30, 30, 200001), [0.0, -1e-30, 1e-8, 88.0, -87.0, 200.0, -200.0]])
    t = _rnn.tanh_f32(x).astype(np.float64)
    want = np.tanh(x.astype(np.float32).astype(np.float64))
    assert np.all(np.abs(t - want) <= 4e-7 * np.abs(want) + 1e-38)
    xe = x[(x > -87) & (x < 88)]
    e = _rnn.exp_f32(xe).astype(np.float64)
    we = np.exp(xe.astype(np.float32).astype(np.float64))
    assert np.all(np.abs(e - we) <= 2e-7 * we)
    assert _rnn.exp_f32(np.array([-1000.0]))[0] == 0 and np.isinf(_rnn.exp_f32(np.array([1000.0]))[0])
    nans = np.array([np.nan, -np.nan, np.float32(np.nan) * -1, np.frombuffer(b"\x01\x00\xc0\xff", np.float32)[0]])
    assert np.isnan(_rnn.tanh_f32(nans)).all() and np.isnan(_rnn.exp_f32(nans)).all()
    assert _rnn.gemm_isa() in ("avx512", "avx2", "generic")


def test_fewer_threads_than_requested_still_cover_every_row():
    """OpenMP may run a region with fewer threads than asked (OMP_THREAD_LIMIT, nesting): work is split by
    the actual team, so no row is left uncomputed."""
    import subprocess
    import sys
    code = ("import numpy as np, seqfast\n"
            "m = seqfast.RNNLM(7, 5, embedding_dim=3, seed=0, n_threads=2)\n"
            "X = np.arange(24).reshape(4, 6) % 7\n"
            "print(repr(m.loss_and_grad(X, X)[0]))\n")
    import os
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    m = __import__("seqfast").RNNLM(7, 5, embedding_dim=3, seed=0, n_threads=1)
    X = np.arange(24).reshape(4, 6) % 7
    assert float(out.stdout.strip()) == m.loss_and_grad(X, X)[0]
