"""Partitions by a table of the most frequent words (extmem.partition_map, used by the Dask build) instead of
id % P: rows grouped as the table says, each group in order; the memory-capped model is byte for byte the
in-memory one whatever the table (Kneser-Ney stays local for any partitioning by the second-to-last word)."""
import pathlib

import numpy as np
import pytest

import seqfast
from seqfast import extmem
from seqfast._ngram import partition_rows

from _lmdata import model_files

DATA = pathlib.Path(__file__).resolve().parent.parent / "data"
BOOK = DATA / "chesterton-thursday.txt"


def test_partition_rows_by_table():
    rng = np.random.default_rng(0)
    g = np.ascontiguousarray(rng.integers(0, 50, size=(500, 3)), dtype=np.int32)
    for col in range(3):
        a = partition_rows(g, col, 7)
        b = extmem.partition_rows_by(g, col, 7, None)
        assert all(np.array_equal(x, y) for x, y in zip(a, b))
    table = rng.integers(0, 7, size=20).astype(np.int16)
    perm, starts = extmem.partition_rows_by(g, 1, 7, table)
    assert starts[0] == 0 and starts[-1] == g.shape[0] and np.all(np.diff(starts) >= 0)
    w = g[:, 1]
    want = np.where(w < 20, table[np.minimum(w, 19)], w % 7)
    for p in range(7):
        sel = perm[starts[p]:starts[p + 1]]
        assert np.all(want[sel] == p) and np.all(np.diff(sel) > 0)  # the group's rows in their order
    assert np.array_equal(np.sort(perm), np.arange(g.shape[0]))


def test_partition_map_balances():
    freq = np.array([1000, 900, 800, 50, 40, 30, 20, 10] + [1] * 100, dtype=np.int64)
    table = extmem.partition_map(freq, 3, top=2)
    assert table.shape == (6,) and table.dtype == np.int16
    key = np.where(np.arange(freq.shape[0]) < 6, table[np.minimum(np.arange(freq.shape[0]), 5)],
                   np.arange(freq.shape[0]) % 3)
    load = np.bincount(key, weights=freq, minlength=3)
    assert load.max() / load.mean() < 1.1  # the three heavy words in three partitions
    assert extmem.partition_map(freq, 1) is None


@pytest.mark.parametrize("order,kw", [(3, {}), (5, {"prune": (0, 1, 1, 2)})])
def test_capped_fit_same_bytes_any_table(tmp_path, monkeypatch, order, kw):
    real = extmem.plan
    monkeypatch.setattr(extmem, "plan", lambda budget, *a: real(4 << 20, *a))  # many runs and partitions
    seen = []

    def scrambled(self, P):
        t = np.random.default_rng(P).integers(0, P, size=min(len(self.vocab), 300)).astype(np.int16)
        seen.append(P)
        return t

    monkeypatch.setattr(extmem.Build, "_partition_map", scrambled)
    local = seqfast.NGramLM.fit(BOOK, order, **kw)
    capped = seqfast.NGramLM.fit(BOOK, order, memory="64M", tmpdir=tmp_path, **kw)
    assert seen and seen[0] > 2
    assert model_files(capped, tmp_path, "c") == model_files(local, tmp_path, "l")


def test_partition_map_splits_heavy_words():
    freq = np.array([5000, 900, 800, 50, 40, 30, 20, 10] + [1] * 100, dtype=np.int64)
    assert extmem.partition_map(freq, 4, top=2).ndim == 1  # no split asked: one partition per word
    table = extmem.partition_map(freq, 4, top=2, split=0.5)
    assert table.ndim == 2 and table.dtype == np.int16
    assert extmem.split_words(table).tolist() == [True, True] + [False] * 6  # above half a partition's mean
    pieces = table[0][table[0] >= 0]
    assert pieces.shape[0] == 4 and len(set(pieces.tolist())) == 4  # 5000 tokens: over all 4 partitions
    assert table[1, 2] == -1 and table[1, 0] != table[1, 1]  # 900 tokens: over 2
    g = np.array([[0, 0, w] for w in range(40)] + [[1, 2, 3], [0, 1, 0], [9, 107, 1]], dtype=np.int32)
    key = extmem.partition_keys(g, 1, 4, table)
    assert np.array_equal(key[:40], pieces[np.arange(40) % 4])  # a split word goes by the last word
    assert key[40] == table[2, 0] and key[41] == table[1, 0] and key[42] == 107 % 4


def _split_table(self, P):
    """A random table splitting about a third of the first 300 words over 2 or 3 partitions."""
    rng = np.random.default_rng(P)
    M = min(len(self.vocab), 300)
    t = np.full((M, 3), -1, np.int16)
    for w in range(M):
        s = 1 if rng.random() < 0.6 else int(rng.integers(2, 4))
        t[w, :s] = rng.choice(P, size=min(s, P), replace=False)
    return t


@pytest.mark.parametrize("order,kw", [(2, {}), (4, {}), (5, {"prune": (0, 1, 1, 2)})])
def test_capped_fit_same_bytes_split_words(tmp_path, monkeypatch, order, kw):
    """Heavy words split over partitions by the last word, with tiny partitions: the contexts' statistics are
    summed over the partitions sharing them, and the model is byte for byte the single-machine one."""
    real = extmem.plan
    monkeypatch.setattr(extmem, "plan", lambda budget, *a: real(4 << 20, *a))
    monkeypatch.setattr(extmem.Build, "_partition_map", _split_table)
    shares = []
    real_stats = extmem.kn_split_stats
    monkeypatch.setattr(extmem, "kn_split_stats", lambda *a: shares.append(real_stats(*a)) or shares[-1])
    monkeypatch.setattr(extmem, "_PARTITION_STAGES", extmem._PARTITION_STAGES + (extmem.kn_split_stats,))
    local = seqfast.NGramLM.fit(BOOK, order, **kw)
    capped = seqfast.NGramLM.fit(BOOK, order, memory="64M", tmpdir=tmp_path, **kw)
    assert len(shares) > 2
    assert model_files(capped, tmp_path, "c") == model_files(local, tmp_path, "l")
