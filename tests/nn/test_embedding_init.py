"""RNNLM(embedding=KeyedVectors): pretrained vectors as the embedding table, aligned to the model's vocabulary."""
import numpy as np
import pytest

import seqfast


@pytest.fixture(scope="module")
def setup():
    text = seqfast.datasets.time_machine().lower()[:20000]
    toks = seqfast.tokenize(text)
    vocab = seqfast.Vocab(toks, min_freq=2)
    w2v = seqfast.Word2Vec([toks], vector_size=12, min_count=3, epochs=1, workers=1)
    return toks, vocab, w2v.wv


def test_rows_aligned_and_report(setup):
    toks, vocab, kv = setup
    m = seqfast.RNNLM(len(vocab), 16, embedding=kv, vocab=vocab)
    assert m.embedding_dim == 12
    E = m.params["embedding.weight"]
    rep = m.embedding_report
    found = [t for t in vocab.itos if t in kv]
    assert rep["found"] == len(found) and rep["found"] + rep["missing"] == len(vocab)
    assert "<unk>" in rep["missing_tokens"] and rep["missing"] > 0
    for t in found[:50]:
        np.testing.assert_array_equal(E[vocab[t]], kv[t])
    assert np.isfinite(E).all()
    v64 = seqfast.RNNLM(len(vocab), 8, embedding=kv, vocab=vocab.itos, dtype="float64")
    np.testing.assert_allclose(v64.params["embedding.weight"][vocab["the"]], kv["the"])


def test_freeze_embedding(setup):
    toks, vocab, kv = setup
    ids = vocab.encode(toks)
    for freeze in (True, False):
        m = seqfast.RNNLM(len(vocab), 16, embedding=kv, vocab=vocab, freeze_embedding=freeze)
        before = m.params["embedding.weight"].copy()
        seqfast.Trainer(m, optimizer="adam", lr=0.01).fit(ids[:2000], batch_size=4, num_steps=10, epochs=1,
                                                           progress=False)
        assert np.array_equal(before, m.params["embedding.weight"]) == freeze


def test_errors(setup):
    toks, vocab, kv = setup
    with pytest.raises(ValueError, match="vocab="):
        seqfast.RNNLM(len(vocab), 16, embedding=kv)
    with pytest.raises(ValueError, match="embedding_dim=12"):
        seqfast.RNNLM(len(vocab), 16, embedding=kv, vocab=vocab, embedding_dim=5)
    with pytest.raises(ValueError, match="tokens but the embedding table"):
        seqfast.RNNLM(len(vocab), 16, embedding=kv, vocab=vocab.itos[:-1])
    m = seqfast.RNNLM(len(kv), 8, embedding=kv)  # ids are the vectors' rows
    np.testing.assert_array_equal(m.params["embedding.weight"], kv.vectors)
    assert m.embedding_report["missing"] == 0


def test_gensim_vectors(setup):
    pytest.importorskip("gensim")
    from gensim.models import KeyedVectors as GKV
    toks, vocab, kv = setup
    g = GKV(vector_size=kv.vector_size)
    g.add_vectors(kv.index_to_key, kv.vectors)
    m = seqfast.RNNLM(len(vocab), 8, embedding=g, vocab=vocab)
    np.testing.assert_array_equal(m.params["embedding.weight"][vocab["the"]], kv["the"])
