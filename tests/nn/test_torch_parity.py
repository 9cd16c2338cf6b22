"""seqfast's cells stacked into layers vs torch.nn.RNN / LSTM / GRU: outputs, final states and every gradient.

Always against the recording tests/data/torch_cells.npz (made by tests/fixtures/make_torch_fixtures.py), so CI
checks parity without torch; and against torch itself when it is installed."""

import numpy as np
import pytest

from seqfast.nn import CELLS

from .helpers import fixture_module

fixtures = fixture_module("make_torch_fixtures")

TOL = {"float64": 1e-10, "float32": 2e-4}
CASES = [(c, n, d) for c in fixtures.CELLS for n in (1, 2) for d in fixtures.DTYPES]
RECORDED = fixtures.load()


def _seqfast_stack(cell, rec, layers):
    """The case's layers run as the model does (xproj = x W_ih^T + b_ih in NumPy, then the C cell), forward and
    backward; returns what the recording holds, computed by seqfast."""
    c = CELLS[cell]
    S = c.n_states
    params = [tuple(rec[f"{n}_l{k}"] for n in fixtures.PARAMS) for k in range(layers)]
    inputs, caches, finals = [], [], []
    h = rec["x"]
    for k, (W_ih, W_hh, b_ih, b_hh) in enumerate(params):
        B, T, I = h.shape
        xproj = np.ascontiguousarray((h.reshape(B * T, I) @ W_ih.T + b_ih).reshape(B, T, -1))
        s0 = c.unpack(np.stack([rec[f"state0_{j}"][k] for j in range(S)]))
        inputs.append(h)
        h, fin, cache = c.forward(xproj, s0, W_hh, b_hh, n_threads=2)
        caches.append(cache)
        finals.append(c.pack(fin))
    got = {"out": h}
    dh = rec["dout"]
    dinits = [None] * layers
    for k in reversed(range(layers)):
        W_ih, W_hh, b_ih, b_hh = params[k]
        dW_hh, db_hh = np.zeros_like(W_hh), np.zeros_like(b_hh)
        dT = c.unpack(np.stack([rec[f"dstateT_{j}"][k] for j in range(S)]))
        dxproj, dinit = c.backward(np.ascontiguousarray(dh), dT, caches[k], W_hh, dW_hh, db_hh, n_threads=2)
        B, T, I = inputs[k].shape
        flat = dxproj.reshape(B * T, -1)
        got[f"grad_weight_ih_l{k}"] = flat.T @ inputs[k].reshape(B * T, I)
        got[f"grad_bias_ih_l{k}"] = flat.sum(axis=0)
        got[f"grad_weight_hh_l{k}"], got[f"grad_bias_hh_l{k}"] = dW_hh, db_hh
        dh = (flat @ W_ih).reshape(B, T, I)
        dinits[k] = c.pack(dinit)
    got["dx"] = dh
    for j in range(S):
        got[f"stateT_{j}"] = np.stack([f[j] for f in finals])
        got[f"dstate0_{j}"] = np.stack([d[j] for d in dinits])
    return got


def _check(cell, layers, dtype, rec):
    got = _seqfast_stack(cell, rec, layers)
    want = {k: v for k, v in rec.items() if k in got}
    assert set(want) == set(got)
    for name, g in got.items():
        assert g.dtype == np.dtype(dtype), name
        np.testing.assert_allclose(g, want[name], rtol=TOL[dtype], atol=TOL[dtype], err_msg=name)


def test_every_case_is_recorded():
    assert sorted(RECORDED) == sorted(fixtures.key(*c) for c in CASES)


@pytest.mark.parametrize("cell,layers,dtype", CASES)
def test_matches_recorded_torch(cell, layers, dtype):
    _check(cell, layers, dtype, RECORDED[fixtures.key(cell, layers, dtype)])


@pytest.mark.parametrize("cell,layers,dtype", CASES)
def test_matches_live_torch(cell, layers, dtype):
    pytest.importorskip("torch")
    _check(cell, layers, dtype, fixtures.record(cell, layers, dtype))


def test_recording_is_what_torch_computes_now():
    """The committed file is torch's current answer (regenerate it with make_torch_fixtures.py if not)."""
    pytest.importorskip("torch")
    for case in CASES:
        now = fixtures.record(*case)
        for name, a in RECORDED[fixtures.key(*case)].items():
            np.testing.assert_allclose(now[name], a, rtol=1e-6, atol=1e-6, err_msg=f"{case} {name}")
