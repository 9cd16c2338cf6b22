"""Vocab keeps its tokens as UTF-8 in a C string pool (seqfast._strtab.StrTable): the same public surface as
a list-backed vocabulary, saved files and pickles unchanged, and bounded bytes per distinct token."""
from __future__ import annotations

import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import seqfast
from seqfast._container import pack_strings
from seqfast._openmp import build_flags
from seqfast._strtab import StrTable, from_pool
from seqfast.text import Vocab

TOKENS = "the cat sat on the mat , é 日本 the cat 🙂".split()


def test_pool_vocab_matches_the_token_list():
    v = Vocab(TOKENS, specials=("<unk>", "<pad>"))
    itos = v.itos
    assert isinstance(v._table, StrTable) and list(v) == itos == v.idx_to_token
    assert [v.token(i) for i in range(len(v))] == itos and v.token(-1) == itos[-1]
    assert v.token_to_idx == {t: i for i, t in enumerate(itos)}
    assert all(v[t] == i and t in v for i, t in enumerate(itos))
    assert v["dog"] == 0 and "dog" not in v and 3 not in v and "\ud800" not in v
    assert v.decode(v.encode(TOKENS)) == TOKENS
    assert v.freqs.dtype == np.int64 and v.freqs.tolist() == [f for _, f in v.token_freqs]
    with pytest.raises(ValueError):
        v.freqs[0] = 7
    with pytest.raises(IndexError):
        v.token(len(v))


def test_pool_bytes_are_what_pack_strings_writes(tmp_path):
    v = Vocab(TOKENS)
    pool, offs = v._pool()
    ref_pool, ref_offs = pack_strings(v.itos)
    assert pool.tobytes() == ref_pool.tobytes() and np.array_equal(offs, ref_offs)
    v.save(tmp_path / "a.vocab")
    w = Vocab.load(tmp_path / "a.vocab")
    assert w == v and w.itos == v.itos and w.token_freqs == v.token_freqs
    w.save(tmp_path / "b.vocab")
    assert (tmp_path / "a.vocab").read_bytes() == (tmp_path / "b.vocab").read_bytes()


def test_pickle_round_trip_and_old_state():
    v = Vocab(TOKENS)
    w = pickle.loads(pickle.dumps(v))
    assert w == v and w.token_freqs == v.token_freqs and w.unk_id == v.unk_id
    old = {"itos": v.itos, "specials": v.specials, "unk_token": v.unk_token, "freqs": v.freqs.tolist()}
    u = Vocab.__new__(Vocab)
    u.__setstate__(old)  # the state of a list-backed Vocab
    assert u == v and u.token_freqs == v.token_freqs
    t = pickle.loads(pickle.dumps(v._table))
    assert isinstance(t, StrTable) and list(t) == v.itos


def test_strtable_permute_and_from_pool():
    t = StrTable(["a", "bb", "é", "", "日本"])
    t.permute([4, 0, 3, 2, 1])
    assert list(t) == ["日本", "a", "", "é", "bb"] and [t.find(x) for x in t] == [0, 1, 2, 3, 4]
    assert t.find("zz") == -1 and t[1:3] == ["a", ""]
    with pytest.raises(ValueError, match="permutation"):
        t.permute([0, 0, 1, 2, 3])
    assert list(t) == ["日本", "a", "", "é", "bb"]  # unchanged by the refused permutation
    u = from_pool(*t.pack())
    assert u.equals(t) and t.encode(u).tolist() == [0, 1, 2, 3, 4]
    with pytest.raises(ValueError, match="duplicate token 'a'"):
        from_pool(*pack_strings(["a", "b", "a"]))


def test_counting_hands_over_the_readers_table():
    c = seqfast.count_ngrams(["the cat sat", "the cat ran"], 1, pad=True)
    assert isinstance(c.vocab._table, StrTable)
    assert c.vocab.itos[:3] == ["<unk>", "<s>", "</s>"] and c.vocab.itos[3:5] == ["the", "cat"]
    assert c.vocab.nbytes < 4096


_RSS_CHILD = textwrap.dedent(r"""
    import gc, sys
    import numpy as np
    import seqfast

    def status(key):
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1]) * 1024

    path, V = sys.argv[1], int(sys.argv[2])
    gc.collect()
    base = status("VmRSS:")
    c = seqfast.count_ngrams(path, 1, level="whitespace", n_threads=1)
    assert len(c.vocab) == V + 1
    gc.collect()
    print((status("VmHWM:") - base) / V, (status("VmRSS:") - base) / V, c.vocab.nbytes / V)
""")


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads VmHWM from /proc")
def test_bytes_per_distinct_token_at_order_1(tmp_path):
    """count_ngrams(order=1) on 1M distinct tokens: the vocabulary holds about 29 bytes per token (8 of slots,
    4 of offset, 9 of text, 8 of frequency), and above its size after importing seqfast the process keeps under
    80 bytes per distinct token (~40 at 5M tokens and more: at 1M the allocator's retained heap weighs ~20) and
    peaks under 100 (a list of Python str and a dict took about 200)."""
    V = 1_000_000
    i = np.arange(V, dtype=np.uint64)
    toks = np.char.add("w", np.char.zfill(np.char.mod("%x", (i * np.uint64(2654435761)) % np.uint64(2**32)), 8))
    path = tmp_path / "distinct.txt"
    path.write_text("\n".join(" ".join(toks[j:j + 10]) for j in range(0, V, 10)) + "\n")
    del toks
    r = subprocess.run([sys.executable, "-c", _RSS_CHILD, str(path), str(V)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    peak, kept, vocab = map(float, r.stdout.split())
    assert vocab < 31, vocab
    if build_flags()["sanitize"] == "0":  # ASan's shadow memory and quarantine inflate RSS several times
        assert kept < 80, kept
        assert peak < 100, peak


def test_shrunk_table_drops_its_hashes_and_still_grows():
    t = StrTable()
    t.add_all([f"w{i}" for i in range(1000)])
    before = t.nbytes
    t.shrink()
    assert t.nbytes < before
    assert [t.find(f"w{i}") for i in range(1000)] == list(range(1000)) and t.find("w1000") == -1
    # adding after the shrink rehashes the strings from the pool when the slots grow
    ids = t.add_all([f"w{i}" for i in range(500, 5000)])
    assert ids.tolist() == list(range(500, 5000))
    assert [t.find(f"w{i}") for i in range(0, 5000, 7)] == list(range(0, 5000, 7))
    t.permute(np.arange(len(t))[::-1])
    assert t.find("w0") == 4999 and t.find("w4999") == 0 and t[0] == "w4999"
    u = pickle.loads(pickle.dumps(t))
    assert u.equals(t) and u.find("w17") == t.find("w17")


def test_counted_vocabulary_shares_the_unigram_counts():
    c = seqfast.count_ngrams(["the cat sat", "the cat ran the end"], 2, pad=True)
    g1, c1 = c.arrays(1)
    assert np.shares_memory(c.vocab.freqs, c1)
    assert c.vocab.freqs.tolist() == [f for _, f in c.vocab.token_freqs] == c1[-len(c.vocab.freqs):].tolist()
    assert c.first_seen.dtype == np.int32 and c._first().dtype == np.int64
    # a fixed vocabulary keeps its own frequencies
    d = seqfast.count_ngrams(["the cat"], 1, vocab=c.vocab)
    assert d.vocab is c.vocab


def test_strtable_offsets_are_32_bit_until_widened():
    words = [f"w{i}" for i in range(3000)] + ["", "é", "日本", "🙂"]
    t = StrTable(words)
    assert t.offset_bytes == 4
    wide = StrTable(words[:10])
    wide._widen()
    assert wide.offset_bytes == 8 and list(wide) == words[:10]
    assert wide.add_all(words).tolist() == list(range(len(words)))  # grows with int64 offsets
    assert wide.offset_bytes == 8 and wide.equals(t) and list(wide) == words
    for u in (t, wide):
        assert [u.find(w) for w in words] == list(range(len(words))) and u.find("nope") == -1
    assert t.encode(wide).tolist() == wide.encode(t).tolist() == list(range(len(words)))
    p1, p2 = t.pack(), wide.pack()
    assert np.array_equal(p1[0], p2[0]) and np.array_equal(p1[1], p2[1])
    assert np.array_equal(p1[1], pack_strings(words)[1])
    perm = np.random.default_rng(0).permutation(len(words))
    for u in (t, wide):
        u.permute(perm)
        u.shrink()
        assert list(u) == [words[i] for i in perm] and u.find(words[perm[5]]) == 5
    assert wide.offset_bytes == 8 and t.offset_bytes == 4 and wide.equals(t)
    assert pickle.loads(pickle.dumps(wide)).equals(t)
    assert t.nbytes < wide.nbytes
