"""seqfast.RNNLM for every cell (C kernels) against seqfast.reference, finite differences and PyTorch; files,
state_dict round trips, generation."""
import numpy as np
import pytest

import seqfast
from seqfast.nn import CELLS
from seqfast.reference import rnn as ref

from .helpers import assert_model_gradients

TOL = {"float64": 1e-10, "float32": 1e-4}
CONFIGS = [  # (B, T, H, V, E, layers)
    (1, 1, 3, 5, None, 1), (1, 6, 4, 7, 3, 1), (3, 1, 5, 6, None, 2), (5, 9, 8, 11, 4, 1), (4, 12, 16, 20, 6, 2),
    (3, 6, 5, 7, 4, 2), (1, 3, 4, 5, 3, 1),  # the last: B*T < V, embedding rows gathered (no projected table)
]


def relerr(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-30))


def data(B, T, V, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, V, (B, T)), rng.integers(0, V, (B, T))


def init_state(cell, L, B, H, seed=1):
    """h0 in the model's layout: (L, B, H), or a tuple of two for lstm."""
    rng = np.random.default_rng(seed)
    parts = tuple(rng.standard_normal((L, B, H)) * 0.3 for _ in range(CELLS[cell].n_states))
    return parts if len(parts) > 1 else parts[0]


def per_layer(cell, h0, L):
    return [tuple(s[k] for s in h0) if CELLS[cell].n_states > 1 else h0[k] for k in range(L)]


def state_parts(cell, s):
    return list(s) if CELLS[cell].n_states > 1 else [s]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("B,T,H,V,E,L", CONFIGS)
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
    assert logits.shape == (B, T, V)
    assert relerr(logits, rlogits) < TOL[dtype]
    for j, part in enumerate(state_parts(cell, hT)):
        assert part.shape == (L, B, H)
        assert relerr(part, np.stack([state_parts(cell, s)[j] for s in rT])) < TOL[dtype]
    assert abs(loss - rloss) < TOL[dtype] * rloss
    assert set(grads) == set(m.state_dict())
    for k in rgrads:
        assert relerr(grads[k], rgrads[k]) < TOL[dtype], k
    # identical with 1 and 2 threads
    np.testing.assert_array_equal(out[0][0], out[1][0])
    assert out[0][2] == out[1][2]
    for k in grads:
        np.testing.assert_array_equal(out[0][3][k], out[1][3][k])


@pytest.mark.parametrize("E,B,T", [(None, 2, 4), (3, 2, 4), (3, 1, 3)])  # B*T < V: embedding rows per token
def test_finite_differences(cell, E, B, T):
    V, H, L = 5, 4, 2
    m = seqfast.RNNLM(V, H, embedding_dim=E, cell=cell, dtype="float64", seed=7, num_layers=L, n_threads=1)
    X, Y = data(B, T, V, 5)
    assert_model_gradients(m, X, Y, init_state(cell, L, B, H, 2))


@pytest.mark.parametrize("L", [1, 2])
@pytest.mark.parametrize("E", [None, 6])
def test_torch_agreement_and_state_dict_roundtrip(cell, L, E):
    torch = pytest.importorskip("torch")
    V, H, B, T = 13, 10, 3, 7
    X, Y = data(B, T, V, 9)
    h0 = init_state(cell, L, B, H, 3)
    name, kw = CELLS[cell].torch
    torch.manual_seed(0)
    rnn = getattr(torch.nn, name)(E or V, H, num_layers=L, batch_first=True, **kw).double()
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
    for ours, theirs in zip(state_parts(cell, ours_hT), state_parts(cell, hT)):
        assert relerr(ours, theirs.detach().numpy()) < 1e-10
    assert abs(ours_loss - loss.item()) < 1e-10
    assert set(grads) == set(tgrads)
    for k, g in grads.items():
        assert relerr(g, tgrads[k]) < 1e-10, k



def test_save_load_and_shapes(cell, tmp_path):
    G = CELLS[cell].gates
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


def test_state_dict_save_load_roundtrip(tmp_path):
    m = seqfast.RNNLM(9, 6, embedding_dim=4, seed=1)
    sd = m.state_dict()
    assert sd["rnn.weight_ih_l0"].shape == (6, 4) and sd["decoder.weight"].shape == (9, 6)
    assert np.abs(sd["rnn.weight_hh_l0"]).max() <= 1 / np.sqrt(6)
    m2 = seqfast.RNNLM(9, 6, embedding_dim=4, seed=2)
    m2.load_state_dict(sd)
    X = np.arange(9).reshape(3, 3)
    np.testing.assert_array_equal(m.forward(X)[0], m2.forward(X)[0])
    m.meta = {"itos": list("abcdefghi")}
    m.save(tmp_path / "m.npz")
    m3 = seqfast.RNNLM.load(tmp_path / "m.npz")
    assert m3.config() == m.config() and m3.meta == m.meta
    np.testing.assert_array_equal(m.forward(X)[0], m3.forward(X)[0])
    assert seqfast.RNNLM(9, 6).params["rnn.weight_ih_l0"].shape == (6, 9)  # one-hot input


def test_corrupt_model_files(tmp_path):
    p = tmp_path / "bad.npz"
    p.write_bytes(b"not a zip file at all")
    with pytest.raises(ValueError, match="not a seqfast RNNLM file, or a corrupt one") as e:
        seqfast.RNNLM.load(p)
    assert "allow_pickle" not in str(e.value) and "pickle" not in str(e.value)
    m = seqfast.RNNLM(5, 3)
    m.save(tmp_path / "ok.npz")
    data_ = (tmp_path / "ok.npz").read_bytes()
    (tmp_path / "trunc.npz").write_bytes(data_[: len(data_) // 2])
    with pytest.raises(ValueError):
        seqfast.RNNLM.load(tmp_path / "trunc.npz")
    np.savez(tmp_path / "foreign.npz", a=np.zeros(3))
    with pytest.raises(ValueError):
        seqfast.RNNLM.load(tmp_path / "foreign.npz")
    with pytest.raises(FileNotFoundError):
        seqfast.RNNLM.load(tmp_path / "missing.npz")


def test_bad_inputs():
    m = seqfast.RNNLM(5, 3, embedding_dim=2)
    X = np.zeros((2, 4), dtype=np.int64)
    with pytest.raises(IndexError, match="out of range"):
        m.forward(X + 5)
    with pytest.raises(IndexError):
        m.loss_and_grad(X, X - 1)
    with pytest.raises(TypeError, match="integer"):
        m.forward(X.astype(float))
    with pytest.raises(ValueError, match="shape"):
        m.forward(np.zeros(4, dtype=int))
    with pytest.raises(ValueError, match="must match"):
        m.loss_and_grad(X, X[:, :3])
    with pytest.raises(ValueError, match="h0 has shape"):
        m.forward(X, np.zeros((3, 3)))
    with pytest.raises(ValueError):
        seqfast.RNNLM(5, 0)
    with pytest.raises(ValueError, match="dtype"):
        seqfast.RNNLM(5, 3, dtype="float16")
    with pytest.raises(ValueError, match="unknown cell"):
        seqfast.RNNLM(5, 3, cell="transformer")
    with pytest.raises(ValueError, match="shape"):
        m.load_state_dict({**m.state_dict(), "decoder.bias": np.zeros(4)})
    m.params["decoder.weight"][0, 0] = np.inf
    with pytest.raises(FloatingPointError, match="loss"):
        m.loss_and_grad(X, X)


def test_generate_and_perplexity():
    m = seqfast.RNNLM(7, 5, embedding_dim=3, seed=0)
    a = m.generate([1, 2], 20, seed=0)
    assert a.shape == (20,) and a.dtype == np.int32 and a.min() >= 0 and a.max() < 7
    np.testing.assert_array_equal(a, m.generate([1, 2], 20, seed=0))
    g = m.generate([1], 5, temperature=0)
    assert len(set(m.generate([1], 5, top_k=1, seed=s).tolist().__repr__() for s in range(3))) == 1
    assert g.shape == (5,)
    with pytest.raises(ValueError, match="non-empty"):
        m.generate([], 3)
    ids = np.random.default_rng(0).integers(0, 7, 500)
    ppl = m.perplexity(ids, batch_size=4, num_steps=10)
    assert 1 < ppl < 30
    # perplexity is exp of the mean loss over the same tokens in one window
    L = (len(ids) - 1) // 4
    X, Y = ids[:4 * L].reshape(4, L), ids[1:4 * L + 1].reshape(4, L)
    assert ppl == pytest.approx(np.exp(m.loss(X, Y)[0]), rel=1e-5)


def test_load_torch_state_dict():
    torch = pytest.importorskip("torch")
    V, H, E = 11, 6, 4
    torch.manual_seed(0)
    emb, rnn, dec = torch.nn.Embedding(V, E), torch.nn.RNN(E, H, batch_first=True), torch.nn.Linear(H, V)
    sd = {**{f"embedding.{k}": v for k, v in emb.state_dict().items()},
          **{f"rnn.{k}": v for k, v in rnn.state_dict().items()},
          **{f"decoder.{k}": v for k, v in dec.state_dict().items()}}
    m = seqfast.RNNLM(V, H, embedding_dim=E, dtype="float32")
    m.load_state_dict(sd)  # torch tensors accepted as they are
    X = np.random.default_rng(0).integers(0, V, (2, 5))
    with torch.no_grad():
        out, hT = rnn(emb(torch.tensor(X)))
        want = dec(out).numpy()
    logits, ours_hT = m.forward(X)
    np.testing.assert_allclose(logits, want, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours_hT, hT.numpy(), rtol=1e-4, atol=1e-5)
