"""RNNClassifier / RNNTagger / RNNRegressor vs torch (nn.Embedding + nn.LSTM/GRU/RNN(bidirectional, packed
sequences) + nn.Linear): outputs, loss and every parameter's gradient, with torch's parameter names and shapes.

Always against the recording tests/data/torch_seqmodels.npz (made by tests/fixtures/make_torch_seq_fixtures.py),
so CI checks parity without torch; and against torch itself when it is installed."""
import numpy as np
import pytest

import seqfast

from .helpers import fixture_module

fx = fixture_module("make_torch_seq_fixtures")

TOL = {"float64": 1e-9, "float32": 2e-4}
RECORDED = fx.load()


def _model(case):
    task, cell, layers, bi, pooling, dtype = fx.CASES[case]
    kw = dict(cell=cell, num_layers=layers, bidirectional=bi, dtype=dtype, n_threads=1)
    if task == "classify":
        return seqfast.RNNClassifier(fx.V, fx.C, fx.H, embedding_dim=fx.E, pooling=pooling, **kw)
    if task == "tag":
        return seqfast.RNNTagger(fx.V, fx.C, fx.H, embedding_dim=fx.E, **kw)
    return seqfast.RNNRegressor(2, 2, fx.H, pooling=pooling, **kw)


def _check(case, rec):
    dtype = fx.CASES[case][5]
    m = _model(case)
    params = {k: v for k, v in rec.items() if k.split(".")[0] in ("embedding", "rnn", "decoder")}
    assert sorted(params) == sorted(m.state_dict()), "parameter names differ from torch's"
    for k, v in params.items():
        assert m.params[k].shape == v.shape, k
    m.load_state_dict(params)
    out, _ = m.forward(rec["X"], rec["lengths"])
    tol = TOL[dtype]
    np.testing.assert_allclose(out, rec["out"], rtol=tol, atol=tol)
    loss, grads = m.loss_and_grad(rec["X"], rec["Y"], rec["lengths"])
    assert abs(loss - float(rec["loss"][0])) < tol * 10
    for k in params:
        np.testing.assert_allclose(grads[k], rec[f"grad/{k}"], rtol=tol, atol=tol, err_msg=k)


def test_every_case_is_recorded():
    assert sorted(RECORDED) == sorted(fx.CASES)


@pytest.mark.parametrize("case", sorted(fx.CASES))
def test_matches_recorded_torch(case):
    _check(case, RECORDED[case])


@pytest.mark.parametrize("case", sorted(fx.CASES))
def test_matches_live_torch(case):
    pytest.importorskip("torch")
    _check(case, fx.record(case))


def test_recording_is_what_torch_computes_now():
    pytest.importorskip("torch")
    for case in fx.CASES:
        now = fx.record(case)
        for name, a in RECORDED[case].items():
            np.testing.assert_allclose(now[name], a, rtol=1e-6, atol=1e-6, err_msg=f"{case} {name}")


def test_weights_round_trip_through_torch_modules():
    """seqfast's state_dict loads into nn.Embedding + nn.LSTM(bidirectional) + nn.Linear with strict=True and
    back, and both compute the same logits on packed sequences."""
    torch = pytest.importorskip("torch")
    m = seqfast.RNNClassifier(fx.V, fx.C, fx.H, embedding_dim=fx.E, bidirectional=True, num_layers=2,
                              dtype="float64", seed=3)
    emb, rnn, dec = fx.torch_module("classify", "lstm", 2, True, "float64")
    sd = m.state_dict()
    for prefix, mod in (("embedding", emb), ("rnn", rnn), ("decoder", dec)):
        mod.load_state_dict({k[len(prefix) + 1:]: torch.tensor(v) for k, v in sd.items()
                             if k.startswith(prefix + ".")}, strict=True)
    X, _ = fx.case_inputs("classify", "float64")
    want = fx.torch_forward((emb, rnn, dec), "classify", "lstm", True, "last", torch.tensor(X), fx.LENGTHS)
    np.testing.assert_allclose(m.forward(X, fx.LENGTHS)[0], want.detach().numpy(), rtol=1e-10, atol=1e-10)
    back = {f"{p}.{k}": v for p, mod in (("embedding", emb), ("rnn", rnn), ("decoder", dec))
            for k, v in mod.state_dict().items()}
    m2 = seqfast.RNNClassifier(fx.V, fx.C, fx.H, embedding_dim=fx.E, bidirectional=True, num_layers=2,
                               dtype="float64", seed=9)
    m2.load_state_dict(back)
    np.testing.assert_array_equal(m2.flat_params, m.flat_params)
