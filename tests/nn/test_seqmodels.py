"""RNNClassifier, RNNTagger, RNNRegressor: gradients by finite differences, padding never changes a row's result,
state_dict / save / load / pickle, predict, the Trainer (metrics, early stopping, class weights), the data
helpers, and bad input."""
import copy
import pickle

import numpy as np
import pytest

import seqfast
from seqfast.nn import Trainer

SEQS = [[3, 1, 4, 1, 5], [9, 2], [6, 5, 3], [5]]
LABELS = [0, 1, 2, 1]


def _clf(**kw):
    kw = {"cell": "lstm", "dtype": "float64", "seed": 1, "n_threads": 1, **kw}
    return seqfast.RNNClassifier(10, 3, 4, embedding_dim=3, **kw)


def _tagger(**kw):
    kw = {"cell": "lstm", "dtype": "float64", "seed": 1, "n_threads": 1, **kw}
    return seqfast.RNNTagger(10, 3, 4, embedding_dim=3, **kw)


def _reg(**kw):
    kw = {"cell": "gru", "dtype": "float64", "seed": 1, "n_threads": 1, **kw}
    return seqfast.RNNRegressor(2, 2, 4, **kw)


def _tags():
    rng = np.random.default_rng(5)
    return [rng.integers(0, 3, len(s)) for s in SEQS]


def _batch(model):
    if isinstance(model, seqfast.RNNRegressor):
        rng = np.random.default_rng(2)
        X, L = seqfast.pad_sequences([rng.standard_normal((len(s), 2)) for s in SEQS])
        return X, rng.standard_normal((len(SEQS), 2)), L
    X, L = seqfast.pad_sequences(SEQS)
    if isinstance(model, seqfast.RNNTagger):
        Y, _ = seqfast.pad_sequences(_tags())
        return X, Y, L
    return X, np.array(LABELS), L


MODELS = [
    ("clf-last-bi", lambda c: _clf(cell=c, bidirectional=True)),
    ("clf-mean-2layer", lambda c: _clf(cell=c, pooling="mean", num_layers=2, bidirectional=True)),
    ("clf-max", lambda c: _clf(cell=c, pooling="max")),
    ("clf-weighted", lambda c: _clf(cell=c, class_weights=[1.0, 2.0, 0.5])),
    ("tagger-bi", lambda c: _tagger(cell=c)),
    ("tagger-2layer", lambda c: _tagger(cell=c, num_layers=2)),
    ("reg-last", lambda c: _reg(cell=c)),
    ("reg-mean-bi", lambda c: _reg(cell=c, pooling="mean", bidirectional=True)),
]


def _fd_check(m, X, Y, L, n=30, eps=1e-6):
    m.loss_and_grad(X, Y, L)
    g = m.flat_grads.copy()
    for i in np.random.default_rng(0).choice(m.flat_params.size, n, replace=False):
        old = m.flat_params[i]
        m.flat_params[i] = old + eps
        lp = m.loss(X, Y, L)
        m.flat_params[i] = old - eps
        lm = m.loss(X, Y, L)
        m.flat_params[i] = old
        num = (lp - lm) / (2 * eps)
        assert abs(num - g[i]) < 1e-7 + 1e-5 * abs(num), (i, num, g[i])


@pytest.mark.parametrize("name,make", MODELS, ids=[m[0] for m in MODELS])
def test_finite_differences(cell, name, make):
    m = make(cell)
    X, Y, L = _batch(m)
    _fd_check(m, X, Y, L)


@pytest.mark.parametrize("name,make", MODELS, ids=[m[0] for m in MODELS])
def test_padding_does_not_change_results(cell, name, make):
    """Padded batch vs each sequence alone (outputs), and vs the same batch with more padding (loss, and every
    gradient bit for bit: the weight gradients skip long runs of padding and add the same values in the same
    order)."""
    m = make(cell)
    X, Y, L = _batch(m)
    out, _ = m.forward(X, L)
    for r in range(len(L)):
        alone, _ = m.forward(X[r:r + 1, :L[r]])
        got = out[r, :L[r]] if isinstance(m, seqfast.RNNTagger) else out[r]
        np.testing.assert_allclose(got, alone[0], rtol=1e-12, atol=1e-12)
    loss, g = m.loss_and_grad(X, Y, L)
    g = g and m.flat_grads.copy()
    for extra in (3, 12):  # padding gaps below and above sf_cell.h's SF_CELL_GAP_ROWS
        pad = [(0, 0), (0, extra)] + [(0, 0)] * (X.ndim - 2)
        X2 = np.pad(X, pad, constant_values=7 if X.dtype.kind == "i" else 0.5)
        Y2 = np.pad(Y, [(0, 0), (0, extra)], constant_values=-100) if isinstance(m, seqfast.RNNTagger) else Y
        loss2, _ = m.loss_and_grad(X2, Y2, L)
        assert abs(loss - loss2) < 1e-12
        np.testing.assert_array_equal(m.flat_grads, g)


def test_state_dict_names_are_torchs():
    m = seqfast.RNNClassifier(10, 3, 4, embedding_dim=3, bidirectional=True, num_layers=2)
    names = list(m.state_dict())
    assert names[:5] == ["embedding.weight", "rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0",
                         "rnn.bias_hh_l0"]
    assert "rnn.weight_ih_l0_reverse" in names and names[-2:] == ["decoder.weight", "decoder.bias"]
    assert m.params["rnn.weight_ih_l1_reverse"].shape == (16, 8)
    assert m.params["decoder.weight"].shape == (3, 8)


def test_final_state_layout():
    m = _clf(bidirectional=True, num_layers=2)
    X, _, L = _batch(m)
    _, (h, c) = m.forward(X, L)
    assert h.shape == c.shape == (4, 4, 4)  # (num_layers * 2, B, H)
    m = _reg(num_layers=1)
    assert m.forward(*_batch(m)[::2])[1].shape == (1, 4, 4)


@pytest.mark.parametrize("make", [_clf, _tagger, _reg])
def test_save_load_pickle(tmp_path, make):
    m = make(bidirectional=True)
    X, Y, L = _batch(m)
    m.meta = {"note": "x"}
    want = m.forward(X, L)[0]
    m.save(tmp_path / "m.npz")
    for c in (type(m).load(tmp_path / "m.npz"), pickle.loads(pickle.dumps(m)), copy.deepcopy(m)):
        np.testing.assert_array_equal(c.forward(X, L)[0], want)
        assert c.config() == m.config()
    c = pickle.loads(pickle.dumps(m))  # the views are rebuilt: training the copy changes what it computes
    c.loss_and_grad(X, Y, L)
    Trainer(c, lr=0.1).step_batch(X, Y, L)
    assert not np.array_equal(c.forward(X, L)[0], want)
    with pytest.raises(ValueError, match="expected a .rnn"):
        seqfast.RNNTagger.load(tmp_path / "m.npz") if not isinstance(m, seqfast.RNNTagger) else \
            seqfast.RNNClassifier.load(tmp_path / "m.npz")


def test_predict():
    m = _tagger()
    X, _, L = _batch(m)
    p = m.predict(X, L)
    assert p.shape == X.shape and p.dtype == np.int32
    assert (p[np.arange(X.shape[1])[None, :] >= L[:, None]] == -1).all()
    c = _clf()
    assert c.predict(X, L).shape == (4,)
    np.testing.assert_allclose(c.predict_proba(X, L).sum(axis=1), 1)


def test_trainer_learns_and_stops_early():
    rng = np.random.default_rng(0)
    seqs = [rng.integers(1, 10, rng.integers(2, 9)) for _ in range(200)]
    labels = np.array([int(s[0] >= 5) for s in seqs])  # the class is in the first token
    m = seqfast.RNNClassifier(10, 2, 16, embedding_dim=8, bidirectional=True, seed=0, n_threads=1)
    t = Trainer(m, lr=0.01)
    h = t.fit_sequences(seqs[:150], labels[:150], valid=(seqs[150:], labels[150:]), epochs=15, batch_size=16,
                        patience=3, progress=False)
    assert h["valid_metrics"][-1]["accuracy"] >= 0.8 or max(h["valid"]) >= 0.9
    best = h["valid"][h["epoch"].index(h.best_epoch)]
    assert m.evaluate(seqs[150:], labels[150:])["accuracy"] == best  # the best epoch's parameters
    assert set(h["valid_metrics"][0]) >= {"accuracy", "macro_f1", "confusion"}


def test_trainer_cpu_clock():
    """max_seconds on the CPU clock (process CPU time / threads) stops training as the wall clock does."""
    m = seqfast.RNNClassifier(10, 2, 8, embedding_dim=4, seed=0, n_threads=1)
    seqs = [[1, 2, 3], [4, 5], [6]] * 20
    h = Trainer(m, clock="cpu").fit_sequences(seqs, [0, 1, 0] * 20, epochs=50, max_seconds=0, batch_size=4,
                                              progress=False)
    assert len(h["epoch"]) == 1 and h["steps"] == [1]
    with pytest.raises(ValueError, match="clock must be"):
        Trainer(m, clock="gpu")


def test_trainer_tagger_and_regressor():
    rng = np.random.default_rng(1)
    seqs = [rng.integers(0, 10, rng.integers(1, 7)) for _ in range(60)]
    tags = [np.minimum(s // 4, 2) for s in seqs]  # a tag per token, from the token
    m = seqfast.RNNTagger(10, 3, 8, embedding_dim=6, seed=0, n_threads=1)
    h = Trainer(m, lr=0.02).fit_sequences(seqs, tags, valid=(seqs, tags), epochs=12, batch_size=8, progress=False)
    assert h["valid_metrics"][-1]["token_accuracy"] > 0.9
    series = [rng.standard_normal((rng.integers(2, 6), 2)) for _ in range(40)]
    Y = np.array([s[-1] for s in series])  # the last input is the answer
    r = seqfast.RNNRegressor(2, 2, 8, cell="gru", seed=0, n_threads=1)
    h = Trainer(r, lr=0.02).fit_sequences(series, Y, valid=(series, Y), epochs=30, batch_size=8, progress=False)
    assert h["valid"][-1] < 0.5 * h["valid"][0]


def test_class_weights():
    m = _clf()
    X, Y, L = _batch(m)
    loss_plain = m.loss(X, Y, L)
    m.class_weights = np.array([1.0, 1.0, 1.0])
    assert abs(m.loss(X, Y, L) - loss_plain) < 1e-12
    t = Trainer(m)
    rng = np.random.default_rng(0)
    seqs = [rng.integers(1, 10, 3) for _ in range(10)]
    t.fit_sequences(seqs, [0] * 7 + [1] * 2 + [2], epochs=1, class_weights="balanced", progress=False)
    np.testing.assert_allclose(m.class_weights, [10 / 21, 10 / 6, 10 / 3])
    with pytest.raises(ValueError, match="class '2' has no examples"):
        t.fit_sequences(seqs, [0] * 8 + [1] * 2, epochs=1, progress=False)


def test_pad_sequences_and_buckets():
    ids, L = seqfast.pad_sequences(SEQS, pad_id=0)
    assert ids.shape == (4, 5) and L.tolist() == [5, 2, 3, 1] and ids[1].tolist() == [9, 2, 0, 0, 0]
    ids, L = seqfast.pad_sequences(SEQS, max_len=2)
    assert ids.shape == (4, 2) and L.tolist() == [2, 2, 2, 1]
    X, L = seqfast.pad_sequences([np.ones((2, 3)), np.ones((1, 3))])
    assert X.shape == (2, 2, 3) and X[1, 1].tolist() == [0, 0, 0]
    with pytest.raises(ValueError, match=r"seqs\[1\] is empty"):
        seqfast.pad_sequences([[1], []])
    b = seqfast.bucket_batches(SEQS, LABELS, batch_size=2, shuffle=True, seed=0)
    seen = sorted(int(y) for _, _, Y in b for y in Y)
    assert len(b) == 2 and seen == sorted(LABELS)
    for X, L, Y in seqfast.bucket_batches(SEQS, _tags(), batch_size=3, shuffle=False):
        assert (Y[np.arange(X.shape[1])[None, :] >= L[:, None]] == -100).all()
        assert X.shape[1] == L.max()


def test_bad_input():
    m = _clf()
    with pytest.raises(ValueError, match="ragged"):
        m.forward([[1, 2, 3], [4]])
    with pytest.raises(ValueError, match="longer than the batch"):
        m.forward(np.ones((2, 3), int), lengths=[3, 4])
    with pytest.raises(ValueError, match="at least one step"):
        m.forward(np.ones((2, 3), int), lengths=[3, 0])
    with pytest.raises(IndexError, match="label 3, out of range for 3 classes"):
        m.loss_and_grad(np.ones((2, 3), int), [0, 3])
    with pytest.raises(IndexError, match="token id 10"):
        m.forward(np.full((2, 3), 10))
    t = _tagger()
    with pytest.raises(IndexError, match="label 5"):
        t.loss_and_grad(np.ones((1, 3), int), [[0, 5, -100]], [2])
    t.loss_and_grad(np.ones((1, 3), int), [[0, 1, -100]], [2])  # padding may hold anything
    r = _reg()
    X = np.zeros((2, 3, 2))
    X[1, 2, 0] = np.nan
    with pytest.raises(ValueError, match=r"nan at index \(1, 2, 0\)"):
        r.forward(X)
    with pytest.raises(ValueError, match="pooling"):
        _clf(pooling="sum")
    with pytest.raises(ValueError, match="dropout"):
        _clf(dropout=1.0)
    with pytest.raises(ValueError, match="class_weights"):
        _clf(class_weights=[1, 2])
    with pytest.raises(ValueError, match="char_features"):
        _tagger(char_features="nope")


class Spelling:  # F = 2 features per token: a learned scale times (word length, first letter is upper)
    def __init__(self, words, dtype, seed, n_threads, scale=1.0):
        self.words, self.scale = words, scale
        self.table = np.array([[len(w), w[:1].isupper()] for w in words], dtype=dtype)
        self.output_size = 2

    def param_specs(self):
        return [("w", (2,))]

    def bind(self, params, grads):
        self.p, self.g = params["w"], grads["w"]

    def reset_parameters(self, seed):
        self.p[...] = [0.3, -0.2]

    def forward(self, X, lengths, train):
        self.X = X
        return self.table[X] * self.p * self.scale

    def backward(self, dF):
        self.g += (dF * self.table[self.X] * self.scale).sum(axis=(0, 1))

    def config(self):
        return {"scale": self.scale}


def test_char_features_hook():
    """A registered character-feature module is called with the tagger's words, its parameters live in the
    tagger's flat buffer (``char.*``), and its gradient is the tagger's (finite differences)."""
    seqfast.nn.register_char_features("test-spelling", Spelling)
    words = ["<pad>", "The", "cat", "Sat", "on", "a", "Mat", "x", "yy", "zzz"]
    m = _tagger(char_features="test-spelling", vocab=words, char_options={"scale": 0.5})
    assert "char.w" in m.state_dict() and m.params["rnn.weight_ih_l0"].shape[1] == 3 + 2
    X, Y, L = _batch(m)
    _fd_check(m, X, Y, L, n=40)
    m.loss_and_grad(X, Y, L)
    assert np.abs(m.grads["char.w"]).sum() > 0
    c = pickle.loads(pickle.dumps(m))
    np.testing.assert_array_equal(c.forward(X, L)[0], m.forward(X, L)[0])
    assert c.chars.p.base is not None and np.shares_memory(c.chars.p, c.flat_params)


def test_tagger_with_charcnn_keeps_unknown_spellings(tmp_path):
    """char_features=True is the character CNN; ids from V up (spellings added to it) are embedded as <unk> but
    keep their characters, so two unknown words get different tags' scores; gradients by finite differences."""
    words = ["<pad>", "<unk>", "the", "jury", "said", "it", "did", "find", "that", "many"]
    m = seqfast.RNNTagger(len(words), 3, 4, embedding_dim=3, char_features=True, vocab=words, dtype="float64",
                          n_threads=1, char_options={"filters": 4, "char_dim": 3})
    assert m.unk_id == 1 and "char.conv.weight" in m.state_dict()
    extra = m.chars.add_words(["Fulton", "grand"])
    assert extra.tolist() == [10, 11]
    X = np.array([[2, 10, 3, 0], [11, 4, 1, 0]])
    L = np.array([3, 3])
    out, _ = m.forward(X, L)
    assert not np.allclose(out[0, 1], out[1, 0])  # both unknown, different spellings
    Y = np.array([[0, 1, 2, -100], [2, 1, 0, -100]])
    _fd_check(m, X, Y, L, n=40)
    m.save(tmp_path / "t.sft")
    back = seqfast.RNNTagger.load(tmp_path / "t.sft")
    np.testing.assert_array_equal(back.forward(X[:, :3] % 10, L)[0], m.forward(X[:, :3] % 10, L)[0])
    with pytest.raises(IndexError, match="token id 12"):
        m.forward(np.array([[12]]))


def test_pretrained_embedding_and_freezing():
    """embedding=(array, words) initialises embedding.weight by the model's vocabulary; frozen, it stays."""
    words = ["the", "cat", "sat"]
    vecs = np.arange(9, dtype=np.float64).reshape(3, 3)
    vocab = ["<pad>", "sat", "the", "dog"] + [f"w{i}" for i in range(6)]
    m = seqfast.RNNClassifier(10, 3, 4, embedding=(vecs, words), vocab=vocab, freeze_embedding=True,
                              dtype="float64", n_threads=1)
    E = m.params["embedding.weight"]
    assert E.shape == (10, 3) and np.array_equal(E[1], vecs[2]) and np.array_equal(E[2], vecs[0])
    assert m.embedding_report["found"] == 2
    before = E.copy()
    X, Y, L = _batch(m)
    Trainer(m, lr=0.1).step_batch(X, Y, L)
    np.testing.assert_array_equal(m.params["embedding.weight"], before)


def test_dropout_and_threads():
    """Dropout is on in training only; the thread count changes no result beyond rounding."""
    m = _clf(dropout=0.5, num_layers=2, bidirectional=True)
    X, Y, L = _batch(m)
    assert m.loss(X, Y, L) == m.loss(X, Y, L)
    losses = {m.loss_and_grad(X, Y, L)[0] for _ in range(3)}
    assert len(losses) > 1  # a new mask every step
    a = _tagger(n_threads=1)
    b = _tagger(n_threads=3)
    X, Y, L = _batch(a)
    np.testing.assert_allclose(a.forward(X, L)[0], b.forward(X, L)[0], rtol=1e-12, atol=1e-12)
    a.loss_and_grad(X, Y, L)
    b.loss_and_grad(X, Y, L)
    np.testing.assert_allclose(a.flat_grads, b.flat_grads, rtol=1e-10, atol=1e-12)
