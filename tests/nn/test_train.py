"""Optimizers, gradient clipping and the Trainer (seqfast.nn.optim, seqfast.nn.trainer)."""
import math

import numpy as np
import pytest

import seqfast
from seqfast.nn import SGD, Adagrad, Adam, Trainer, clip_grad_norm, clip_grad_value, grad_norm


@pytest.fixture(params=[np.float64, np.float32])
def pg(request):
    rng = np.random.default_rng(0)
    dt = request.param
    return rng.standard_normal(101).astype(dt), rng.standard_normal(101).astype(dt)


def test_sgd_momentum_matches_formula(pg):
    p, g = pg
    want, buf = p.astype(np.float64), np.zeros(p.size)
    opt = SGD(p, g, lr=0.1, momentum=0.9, weight_decay=0.01)
    for _ in range(3):
        d = g + 0.01 * want
        buf = 0.9 * buf + d
        want = want - 0.1 * buf
        opt.step()
    np.testing.assert_allclose(p, want, rtol=1e-5)


def test_adagrad_and_adam_match_formulas(pg):
    p, g = pg
    p2 = p.copy()
    want, s = p.astype(np.float64), np.zeros(p.size)
    opt = Adagrad(p, g, lr=0.1)
    for _ in range(3):
        s += g.astype(np.float64) ** 2
        want -= 0.1 * g / (np.sqrt(s) + 1e-10)
        opt.step()
    np.testing.assert_allclose(p, want, rtol=1e-5)
    want, m, v = p2.astype(np.float64), np.zeros(p.size), np.zeros(p.size)
    opt = Adam(p2, g, lr=0.01)
    for t in range(1, 4):
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g.astype(np.float64) ** 2
        want -= 0.01 / (1 - 0.9 ** t) * m / (np.sqrt(v) / np.sqrt(1 - 0.999 ** t) + 1e-8)
        opt.step()
    np.testing.assert_allclose(p2, want, rtol=1e-5)


def test_optimizers_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    p0, g = rng.standard_normal(50), rng.standard_normal(50)
    for ours, theirs in ((lambda p: SGD(p, g, lr=0.1, momentum=0.5), lambda t: torch.optim.SGD([t], lr=0.1, momentum=0.5)),
                         (lambda p: Adagrad(p, g, lr=0.1), lambda t: torch.optim.Adagrad([t], lr=0.1)),
                         (lambda p: Adam(p, g, lr=0.01), lambda t: torch.optim.Adam([t], lr=0.01))):
        p = p0.copy()
        t = torch.tensor(p0.copy(), requires_grad=True)
        o, to = ours(p), theirs(t)
        for _ in range(4):
            o.step()
            t.grad = torch.tensor(g)
            to.step()
        np.testing.assert_allclose(p, t.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_clipping():
    g = np.array([3.0, 4.0])
    assert grad_norm(g) == 5.0
    assert clip_grad_norm(g, 1.0) == 5.0
    np.testing.assert_allclose(g, [0.6, 0.8], rtol=1e-6)
    g = np.array([3.0, 4.0], np.float32)
    assert clip_grad_norm(g, 10.0) == 5.0 and g.tolist() == [3.0, 4.0]  # under the threshold: untouched
    g = np.array([-3.0, 0.5, 4.0])
    clip_grad_value(g, 1.0)
    assert g.tolist() == [-1.0, 0.5, 1.0]
    with pytest.raises(ValueError):
        clip_grad_norm(g, 0)
    with pytest.raises(TypeError):
        clip_grad_norm([1.0, 2.0], 1.0)
    with pytest.raises(ValueError, match="optimizer"):
        Trainer(seqfast.RNNLM(3, 2), optimizer="rmsprop")


@pytest.mark.parametrize("dt", [np.float64, np.float32])
def test_long_buffers_match_formulas_for_any_thread_count(dt):
    """Buffers of several chunks (the C loops split them over threads): the same numbers as the formulas,
    and bit-identical results for 1 and 2 threads (the norm's summation order does not depend on them)."""
    rng = np.random.default_rng(5)
    n = 3 * 16384 + 77
    p0, g = rng.standard_normal(n).astype(dt), rng.standard_normal(n).astype(dt)
    norms = [grad_norm(g, n_threads=nt) for nt in (1, 2)]
    assert norms[0] == norms[1]
    assert abs(norms[0] - np.sqrt(np.sum(g.astype(np.float64) ** 2))) < 1e-12 * norms[0]
    outs = []
    for nt in (1, 2):
        p, gc = p0.copy(), g.copy()
        assert clip_grad_norm(gc, 1.0, n_threads=nt) == norms[0]
        for opt in (SGD(p, gc, lr=0.1, momentum=0.9), Adagrad(p, gc, lr=0.1), Adam(p, gc, lr=0.01)):
            opt.n_threads = nt
            opt.step()
            opt.step()
        outs.append((p, gc))
    np.testing.assert_array_equal(outs[0][0], outs[1][0])
    np.testing.assert_array_equal(outs[0][1], outs[1][1])
    np.testing.assert_allclose(outs[0][1], g / (norms[0] + 1e-6), rtol=1e-6 if dt == np.float32 else 1e-12)


def _corpus():
    text = seqfast.datasets.time_machine()
    toks = seqfast.tokenize(text, level="char", lower=True)
    vocab = seqfast.Vocab(toks)
    return vocab, vocab.encode(toks)


def test_learning_beats_unigram():
    vocab, ids = _corpus()
    n = int(len(ids) * 0.9)
    train, valid = ids[:n], ids[n:]
    counts = np.bincount(train, minlength=len(vocab)) + 1.0
    unigram_ppl = math.exp(-np.mean(np.log(counts / counts.sum())[valid]))
    m = seqfast.RNNLM(len(vocab), 128, embedding_dim=32, seed=0)
    t = Trainer(m, optimizer="adam", lr=0.005, clip_norm=1.0)
    hist = t.fit(train[:40000], batch_size=32, num_steps=35, epochs=8, valid_ids=valid[:8000], progress=False)
    assert sum(hist["steps"]) >= 200
    assert set(History_keys()) <= set(hist)
    assert hist["valid_ppl"][-1] < 0.75 * unigram_ppl, (hist["valid_ppl"], unigram_ppl)
    assert hist["train_ppl"][-1] < hist["train_ppl"][0]
    assert all(v > 0 for v in hist["tokens_per_s"]) and all(math.isfinite(v) for v in hist["grad_norm"])


def History_keys():
    return seqfast.nn.History.KEYS


def test_fit_modes_and_max_seconds(tmp_path):
    ids = np.random.default_rng(0).integers(0, 7, 3000)
    m = seqfast.RNNLM(7, 8, seed=0)
    t = Trainer(m, lr=0.5)
    h = t.fit(ids, batch_size=4, num_steps=5, epochs=2, mode="random", progress=False)
    assert h["epoch"] == [1, 2] and h["valid_ppl"] == [None, None]
    h = t.fit(ids, batch_size=4, num_steps=5, epochs=None, max_seconds=0.0, progress=True)
    assert len(h["epoch"]) == 1 and h["steps"] == [1]
    with pytest.raises(ValueError):
        t.fit(ids, 4, 5, epochs=None)
    with pytest.raises(IndexError):
        t.fit(ids + 7, 4, 5)
    pytest.importorskip("matplotlib")
    h.plot(tmp_path / "curve.png")
    assert (tmp_path / "curve.png").stat().st_size > 1000


def test_sequential_step_carries_state():
    m = seqfast.RNNLM(5, 4, seed=0)
    t = Trainer(m, lr=0.1)
    X = np.array([[0, 1, 2], [3, 4, 0]])
    t.step(X, X)
    s1 = t.state.copy()
    assert s1.shape == (1, 2, 4)
    t.step(X, X)
    assert not np.array_equal(s1, t.state)
    t.step(X[:1], X[:1])  # another batch size: starts from zeros instead of failing
    t.step(X, X, carry=False)
    assert t.state is None


def test_nan_stops_training_without_corrupting_the_model():
    m = seqfast.RNNLM(6, 8, nonlinearity="relu", seed=0)
    t = Trainer(m, lr=1e12, clip_norm=None)
    X = np.random.default_rng(0).integers(0, 6, (4, 10))
    with pytest.raises(FloatingPointError, match=r"training step (\d+)") as e:
        for _ in range(50):
            before = m.flat_params.copy()
            t.step(X, (X + 1) % 6)
    step = int(e.value.args[0].split("step ")[1].split(":")[0])
    assert step == t.steps + 1
    np.testing.assert_array_equal(m.flat_params, before)  # the failing step changed nothing


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_gated_models_learn(cell):
    vocab, ids = _corpus()
    n = int(len(ids) * 0.9)
    train, valid = ids[:n], ids[n:]
    counts = np.bincount(train, minlength=len(vocab)) + 1.0
    unigram_ppl = math.exp(-np.mean(np.log(counts / counts.sum())[valid]))
    m = seqfast.RNNLM(len(vocab), 48, embedding_dim=16, cell=cell, num_layers=2, dropout=0.1, seed=0,
                      n_threads=1)
    t = Trainer(m, optimizer="adam", lr=0.01, clip_norm=1.0)
    hist = t.fit(train[:20000], batch_size=32, num_steps=35, epochs=3, valid_ids=valid[:4000], progress=False)
    assert hist["valid_ppl"][-1] < 0.8 * unigram_ppl, (hist["valid_ppl"], unigram_ppl)
    assert hist["train_ppl"][-1] < hist["train_ppl"][0]


def test_lstm_state_is_carried():
    m = seqfast.RNNLM(6, 5, cell="lstm", num_layers=2, seed=0)
    t = Trainer(m, lr=0.1)
    X = np.random.default_rng(0).integers(0, 6, (3, 4))
    t.step(X, X)
    h, c = t.state
    assert h.shape == c.shape == (2, 3, 5) and np.any(c != 0)
    # the next step starts from the carried (h, c): same loss as the model evaluated from that state
    want, _ = m.loss(X, X, (h, c))
    assert t.step(X, X) == pytest.approx(want, rel=1e-6)
    t.step(X[:2], X[:2])  # a batch of another size starts from zeros instead of failing
