"""The memory-capped count (count_ngrams(memory=, tmpdir=), seqfast.extmem): the same counts and the same .sfc
bytes as the in-memory count, with many chunks and partitions forced by a tiny budget; the C kernels of
csrc/ngram_runs.c against their twins in seqfast.reference.ngram."""
import os
import pathlib

import numpy as np
import pytest

import seqfast
from seqfast import _ngram, extmem
from seqfast.reference import ngram as ref

DATA = pathlib.Path(__file__).resolve().parent.parent / "data"
BOOK = DATA / "chesterton-thursday.txt"


def _sfc_bytes(counts, tmp_path, name):
    p = tmp_path / name
    counts.save(p)
    return p.read_bytes()


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("n", [1, 2, 4])
def test_kernels_match_reference(seed, n):
    rng = np.random.default_rng(seed)
    g = rng.integers(0, 7, size=(rng.integers(0, 200), n)).astype(np.int32)
    for P in (1, 3, 8):
        perm, starts = _ngram.partition_rows(g, n - 1, P)
        rp, rs = ref.partition_rows(g, n - 1, P)
        assert np.array_equal(perm, rp) and np.array_equal(starts, rs)
    runs = [np.unique(rng.integers(0, 5, size=(rng.integers(0, 50), n)).astype(np.int32), axis=0) for _ in range(4)]
    vals = [rng.integers(1, 9, size=r.shape[0]).astype(np.int64) for r in runs]
    for add in (False, True):
        g, v = _ngram.merge_sources(runs, vals, add)
        rg, rv = ref.merge_sources(runs, vals, add)
        assert np.array_equal(g, rg) and np.array_equal(v, rv)
    g, v = _ngram.merge_sources(runs, [x.astype(np.float64) / 3 for x in vals])
    assert np.array_equal(v, ref.merge_sources(runs, [x.astype(np.float64) / 3 for x in vals])[1])
    a = runs[0]
    b = np.ascontiguousarray(np.unique(np.concatenate([runs[0][::2], runs[1]]), axis=0))
    assert np.array_equal(_ngram.join_sorted(a, b), ref.join_sorted(a, b))


@pytest.mark.parametrize("n", [1, 2, 3, 5, 6])
@pytest.mark.parametrize("V", [1, 3, 1 << 16, (1 << 16) + 1, 1 << 21, 1 << 31])
def test_merge_sources_packed_keys_match_reference(n, V):
    """merge_sources with vocab_size (ids compared 64 // bits at a time) against the plain sort, with many
    sources (loser tree of a size that is not a power of two), ids near the top of the range and ties."""
    rng = np.random.default_rng(n * 7 + V % 101)
    top = min(V, 1 << 31) - 1
    alphabet = np.unique(np.array([0, 1, top // 2, max(0, top - 1), top], dtype=np.int64)).astype(np.int32)
    for P in (1, 2, 5, 37):
        runs = [np.unique(alphabet[rng.integers(0, alphabet.shape[0], size=(rng.integers(0, 40), n))], axis=0)
                for _ in range(P)]
        vals = [rng.integers(1, 9, size=r.shape[0]).astype(np.int64) for r in runs]
        for add in (False, True):
            rg, rv = ref.merge_sources(runs, vals, add)
            for vs in (V, None):
                g, v = _ngram.merge_sources(runs, vals, add, vs)
                assert np.array_equal(g, rg) and np.array_equal(v, rv)


def test_merge_sources_refuses_id_outside_vocab_size():
    rows = np.array([[0, 2], [1, 70000]], dtype=np.int32)
    ones = np.ones(2, np.int64)
    with pytest.raises(IndexError):
        _ngram.merge_sources([rows, rows], [ones, ones], True, 1 << 16)
    with pytest.raises(IndexError):
        _ngram.merge_sources([-rows[::-1].copy(), rows], [ones, ones], True, 1 << 16)
    assert np.array_equal(_ngram.merge_sources([rows, rows], [ones, ones], True, 1 << 17)[1], [2, 2])


@pytest.mark.parametrize("n", [1, 3])
def test_partition_scatter_matches_reference(n):
    rng = np.random.default_rng(n)
    g = rng.integers(0, 50, size=(333, n)).astype(np.int32)
    v = rng.integers(0, 1 << 40, size=333).astype(np.int64)
    for P in (1, 4, 7):
        out = _ngram.partition_scatter(g, v, n - 1, P)
        for a, b in zip(out, ref.partition_scatter(g, v, n - 1, P)):
            assert np.array_equal(a, b)
        f = _ngram.partition_scatter(g, v.view(np.float64), n - 1, P)[1]
        assert f.dtype == np.float64 and np.array_equal(f.view(np.int64), out[1])
    with pytest.raises(ValueError):
        _ngram.partition_scatter(g, v[:-1], 0, 2)


def test_merge_sources_refuses_unsorted_source():
    rows = np.array([[2], [1]], dtype=np.int32)
    with pytest.raises(ValueError, match="not sorted"):
        _ngram.merge_sources([rows, rows[:1]], [np.ones(2, np.int64), np.ones(1, np.int64)], True)


@pytest.mark.parametrize("level,lower,pad,boundaries,order", [
    ("word", False, True, "line", 5),
    ("word", True, True, "line", 3),
    ("whitespace", True, True, "line", 6),
    ("whitespace", False, False, "line", 2),
    ("char", False, False, "none", 4),
    ("word", False, False, "none", 3),
])
def test_capped_count_same_bytes(tmp_path, level, lower, pad, boundaries, order):
    kw = dict(level=level, lower=lower, pad=pad, boundaries=boundaries)
    mem = seqfast.count_ngrams(BOOK, order, **kw)
    cap = seqfast.count_ngrams(BOOK, order, memory="4M", tmpdir=tmp_path, **kw)
    assert cap.stats["chunks"] > 1 and (order == 1 or cap.stats["partitions"] > 1)
    assert cap == mem
    assert _sfc_bytes(cap, tmp_path, "cap.sfc") == _sfc_bytes(mem, tmp_path, "mem.sfc")
    assert os.listdir(tmp_path) == ["cap.sfc", "mem.sfc"] or sorted(os.listdir(tmp_path)) == ["cap.sfc", "mem.sfc"]


def test_capped_count_lines_and_vocab(tmp_path):
    lines = BOOK.read_text().split("\n")[:3000]
    mem = seqfast.count_ngrams(lines, 3, pad=True)
    assert seqfast.count_ngrams(lines, 3, pad=True, memory="4M", tmpdir=tmp_path) == mem
    vocab = seqfast.Vocab(["the", "man", "of"], specials=("<unk>", "<s>", "</s>"))
    a = seqfast.count_ngrams(lines, 3, pad=True, vocab=vocab)
    b = seqfast.count_ngrams(lines, 3, pad=True, vocab=vocab, memory=2**22, tmpdir=tmp_path)
    assert a == b
    assert os.listdir(tmp_path) == []


def test_write_counts_streams_the_same_bytes(tmp_path):
    """extmem.write_counts (the .sfc file written from the partitions, never held in memory) = save()."""
    mem = seqfast.count_ngrams(BOOK, 4, pad=True)
    kind, items = "paths", [str(BOOK)]
    with extmem.workdir(tmp_path) as wd:
        b = extmem.Build(wd, 4, 4 << 20)
        b.count(kind, items, seqfast.Tokenizer("word"), True, "line", "strict")
        b.plan.block_rows = 5000  # many blocks per order
        b.write_counts(tmp_path / "streamed.sfc")
    assert (tmp_path / "streamed.sfc").read_bytes() == _sfc_bytes(mem, tmp_path, "mem.sfc")


def test_memory_argument_errors(tmp_path):
    with pytest.raises(ValueError, match="memory must be a size"):
        seqfast.count_ngrams(BOOK, 2, memory="lots")
    with pytest.raises(ValueError, match=r"percentage .* \(0, 100\]"):
        seqfast.count_ngrams(BOOK, 2, memory="120%")
    with pytest.raises(ValueError, match="give memory= too"):
        seqfast.count_ngrams(BOOK, 2, tmpdir=tmp_path)
    with pytest.raises(FileNotFoundError, match="temporary directory does not exist"):
        seqfast.count_ngrams(BOOK, 2, memory="4M", tmpdir=tmp_path / "nope")
    assert seqfast.count_ngrams(BOOK, 2, memory="80%") == seqfast.count_ngrams(BOOK, 2)


def _fail_at(monkeypatch, name, exc):
    real = getattr(extmem, name)
    calls = {"n": 0}

    def boom(*a, **k):
        calls["n"] += 1
        if calls["n"] == 2:
            raise exc
        return real(*a, **k)

    monkeypatch.setattr(extmem, name, boom)


@pytest.mark.parametrize("exc", [RuntimeError("injected"), KeyboardInterrupt()])
@pytest.mark.parametrize("stage", ["count_chunk", "merge_partition"])
def test_temp_files_removed_on_failure_and_interrupt(tmp_path, monkeypatch, exc, stage):
    _fail_at(monkeypatch, stage, exc)
    with pytest.raises(type(exc)):
        seqfast.count_ngrams(BOOK, 3, pad=True, memory="4M", tmpdir=tmp_path)
    assert os.listdir(tmp_path) == []


def test_full_disk_names_directory_and_space(tmp_path, monkeypatch):
    real = extmem._write
    calls = {"n": 0}

    def full(f, a):
        calls["n"] += 1
        if calls["n"] > 3:
            raise OSError(28, "No space left on device")
        real(f, a)

    monkeypatch.setattr(extmem, "_write", full)
    with pytest.raises(extmem.TempSpaceError, match=r"seqfast-.*no space left .* needs about [0-9.]+ GiB"):
        seqfast.count_ngrams(BOOK, 3, pad=True, memory="4M", tmpdir=tmp_path)
    assert os.listdir(tmp_path) == []
