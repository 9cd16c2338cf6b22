import math

import numpy as np
import pytest

from seqfast import cross_entropy, perplexity


def test_perplexity_definition():
    p = np.array([0.5, 0.25, 0.125])
    assert perplexity(np.log(p)) == pytest.approx(math.exp(-np.log(p).mean()))
    assert perplexity(np.log(np.full(7, 1 / 13))) == pytest.approx(13)  # uniform over 13 words
    assert perplexity(nll=0.0) == 1.0


def test_perplexity_zero_probability_is_inf_with_warning():
    with pytest.warns(RuntimeWarning, match="probability 0"):
        assert perplexity(np.array([-1.0, -np.inf])) == math.inf


def test_perplexity_errors():
    with pytest.raises(ValueError):
        perplexity(np.array([]))
    with pytest.raises(ValueError, match="NaN"):
        perplexity(np.array([np.nan]))
    with pytest.raises(ValueError, match="<= 0"):
        perplexity(np.array([0.5]))
    with pytest.raises(TypeError):
        perplexity()


def test_cross_entropy_matches_naive_and_is_stable():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(4, 5, 7))
    y = rng.integers(0, 7, size=(4, 5))
    p = np.exp(z) / np.exp(z).sum(-1, keepdims=True)
    naive = -np.log(np.take_along_axis(p, y[..., None], -1)[..., 0])
    np.testing.assert_allclose(cross_entropy(z, y, "none"), naive, rtol=1e-12)
    assert cross_entropy(z, y) == pytest.approx(naive.mean(), rel=1e-12)
    assert cross_entropy(z, y, "sum") == pytest.approx(naive.sum(), rel=1e-12)
    big = np.array([[1000.0, 0.0]])
    assert cross_entropy(big, np.array([0])) == pytest.approx(0.0, abs=1e-12)
    assert perplexity(nll=cross_entropy(z, y)) == pytest.approx(math.exp(naive.mean()))


def test_cross_entropy_errors():
    with pytest.raises(ValueError, match="shape"):
        cross_entropy(np.zeros((2, 3)), np.zeros(3, dtype=int))
    with pytest.raises(IndexError):
        cross_entropy(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(TypeError):
        cross_entropy(np.zeros((2, 3)), np.array([0.0, 1.0]))
