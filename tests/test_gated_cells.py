"""LSTM and GRU cell kernels (csrc/lstm.c, csrc/gru.c) vs their NumPy twins, finite differences, threads."""
import numpy as np
import pytest

from _gated import CELLS, backward, forward, make_inputs, make_upstream

SHAPES = [(1, 1, 3), (1, 4, 5), (3, 1, 4), (5, 7, 8), (4, 6, 16)]
TOL = {np.float64: 1e-10, np.float32: 1e-4}


def _run(mod, ns, cell, B, T, H, dtype, n_threads):
    G = CELLS[cell][0]
    xproj, state, W, b = make_inputs(cell, B, T, H, dtype)
    h_all, fin, cache = forward(mod, ns, xproj, state, W, b, n_threads)
    dh_all, dstate = make_upstream(cell, B, T, H, dtype)
    dW = np.full((G * H, H), 0.25, dtype)  # non-zero: backward must accumulate
    db = np.full(G * H, -0.5, dtype)
    dx, dinit = backward(mod, ns, dh_all, dstate, cache, W, dW, db, n_threads)
    return [h_all, *fin, dx, *dinit, dW, db]


@pytest.mark.parametrize("cell", list(CELLS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("B,T,H", SHAPES)
def test_kernel_matches_reference(cell, dtype, B, T, H):
    G, mod, ref, ns = CELLS[cell]
    got = _run(mod, ns, cell, B, T, H, dtype, 2)
    want = _run(ref, ns, cell, B, T, H, np.float64, 1)
    for g, w in zip(got, want):
        assert g.dtype == dtype
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=TOL[dtype], atol=TOL[dtype])


@pytest.mark.parametrize("cell", list(CELLS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("B,T,H", [(1, 3, 4), (5, 7, 8), (7, 3, 33)])
def test_thread_count_does_not_change_results(cell, dtype, B, T, H):
    _, mod, _, ns = CELLS[cell]
    one = _run(mod, ns, cell, B, T, H, dtype, 1)
    for nt in (2, 3):
        for a, b in zip(one, _run(mod, ns, cell, B, T, H, dtype, nt)):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("cell", list(CELLS))
def test_none_final_state_gradient_is_zero(cell):
    G, mod, _, ns = CELLS[cell]
    B, T, H = 3, 4, 5
    xproj, state, W, b = make_inputs(cell, B, T, H, np.float64)
    _, _, cache = forward(mod, ns, xproj, state, W, b)
    dh_all, _ = make_upstream(cell, B, T, H, np.float64)
    zeros = tuple(np.zeros((B, H)) for _ in range(ns))
    outs = []
    for dstate in ((None,) * ns, zeros):
        dW, db = np.zeros((G * H, H)), np.zeros(G * H)
        dx, dinit = backward(mod, ns, dh_all, dstate, cache, W, dW, db)
        outs.append([dx, *dinit, dW, db])
    for a, b in zip(*outs):
        np.testing.assert_array_equal(a, b)


def _loss(mod, ns, xproj, state, W, b, dh_all, dstate):
    """A scalar whose gradient wrt h_t is dh_all[:, t] and wrt the final state is dstate."""
    h_all, fin, _ = forward(mod, ns, xproj, state, W, b)
    return float(np.sum(h_all * dh_all) + sum(np.sum(f * d) for f, d in zip(fin, dstate)))


@pytest.mark.parametrize("cell", list(CELLS))
def test_finite_differences(cell):
    G, mod, _, ns = CELLS[cell]
    B, T, H = 2, 4, 3
    xproj, state, W, b = make_inputs(cell, B, T, H, np.float64, seed=3, scale=0.8)
    dh_all, dstate = make_upstream(cell, B, T, H, np.float64, seed=4)
    _, _, cache = forward(mod, ns, xproj, state, W, b)
    dW, db = np.zeros_like(W), np.zeros_like(b)
    dx, dinit = backward(mod, ns, dh_all, dstate, cache, W, dW, db)
    eps = 1e-6
    named = [("xproj", xproj, dx), ("W_hh", W, dW), ("b_hh", b, db)]
    named += [(f"state{k}", s, d) for k, (s, d) in enumerate(zip(state, dinit))]
    for name, arr, grad in named:
        num = np.zeros_like(arr)
        flat, nflat = arr.reshape(-1), num.reshape(-1)
        for k in range(flat.size):
            old = flat[k]
            flat[k] = old + eps
            up = _loss(mod, ns, xproj, state, W, b, dh_all, dstate)
            flat[k] = old - eps
            down = _loss(mod, ns, xproj, state, W, b, dh_all, dstate)
            flat[k] = old
            nflat[k] = (up - down) / (2 * eps)
        np.testing.assert_allclose(grad, num, rtol=1e-6, atol=1e-8, err_msg=f"{cell} d{name}")


def test_saturated_gates_stay_finite():
    for cell, (G, mod, _, ns) in CELLS.items():
        for dtype in (np.float32, np.float64):
            xproj, state, W, b = make_inputs(cell, 2, 3, 4, dtype, scale=1.0)
            xproj *= 1e4  # sigmoid/tanh arguments far beyond saturation
            h_all, fin, cache = forward(mod, ns, xproj, state, W, b)
            dh_all, dstate = make_upstream(cell, 2, 3, 4, dtype)
            dx, dinit = backward(mod, ns, dh_all, dstate, cache, W, np.zeros_like(W), np.zeros_like(b))
            for a in (h_all, *fin, dx, *dinit):
                assert np.all(np.isfinite(a)), cell


@pytest.mark.parametrize("cell", list(CELLS))
def test_bad_input_raises(cell):
    G, mod, _, ns = CELLS[cell]
    B, T, H = 2, 3, 4
    xproj, state, W, b = make_inputs(cell, B, T, H, np.float32)
    with pytest.raises(TypeError, match="dtype"):
        forward(mod, ns, xproj.astype(np.float64), state, W, b)
    with pytest.raises(TypeError, match="dtype int64"):
        forward(mod, ns, xproj.astype(np.int64), state, W, b)
    with pytest.raises(ValueError, match="W_hh has shape"):
        forward(mod, ns, xproj, state, W[:-1], b)
    with pytest.raises(ValueError, match="h0 has shape"):
        forward(mod, ns, xproj, (state[0][:1],) + state[1:], W, b)
    with pytest.raises(ValueError, match="xproj has shape"):
        forward(mod, ns, xproj[:, :, :-1].copy(), state, W, b)
    with pytest.raises(ValueError, match="xproj has shape"):
        forward(mod, ns, xproj[:, :0].copy(), state, W, b)
    with pytest.raises(ValueError, match="C-contiguous"):
        forward(mod, ns, np.asfortranarray(xproj), state, W, b)
    with pytest.raises(TypeError, match="numpy.ndarray"):
        forward(mod, ns, xproj.tolist(), state, W, b)
    with pytest.raises(ValueError, match="n_threads"):
        forward(mod, ns, xproj, state, W, b, n_threads=0)
    _, _, cache = forward(mod, ns, xproj, state, W, b)
    dh_all, dstate = make_upstream(cell, B, T, H, np.float32)
    dW, db = np.zeros_like(W), np.zeros_like(b)
    with pytest.raises(ValueError, match="dh_all has shape"):
        backward(mod, ns, dh_all[:, :-1].copy(), dstate, cache, W, dW, db)
    with pytest.raises(TypeError, match="dW_hh has dtype"):
        backward(mod, ns, dh_all, dstate, cache, W, dW.astype(np.float64), db)
    ro = db.copy()
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        backward(mod, ns, dh_all, dstate, cache, W, dW, ro)


@pytest.mark.parametrize("cell", list(CELLS))
def test_bad_cache_raises(cell):
    G, mod, _, ns = CELLS[cell]
    B, T, H = 2, 3, 4
    xproj, state, W, b = make_inputs(cell, B, T, H, np.float32)
    _, _, cache = forward(mod, ns, xproj, state, W, b)
    _, _, other = forward(mod, ns, xproj[:, :2].copy(), state, W, b)
    dh_all, dstate = make_upstream(cell, B, T, H, np.float32)
    dW, db = np.zeros_like(W), np.zeros_like(b)
    mixed = (other[0],) + cache[1:]  # gates of a shorter window with the rest of this one
    with pytest.raises(ValueError, match="cache gates has shape"):
        backward(mod, ns, dh_all, dstate, mixed, W, dW, db)
    with pytest.raises(TypeError, match="cache must be"):
        backward(mod, ns, dh_all, dstate, cache[:-1], W, dW, db)


@pytest.mark.parametrize("cell", list(CELLS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("nt", [1, 2])
def test_gathered_and_inplace_paths_match_the_plain_call(cell, dtype, nt):
    """forward(table, ids=X) == forward(table[X]); inplace=True gives the same numbers; backward's dtable and
    db_ih equal dxproj scattered by id and summed (the model's fast path for its first layer)."""
    G, mod, _, ns = CELLS[cell]
    B, T, H, V = 5, 7, 8, 6
    _, state, W, b = make_inputs(cell, B, T, H, dtype)
    rng = np.random.default_rng(3)
    table = (rng.standard_normal((V, G * H)) * 0.5).astype(dtype)
    X = rng.integers(0, V, (B, T)).astype(np.int32)
    dh_all, dstate = make_upstream(cell, B, T, H, dtype)
    h_all, fin, cache = forward(mod, ns, table[X], state, W, b, nt)
    dW, db = np.zeros((G * H, H), dtype), np.zeros(G * H, dtype)
    dx, dinit = backward(mod, ns, dh_all, dstate, cache, W, dW, db, nt)

    out = mod.forward(table, *state, W, b, n_threads=nt, ids=X)
    np.testing.assert_array_equal(out[0], h_all)
    xp = table[X].copy()
    out_inplace = mod.forward(xp, *state, W, b, n_threads=nt, inplace=True)
    np.testing.assert_array_equal(out_inplace[0], h_all)
    assert out_inplace[-1][0] is xp  # the gates live in xproj's memory
    dW2, db2 = np.zeros_like(dW), np.zeros_like(db)
    dtable, db_ih = np.full((V, G * H), 0.5, dtype), np.full(G * H, -1.0, dtype)
    got = mod.backward(dh_all, *dstate, out_inplace[-1], W, dW2, db2, n_threads=nt, inplace=True, ids=X,
                       dtable=dtable, db_ih=db_ih)
    assert got[0] is xp
    np.testing.assert_array_equal(got[0], dx)
    np.testing.assert_array_equal(dW2, dW)
    np.testing.assert_array_equal(db2, db)
    want_table = np.full((V, G * H), 0.5)
    np.add.at(want_table, X.reshape(-1), dx.reshape(-1, G * H).astype(np.float64))
    np.testing.assert_allclose(dtable, want_table, rtol=TOL[dtype], atol=TOL[dtype])
    np.testing.assert_allclose(db_ih, -1.0 + dx.reshape(-1, G * H).astype(np.float64).sum(0), rtol=TOL[dtype],
                               atol=TOL[dtype])


@pytest.mark.parametrize("cell", list(CELLS))
def test_gathered_input_bad_ids_raise(cell):
    G, mod, _, ns = CELLS[cell]
    B, T, H, V = 2, 3, 4, 5
    _, state, W, b = make_inputs(cell, B, T, H, np.float64)
    table = np.zeros((V, G * H))
    with pytest.raises(ValueError, match=r"ids must lie in \[0, 5\)"):
        mod.forward(table, *state, W, b, ids=np.full((B, T), V))
    with pytest.raises(ValueError, match="ids must be a"):
        mod.forward(table, *state, W, b, ids=np.zeros((B, T), np.float32))
    with pytest.raises(ValueError, match="h0 has shape"):
        mod.forward(table, *state, W, b, ids=np.zeros((B + 1, T), np.int32))
    out = mod.forward(np.zeros((B, T, G * H)), *state, W, b)
    dh = np.zeros((B, T, H))
    db = np.zeros(G * H)
    with pytest.raises(ValueError, match="must not overlap"):
        mod.backward(dh, *([None] * ns), out[-1], W, np.zeros((G * H, H)), db, db_ih=db)
    xp = np.zeros((B, T, G * H))
    xp.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        mod.forward(xp, *state, W, b, inplace=True)
