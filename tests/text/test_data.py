import numpy as np
import pytest

from seqfast import batches, windows


# ---------------------------------------------------------------- windows
@pytest.mark.parametrize("n,length,stride", [(10, 3, None), (10, 3, 1), (10, 3, 2), (10, 3, 5), (7, 7, None),
                                             (1, 1, None), (100, 10, 7)])
def test_windows_rows_are_slices(n, length, stride):
    a = np.arange(n, dtype=np.int32) * 3
    w = windows(a, length, stride)
    s = length if stride is None else stride
    assert w.shape == ((n - length) // s + 1, length)
    for i, row in enumerate(w):
        np.testing.assert_array_equal(row, a[i * s:i * s + length])
    assert np.shares_memory(w, a)  # zero copy
    assert not w.flags.writeable
    # the tail is shorter than a stride and never runs past the end
    assert (w.shape[0] - 1) * s + length <= n < w.shape[0] * s + length


def test_windows_errors():
    a = np.arange(5)
    for bad in (0, -1):
        with pytest.raises(ValueError):
            windows(a, bad)
        with pytest.raises(ValueError):
            windows(a, 2, bad)
    with pytest.raises(ValueError, match="longer than the sequence"):
        windows(a, 6)
    with pytest.raises(ValueError, match="1-D"):
        windows(a.reshape(1, 5), 2)
    with pytest.raises(TypeError):
        windows(a, 2.0)


# ---------------------------------------------------------------- batches
def corpus(n, seed=0, V=50):
    return np.random.default_rng(seed).integers(0, V, size=n).astype(np.int32)


@pytest.mark.parametrize("mode", ["sequential", "random"])
@pytest.mark.parametrize("n,B,T", [(1000, 4, 7), (200, 1, 1), (333, 5, 10), (50, 3, 5)])
def test_targets_are_next_tokens_and_in_bounds(mode, n, B, T):
    # positions make "next token" checkable: ids[i] = i
    ids = np.arange(n, dtype=np.int64)
    b = batches(ids, B, T, mode=mode, seed=1)
    count = 0
    for X, Y in b:
        assert X.shape == Y.shape == (B, T) and X.dtype == Y.dtype == np.int32
        np.testing.assert_array_equal(Y, X + 1)  # every target is the next token
        np.testing.assert_array_equal(np.diff(X, axis=1), 1)  # rows are contiguous spans
        assert Y.max() <= n - 1  # nothing runs past the corpus end
        count += 1
    assert count == len(b) > 0


@pytest.mark.parametrize("random_offset", [False, True])
def test_sequential_rows_continue_across_batches(random_offset):
    ids = np.arange(1003)
    b = batches(ids, 4, 6, mode="sequential", seed=3, random_offset=random_offset)
    for _ in range(3):  # epochs
        prev = None
        for X, _ in b:
            if prev is not None:
                np.testing.assert_array_equal(X[:, 0], prev[:, -1] + 1)
            prev = X


def test_sequential_values_on_random_corpus():
    ids = corpus(500, seed=5)
    for X, Y in batches(ids, 3, 4):
        pass  # consumed
    X, Y = next(iter(batches(ids, 3, 4)))
    L = (500 - 1) // 3
    for r in range(3):
        np.testing.assert_array_equal(X[r], ids[r * L:r * L + 4])
        np.testing.assert_array_equal(Y[r], ids[r * L + 1:r * L + 5])


def test_random_mode_visits_each_subsequence_at_most_once_per_epoch():
    n, B, T = 1000, 4, 7
    b = batches(np.arange(n), B, T, mode="random", seed=0)
    offsets = set()
    for _ in range(5):
        starts = [int(x) for X, _ in b for x in X[:, 0]]
        assert len(starts) == len(set(starts)) == len(b) * B  # each once, none repeated
        off = starts[0] % T
        assert all(s % T == off for s in starts)  # a grid of non-overlapping subsequences
        n_sub = (n - 1 - off) // T
        assert len(starts) >= n_sub - (B - 1) - 1  # at most a partial batch (+ worst-case offset) left out
        offsets.add(off)
    assert len(offsets) > 1  # the offset changes between epochs


def test_random_mode_covers_all_when_divisible():
    T, B = 5, 3
    b = batches(np.arange(B * T * 4 + T), B, T, mode="random", seed=2, random_offset=False)
    starts = sorted(int(x) for X, _ in b for x in X[:, 0])
    assert starts == list(range(0, B * T * 4 + T - 1 - T + 1, T))[: len(starts)] and len(starts) == B * 4


@pytest.mark.parametrize("mode", ["sequential", "random"])
def test_deterministic_for_seed(mode):
    ids = corpus(2000)
    b0 = batches(ids, 4, 9, mode=mode, seed=42)
    a = [(X.copy(), Y.copy()) for _ in range(2) for X, Y in b0]
    b1 = batches(ids, 4, 9, mode=mode, seed=42)
    b = [(X, Y) for _ in range(2) for X, Y in b1]
    for (x1, y1), (x2, y2) in zip(a, b):
        np.testing.assert_array_equal(x1, x2)
        np.testing.assert_array_equal(y1, y2)


def test_len_is_stable_across_epochs():
    b = batches(np.arange(997), 3, 11, mode="random", seed=0)
    assert all(sum(1 for _ in b) == len(b) for _ in range(10))


def test_too_small_corpus_names_both_sizes():
    with pytest.raises(ValueError, match=r"100 tokens.*batch_size=10.*num_steps=20"):
        batches(np.arange(100), 10, 20)
    with pytest.raises(ValueError, match="too small"):
        batches(np.arange(0), 1, 1)


def test_bad_ids_and_sizes():
    with pytest.raises(TypeError, match="integers"):
        batches(np.arange(100.0), 2, 3)
    with pytest.raises(ValueError, match="1-D"):
        batches(np.arange(100).reshape(10, 10), 2, 3)
    with pytest.raises(IndexError):
        batches(np.array([1, -2, 3] * 10), 2, 3)
    for bad in (0, -3):
        with pytest.raises(ValueError):
            batches(np.arange(100), bad, 3)
        with pytest.raises(ValueError):
            batches(np.arange(100), 2, bad)
    with pytest.raises(ValueError, match="mode"):
        batches(np.arange(100), 2, 3, mode="shuffled")
