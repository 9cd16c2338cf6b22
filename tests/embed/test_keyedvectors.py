"""KeyedVectors: queries, the analogy and word-pair benchmarks, and the word2vec formats (against files gensim
wrote, committed in tests/data/word2vec, and live against gensim when it is installed)."""
import importlib.util
import os

import numpy as np
import pytest

import seqfast
from seqfast import KeyedVectors

DATA = os.path.join(os.path.dirname(__file__), os.pardir, "data", "word2vec")
spec = importlib.util.spec_from_file_location("make_fixtures", os.path.join(DATA, "make_fixtures.py"))
fixtures = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fixtures)


def toy():
    # countries on axes 0-2, each capital = its country + axis 3
    keys = ["france", "paris", "italy", "rome", "spain", "madrid", "cat"]
    v = np.array([[1, 0, 0, 0], [1, 0, 0, 1], [0, 1, 0, 0], [0, 1, 0, 1], [0, 0, 1, 0], [0, 0, 1, 1],
                  [-1, -0.5, -1, -1]], dtype=np.float32)
    return KeyedVectors(keys, v, counts=np.arange(7, 0, -1))


def test_lookups_and_similarity():
    kv = toy()
    assert kv["paris"].tolist() == [1, 0, 0, 1] and kv[["rome", "cat"]].shape == (2, 4)
    assert "rome" in kv and "berlin" not in kv and len(kv) == 7 and kv.vector_size == 4
    with pytest.raises(KeyError, match="berlin"):
        kv["berlin"]
    a, b = kv["france"], kv["italy"]
    assert kv.similarity("france", "italy") == pytest.approx(a @ b / np.linalg.norm(a) / np.linalg.norm(b), rel=1e-6)
    assert np.linalg.norm(kv.get_vector("paris", norm=True)) == pytest.approx(1, rel=1e-6)


def test_most_similar_is_3cosadd_and_excludes_queries():
    kv = toy()
    best = kv.most_similar(positive=["paris", "italy"], negative=["france"], topn=3)
    assert best[0][0] == "rome"
    assert all(w not in ("paris", "italy", "france") for w, _ in best)
    sims = [s for _, s in kv.most_similar("france", topn=10)]
    assert sims == sorted(sims, reverse=True) and len(sims) == 6
    assert kv.most_similar("france", topn=2, restrict_vocab=3)[0][0] in ("paris", "italy")
    assert kv.doesnt_match(["france", "italy", "spain", "cat"]) == "cat"


def test_analogies_and_word_pairs(tmp_path):
    kv = toy()
    q = tmp_path / "q.txt"
    q.write_text(": capital-world\nFrance Paris Italy Rome\nFrance Paris Spain Madrid\nItaly Rome France Paris\n"
                 "France Paris Germany Berlin\n: other\nparis france rome cat\n")
    acc, sections = kv.evaluate_word_analogies(q)
    assert [s["section"] for s in sections] == ["capital-world", "other", "Total accuracy"]
    assert len(sections[0]["correct"]) == 3 and len(sections[1]["incorrect"]) == 1
    assert acc == pytest.approx(3 / 4)  # the Berlin question is skipped (not in the vocabulary)
    acc2, _ = kv.evaluate_word_analogies(q, dummy4unknown=True)
    assert acc2 == pytest.approx(3 / 5)
    pairs = tmp_path / "ws.tsv"
    pairs.write_text("# Word 1\tWord 2\tHuman\nfrance\tparis\t8\nfrance\tcat\t0.5\nitaly\trome\t7.5\n"
                     "rome\tmadrid\t6\nberlin\tparis\t7\n")
    (r, _), (rho, _), oov = kv.evaluate_word_pairs(pairs)
    assert oov == pytest.approx(20.0) and -1 <= r <= 1 and -1 <= rho <= 1
    model = [kv.similarity(a, b) for a, b in [("france", "paris"), ("france", "cat"), ("italy", "rome"),
                                              ("rome", "madrid")]]
    assert model[0] == pytest.approx(model[2]) and model[1] < model[3] < model[0]
    # Spearman = Pearson of the ranks, ties sharing their mean rank: human [4, 1, 3, 2], model [3.5, 1, 3.5, 2]
    assert rho == pytest.approx(np.corrcoef([4, 1, 3, 2], [3.5, 1, 3.5, 2])[0, 1])
    with pytest.raises(ValueError, match="expected 4 words"):
        (tmp_path / "bad.txt").write_text(": s\na b c\n")
        kv.evaluate_word_analogies(tmp_path / "bad.txt")


def test_reads_gensim_files():
    want = fixtures.fixture_vectors()
    for name, kw in [("gensim.txt", {}), ("gensim.bin", {"binary": True}),
                     ("gensim-noheader.txt", {"no_header": True})]:
        kv = KeyedVectors.load_word2vec_format(os.path.join(DATA, name), **kw)
        assert kv.index_to_key == fixtures.KEYS, name
        assert np.array_equal(kv.vectors, want), name


@pytest.mark.parametrize("name,kw", [("gensim.txt", {}), ("gensim.bin", {"binary": True}),
                                     ("gensim-noheader.txt", {"write_header": False})])
def test_writes_what_gensim_writes(tmp_path, name, kw):
    kv = KeyedVectors(fixtures.KEYS, fixtures.fixture_vectors())
    out = tmp_path / name
    kv.save_word2vec_format(out, **kw)
    with open(os.path.join(DATA, name), "rb") as f:
        assert out.read_bytes() == f.read()


def test_round_trips_and_bad_files(tmp_path):
    rng = np.random.default_rng(0)
    kv = KeyedVectors([f"w{i}" for i in range(50)], rng.normal(size=(50, 7)).astype(np.float32))
    for binary in (False, True):
        p = tmp_path / f"v{binary}"
        kv.save_word2vec_format(p, binary=binary)
        back = KeyedVectors.load_word2vec_format(p, binary=binary)
        assert back.index_to_key == kv.index_to_key and np.array_equal(back.vectors, kv.vectors)
        assert KeyedVectors.load_word2vec_format(p, binary=binary, limit=3).vectors.shape == (3, 7)
    import gzip
    (tmp_path / "v.gz").write_bytes(gzip.compress((tmp_path / "vFalse").read_bytes()))
    assert np.array_equal(KeyedVectors.load_word2vec_format(tmp_path / "v.gz").vectors, kv.vectors)
    (tmp_path / "bad1").write_text("3 2\na 1 2\nb 1\n")
    with pytest.raises(ValueError, match="bad1"):
        KeyedVectors.load_word2vec_format(tmp_path / "bad1")
    (tmp_path / "bad2").write_text("a 1 2\n")
    with pytest.raises(ValueError, match="no_header"):
        KeyedVectors.load_word2vec_format(tmp_path / "bad2")
    (tmp_path / "bad3").write_bytes(b"2 3\nab \x00\x00")
    with pytest.raises(ValueError, match="truncated"):
        KeyedVectors.load_word2vec_format(tmp_path / "bad3", binary=True)
    with pytest.raises(FileNotFoundError):
        KeyedVectors.load_word2vec_format(tmp_path / "missing.txt")
    with pytest.raises(ValueError, match="whitespace"):
        KeyedVectors(["a b"], np.zeros((1, 2))).save_word2vec_format(tmp_path / "x")
    assert not os.path.exists(tmp_path / "x") and not os.path.exists(tmp_path / "x.tmp")


@pytest.mark.parametrize("binary", [False, True])
def test_gensim_interop_live(tmp_path, binary):
    gensim_models = pytest.importorskip("gensim.models")
    m = seqfast.Word2Vec([["a", "b", "c", "é"]] * 30, vector_size=6, min_count=1, epochs=1, workers=1)
    p = tmp_path / "s.vec"
    m.wv.save_word2vec_format(p, binary=binary)
    g = gensim_models.KeyedVectors.load_word2vec_format(str(p), binary=binary)
    assert list(g.index_to_key) == m.wv.index_to_key and np.array_equal(g.vectors, m.wv.vectors)
    q = tmp_path / "g.vec"
    g.save_word2vec_format(str(q), binary=binary)
    back = KeyedVectors.load_word2vec_format(q, binary=binary)
    assert np.array_equal(back.vectors, m.wv.vectors)
    assert g.most_similar("a", topn=3)[0][0] == back.most_similar("a", topn=3)[0][0]
