"""seqfast.RNNLM (C kernels) against seqfast.reference.rnn, finite differences and PyTorch."""
import numpy as np
import pytest

import seqfast
from seqfast.reference import rnn as ref
from _gradcheck import assert_model_gradients

TOL = {"float64": 1e-10, "float32": 1e-4}
CONFIGS = [  # (B, T, H, V, E, layers)
    (1, 1, 3, 5, None, 1), (1, 6, 4, 7, 3, 1), (3, 1, 5, 6, None, 2), (5, 9, 8, 11, 4, 1), (4, 12, 16, 20, 6, 2),
]


def relerr(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-30))


def data(B, T, V, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, V, (B, T)), rng.integers(0, V, (B, T))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("act", ["tanh", "relu"])
@pytest.mark.parametrize("B,T,H,V,E,L", CONFIGS)
def test_model_matches_reference(dtype, act, B, T, H, V, E, L):
    X, Y = data(B, T, V, B + T)
    h0 = np.random.default_rng(1).standard_normal((L, B, H)) * 0.3
    P = None
    out = []
    for nt in (1, 2):
        m = seqfast.RNNLM(V, H, embedding_dim=E, nonlinearity=act, dtype=dtype, seed=3, num_layers=L, n_threads=nt)
        P = {k: v.astype(np.float64) for k, v in m.params.items()}
        logits, hT = m.forward(X, h0)
        loss, grads, hT2 = m.loss_and_grad(X, Y, h0)
        out.append((logits, hT, loss, {k: g.copy() for k, g in grads.items()}))
    rlogits, rT, _ = ref.lm_forward(P, X, list(h0), f"rnn_{act}")
    rloss, rgrads, _, _ = ref.lm_loss_and_grad(P, X, Y, list(h0), f"rnn_{act}")
    logits, hT, loss, grads = out[0]
    assert logits.shape == (B, T, V) and hT.shape == (L, B, H)
    assert relerr(logits, rlogits) < TOL[dtype] and relerr(hT, np.stack(rT)) < TOL[dtype]
    assert abs(loss - rloss) < TOL[dtype] * rloss
    assert set(grads) == set(m.state_dict())
    for k in rgrads:
        assert relerr(grads[k], rgrads[k]) < TOL[dtype], k
    # identical with 1 and 2 threads
    np.testing.assert_array_equal(out[0][0], out[1][0])
    assert out[0][2] == out[1][2]
    for k in grads:
        np.testing.assert_array_equal(out[0][3][k], out[1][3][k])


@pytest.mark.parametrize("E,act,B,T", [(None, "tanh", 2, 4), (3, "tanh", 2, 4), (3, "relu", 2, 4),
                                       (3, "tanh", 1, 3)])  # B*T < V: embedding rows are projected per token
def test_finite_differences(E, act, B, T):
    V, H = 5, 4
    m = seqfast.RNNLM(V, H, embedding_dim=E, nonlinearity=act, dtype="float64", seed=7, num_layers=2)
    X, Y = data(B, T, V, 5)
    h0 = np.random.default_rng(2).standard_normal((2, B, H)) * 0.5
    assert_model_gradients(m, X, Y, h0)


def test_torch_agreement():
    torch = pytest.importorskip("torch")
    V, H, E, B, T = 13, 10, 6, 3, 7
    for emb, act in ((E, "tanh"), (None, "relu")):
        m = seqfast.RNNLM(V, H, embedding_dim=emb, nonlinearity=act, dtype="float64", seed=4, num_layers=2)
        X, Y = data(B, T, V, 9)
        h0 = np.random.default_rng(3).standard_normal((2, B, H))
        sd = {k: torch.tensor(v, requires_grad=True) for k, v in m.state_dict().items()}
        Xt = torch.tensor(X)
        x = torch.nn.functional.embedding(Xt, sd["embedding.weight"]) if emb else \
            torch.nn.functional.one_hot(Xt, V).double()
        rnn = torch.nn.RNN(emb or V, H, num_layers=2, nonlinearity=act, batch_first=True).double()
        rnn.load_state_dict({k[4:]: v.detach() for k, v in sd.items() if k.startswith("rnn.")})
        out, hT = rnn(x, torch.tensor(h0))
        logits = out @ sd["decoder.weight"].T + sd["decoder.bias"]
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, V), torch.tensor(Y).reshape(-1))
        loss.backward()
        tgrads = {f"rnn.{n}": p.grad.numpy() for n, p in rnn.named_parameters()}
        tgrads.update({k: v.grad.numpy() for k, v in sd.items() if v.grad is not None})
        ours_logits, ours_hT = m.forward(X, h0)
        ours_loss, grads, _ = m.loss_and_grad(X, Y, h0)
        assert relerr(ours_logits, logits.detach().numpy()) < 1e-10
        assert relerr(ours_hT, hT.detach().numpy()) < 1e-10
        assert abs(ours_loss - loss.item()) < 1e-10
        for k, g in grads.items():
            assert relerr(g, tgrads[k]) < 1e-10, k


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
    with pytest.raises(ValueError, match="not a readable"):
        seqfast.RNNLM.load(p)
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
