"""Character CNN word features (csrc/charcnn.c, seqfast.nn.chars.CharCNN): C kernels vs the NumPy twin (dtype x
threads x activations, odd and even widths), finite differences, padding invariance, torch.nn.Conv1d agreement
(recorded fixture always, live when torch is installed), the word-id interface and bad input."""
import numpy as np
import pytest

from seqfast import _charcnn
from seqfast.nn.chars import CharCNN
from seqfast.reference import charcnn as ref

from .helpers import fixture_module

fixture = fixture_module("make_charcnn_fixture")

TOL = {"float64": 1e-10, "float32": 1e-4}


def case(dtype, C=13, E=5, F=7, K=3, lengths=(4, 1, 0, 9, 3, 6, 2), seed=0):
    rng = np.random.default_rng(seed)
    L = max(lengths) + 2
    chars = rng.integers(0, C, (len(lengths), L)).astype(np.int32)
    lens = np.array(lengths, dtype=np.int32)
    emb = rng.standard_normal((C, E)).astype(dtype)
    weight = (rng.standard_normal((F, E, K)) * 0.3).astype(dtype)
    bias = (rng.standard_normal(F) * 0.1).astype(dtype)
    dout = rng.standard_normal((len(lengths), F)).astype(dtype)
    return chars, lens, emb, weight, bias, dout


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("threads", [1, 2, 3])
@pytest.mark.parametrize("activation", ["tanh", "relu", "identity"])
@pytest.mark.parametrize("K", [1, 3, 4, 5])
def test_kernel_matches_reference(dtype, threads, activation, K):
    chars, lens, emb, weight, bias, dout = case(dtype, K=K)
    P = (K - 1) // 2
    lens = np.maximum(lens, np.where(lens > 0, K - 2 * P, 0)).astype(np.int32)  # every word fits the filter
    out, am = _charcnn.forward(chars, lens, emb, weight, bias, P, activation, threads)
    rout, ram = ref.charcnn_forward(chars, lens, emb, weight, bias, P, activation)
    np.testing.assert_allclose(out, rout, rtol=TOL[dtype], atol=TOL[dtype])
    if dtype == "float64":
        assert (am == ram).all()
    demb, dW, db = np.zeros_like(emb), np.zeros_like(weight), np.zeros_like(bias)
    _charcnn.backward(dout, out, am, chars, lens, emb, weight, demb, dW, db, P, activation, threads)
    r = ref.charcnn_backward(dout, out, am, chars, lens, emb, weight, P, activation)
    for got, want in zip((demb, dW, db), r):
        np.testing.assert_allclose(got, want, rtol=TOL[dtype], atol=TOL[dtype])
    # accumulation: a second backward adds the same again
    _charcnn.backward(dout, out, am, chars, lens, emb, weight, demb, dW, db, P, activation, threads)
    np.testing.assert_allclose(db, 2 * r[2], rtol=TOL[dtype], atol=TOL[dtype])


def test_results_do_not_depend_on_threads():
    chars, lens, emb, weight, bias, dout = case("float32", lengths=tuple(range(1, 40)), F=9)
    res = []
    for nt in (1, 2, 4):
        out, am = _charcnn.forward(chars, lens, emb, weight, bias, 1, "tanh", nt)
        g = [np.zeros_like(emb), np.zeros_like(weight), np.zeros_like(bias)]
        _charcnn.backward(dout, out, am, chars, lens, emb, weight, *g, 1, "tanh", nt)
        res.append([out] + g)
    for other in res[1:]:
        for a, b in zip(res[0], other):
            assert np.array_equal(a, b)


@pytest.mark.parametrize("activation", ["tanh", "identity"])
def test_finite_differences(activation):
    chars, lens, emb, weight, bias, dout = case("float64", lengths=(3, 5, 1), F=4, E=3)
    P = 1

    def loss(e, w, b):
        out, _ = _charcnn.forward(chars, lens, e, w, b, P, activation, 1)
        return float((out * dout).sum())

    out, am = _charcnn.forward(chars, lens, emb, weight, bias, P, activation, 1)
    g = [np.zeros_like(emb), np.zeros_like(weight), np.zeros_like(bias)]
    _charcnn.backward(dout, out, am, chars, lens, emb, weight, *g, P, activation, 1)
    params = [emb, weight, bias]
    h = 1e-6
    for i, p in enumerate(params):
        num = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + h
            up = loss(*params)
            p[idx] = old - h
            down = loss(*params)
            p[idx] = old
            num[idx] = (up - down) / (2 * h)
        np.testing.assert_allclose(g[i], num, rtol=1e-5, atol=1e-7)


def test_padding_and_neighbours_do_not_change_a_word():
    chars, lens, emb, weight, bias, _ = case("float64")
    out, _ = _charcnn.forward(chars, lens, emb, weight, bias, 1, "tanh", 2)
    for w, n in enumerate(lens):
        wide = np.full((1, chars.shape[1] + 10), 12, dtype=np.int32)  # other ids in the padded tail
        wide[0, :n] = chars[w, :n]
        alone, _ = _charcnn.forward(wide, lens[w:w + 1], emb, weight, bias, 1, "tanh", 1)
        np.testing.assert_array_equal(alone[0], out[w])
    assert (out[lens == 0] == 0).all()


def test_bad_input():
    chars, lens, emb, weight, bias, _ = case("float64")
    bad = chars.copy()
    bad[0, 0] = 99
    with pytest.raises(IndexError):
        _charcnn.forward(bad, lens, emb, weight, bias, 1, "tanh", 1)
    with pytest.raises(IndexError):
        _charcnn.forward(chars, lens + chars.shape[1], emb, weight, bias, 1, "tanh", 1)
    with pytest.raises(ValueError):  # a one-character word is too short for width 5 without padding
        _charcnn.forward(chars, np.ones_like(lens), emb, np.zeros((2, emb.shape[1], 5)), np.zeros(2), 0, "tanh", 1)
    with pytest.raises(ValueError):
        _charcnn.forward(chars, lens, emb, weight, bias[:2], 1, "tanh", 1)


# ---- torch ------------------------------------------------------------------------------------------
RECORDED = fixture.load()


def _run_recorded(rec, dtype, activation):
    C, E, F, K = fixture.SHAPE
    P = (K - 1) // 2
    emb, W, b = rec["embedding.weight"], rec["conv.weight"], rec["conv.bias"]
    out, am = _charcnn.forward(rec["chars"], rec["lengths"], emb, W, b, P, activation, 2)
    g = [np.zeros_like(emb), np.zeros_like(W), np.zeros_like(b)]
    _charcnn.backward(rec["dout"], out, am, rec["chars"], rec["lengths"], emb, W, *g, P, activation, 2)
    return out, g


@pytest.mark.parametrize("dtype", fixture.DTYPES)
@pytest.mark.parametrize("activation", fixture.ACTIVATIONS)
def test_recorded_torch_conv1d(dtype, activation):
    rec = RECORDED[fixture.key(dtype, activation)]
    out, g = _run_recorded(rec, dtype, activation)
    tol = TOL[dtype]
    np.testing.assert_allclose(out, rec["out"], rtol=tol, atol=tol)
    for name, got in zip(("embedding.weight", "conv.weight", "conv.bias"), g):
        np.testing.assert_allclose(got, rec[f"grad_{name}"], rtol=tol, atol=tol)


@pytest.mark.parametrize("activation", fixture.ACTIVATIONS)
def test_live_torch_conv1d(activation):
    pytest.importorskip("torch")
    rec = fixture.record("float64", activation)
    out, g = _run_recorded(rec, "float64", activation)
    np.testing.assert_allclose(out, rec["out"], rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(g[1], rec["grad_conv.weight"], rtol=1e-10, atol=1e-10)


# ---- the module -------------------------------------------------------------------------------------
WORDS = ["<unk>", "<pad>", "the", "jury", "said", "Atlanta's", "re-election", "1962"]


def test_module_by_word_id_equals_kernel_on_spellings():
    cnn = CharCNN(WORDS, np.float64, seed=1, filters=6, char_dim=4)
    X = np.array([[2, 3, 4, 2], [5, 6, 0, 0]], dtype=np.int32)
    lengths = np.array([4, 2], dtype=np.int32)
    out = cnn.forward(X, lengths, True)
    assert out.shape == (2, 4, 6)
    assert (out[1, 2:] == 0).all()
    np.testing.assert_array_equal(out[0, 0], out[0, 3])  # the same word, the same features
    rows = [cnn.encode_word(WORDS[i]) for i in (2, 3, 4, 2, 5, 6)]
    L = max(map(len, rows))
    chars = np.array([r + [0] * (L - len(r)) for r in rows], np.int32)
    lens = np.array([len(r) for r in rows], np.int32)
    want, _ = ref.charcnn_forward(chars, lens, cnn.params["embedding.weight"], cnn.params["conv.weight"],
                                  cnn.params["conv.bias"], cnn.padding, "tanh")
    np.testing.assert_allclose(out[lengths[:, None] > np.arange(4)], want, atol=1e-12)
    # backward by id = the kernel's backward on every token's spelling (repeats summed)
    dF = np.random.default_rng(0).standard_normal(out.shape)
    cnn.backward(dF)
    _, am = ref.charcnn_forward(chars, lens, cnn.params["embedding.weight"], cnn.params["conv.weight"],
                                cnn.params["conv.bias"], cnn.padding, "tanh")
    r = ref.charcnn_backward(dF[lengths[:, None] > np.arange(4)], want, am, chars, lens,
                             cnn.params["embedding.weight"], cnn.params["conv.weight"], cnn.padding, "tanh")
    for name, w in zip(("embedding.weight", "conv.weight", "conv.bias"), r):
        np.testing.assert_allclose(cnn.grads[name], w, atol=1e-10)


def test_unknown_words_keep_their_spelling():
    cnn = CharCNN(WORDS, np.float32, filters=5)
    ids = cnn.add_words(["Fulton", "the", "Fulton", "jurors"])
    assert ids.tolist() == [8, 2, 8, 9] and cnn.num_words == 10
    out = cnn.forward(ids[None], None)
    assert not np.allclose(out[0, 0], out[0, 3])
    cnn.forget_added_words()
    assert cnn.num_words == len(WORDS)
    with pytest.raises(IndexError, match="add_words"):
        cnn.forward(ids[None], None)


def test_bind_config_and_long_words():
    cnn = CharCNN(WORDS, np.float64, seed=3, filters=4, max_word_len=6)
    flat = np.zeros(sum(int(np.prod(s)) for _, s in cnn.param_specs()))
    gflat = np.zeros_like(flat)
    views, gviews, off = {}, {}, 0
    for name, shape in cnn.param_specs():
        n = int(np.prod(shape))
        views[name], gviews[name] = flat[off:off + n].reshape(shape), gflat[off:off + n].reshape(shape)
        off += n
    before = cnn.forward(np.array([[3, 5]]), None)
    cnn.bind(views, gviews)
    np.testing.assert_array_equal(cnn.forward(np.array([[3, 5]]), None), before)
    cnn.backward(np.ones((1, 2, 4)))
    assert gflat.any()
    again = CharCNN(WORDS, np.float64, **cnn.config())
    assert again.chars == cnn.chars and again.config() == cnn.config()
    # a long word keeps its first 3 and last 3 characters between the marks
    assert len(cnn.encode_word("re-election")) == 8
    assert cnn.encode_word("re-election")[1:4] == cnn.encode_word("re-")[1:4]
    with pytest.raises(ValueError, match="activation"):
        CharCNN(WORDS, activation="sigmoid")
    with pytest.raises(ValueError, match="filters"):
        CharCNN(WORDS, filters=0)
