"""Word2Vec: C kernels against the NumPy twin (seqfast.reference.word2vec), the SGNS gradient, determinism,
the training API, and learning on a corpus with planted structure."""
import pathlib

import numpy as np
import pytest

import seqfast
from seqfast import _w2v
from seqfast.reference import word2vec as ref
from seqfast.word2vec import alias_table, huffman, keep_thresholds


def tables(V, E, counts, sg=1, negative=3, hs=0, window=2, cbow_mean=1, share=1, alpha=0.05, total=0, seed=7,
           sample=0.0):
    keep = keep_thresholds(counts, sample)
    ap, al = alias_table(counts ** 0.75) if negative else (None, None)
    off, pts, cds = huffman(counts) if hs else (None, None, None)
    tab = _w2v.Tables(V, E, sg, negative, hs, window, cbow_mean, share, alpha, 1e-4, total, seed, keep, ap, al,
                      off, pts, cds)
    return tab, dict(keep=keep, alias_prob=ap, alias=al, huff=(off, pts, cds) if hs else None)


def arrays(V, E, hs, negative, seed=0):
    rng = np.random.default_rng(seed)
    syn0 = ((rng.random((V, E)) - 0.5) / 2).astype(np.float32)
    syn1neg = ((rng.random((V, E)) - 0.5) / 2).astype(np.float32) if negative else np.zeros((0, E), np.float32)
    syn1 = ((rng.random((V - 1, E)) - 0.5) / 2).astype(np.float32) if hs else np.zeros((0, E), np.float32)
    return syn0, syn1neg, syn1


COUNTS = np.array([50, 30, 20, 12, 9, 7, 5, 3, 2, 1], dtype=np.int64)


@pytest.mark.parametrize("E", [1, 7, 16, 100])
@pytest.mark.parametrize("hs,negative", [(0, 3), (1, 0), (1, 2)])
def test_sg_pair_step_matches_reference(E, hs, negative):
    V = len(COUNTS)
    tab, t = tables(V, E, COUNTS, negative=negative, hs=hs, share=0)
    c = arrays(V, E, hs, negative)
    r = [a.copy() for a in c]
    negs = [4, 1, 9][:negative]  # 1 == target: skipped
    loss = tab.step(*c, [3], 1, negs, 0.1)
    off, pts, cds = t["huff"] or (None, None, None)
    path = (pts[off[1]:off[2]], cds[off[1]:off[2]]) if hs else None
    rl = ref.sg_step(r[0], r[1] if negative else None, r[2], 3, 1, negs if negative else None, np.float32(0.1), path)
    for a, b in zip(c, r):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert loss == pytest.approx(rl, rel=1e-5)


@pytest.mark.parametrize("E", [3, 100])
@pytest.mark.parametrize("hs,negative", [(0, 3), (1, 2)])
def test_sg_window_step_matches_reference(E, hs, negative):
    V = len(COUNTS)
    tab, t = tables(V, E, COUNTS, negative=negative, hs=hs, share=1)
    c = arrays(V, E, hs, negative, seed=1)
    r = [a.copy() for a in c]
    ctx, negs = [3, 5, 3, 0], [2, 6, 0][:negative]  # a repeated context word; target 0 among the negatives
    loss = tab.step(*c, ctx, 0, negs, 0.2)
    off, pts, cds = t["huff"] or (None, None, None)
    path = (pts[off[0]:off[1]], cds[off[0]:off[1]]) if hs else None
    rl = ref.sg_window_step(r[0], r[1], r[2], ctx, 0, negs, np.float32(0.2), path)
    for a, b in zip(c, r):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert loss == pytest.approx(rl, rel=1e-5)


@pytest.mark.parametrize("cbow_mean", [1, 0])
@pytest.mark.parametrize("hs,negative", [(0, 5), (1, 0)])
def test_cbow_step_matches_reference(cbow_mean, hs, negative):
    V, E = len(COUNTS), 19
    tab, t = tables(V, E, COUNTS, sg=0, negative=negative, hs=hs, cbow_mean=cbow_mean)
    c = arrays(V, E, hs, negative, seed=2)
    r = [a.copy() for a in c]
    ctx, negs = [1, 2, 7], [0, 3, 3, 8, 9][:negative]
    loss = tab.step(*c, ctx, 4, negs, 0.05)
    off, pts, cds = t["huff"] or (None, None, None)
    path = (pts[off[4]:off[5]], cds[off[4]:off[5]]) if hs else None
    rl = ref.cbow_step(r[0], r[1] if negative else None, r[2], ctx, 4, negs if negative else None, np.float32(0.05),
                       bool(cbow_mean), path)
    for a, b in zip(c, r):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert loss == pytest.approx(rl, rel=1e-5)


def test_sgns_gradient_by_finite_differences():
    rng = np.random.default_rng(3)
    V, E = 6, 5
    v = rng.normal(size=E)
    U = rng.normal(size=(V, E))
    target, negs = 2, [0, 4, 2, 5]  # 2 again: skipped like the kernels do
    L, dv, dU = ref.sgns_loss_and_grad(v, U, target, negs)
    eps = 1e-6
    for i in range(E):
        e = np.zeros(E)
        e[i] = eps
        num = (ref.sgns_loss_and_grad(v + e, U, target, negs)[0] - ref.sgns_loss_and_grad(v - e, U, target, negs)[0])
        assert num / (2 * eps) == pytest.approx(dv[i], rel=1e-6, abs=1e-9)
    for r in range(V):
        for i in range(E):
            e = np.zeros((V, E))
            e[r, i] = eps
            num = ref.sgns_loss_and_grad(v, U + e, target, negs)[0] - ref.sgns_loss_and_grad(v, U - e, target, negs)[0]
            assert num / (2 * eps) == pytest.approx(dU[r, i], rel=1e-6, abs=1e-9)


def test_kernel_step_is_sgd_on_the_sgns_loss():
    """The C pair step moves syn0[in] by -alpha dL/dv and syn1neg by -alpha dL/dU (float32 rounding)."""
    V, E, alpha = len(COUNTS), 8, 1e-2
    tab, _ = tables(V, E, COUNTS, negative=3, share=0)
    syn0, syn1neg, syn1 = arrays(V, E, 0, 3, seed=4)
    s0, s1 = syn0.copy(), syn1neg.copy()
    L, dv, dU = ref.sgns_loss_and_grad(s0[5], s1, 2, [7, 8, 1])
    loss = tab.step(syn0, syn1neg, syn1, [5], 2, [7, 8, 1], alpha)
    assert loss == pytest.approx(L, rel=1e-5)
    np.testing.assert_allclose(syn0[5] - s0[5], -alpha * dv, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(syn1neg - s1, -alpha * dU, rtol=1e-4, atol=1e-7)


CORPUS = [["the", "king", "rules", "the", "land"], ["the", "queen", "rules", "the", "land"],
          ["a", "dog", "chases", "a", "cat"], ["a", "cat", "chases", "a", "mouse"],
          ["the", "king", "and", "the", "queen"]] * 12


@pytest.mark.parametrize("sg,hs,negative,share,sample", [
    (1, 0, 4, 1, 0.0), (1, 0, 4, 0, 0.0), (0, 0, 4, 0, 0.0), (1, 1, 2, 1, 0.01), (0, 1, 0, 0, 0.01),
    (1, 1, 0, 0, 0.0)])
def test_training_one_thread_matches_reference(sg, hs, negative, share, sample):
    kw = dict(vector_size=6, window=3, min_count=1, sg=sg, hs=hs, negative=negative, sample=sample, epochs=1,
              workers=1, seed=5, share_negatives=bool(share), alpha=0.05)
    m = seqfast.Word2Vec(**kw)
    m.build_vocab(CORPUS)
    syn0, syn1neg, syn1 = m.wv.vectors.copy(), m.syn1neg.copy(), m.syn1.copy()
    ids = np.concatenate(list(m._chunks(CORPUS)))
    m.train(CORPUS)
    ref.train(syn0, syn1neg, syn1, ids, sg=sg, negative=negative, hs=hs, window=3, cbow_mean=1,
              share_negatives=share, alpha=0.05, min_alpha=1e-4, total_words=m.corpus_total_words, seed=5,
              keep=m._keep, alias_prob=m._alias_prob, alias=m._alias, huff=m._huff)
    np.testing.assert_allclose(m.wv.vectors, syn0, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(m.syn1neg, syn1neg, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(m.syn1, syn1, rtol=1e-4, atol=1e-6)


def test_blocks_and_pieces_match_reference():
    """Several blocks and a sentence longer than the piece limit: random streams per block, alpha by position."""
    V, E = len(COUNTS), 4
    rng = np.random.default_rng(0)
    ids = rng.integers(0, V, size=23000).astype(np.int32)
    ids[rng.choice(23000, 1500, replace=False)] = -1
    ids[100:10500] = rng.integers(0, V, size=10400)  # one 10,400-word sentence: two pieces
    tab, t = tables(V, E, COUNTS, negative=2, window=1, total=10 ** 6, sample=0.05)
    c = arrays(V, E, 0, 2, seed=6)
    r = [a.copy() for a in c]
    words, eff, ex, loss, nb = tab.train(*c, ids, 1234, 17, 1, False)
    assert words == int((ids >= 0).sum()) and 0 < eff < words
    nb_ref = ref.train(*r, ids, sg=1, negative=2, hs=0, window=1, cbow_mean=1, share_negatives=1, alpha=0.05,
                       min_alpha=1e-4, total_words=10 ** 6, seed=7, keep=t["keep"], alias_prob=t["alias_prob"],
                       alias=t["alias"], words_before=1234, block_base=17)
    assert nb == nb_ref >= 3
    for a, b in zip(c, r):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_alias_table_is_exact():
    w = np.array([5.0, 1.0, 0.5, 3.5, 0.0, 2.0])
    prob, alias = alias_table(w)
    V = len(w)
    p = np.zeros(V)
    for j in range(V):
        p[j] += prob[j] / 2 ** 31 / V
        p[alias[j]] += (1 - prob[j] / 2 ** 31) / V
    np.testing.assert_allclose(p, w / w.sum(), atol=1e-9)


def test_huffman_paths_are_prefix_free():
    off, pts, cds = huffman(COUNTS)
    codes = ["".join(map(str, cds[off[w]:off[w + 1]])) for w in range(len(COUNTS))]
    assert all(not b.startswith(a) for a in codes for b in codes if a != b)
    assert len(codes[0]) <= len(codes[-1])  # frequent words get short codes
    assert pts.max() == len(COUNTS) - 2 and all(pts[off[w]] == len(COUNTS) - 2 for w in range(len(COUNTS)))


def test_workers_1_is_deterministic_and_seed_matters():
    kw = dict(vector_size=10, min_count=1, epochs=3, workers=1)
    a = seqfast.Word2Vec(CORPUS, seed=3, **kw)
    b = seqfast.Word2Vec(CORPUS, seed=3, **kw)
    c = seqfast.Word2Vec(CORPUS, seed=4, **kw)
    assert np.array_equal(a.wv.vectors, b.wv.vectors)
    assert not np.array_equal(a.wv.vectors, c.wv.vectors)
    d = seqfast.Word2Vec(CORPUS, seed=3, vector_size=10, min_count=1, epochs=3, workers=2)
    assert np.isfinite(d.wv.vectors).all()


def test_later_epochs_replay_the_first_epochs_rows(monkeypatch):
    """Epochs after the first read the rows back from the temporary file: the same training as reading the
    corpus every epoch, bit for bit."""
    kw = dict(vector_size=12, min_count=1, epochs=3, workers=1, seed=5)
    a = seqfast.Word2Vec(CORPUS, **kw)

    def no_cache(self):
        self.sizes, self.f, self.ok = [], None, False

    monkeypatch.setattr(seqfast.word2vec._RowCache, "__init__", no_cache)
    b = seqfast.Word2Vec(CORPUS, **kw)
    assert np.array_equal(a.wv.vectors, b.wv.vectors)
    assert np.array_equal(a.syn1neg, b.syn1neg)


def test_two_threads_with_private_frequent_rows():
    """With two threads the most frequent rows (ids < W2V_HOT_ROWS) train in private copies merged every
    W2V_HOT_BLOCKS blocks: a vocabulary larger than that still separates planted topics, and every row is
    finite."""
    rng = np.random.default_rng(1)
    a = [f"a{i}" for i in range(700)]
    b = [f"b{i}" for i in range(700)]
    corpus = [list(rng.choice(a if k % 2 else b, 10)) for k in range(12000)]
    m = seqfast.Word2Vec(corpus, vector_size=16, window=3, min_count=1, epochs=3, workers=2, sample=0, seed=2)
    assert len(m.wv) == 1400 and np.isfinite(m.wv.vectors).all() and np.isfinite(m.syn1neg).all()
    same = np.mean([m.wv.similarity(a[i], a[i + 1]) for i in range(0, 100, 2)])
    cross = np.mean([m.wv.similarity(a[i], b[i]) for i in range(0, 100, 2)])
    assert same > cross + 0.2


def _planted_corpus(n_sent=3000, seed=0):
    """Two topics whose words never share a sentence: vectors must separate them."""
    rng = np.random.default_rng(seed)
    a = [f"a{i}" for i in range(20)]
    b = [f"b{i}" for i in range(20)]
    return [list(rng.choice(a if k % 2 else b, 8)) for k in range(n_sent)]


@pytest.mark.parametrize("sg,hs,negative", [(1, 0, 5), (0, 0, 5), (1, 1, 0), (0, 1, 0)])
def test_learns_topics(sg, hs, negative):
    corpus = _planted_corpus()
    m = seqfast.Word2Vec(corpus, vector_size=16, window=3, min_count=1, sg=sg, hs=hs, negative=negative, epochs=3,
                         workers=2, sample=0)
    same = np.mean([m.wv.similarity("a1", f"a{i}") for i in range(2, 20)])
    other = np.mean([m.wv.similarity("a1", f"b{i}") for i in range(2, 20)])
    assert same > other + 0.3, (same, other)
    assert m.wv.most_similar("b3", topn=5)[0][0].startswith("b")
    assert m.wv.doesnt_match(["a1", "a2", "a3", "b4"]) == "b4"


def test_loss_decreases_and_progress():
    corpus = _planted_corpus(1000)
    m = seqfast.Word2Vec(vector_size=16, min_count=1, epochs=1, workers=1, compute_loss=True, sample=0)
    m.build_vocab(corpus)
    seen = []
    first = m.train(corpus, progress=seen.append)["loss"]
    last = m.train(corpus, progress=seen.append)["loss"]
    assert 0 < last < first
    assert m.get_latest_training_loss() == last
    assert seen and {"words_per_s", "alpha", "loss", "epoch"} <= set(seen[-1])


def test_corpus_sources(tmp_path):
    lines = [" ".join(s) for s in CORPUS]
    p = tmp_path / "c.txt"
    p.write_text("\n".join(lines) + "\n")
    import gzip
    gz = tmp_path / "c.txt.gz"
    gz.write_bytes(gzip.compress(p.read_bytes()))
    kw = dict(vector_size=5, min_count=1, epochs=1, workers=1)
    ms = [seqfast.Word2Vec(src, **kw) for src in (str(p), [p], str(gz), lines, CORPUS)]
    for m in ms[1:]:
        assert m.wv.index_to_key == ms[0].wv.index_to_key
        assert np.array_equal(m.wv.vectors, ms[0].wv.vectors)
    assert ms[0].corpus_total_words == sum(len(s) for s in CORPUS)
    up = seqfast.Word2Vec([s.upper() for s in lines], lower=True, **kw)
    assert up.wv.index_to_key == ms[0].wv.index_to_key


def test_vocab_rules():
    corpus = [["x"] * 5 + ["y"] * 3 + ["z"] * 3 + ["w"]]
    m = seqfast.Word2Vec(vector_size=4, min_count=2, workers=1).build_vocab(corpus)
    assert m.wv.index_to_key == ["x", "y", "z"] and m.wv.counts.tolist() == [5, 3, 3]
    assert m.corpus_total_words == 11 and m.corpus_raw_words == 12
    m = seqfast.Word2Vec(vector_size=4, min_count=1, max_vocab_size=2, workers=1).build_vocab(corpus)
    assert m.wv.index_to_key == ["x", "y"]


def test_bad_arguments():
    with pytest.raises(ValueError, match="negative=0 and hs=0"):
        seqfast.Word2Vec(negative=0, hs=0)
    for kw in ({"vector_size": 0}, {"window": 0}, {"min_count": 0}, {"sg": 2}, {"alpha": 0}, {"epochs": 0},
               {"sample": -1}, {"min_alpha": 1.0}, {"level": "char"}, {"seed": -1}, {"vector_size": 2.5}):
        with pytest.raises(ValueError):
            seqfast.Word2Vec(**kw)
    with pytest.raises(TypeError, match="re-iterable"):
        seqfast.Word2Vec((s for s in CORPUS), min_count=1)
    with pytest.raises(ValueError, match="min_count"):
        seqfast.Word2Vec([["a", "b"]], min_count=5)
    with pytest.raises(RuntimeError, match="build_vocab"):
        seqfast.Word2Vec().train(CORPUS)
    with pytest.raises(FileNotFoundError):
        seqfast.Word2Vec([pathlib.Path("/no/such/file.txt"), pathlib.Path(__file__)], min_count=1)
    with pytest.raises(TypeError):
        seqfast.Word2Vec([["a", 1]], min_count=1)


def test_save_load_continues_training(tmp_path):
    m = seqfast.Word2Vec(CORPUS, vector_size=6, min_count=1, epochs=1, workers=1, hs=1)
    p = tmp_path / "m.npz"
    m.save(p)
    m2 = seqfast.Word2Vec.load(p)
    assert m2.wv.index_to_key == m.wv.index_to_key
    assert np.array_equal(m2.wv.vectors, m.wv.vectors) and np.array_equal(m2.syn1, m.syn1)
    m.train(CORPUS)
    m2.train(CORPUS)
    assert np.array_equal(m2.wv.vectors, m.wv.vectors)  # same state, same random streams
    (tmp_path / "bad.npz").write_bytes(b"nope")
    with pytest.raises(ValueError, match="not a seqfast Word2Vec"):
        seqfast.Word2Vec.load(tmp_path / "bad.npz")


def test_invalid_utf8_and_errors_option(tmp_path):
    p = tmp_path / "latin1.txt"
    p.write_bytes(("caf\xe9 au lait\n" * 20).encode("latin-1"))
    for level in ("word", "whitespace"):
        with pytest.raises(seqfast.InvalidUTF8Error, match="latin1.txt"):
            seqfast.Word2Vec(str(p), min_count=1, level=level, workers=1)
        m = seqfast.Word2Vec(str(p), min_count=1, level=level, errors="replace", workers=1, vector_size=4)
        assert ("caf\ufffd" if level == "whitespace" else "caf") in m.wv and "lait" in m.wv


def test_gensim_style_calls():
    m = seqfast.Word2Vec(vector_size=5, min_count=1, epochs=1, workers=1)
    m.build_vocab(corpus_iterable=CORPUS)
    r = m.train(corpus_iterable=CORPUS, total_examples=len(CORPUS), epochs=2)
    assert r["words"] == 2 * m.corpus_total_words
    with pytest.raises(TypeError, match="once"):
        m.train(CORPUS, corpus_iterable=CORPUS)
