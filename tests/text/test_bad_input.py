"""Bad input to the text layer (read_text, Vocab, one_hot, count_ngrams readers) gets a clear error."""
import gzip
import json

import numpy as np
import pytest

import seqfast
from seqfast import Vocab, count_ngrams, one_hot, read_text

TEXT = "the cat sat\nthe cat ran\n"
LEVELS = ("word", "char", "whitespace")


@pytest.fixture
def gz_files(tmp_path):
    good = gzip.compress(TEXT.encode() * 50)
    trunc = tmp_path / "trunc.gz"
    trunc.write_bytes(good[: len(good) // 2])
    fake = tmp_path / "fake.gz"  # plain text under a .gz name
    fake.write_text(TEXT, encoding="utf-8")
    hidden = tmp_path / "hidden.txt"  # gzip data under a plain name
    hidden.write_bytes(gzip.compress(TEXT.encode()))
    return trunc, fake, hidden


# ---------------------------------------------------------------- 12: gzip errors name the file
def test_read_text_truncated_gz_names_file(gz_files):
    trunc, _, _ = gz_files
    with pytest.raises(ValueError, match=r"trunc\.gz: corrupt or truncated gzip data"):
        read_text(trunc)


def test_read_text_bad_gzip_header_names_file(tmp_path):
    p = tmp_path / "bad.gz"
    p.write_bytes(b"\x1f\x8b\x99garbage-not-a-gzip-stream")
    with pytest.raises(ValueError, match=r"bad\.gz: corrupt or truncated gzip data"):
        read_text(p)


@pytest.mark.parametrize("level", LEVELS)
def test_count_truncated_gz_same_error_every_level(gz_files, level):
    trunc, _, _ = gz_files
    with pytest.raises(ValueError, match=r"trunc\.gz: corrupt or truncated gzip data"):
        count_ngrams(str(trunc), 2, level=level)


def test_lm_perplexity_truncated_gz_names_file(gz_files):
    trunc, _, _ = gz_files
    lm = seqfast.NGramLM.fit(["a b c", "a c b"], 2, smoothing="add_k")
    with pytest.raises(ValueError, match=r"trunc\.gz: corrupt or truncated gzip data"):
        lm.perplexity(str(trunc))


# ---------------------------------------------------------------- 20: gzip decided by content at every level
def test_read_text_gz_by_content(gz_files):
    _, fake, hidden = gz_files
    assert read_text(fake) == TEXT
    assert read_text(hidden) == TEXT


@pytest.mark.parametrize("level", LEVELS)
def test_count_gz_by_content_every_level(gz_files, level):
    _, fake, hidden = gz_files
    ref = count_ngrams(iter(TEXT.splitlines()), 2, level=level)
    for p in (fake, hidden):
        c = count_ngrams(str(p), 2, level=level)
        assert c.vocab.itos == ref.vocab.itos
        for n in (1, 2):
            assert np.array_equal(c.arrays(n)[0], ref.arrays(n)[0])
            assert np.array_equal(c.arrays(n)[1], ref.arrays(n)[1])


# ---------------------------------------------------------------- 13: count_ngrams with a vocab without <unk>
def test_count_vocab_without_unk_names_unknown_token():
    v = Vocab(["a", "b"], specials=())
    with pytest.raises(KeyError, match=r"'zz' is not in the vocabulary.*no '<unk>' special.*specials=\('<unk>',\)"):
        count_ngrams(["a b zz"], 2, vocab=v)


def test_count_vocab_without_unk_known_tokens_ok():
    v = Vocab(["a", "b"], specials=())
    c = count_ngrams(["a b a"], 2, vocab=v)
    assert c[("a", "b")] == 1 and c[("b", "a")] == 1 and c.total(1) == 3


# ---------------------------------------------------------------- 15: lone surrogates
def test_vocab_surrogate_token():
    with pytest.raises(ValueError, match=r"token '\\ud800' \(position 1 of the input\) is not valid Unicode text.*lone surrogate"):
        Vocab(["a", "\ud800"])
    with pytest.raises(ValueError, match=r"token '\\ud800' is not valid Unicode text"):
        Vocab({"a": 1, "\ud800": 2})


def test_vocab_encode_surrogate():
    v = Vocab(["a"])
    with pytest.raises(ValueError, match=r"token 1 .*not valid Unicode text.*lone surrogate"):
        v.encode(["a", "\ud800"])
    with pytest.raises(ValueError, match=r"not valid Unicode text"):
        v["\ud800"]
    assert "\ud800" not in v


def _v1_doc(v: Vocab) -> dict:
    """A vocabulary in the JSON form of seqfast 0.1, which Vocab.load still reads (and checks field by field
    as it checks a container's)."""
    return {"format": "seqfast-vocab", "version": 1, "specials": list(v.specials), "unk_token": v.unk_token,
            "tokens": v.itos, "freqs": [f for _, f in v.token_freqs]}


def test_vocab_load_surrogate(tmp_path):
    p = tmp_path / "v.json"
    doc = _v1_doc(Vocab(["a", "b"]))
    doc["tokens"][2] = "\ud800"
    p.write_text(json.dumps(doc), encoding="utf-8")  # ensure_ascii: written as the escape \ud800
    with pytest.raises(ValueError, match=r"v\.json: .*'tokens'.*token 2 .*lone surrogate"):
        Vocab.load(p)


# ---------------------------------------------------------------- 16: Vocab.load checks freqs and unk_token
def _bad_vocab(tmp_path, **fields):
    p = tmp_path / "v.json"
    doc = _v1_doc(Vocab(["a", "b", "a"]))
    doc.update(fields)
    p.write_text(json.dumps(doc), encoding="utf-8")
    return p


@pytest.mark.parametrize("freqs", [["x", 1], [-5, 1], [1.5, 1], [True, 1], [5 * 10**20, 1], [2**62, 1]])
def test_vocab_load_bad_freqs(tmp_path, freqs):
    p = _bad_vocab(tmp_path, freqs=freqs)
    with pytest.raises(ValueError,
                       match=r"v\.json: corrupt vocabulary file: 'freqs' must hold ints in \[0, 2\^62\)"):
        Vocab.load(p)


def test_vocab_load_bad_unk_token(tmp_path):
    p = _bad_vocab(tmp_path, unk_token=5)
    with pytest.raises(ValueError, match=r"v\.json: corrupt vocabulary file: 'unk_token' must be a str, got 5"):
        Vocab.load(p)


def test_vocab_from_tokens_bad_freqs():
    with pytest.raises(ValueError, match=r"'freqs' must hold ints in \[0, 2\^62\), got -1"):
        Vocab.from_tokens(["<unk>", "a"], freqs=[-1])


# ---------------------------------------------------------------- 17: numpy integers are ints
def test_vocab_numpy_int_args():
    toks = ["a", "b", "a"]
    assert Vocab(toks, min_freq=np.int64(1)) == Vocab(toks, min_freq=1)
    assert Vocab(toks, min_freq=np.int32(2)) == Vocab(toks, min_freq=2)
    assert Vocab(toks, max_size=np.int64(2)) == Vocab(toks, max_size=2)
    assert Vocab(toks, max_size=np.uint8(3)) == Vocab(toks, max_size=3)


@pytest.mark.parametrize("kw", [{"min_freq": True}, {"min_freq": 1.0}, {"max_size": True}, {"max_size": 2.0}])
def test_vocab_rejects_bool_and_float(kw):
    with pytest.raises(ValueError, match=r"must be an int"):
        Vocab(["a", "b"], **kw)


# ---------------------------------------------------------------- 18: one_hot reports the real id
def test_one_hot_huge_uint64_id():
    with pytest.raises(IndexError, match=r"id 9223372036854775813 out of range for num_classes=3"):
        one_hot(np.array([2**63 + 5], dtype=np.uint64), 3)


def test_one_hot_uint64_ok():
    assert one_hot(np.array([0, 2], dtype=np.uint64), 3).tolist() == [[1, 0, 0], [0, 0, 1]]


@pytest.mark.parametrize("level", LEVELS)
def test_count_lines_surrogate(level):
    with pytest.raises(ValueError, match=r"line 1 of the text .*not valid Unicode text.*lone surrogate"):
        count_ngrams(iter(["a b", "a \ud800 b"]), 2, level=level)
