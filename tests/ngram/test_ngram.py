"""seqfast.count_ngrams / NGramCounts against hand-checked counts and the Counter reference."""
import os

import numpy as np
import pytest

import seqfast
from seqfast import Tokenizer
from seqfast import NGramCounts, Vocab, count_ngrams
from seqfast.reference import ngram as R


def as_dicts(c: NGramCounts):
    return [None] + [c.to_dict(n) for n in range(1, c.order + 1)]


def ref_dicts(text, order, **kw):
    return [None] + [dict(x) for x in R.count_ngrams(text, order, **kw)[1:]]


def test_toy_corpus_by_hand():
    c = count_ngrams(["the cat sat", "the cat ran"], 3, pad=True)
    assert c.order == 3
    assert c.vocab.specials == ("<unk>", "<s>", "</s>")
    assert c[("<s>",)] == 2 and c[("</s>",)] == 2 and c[("the",)] == 2 and c[("sat",)] == 1
    assert c[("the", "cat")] == 2 and c[("<s>", "the")] == 2 and c[("cat", "sat")] == 1
    assert c[("<s>", "<s>")] == 0 and c[("sat", "the")] == 0  # lines never join
    assert c[("<s>", "the", "cat")] == 2 and c[("cat", "ran", "</s>")] == 1
    assert c.total(1) == 10 and c.unique(1) == 6 and c.unique(2) == 6 and c.unique(3) == 5
    assert c.counts_of_counts(2) == {1: 4, 2: 2}
    assert c.most_common(2, order=2) == [(("<s>", "the"), 2), (("the", "cat"), 2)]
    # by ids
    v = c.vocab
    assert c[(v["the"], v["cat"])] == 2


def test_arrays_contract():
    c = count_ngrams(["b a b a c", "a b"], 2)
    g, n = c.arrays(2)
    assert g.dtype == np.int32 and g.flags.c_contiguous and g.shape[1] == 2
    assert n.dtype == np.int64 and n.shape == (g.shape[0],)
    rows = [tuple(r) for r in g.tolist()]
    assert rows == sorted(rows) and len(set(rows)) == len(rows)
    assert c.vocab.specials == ("<unk>",)
    assert c.vocab.itos[1:] == ["b", "a", "c"]  # by frequency, ties by first appearance (a, b both 3)


@pytest.mark.parametrize("level", ["word", "whitespace", "char"])
@pytest.mark.parametrize("pad", [False, True])
@pytest.mark.parametrize("boundaries", ["line", "none"])
def test_matches_reference_on_timemachine(level, pad, boundaries):
    path = seqfast.datasets.time_machine_path()
    text = seqfast.datasets.time_machine()
    c = count_ngrams(path, 4, level=level, pad=pad, boundaries=boundaries, n_threads=2)
    assert as_dicts(c) == ref_dicts(text, 4, level=level, pad=pad, boundaries=boundaries)


# ----- engines, threads, sources ---------------------------------------------------------------------------
def _ids_and_vocab(path, level="word", pad=True):
    from seqfast.ngram import _frequency_order, _stream_ids
    ids, itos, sp = _stream_ids("paths", [path], Tokenizer(level), pad, "line", "strict", None)
    ids, itos, fr, _ = _frequency_order(ids, itos, len(sp))
    return ids, Vocab.from_tokens(itos, specials=sp, freqs=fr)


@pytest.mark.parametrize("order", [1, 2, 5, 9, 16])
def test_engines_and_thread_counts_agree(order):
    from seqfast.ngram import count_ids
    ids, v = _ids_and_vocab(seqfast.datasets.time_machine_path())
    base = count_ids(ids, v, order, 1, "sort")
    for nt in (1, 2, 3, 5):
        for method in ("sort", "hash"):
            assert count_ids(ids, v, order, nt, method, min_per_thread=1) == base, (nt, method)


def test_char_level_engines_agree_small_vocab():
    from seqfast.ngram import count_ids
    ids, v = _ids_and_vocab(seqfast.datasets.time_machine_path(), level="char")
    for order in (3, 10):
        assert count_ids(ids, v, order, 2, "hash", 1) == count_ids(ids, v, order, 3, "sort", 1)


def test_int_array_source_with_vocab():
    v = Vocab("a b c a b a".split(), specials=("<unk>", "<s>", "</s>"))
    ids = v.encode("a b c a b a".split())
    c = count_ngrams(ids, 3, vocab=v)
    assert c.vocab is v
    assert c[("a", "b")] == 2 and c[("b", "a")] == 1 and c[("a", "b", "c")] == 1 and c.total(1) == 6
    p = count_ngrams(ids, 2, vocab=v, pad=True)
    assert p[("<s>", "a")] == 1 and p[("a", "</s>")] == 1 and p.total(1) == 8
    with pytest.raises(ValueError, match="Vocab"):
        count_ngrams(ids, 2)
    with pytest.raises(IndexError, match="out of range"):
        count_ngrams(np.array([0, 99]), 2, vocab=v)
    with pytest.raises(ValueError, match="<s>"):
        count_ngrams(np.array([1, 0]), 2, vocab=Vocab(["a"]), pad=True)


def test_fixed_vocab_maps_unknowns_to_unk():
    v = Vocab(["the", "cat"])
    c = count_ngrams(["the cat sat", "the dog"], 2, vocab=v)
    assert c.vocab is v
    assert c[("<unk>",)] == 2 and c[("cat", "<unk>")] == 1 and c[("the", "<unk>")] == 1


def test_list_of_paths_and_lines(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("x y\nz", encoding="utf-8")
    b.write_text("y z\n", encoding="utf-8")
    c = count_ngrams([a, b], 2)  # paths are os.PathLike objects (or one str)
    assert c[("z", "y")] == 0  # no n-gram crosses files
    assert c[("x", "y")] == 1 and c[("y", "z")] == 1 and c.total(1) == 5
    lines = count_ngrams(["x y", "z", "y z"], 2)  # a list of str is lines of text, never guessed to be paths
    assert lines.to_dict(2) == c.to_dict(2)
    assert count_ngrams(iter(["x y", "z", "y z"]), 2) == lines
    assert count_ngrams(text="x y\nz\ny z\n", order=2) == lines
    for bad in ([str(a), str(b)], [str(a), str(tmp_path / "nope.txt")]):
        with pytest.raises(ValueError, match="a list of str is read as lines of text; pass files as pathlib.Path"):
            count_ngrams(bad, 2)
    with pytest.raises(FileNotFoundError, match="nope.txt: no such file"):
        count_ngrams(tmp_path / "nope.txt", 2)
    with pytest.raises(FileNotFoundError, match="nope.txt: no such file"):
        count_ngrams([a, tmp_path / "nope.txt"], 2)
    with pytest.raises(FileNotFoundError, match="the path is empty"):
        count_ngrams("", 3)


def test_lower(tmp_path):
    p = tmp_path / "t.txt"
    p.write_text("The THE the Ünï ünï\n", encoding="utf-8")
    for level in ("word", "whitespace", "char"):
        c = count_ngrams(str(p), 2, level=level, lower=True)
        ref = R.count_ngrams(p.read_text(encoding="utf-8"), 2, level=level, lower=True)
        assert as_dicts(c)[1:] == [dict(x) for x in ref[1:]], level


# ----- NGramCounts API -------------------------------------------------------------------------------------
def test_most_common_total_unique_items():
    c = count_ngrams(["a b a b a", "c"], 2)
    assert c.most_common(None, order=1) == [(("a",), 3), (("b",), 2), (("c",), 1)]
    assert c.most_common(1, order=2) == [(("a", "b"), 2)]
    assert c.total(2) == 4 and c.unique(2) == 2
    assert list(c.items(2)) == sorted(c.items(2), key=lambda x: [c.vocab[t] for t in x[0]])
    assert dict(iter(c)) == {("a", "b"): 2, ("b", "a"): 2}
    assert c[("a", "zzz")] == 0 and ("a", "b") in c and c.get(("b",)) == 2
    with pytest.raises(ValueError, match="orders 1..2"):
        c.arrays(3)
    with pytest.raises(ValueError):
        c[("a", "b", "a")]
    with pytest.raises(TypeError):
        c[3.5]
    g, n = c.arrays(2)
    with pytest.raises(ValueError):
        g[0, 0] = 5  # read-only views


def test_tsv_ties_by_ngram():
    c = count_ngrams(["b a", "a b", "c c"], 2)
    text = c.to_tsv(order=2)
    assert text.splitlines() == ["a b\t1", "b a\t1", "c c\t1"]
    assert c.to_tsv(order=1, k=2).splitlines() == ["a\t2", "b\t2"]
    assert c.to_tsv(order=1, min_count=2).splitlines() == ["a\t2", "b\t2", "c\t2"]


@pytest.mark.parametrize("order", [1, 3, 5])
def test_top_rows_selected_in_the_engine_equal_the_exported_ones(order):
    """to_tsv(k=...) on counts still held by the sort engine selects the top rows in C: the same lines as from
    the exported arrays, for any thread count, ties, k and min_count."""
    import pickle
    from seqfast.ngram import count_ids
    ids, v = _ids_and_vocab(seqfast.datasets.time_machine_path())
    full = count_ids(ids, v, order, 1, "sort")
    full._export()
    for nt in (1, 2, 3):
        held = count_ids(ids, v, order, nt, "sort", min_per_thread=1)
        assert held._engine is not None and held.total(1) == full.total(1)
        assert [held.unique(n) for n in range(1, order + 1)] == [full.unique(n) for n in range(1, order + 1)]
        for ties in ("tokens", "ids"):
            for k, min_count in ((0, 1), (1, 1), (7, 1), (50, 3), (10**4, 2), (5, 10**9)):
                want = full.to_tsv(order_only=False, k=k, min_count=min_count, ties=ties)
                assert held.to_tsv(order_only=False, k=k, min_count=min_count, ties=ties) == want, (nt, ties, k)
        assert held._engine is not None  # still held: nothing was exported
        assert pickle.loads(pickle.dumps(held)) == full
        assert held._engine is None and held == full


def test_count_pieces_equal_their_concatenation_with_line_breaks():
    """The engine reads the stream in pieces in place (the parallel readers' buffers): the same counts as the
    pieces joined by line breaks, for both engines and any thread count."""
    from seqfast._ngram import count
    rng = np.random.default_rng(5)
    pieces = [rng.integers(-1, 40, size=n).astype(np.int32) for n in (0, 5000, 1, 3000, 7000)]
    pieces[2][:] = -1
    joined = np.concatenate([x for p in pieces for x in (p, np.full(1, -1, np.int32))])
    want_g, want_c, _ = count(joined, 40, 4, 1, "sort")
    for method in ("sort", "hash"):
        for nt in (1, 2, 3):
            g, c, _ = count([p.copy() for p in pieces], 40, 4, nt, method, 1)
            assert all(np.array_equal(a, b) for a, b in zip(g + c, want_g + want_c)), (method, nt)
    with pytest.raises(ValueError, match="int32"):
        count([np.zeros(3, np.int64)], 40, 2, 1)


def test_counts_of_counts_matches_reference():
    text = seqfast.datasets.time_machine()
    c = count_ngrams(seqfast.datasets.time_machine_path(), 3, pad=True)
    ref = R.count_ngrams(text, 3, pad=True)
    from collections import Counter
    for n in (1, 2, 3):
        assert c.counts_of_counts(n) == dict(sorted(Counter(ref[n].values()).items()))


# ----- merge, save, load -----------------------------------------------------------------------------------
def test_merge_equals_counting_the_concatenation():
    lines = seqfast.datasets.time_machine().split("\n")
    a_lines, b_lines = lines[: len(lines) // 3], lines[len(lines) // 3:]
    for pad in (False, True):
        a = count_ngrams(iter(a_lines), 4, pad=pad)
        b = count_ngrams(iter(b_lines), 4, pad=pad)
        whole = count_ngrams(iter(lines), 4, pad=pad)
        assert a + b == whole
        assert a.merge(b).vocab.itos == whole.vocab.itos
        assert (b + a).to_dict(3) == whole.to_dict(3)


def test_merge_errors():
    a = count_ngrams(["x y"], 2)
    with pytest.raises(ValueError, match="order"):
        a.merge(count_ngrams(["x y"], 3))
    with pytest.raises(ValueError, match="pad"):
        a.merge(count_ngrams(["x y"], 2, pad=True))
    with pytest.raises(TypeError):
        a.merge({"x": 1})


def test_save_load_roundtrip(tmp_path):
    c = count_ngrams(seqfast.datasets.time_machine_path(), 4, pad=True)
    p = tmp_path / "c.sfc"
    c.save(p)
    d = NGramCounts.load(p)
    assert d == c and d.vocab.token_freqs == c.vocab.token_freqs
    e = count_ngrams([], 3)
    e.save(p)
    assert NGramCounts.load(p) == e and e.total(1) == 0


@pytest.mark.parametrize("compress", [False, True])
def test_save_load_compress(tmp_path, compress):
    c = count_ngrams(["the cat sat", "the cat ran", "é x"], 3, pad=True)
    p = tmp_path / "c.sfc.gz"  # the name says nothing: gzip is chosen by compress= and read by content
    c.save(p, compress=compress)
    assert (p.read_bytes()[:2] == b"\x1f\x8b") == compress
    d = NGramCounts.load(p)
    assert d == c and d.vocab.itos == c.vocab.itos and d.vocab.token_freqs == c.vocab.token_freqs
    assert d._first().tolist() == c._first().tolist()


def test_load_v1_binary(data_dir):
    """The binary form of seqfast 0.1 (a file it wrote, tests/data/legacy) still loads, and saves again the
    same counts."""
    c = NGramCounts.load(os.path.join(data_dir, "legacy", "counts_v1.sfc"))
    want = count_ngrams(["the cat sat on the mat", "the dog sat", "a cat and a dog", "the end"], 3,
                        level="whitespace")
    assert c == want and c.vocab.itos == want.vocab.itos


def test_load_rejects_truncated_and_corrupt_files(tmp_path):
    c = count_ngrams(["the cat sat", "the cat ran"], 3)
    p = tmp_path / "c.sfc"
    c.save(p)
    data = p.read_bytes()
    for cut in (0, 5, 20, 40, len(data) // 2, len(data) - 1):
        p.write_bytes(data[:cut])
        with pytest.raises(ValueError, match="c.sfc: "):
            NGramCounts.load(p)
    p.write_bytes(data + b"\0")
    with pytest.raises(ValueError, match="truncated or damaged"):
        NGramCounts.load(p)
    for pos in (8, 12, 30, len(data) - 3, len(data) - 30):
        bad = bytearray(data)
        bad[pos] ^= 0x55
        p.write_bytes(bytes(bad))
        with pytest.raises(ValueError, match="c.sfc: "):
            NGramCounts.load(p)
    p.write_bytes(b"PK\x03\x04" + data[4:])
    with pytest.raises(ValueError, match="magic"):
        NGramCounts.load(p)


@pytest.mark.parametrize("lower", [False, True])
def test_word_level_c_fast_path_tokenizes_like_tokenize(tmp_path, lower):
    """ASCII lines go through C, others through the regex: both must equal seqfast.tokenize."""
    text = ("don't 'tis rock'n'roll a''b x' 'y _x_ snake_case A1b2 3.14 $5,000 (a) [b] {c}\r\n"
            "ctl\x01x\x7fy\x1cz\x1fw\x0bv\x0cu\tt\n"
            "caf\u00e9 na\u00efve \u00c9T\u00c9 d\u00e9j\u00e0-vu \u2014 \u201cquoted\u201d \u00bd\n"
            "\n   \nMixed CASE words\n")
    p = tmp_path / "t.txt"
    p.write_bytes(text.encode("utf-8"))
    c = count_ngrams(str(p), 2, lower=lower)
    expect = [seqfast.tokenize(line, lower=lower) for line in text.split("\n")]
    from collections import Counter
    uni = Counter(t for toks in expect for t in toks)
    assert c.to_dict(1) == {(t,): n for t, n in uni.items()}
    assert c.to_dict(2) == dict(R.count_ngrams(text, 2, lower=lower)[2])


def test_tsv_writers_agree(tmp_path):
    import io
    c = count_ngrams(["déjà vu vu", "the cat", "the cat"], 2)
    text = c.to_tsv(order=2)
    assert text.splitlines() == ["the cat\t2", "déjà vu\t1", "vu vu\t1"]
    b = io.BytesIO()
    c.to_tsv(b, order=2)
    assert b.getvalue().decode("utf-8") == text
    s = io.StringIO()
    c.to_tsv(s, order=2)
    assert s.getvalue() == text
    p = tmp_path / "o.tsv"
    with open(p, "w", encoding="utf-8") as f:
        f.write("# header\n")
        c.to_tsv(f, order_only=False)
        f.write("# end\n")
    lines = p.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "# header" and lines[-1] == "# end" and "vu\t2" in lines and "the cat\t2" in lines


@pytest.mark.parametrize("level", ["whitespace", "word"])
def test_iter_ids_ramp_starts_with_small_pieces(tmp_path, monkeypatch, level):
    """ramp=k: the first piece is about 1/k of the others, the next ones double up to them; the ids are the
    same as without it, for a file and for lines of text."""
    from seqfast import ngram
    from seqfast._ngram import Interner

    monkeypatch.setattr(ngram, "_CHUNK", 4096)
    lines = [" ".join(f"w{(i * 7 + j) % 101}" for j in range(i % 13 + 1)) for i in range(2000)]
    p = tmp_path / "t.txt"
    p.write_text("\n".join(lines) + "\n")
    for source in (str(p), lines):
        plain = list(ngram.iter_ids(source, Interner(("<unk>",), False, True), level=level, piece_ids=1024))
        ramped = list(ngram.iter_ids(source, Interner(("<unk>",), False, True), level=level, piece_ids=1024,
                                     ramp=16))
        assert np.array_equal(np.concatenate(plain), np.concatenate(ramped))
        assert len(ramped) > len(plain) and ramped[0].size < plain[0].size / 8
        assert ramped[1].size > ramped[0].size
    with pytest.raises(ValueError, match="ramp"):
        list(ngram.iter_ids(lines, Interner(("<unk>",), False, True), ramp=0))


@pytest.mark.parametrize("level", ["whitespace", "word"])
def test_iter_ids_long_line_stays_one_line(tmp_path, monkeypatch, level):
    """A line longer than the reader's pieces is one line (no line break at piece boundaries), and an invalid
    byte far into it is reported at its offset in the file."""
    from seqfast import ngram
    from seqfast._ngram import Interner

    monkeypatch.setattr(ngram, "_CHUNK", 64)
    words = [f"w{i % 37}" for i in range(500)]
    p = tmp_path / "t.txt"
    p.write_text(" ".join(words) + "\nlast line\n")
    it = Interner(("<unk>",), False, True)
    ids = np.concatenate(list(ngram.iter_ids(str(p), it, level=level)))
    toks = it.tokens(0)
    lines, cur = [], []
    for i in ids.tolist():
        if i < 0:
            lines.append(cur)
            cur = []
        else:
            cur.append(toks[i])
    assert lines == [words, ["last", "line"]] and cur == []
    bad = (" ".join(words) + " \xff\n").encode("latin1")
    p.write_bytes(bad)
    with pytest.raises(seqfast.InvalidUTF8Error) as e:
        list(ngram.iter_ids(str(p), Interner(("<unk>",), False, True), level=level))
    assert e.value.offset == bad.index(b"\xff")
