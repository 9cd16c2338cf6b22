import gzip
import json
import os
import re

import numpy as np
import pytest

import seqfast
from seqfast import InvalidUTF8Error, Vocab, one_hot, read_text, tokenize
from seqfast.reference import text as ref

KENLM_RE = r"[a-z0-9]+(?:'[a-z]+)?|[^\sa-z0-9]"


# ---------------------------------------------------------------- tokenize
def test_word_tokens_punctuation_and_apostrophes():
    assert tokenize("Don't stop: 3.5 o'clock!") == ["Don't", "stop", ":", "3", ".", "5", "o'clock", "!"]


def test_word_tokens_lower():
    assert tokenize("The Time", lower=True) == ["the", "time"]


def test_char_level_keeps_spaces_and_newlines():
    assert tokenize("a b\nc", level="char") == ["a", " ", "b", "\n", "c"]


def test_custom_pattern_with_groups_returns_whole_match():
    assert tokenize("ab12cd", pattern=r"([a-z])+") == ["ab", "cd"]
    assert tokenize("a-b", pattern=r"\w") == ["a", "b"]


def test_whitespace_level():
    assert tokenize(" a  b\tc\n", level="whitespace") == ["a", "b", "c"]


def test_empty_text():
    assert tokenize("") == []
    assert tokenize("", level="char") == []


def test_tokenize_rejects_bytes_and_bad_level():
    with pytest.raises(TypeError, match="decode"):
        tokenize(b"abc")
    with pytest.raises(ValueError, match="level"):
        tokenize("abc", level="sentence")


def test_default_pattern_matches_kenlm_fixture_tokenizer_on_time_machine():
    text = seqfast.datasets.time_machine()
    rx = re.compile(KENLM_RE)
    for line in text.split("\n"):
        assert tokenize(line, lower=True) == rx.findall(line.lower())


# ---------------------------------------------------------------- read_text
def test_invalid_utf8_names_file_and_offset(data_dir):
    path = os.path.join(data_dir, "shakespeare-caesar.txt")
    with pytest.raises(InvalidUTF8Error) as ei:
        read_text(path)
    assert ei.value.offset == 19828
    assert "shakespeare-caesar.txt" in str(ei.value) and "19828" in str(ei.value)
    assert isinstance(ei.value, ValueError)


def test_invalid_utf8_replace(data_dir):
    text = read_text(os.path.join(data_dir, "shakespeare-caesar.txt"), errors="replace")
    assert "C\ufffdsar" in text


def test_read_gz_and_empty(tmp_path):
    p = tmp_path / "a.txt.gz"
    with gzip.open(p, "wt", encoding="utf-8") as f:
        f.write("héllo wörld")
    assert read_text(p) == "héllo wörld"
    e = tmp_path / "empty.txt"
    e.write_bytes(b"")
    assert read_text(e) == ""
    assert tokenize(read_text(e)) == []


def test_read_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_text(tmp_path / "missing.txt")
    with pytest.raises(IsADirectoryError, match="directory"):
        read_text(tmp_path)
    with pytest.raises(ValueError, match="errors"):
        read_text(tmp_path / "x", errors="bogus")


# ---------------------------------------------------------------- Vocab
def test_vocab_order_frequency_then_first_appearance():
    v = Vocab("b a c a b d".split())
    # a and b both twice: b appeared first; c before d
    assert v.itos == ["<unk>", "b", "a", "c", "d"]
    assert v.token_freqs == [("b", 2), ("a", 2), ("c", 1), ("d", 1)]


def test_vocab_min_freq_max_size_specials():
    toks = "a a a b b c".split()
    assert Vocab(toks, min_freq=2).itos == ["<unk>", "a", "b"]
    assert Vocab(toks, max_size=2).itos == ["<unk>", "a"]
    v = Vocab(toks, specials=("<pad>", "<unk>", "<s>"))
    assert v.itos[:3] == ["<pad>", "<unk>", "<s>"] and v.unk_id == 1
    assert v["zzz"] == 1


def test_vocab_from_counts_and_lines():
    assert Vocab({"x": 1, "y": 5}).itos == ["<unk>", "y", "x"]
    assert Vocab([["a", "b"], ["b"]]).itos == ["<unk>", "b", "a"]


def test_encode_decode_roundtrip_and_unk():
    toks = tokenize(seqfast.datasets.time_machine()[:20000], lower=True)
    v = Vocab(toks, min_freq=2)
    ids = v.encode(toks)
    assert ids.dtype == np.int32 and ids.shape == (len(toks),)
    np.testing.assert_array_equal(ids, ref.encode(v.itos, toks, v.unk_id))
    dec = v.decode(ids)
    assert [t if t in v else "<unk>" for t in toks] == dec


def test_encode_random_unicode_matches_reference():
    rng = np.random.default_rng(0)
    alphabet = list("abcé漢字🙂 '")
    toks = ["".join(rng.choice(alphabet, size=rng.integers(0, 6))) for _ in range(3000)]
    v = Vocab(toks[:1500])
    np.testing.assert_array_equal(v.encode(toks), ref.encode(v.itos, toks, v.unk_id))
    np.testing.assert_array_equal(v.encode(tuple(toks)), v.encode(iter(toks)))


def test_vocab_lookups():
    v = Vocab("the cat sat on the mat".split())
    assert len(v) == 6 and "cat" in v and "dog" not in v and 3 not in v
    assert v["the"] == 1 and v[["the", "dog"]] == [1, 0]
    assert v.encode([]).shape == (0,) and v.decode([]) == []


def test_encode_without_unk_raises_clearly():
    v = Vocab("a b".split(), specials=())
    assert v.encode(["a", "b"]).tolist() == [0, 1]
    with pytest.raises(KeyError, match="no '<unk>'"):
        v.encode(["a", "zzz"])
    with pytest.raises(KeyError, match="zzz"):
        v["zzz"]


def test_encode_bad_types():
    v = Vocab("a b".split())
    with pytest.raises(TypeError, match="not one str"):
        v.encode("ab")
    with pytest.raises(TypeError, match="token 1 is int"):
        v.encode(["a", 3])
    with pytest.raises(TypeError):
        Vocab("abc")
    with pytest.raises(TypeError):
        Vocab([1, 2])


def test_decode_bad_ids():
    v = Vocab("a b".split())
    with pytest.raises(IndexError, match="out of range"):
        v.decode([0, 3])
    with pytest.raises(IndexError):
        v.decode([-1])
    with pytest.raises(TypeError):
        v.decode([0.5])
    with pytest.raises(ValueError, match="1-D"):
        v.decode([[0]])


def test_vocab_bad_args():
    with pytest.raises(ValueError):
        Vocab([], min_freq=0)
    with pytest.raises(ValueError):
        Vocab([], max_size=0)
    with pytest.raises(ValueError, match="duplicates"):
        Vocab([], specials=("<unk>", "<unk>"))
    with pytest.raises(ValueError):
        Vocab({"a": -1})


@pytest.mark.parametrize("compress", [False, True])
def test_vocab_save_load(tmp_path, compress):
    v = Vocab("é b b c".split(), specials=("<unk>", "<pad>"))
    p = tmp_path / "v.json.gz"  # the name says nothing: gzip is chosen by compress= and read by content
    v.save(p, compress=compress)
    assert (p.read_bytes()[:2] == b"\x1f\x8b") == compress
    w = Vocab.load(p)
    assert w == v and w.token_freqs == v.token_freqs and w.unk_id == v.unk_id


def test_vocab_load_v1_json(data_dir):
    """The JSON form of seqfast 0.1 (a file it wrote, tests/data/legacy) still loads."""
    p = os.path.join(data_dir, "legacy", "vocab_v1.json")
    with open(p, encoding="utf-8") as f:
        doc = json.load(f)
    v = Vocab.load(p)
    assert v.itos == doc["tokens"] and list(v.specials) == doc["specials"]
    assert [f for _, f in v.token_freqs] == doc["freqs"]


@pytest.mark.parametrize("content", [b"", b"\xff\xfe", b"[1, 2]", b'{"format": "other"}',
                                     b'{"format": "seqfast-vocab", "version": 9}',
                                     b'{"format": "seqfast-vocab", "version": 1, "tokens": ["a"], '
                                     b'"specials": ["<unk>"], "freqs": []}'])
def test_vocab_load_corrupt(tmp_path, content):
    p = tmp_path / "bad.json"
    p.write_bytes(content)
    with pytest.raises(ValueError, match="bad.json"):
        Vocab.load(p)


# ---------------------------------------------------------------- one_hot
def test_one_hot_shapes_and_values():
    ids = np.array([[0, 2], [1, 1]])
    oh = one_hot(ids, 3)
    assert oh.shape == (2, 2, 3) and oh.dtype == np.float32
    np.testing.assert_array_equal(oh.argmax(-1), ids)
    assert oh.sum() == 4
    assert one_hot([], 4).shape == (0, 4)
    assert one_hot(1, 3, dtype=np.float64).tolist() == [0.0, 1.0, 0.0]


def test_one_hot_errors():
    with pytest.raises(IndexError, match="num_classes=3"):
        one_hot([3], 3)
    with pytest.raises(IndexError):
        one_hot([-1], 3)
    with pytest.raises(TypeError):
        one_hot([0.5], 3)
    with pytest.raises(ValueError):
        one_hot([0], 0)
