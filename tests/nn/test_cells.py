"""The four cells (csrc/sf_cell.h through seqfast._cells) vs their NumPy twins, finite differences, threads,
the table-by-id and in-place paths, and bad input."""
import numpy as np
import pytest

from seqfast import _cells
from seqfast.nn import CELLS

from .helpers import CELL_NAMES, DTYPES, TOL, make_inputs, make_upstream, states

SHAPES = [(1, 1, 3), (1, 4, 5), (3, 1, 4), (5, 7, 8), (4, 6, 16)]


def _run(cell, B, T, H, dtype, n_threads, reference=False):
    c = CELLS[cell]
    xproj, state, W, b = make_inputs(cell, B, T, H, dtype)
    fwd = c.reference_forward if reference else (lambda *a: c.forward(*a, n_threads=n_threads))
    bwd = c.reference_backward if reference else (lambda *a: c.backward(*a, n_threads=n_threads))
    h_all, fin, cache = fwd(xproj, state, W, b)
    dh_all, dstate = make_upstream(cell, B, T, H, dtype)
    dW = np.full_like(W, 0.25)  # non-zero: backward must accumulate
    db = np.full_like(b, -0.5)
    dx, dinit = bwd(dh_all, dstate, cache, W, dW, db)
    return [h_all, *states(cell, fin), dx, *states(cell, dinit), dW, db]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("B,T,H", SHAPES)
def test_kernel_matches_reference(cell, dtype, B, T, H):
    got = _run(cell, B, T, H, dtype, 2)
    want = _run(cell, B, T, H, np.float64, 1, reference=True)
    for g, w in zip(got, want):
        assert g.dtype == dtype and g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=TOL[dtype], atol=TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("B,T,H", [(1, 3, 4), (5, 7, 8), (7, 3, 33)])
def test_thread_count_does_not_change_results(cell, dtype, B, T, H):
    one = _run(cell, B, T, H, dtype, 1)
    for nt in (2, 3):
        for a, b in zip(one, _run(cell, B, T, H, dtype, nt)):
            np.testing.assert_array_equal(a, b)


def test_none_final_state_gradient_is_zero(cell):
    c = CELLS[cell]
    B, T, H = 3, 4, 5
    xproj, state, W, b = make_inputs(cell, B, T, H, np.float64)
    _, _, cache = c.forward(xproj, state, W, b)
    dh_all, _ = make_upstream(cell, B, T, H, np.float64)
    outs = []
    for dstate in (None, c.zero_state(B, H, np.float64)):
        dW, db = np.zeros_like(W), np.zeros_like(b)
        _, _, cache = c.forward(xproj, state, W, b)  # backward uses its cache as scratch
        dx, dinit = c.backward(dh_all, dstate, cache, W, dW, db)
        outs.append([dx, *states(cell, dinit), dW, db])
    for a, b in zip(*outs):
        np.testing.assert_array_equal(a, b)


def test_finite_differences(cell):
    c = CELLS[cell]
    B, T, H = 2, 4, 3
    xproj, state, W, b = make_inputs(cell, B, T, H, np.float64, seed=3, scale=0.8)
    dh_all, dstate = make_upstream(cell, B, T, H, np.float64, seed=4)
    state_parts = states(cell, state)

    def loss():
        h_all, fin, _ = c.forward(xproj, c.unpack(np.stack(state_parts)), W, b)
        return float(np.sum(h_all * dh_all) + sum(np.sum(f * d) for f, d in
                                                  zip(states(cell, fin), states(cell, dstate))))

    _, _, cache = c.forward(xproj, state, W, b)
    dW, db = np.zeros_like(W), np.zeros_like(b)
    dx, dinit = c.backward(dh_all, dstate, cache, W, dW, db)
    eps = 1e-6
    named = [("xproj", xproj, dx), ("W_hh", W, dW), ("b_hh", b, db)]
    named += [(f"state{k}", s, d) for k, (s, d) in enumerate(zip(state_parts, states(cell, dinit)))]
    for name, arr, grad in named:
        num = np.zeros_like(arr)
        flat, nflat = arr.reshape(-1), num.reshape(-1)
        for k in range(flat.size):
            old = flat[k]
            flat[k] = old + eps
            up = loss()
            flat[k] = old - eps
            down = loss()
            flat[k] = old
            nflat[k] = (up - down) / (2 * eps)
        np.testing.assert_allclose(grad, num, rtol=1e-6, atol=1e-8, err_msg=f"{cell} d{name}")


@pytest.mark.parametrize("dtype", DTYPES)
def test_saturated_inputs_stay_finite(cell, dtype):
    c = CELLS[cell]
    xproj, state, W, b = make_inputs(cell, 2, 3, 4, dtype, scale=1.0)
    xproj *= 1e4 if cell != "rnn_relu" else 1e2  # sigmoid/tanh arguments far beyond saturation
    h_all, fin, cache = c.forward(xproj, state, W, b)
    dh_all, dstate = make_upstream(cell, 2, 3, 4, dtype)
    dx, dinit = c.backward(dh_all, dstate, cache, W, np.zeros_like(W), np.zeros_like(b))
    for a in (h_all, *states(cell, fin), dx, *states(cell, dinit)):
        assert np.all(np.isfinite(a)), cell


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("nt", [1, 2])
def test_table_and_in_place_paths_match_the_plain_call(cell, dtype, nt):
    """forward(table, ids=X) == forward(table[X]); xproj and dx at the cache's start give the same numbers;
    backward's dtable and db_ih equal dx scattered by id and summed (the model's first-layer path)."""
    c = CELLS[cell]
    G, S = c.gates, c.n_states
    B, T, H, V = 5, 7, 8, 6
    _, state, W, b = make_inputs(cell, B, T, H, dtype)
    s0 = c.pack(state)
    rng = np.random.default_rng(3)
    table = (rng.standard_normal((V, G * H)) * 0.5).astype(dtype)
    X = rng.integers(0, V, (B, T)).astype(np.int32)
    dh_all, dstate = make_upstream(cell, B, T, H, dtype)
    h_all, fin, cache = _cells.forward(cell, table[X], s0, W, b, nt)
    dW, db = np.zeros((G * H, H), dtype), np.zeros(G * H, dtype)
    dx, dinit = _cells.backward(cache, dh_all, c.pack(dstate), W, dW, db, nt)

    h2, fin2, cache2 = _cells.forward(cell, table, s0, W, b, nt, ids=X)
    np.testing.assert_array_equal(h2, h_all)
    np.testing.assert_array_equal(fin2, fin)
    buf = np.empty(_cells.cache_size(cell, B, T, H), dtype)
    xp = buf[:B * T * G * H].reshape(B, T, G * H)
    xp[...] = table[X]
    h3, _, cache3 = _cells.forward(cell, xp, s0, W, b, nt, cache=buf)
    np.testing.assert_array_equal(h3, h_all)
    assert cache3.buf is buf
    dW3, db3 = np.zeros_like(dW), np.zeros_like(db)
    dx3, _ = _cells.backward(cache3, dh_all, c.pack(dstate), W, dW3, db3, nt, dx=xp)
    assert dx3 is xp
    np.testing.assert_array_equal(dx3, dx)
    np.testing.assert_array_equal(dW3, dW)
    np.testing.assert_array_equal(db3, db)

    dW2, db2 = np.zeros_like(dW), np.zeros_like(db)
    dtable, db_ih = np.full((V, G * H), 0.5, dtype), np.full(G * H, -1.0, dtype)
    dx2, dinit2 = _cells.backward(cache2, dh_all, c.pack(dstate), W, dW2, db2, nt, db_ih, dtable)
    np.testing.assert_array_equal(dx2, dx)
    np.testing.assert_array_equal(dinit2, dinit)
    np.testing.assert_array_equal(dW2, dW)
    want_table = np.full((V, G * H), 0.5)
    np.add.at(want_table, X.reshape(-1), dx.reshape(-1, G * H).astype(np.float64))
    np.testing.assert_allclose(dtable, want_table, rtol=TOL[dtype], atol=TOL[dtype])
    np.testing.assert_allclose(db_ih, -1.0 + dx.reshape(-1, G * H).astype(np.float64).sum(0), rtol=TOL[dtype],
                               atol=TOL[dtype])
    assert S == fin.shape[0]


def test_bad_input_raises(cell):
    c = CELLS[cell]
    B, T, H = 2, 3, 4
    xproj, state, W, b = make_inputs(cell, B, T, H, np.float32)
    with pytest.raises(TypeError, match="dtype"):
        c.forward(xproj.astype(np.float64), state, W, b)
    with pytest.raises(TypeError, match="dtype int64"):
        c.forward(xproj.astype(np.int64), state, W, b)
    with pytest.raises(ValueError, match="W_hh has shape"):
        c.forward(xproj, state, W[:-1], b)
    bad = c.unpack(c.pack(state)[:, :1].copy())
    with pytest.raises(ValueError, match="state0 has shape"):
        c.forward(xproj, bad, W, b)
    with pytest.raises(ValueError, match="x has shape"):
        c.forward(xproj[:, :0].copy(), state, W, b)
    with pytest.raises(ValueError, match="C-contiguous"):
        c.forward(np.asfortranarray(xproj), state, W, b)
    with pytest.raises(TypeError, match="numpy.ndarray"):
        c.forward(xproj.tolist(), state, W, b)
    with pytest.raises(ValueError, match="n_threads"):
        c.forward(xproj, state, W, b, n_threads=0)
    _, _, cache = c.forward(xproj, state, W, b)
    dh_all, dstate = make_upstream(cell, B, T, H, np.float32)
    dW, db = np.zeros_like(W), np.zeros_like(b)
    with pytest.raises(ValueError, match="dh_all has shape"):
        c.backward(dh_all[:, :-1].copy(), dstate, cache, W, dW, db)
    with pytest.raises(TypeError, match="dW_hh has dtype"):
        c.backward(dh_all, dstate, cache, W, dW.astype(np.float64), db)
    ro = db.copy()
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        c.backward(dh_all, dstate, cache, W, dW, ro)
    with pytest.raises(TypeError, match="cache must be"):
        c.backward(dh_all, dstate, (cache.buf,), W, dW, db)
    with pytest.raises(ValueError, match="must not overlap"):
        c.backward(dh_all, dstate, cache, W, dW, db, db_ih=db)
    with pytest.raises(ValueError, match="dtable needs"):
        c.backward(dh_all, dstate, cache, W, dW, db, dtable=np.zeros((3, c.gates * H), np.float32))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("what", ["state0", "W_hh", "b_hh"])
def test_non_finite_state_or_weights_are_rejected_before_the_kernel(cell, bad, what):
    c = CELLS[cell]
    xproj, state, W, b = make_inputs(cell, 2, 3, 4, np.float32)
    s0 = c.pack(state)
    {"state0": s0, "W_hh": W, "b_hh": b}[what].reshape(-1)[1] = bad
    with pytest.raises(ValueError, match=f"{what} contains NaN or inf"):
        _cells.forward(cell, xproj, s0, W, b)


def test_nan_input_propagates_without_undefined_behaviour(cell):
    """A NaN in xproj (not checked: it costs a pass over the window) comes out as NaN, never as a number."""
    c = CELLS[cell]
    xproj, state, W, b = make_inputs(cell, 2, 3, 4, np.float32)
    xproj[0, 0, :] = np.nan
    h_all, _, _ = c.forward(xproj, state, W, b)
    assert np.isnan(h_all[0, 0]).all() and np.isfinite(h_all[1]).all()


def test_table_bad_ids_raise(cell):
    c = CELLS[cell]
    G, B, T, H, V = c.gates, 2, 3, 4, 5
    _, state, W, b = make_inputs(cell, B, T, H, np.float64)
    table = np.zeros((V, G * H))
    with pytest.raises(ValueError, match=r"ids must lie in \[0, 5\)"):
        c.forward(table, state, W, b, ids=np.full((B, T), V))
    with pytest.raises(ValueError, match="ids must be a"):
        c.forward(table, state, W, b, ids=np.zeros((B, T), np.float32))
    with pytest.raises(ValueError, match="state0 has shape"):
        c.forward(table, state, W, b, ids=np.zeros((B + 1, T), np.int32))
    buf = np.zeros(_cells.cache_size(cell, B, T, H))
    with pytest.raises(ValueError, match="overlaps the cache"):
        _cells.forward(cell, buf[1:1 + B * T * G * H].reshape(B, T, G * H), c.pack(state), W, b, cache=buf)


def test_every_cell_is_registered_with_its_twin():
    assert CELL_NAMES == ["gru", "lstm", "rnn_relu", "rnn_tanh"]
    assert set(_cells.CELLS) == set(CELL_NAMES)
    for name in CELL_NAMES:
        assert _cells.CELLS[name][:2] == (CELLS[name].gates, CELLS[name].n_states)
