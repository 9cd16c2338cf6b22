"""pytest-benchmark suite for text to ids: `pytest bench/test_bench_text.py --benchmark-only`."""
import os

import numpy as np
import pytest

import seqfast

SHAKESPEARE = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "tinyshakespeare.txt")


@pytest.fixture(scope="module")
def tokens():
    if not os.path.exists(SHAKESPEARE):
        pytest.skip("tinyshakespeare.txt not found")
    with open(SHAKESPEARE, encoding="utf-8") as f:
        return seqfast.tokenize(f.read())


@pytest.fixture(scope="module")
def vocab(tokens):
    return seqfast.Vocab(tokens)


def test_tokenize(benchmark):
    with open(SHAKESPEARE, encoding="utf-8") as f:
        text = f.read()
    benchmark(seqfast.tokenize, text)


def test_encode_seqfast(benchmark, tokens, vocab):
    ids = benchmark(vocab.encode, tokens)
    assert ids.shape == (len(tokens),)


def test_encode_python_dict(benchmark, tokens, vocab):
    stoi = {t: i for i, t in enumerate(vocab.itos)}
    ids = benchmark(lambda: np.array([stoi.get(t, 0) for t in tokens], dtype=np.int32))
    np.testing.assert_array_equal(ids, vocab.encode(tokens))  # checked against the fast path


def test_batches_epoch(benchmark, tokens, vocab):
    ids = vocab.encode(tokens)
    b = seqfast.batches(ids, 32, 35, mode="random", seed=0)
    benchmark(lambda: sum(1 for _ in b))
