"""The cells with lengths (padded steps skipped, csrc/sf_cell.h) vs their NumPy twin (each row alone,
seqfast.reference.rnn.packed_forward / packed_backward), padded vs unpadded runs, threads, bad lengths; and the
stacked bidirectional encoder vs seqfast.reference.birnn."""
import numpy as np
import pytest

from seqfast import _cells
from seqfast.nn import CELLS
from seqfast.nn.encoder import length_order, reverse_index
from seqfast.reference import birnn as ref_birnn
from seqfast.reference import rnn as ref_rnn

from .helpers import DTYPES, TOL, make_inputs, make_upstream, states

# the last two: padding runs longer than SF_CELL_GAP_ROWS (the weight gradient skips them)
CASES = [(1, 1, 3, [1]), (3, 5, 4, [5, 2, 1]), (4, 6, 5, [1, 6, 3, 6]), (5, 7, 8, [2, 7, 7, 1, 4]),
         (5, 20, 6, [20, 3, 1, 11, 2]), (4, 30, 5, [2, 30, 9, 30])]


def _run(cell, B, T, H, dtype, lengths, nt=2, reference=False):
    c = CELLS[cell]
    xproj, state, W, b = make_inputs(cell, B, T, H, dtype)
    dh_all, dstate = make_upstream(cell, B, T, H, dtype)
    dW, db = np.full_like(W, 0.25), np.full_like(b, -0.5)
    L = np.array(lengths, dtype=np.int32)
    if reference:
        h_all, fin, cache = ref_rnn.packed_forward(cell, xproj, state, W, b, L)
        dx, dinit = ref_rnn.packed_backward(cell, dh_all, dstate, cache, W, dW, db)
    else:
        h_all, fin, cache = c.forward(xproj, state, W, b, n_threads=nt, lengths=L)
        dx, dinit = c.backward(dh_all, dstate, cache, W, dW, db, n_threads=nt)
    return [h_all, *states(cell, fin), dx, *states(cell, dinit), dW, db]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("B,T,H,lengths", CASES)
def test_kernel_with_lengths_matches_reference(cell, dtype, B, T, H, lengths):
    got = _run(cell, B, T, H, dtype, lengths)
    want = _run(cell, B, T, H, np.float64, lengths, reference=True)
    for g, w in zip(got, want):
        assert g.dtype == dtype and g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=TOL[dtype], atol=TOL[dtype])


@pytest.mark.parametrize("B,T,H,lengths", CASES[1:])
def test_padding_is_skipped(cell, B, T, H, lengths):
    """h is 0 at padding and dx is 0 there; what the padded steps hold does not matter."""
    c = CELLS[cell]
    L = np.array(lengths, dtype=np.int32)
    xproj, state, W, b = make_inputs(cell, B, T, H, np.float64)
    pad = np.arange(T)[None, :] >= L[:, None]
    h1, f1, cache1 = c.forward(xproj, state, W, b, lengths=L)
    x2 = xproj.copy()
    x2[pad] = 1e3  # garbage at padding
    h2, f2, cache2 = c.forward(x2, state, W, b, lengths=L)
    np.testing.assert_array_equal(h1, h2)
    assert (h1[pad] == 0).all()
    dh_all, dstate = make_upstream(cell, B, T, H, np.float64)
    dh2 = dh_all.copy()
    dh2[pad] = 7.0  # gradients arriving at padding are ignored
    out = []
    for cache, dh in ((cache1, dh_all), (cache2, dh2)):
        dW, db = np.zeros_like(W), np.zeros_like(b)
        dx, d0 = c.backward(dh, dstate, cache, W, dW, db)
        out.append([dx, *states(cell, d0), dW, db])
        assert (dx[pad] == 0).all()
    for a, b_ in zip(*out):
        np.testing.assert_array_equal(a, b_)


@pytest.mark.parametrize("dtype", DTYPES)
def test_padded_rows_equal_unpadded_rows(cell, dtype):
    """Each row of a padded batch equals the same sequence run alone without padding."""
    c = CELLS[cell]
    B, T, H = 4, 7, 6
    L = np.array([7, 3, 1, 5], dtype=np.int32)
    xproj, state, W, b = make_inputs(cell, B, T, H, dtype)
    h_all, fin, _ = c.forward(xproj, state, W, b, lengths=L)
    for r in range(B):
        s_r = c.unpack(np.stack([s[r:r + 1] for s in states(cell, state)]))
        h_r, f_r, _ = c.forward(np.ascontiguousarray(xproj[r:r + 1, :L[r]]), s_r, W, b)
        np.testing.assert_allclose(h_all[r, :L[r]], h_r[0], rtol=TOL[dtype], atol=TOL[dtype])
        for a, b_ in zip(states(cell, fin), states(cell, f_r)):
            np.testing.assert_allclose(a[r], b_[0], rtol=TOL[dtype], atol=TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_lengths_threads_do_not_change_results(cell, dtype):
    one = _run(cell, 7, 5, 9, dtype, [5, 1, 3, 5, 2, 4, 1], nt=1)
    for nt in (2, 3):
        for a, b in zip(one, _run(cell, 7, 5, 9, dtype, [5, 1, 3, 5, 2, 4, 1], nt=nt)):
            np.testing.assert_array_equal(a, b)


def test_full_lengths_equal_no_lengths(cell):
    a = _run(cell, 3, 4, 5, np.float64, [4, 4, 4])
    c = CELLS[cell]
    xproj, state, W, b = make_inputs(cell, 3, 4, 5, np.float64)
    dh_all, dstate = make_upstream(cell, 3, 4, 5, np.float64)
    dW, db = np.full_like(W, 0.25), np.full_like(b, -0.5)
    h_all, fin, cache = c.forward(xproj, state, W, b, n_threads=2)
    dx, d0 = c.backward(dh_all, dstate, cache, W, dW, db, n_threads=2)
    for x, y in zip(a, [h_all, *states(cell, fin), dx, *states(cell, d0), dW, db]):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("bad,msg", [([0, 2], r"\[1, 3\]"), ([4, 1], r"\[1, 3\]"), ([1], "lengths must be a"),
                                     ([[1, 2]], "lengths must be a")])
def test_bad_lengths(cell, bad, msg):
    c = CELLS[cell]
    xproj, state, W, b = make_inputs(cell, 2, 3, 4, np.float64)
    with pytest.raises(ValueError, match=msg):
        _cells.forward(cell, xproj, c.pack(state), W, b, lengths=np.array(bad))


def test_reverse_index_and_order():
    L = np.array([3, 1, 2])
    idx = reverse_index(L, 3)
    assert idx.tolist() == [2, 1, 0, 3, 4, 5, 7, 6, 8]
    assert np.array_equal(idx[idx], np.arange(9))  # its own inverse
    order = length_order(np.array([1, 5, 3, 4, 2]), 2)
    # by decreasing length 5 4 3 2 1 = rows 1 3 2 4 0, dealt to threads 0 1 0 1 0: blocks [1 2 0] [3 4]
    assert order.tolist() == [1, 2, 0, 3, 4]


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("layers", [1, 2])
def test_encoder_matches_reference(cell, bidirectional, layers):
    """The stacked (bi)directional encoder of the models vs the per-row NumPy twin: outputs, final states and
    every gradient (float64)."""
    import seqfast
    B, T, I, H = 4, 6, 3, 5
    L = np.array([6, 2, 5, 1], dtype=np.int32)
    m = seqfast.RNNRegressor(I, 2, H, cell=cell, num_layers=layers, bidirectional=bidirectional, dtype="float64",
                             seed=1, n_threads=2)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((B, T, I)) * (np.arange(T)[None, :] < L[:, None])[:, :, None]
    D = 2 if bidirectional else 1
    S = CELLS[cell].n_states
    out, finals, saved = m.encoder.forward(np.ascontiguousarray(x), L, 2)
    r_out, r_finals, r_cache = ref_birnn.encoder_forward(m.params, x, L, cell, layers, bidirectional)
    np.testing.assert_allclose(out, r_out, rtol=1e-10, atol=1e-10)
    for a, b in zip(finals, r_finals):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)
    dout = rng.standard_normal((B, T, D * H))
    dfinals = [rng.standard_normal((S, B, H)) for _ in range(layers * D)]
    m.zero_grad()
    dx = m.encoder.backward(dout.copy(), dfinals, saved, 2, need_dx=True)
    r_grads, r_dx = ref_birnn.encoder_backward(m.params, dout, dfinals, r_cache)
    np.testing.assert_allclose(dx, r_dx, rtol=1e-10, atol=1e-10)
    for k, g in r_grads.items():
        np.testing.assert_allclose(m.grads[k], g, rtol=1e-10, atol=1e-10, err_msg=k)
