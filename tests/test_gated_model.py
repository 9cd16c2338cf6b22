"""RNNLM with cell="lstm" / "gru" (1 and 2 layers): vs the NumPy reference model, finite differences,
torch.nn.LSTM / torch.nn.GRU (state_dict both ways, outputs, states, gradients), save/load."""
import numpy as np
import pytest

import seqfast
from seqfast.reference import rnn as ref
from test_rnn_model import data, relerr
from _gradcheck import assert_model_gradients

CELLS = ["lstm", "gru"]
TOL = {"float64": 1e-10, "float32": 1e-4}


def init_state(cell, L, B, H, seed=1):
    rng = np.random.default_rng(seed)
    if cell == "lstm":
        return tuple(rng.standard_normal((L, B, H)) * 0.3 for _ in range(2))
    return rng.standard_normal((L, B, H)) * 0.3


def per_layer(cell, h0, L):
    return [tuple(s[k] for s in h0) if cell == "lstm" else h0[k] for k in range(L)]


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("B,T,H,V,E,L", [(1, 1, 3, 5, None, 1), (3, 6, 5, 7, 4, 2), (5, 4, 8, 9, None, 2)])
def test_model_matches_reference(cell, dtype, B, T, H, V, E, L):
    X, Y = data(B, T, V, B + T)
    h0 = init_state(cell, L, B, H)
    out = []
    for nt in (1, 2):
        m = seqfast.RNNLM(V, H, embedding_dim=E, cell=cell, dtype=dtype, seed=3, num_layers=L, n_threads=nt)
        logits, hT = m.forward(X, h0)
        loss, grads, _ = m.loss_and_grad(X, Y, h0)
        out.append((logits, hT, loss, {k: g.copy() for k, g in grads.items()}))
    P = {k: v.astype(np.float64) for k, v in m.params.items()}
    rlogits, rT, _ = ref.lm_forward(P, X, per_layer(cell, h0, L), cell)
    rloss, rgrads, _, _ = ref.lm_loss_and_grad(P, X, Y, per_layer(cell, h0, L), cell)
    logits, hT, loss, grads = out[0]
    assert relerr(logits, rlogits) < TOL[dtype]
    if cell == "lstm":
        for j in range(2):
            assert relerr(hT[j], np.stack([s[j] for s in rT])) < TOL[dtype]
    else:
        assert relerr(hT, np.stack(rT)) < TOL[dtype]
    assert abs(loss - rloss) < TOL[dtype] * rloss
    for k in rgrads:
        assert relerr(grads[k], rgrads[k]) < TOL[dtype], k
    np.testing.assert_array_equal(out[0][0], out[1][0])
    for k in grads:
        np.testing.assert_array_equal(out[0][3][k], out[1][3][k])


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("E", [None, 3])
def test_finite_differences(cell, E):
    V, H, B, T, L = 5, 4, 2, 4, 2
    m = seqfast.RNNLM(V, H, embedding_dim=E, cell=cell, dtype="float64", seed=7, num_layers=L, n_threads=1)
    X, Y = data(B, T, V, 5)
    h0 = init_state(cell, L, B, H, 2)
    assert_model_gradients(m, X, Y, h0)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("L", [1, 2])
@pytest.mark.parametrize("E", [None, 6])
def test_torch_agreement_and_state_dict_roundtrip(cell, L, E):
    torch = pytest.importorskip("torch")
    V, H, B, T = 13, 10, 3, 7
    X, Y = data(B, T, V, 9)
    h0 = init_state(cell, L, B, H, 3)
    kind = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell]
    torch.manual_seed(0)
    rnn = kind(E or V, H, num_layers=L, batch_first=True).double()
    emb = torch.nn.Embedding(V, E).double() if E else None
    dec = torch.nn.Linear(H, V).double()
    # torch -> seqfast: the state_dict of torch's modules, prefixed as RNNLM names them
    sd = {f"rnn.{k}": v for k, v in rnn.state_dict().items()}
    sd.update({f"decoder.{k}": v for k, v in dec.state_dict().items()})
    if emb is not None:
        sd["embedding.weight"] = emb.weight
    m = seqfast.RNNLM(V, H, embedding_dim=E, cell=cell, dtype="float64", seed=4, num_layers=L)
    m.load_state_dict(sd)
    # seqfast -> torch round trip
    back = {k[4:]: torch.tensor(v) for k, v in m.state_dict().items() if k.startswith("rnn.")}
    rnn.load_state_dict(back)
    Xt = torch.tensor(X)
    x = emb(Xt) if E else torch.nn.functional.one_hot(Xt, V).double()
    th0 = tuple(torch.tensor(s) for s in h0) if cell == "lstm" else torch.tensor(h0)
    out, hT = rnn(x, th0)
    logits = dec(out)
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, V), torch.tensor(Y).reshape(-1))
    loss.backward()
    tgrads = {f"rnn.{n}": p.grad.numpy() for n, p in rnn.named_parameters()}
    tgrads.update({f"decoder.{n}": p.grad.numpy() for n, p in dec.named_parameters()})
    if emb is not None:
        tgrads["embedding.weight"] = emb.weight.grad.numpy()
    ours_logits, ours_hT = m.forward(X, h0)
    ours_loss, grads, _ = m.loss_and_grad(X, Y, h0)
    assert relerr(ours_logits, logits.detach().numpy()) < 1e-10
    if cell == "lstm":
        assert relerr(ours_hT[0], hT[0].detach().numpy()) < 1e-10
        assert relerr(ours_hT[1], hT[1].detach().numpy()) < 1e-10
    else:
        assert relerr(ours_hT, hT.detach().numpy()) < 1e-10
    assert abs(ours_loss - loss.item()) < 1e-10
    assert set(grads) == set(tgrads)
    for k, g in grads.items():
        assert relerr(g, tgrads[k]) < 1e-10, k


@pytest.mark.parametrize("cell", CELLS)
def test_save_load_and_shapes(cell, tmp_path):
    G = {"lstm": 4, "gru": 3}[cell]
    m = seqfast.RNNLM(9, 6, embedding_dim=4, cell=cell, num_layers=2, seed=1)
    sd = m.state_dict()
    assert sd["rnn.weight_ih_l0"].shape == (G * 6, 4) and sd["rnn.weight_ih_l1"].shape == (G * 6, 6)
    assert sd["rnn.weight_hh_l1"].shape == (G * 6, 6) and sd["rnn.bias_hh_l0"].shape == (G * 6,)
    m.save(tmp_path / "m.npz")
    m2 = seqfast.RNNLM.load(tmp_path / "m.npz")
    assert m2.cell.name == cell and m2.num_layers == 2
    X = np.arange(9).reshape(3, 3)
    a, _ = m.forward(X)
    b, _ = m2.forward(X)
    np.testing.assert_array_equal(a, b)


def test_lstm_state_must_be_a_pair():
    m = seqfast.RNNLM(5, 3, cell="lstm")
    X = np.zeros((2, 3), dtype=np.int32)
    with pytest.raises(TypeError, match="tuple"):
        m.forward(X, np.zeros((1, 2, 3)))
    with pytest.raises(ValueError, match="shape"):
        m.forward(X, (np.zeros((1, 2, 3)), np.zeros((1, 3, 3))))
