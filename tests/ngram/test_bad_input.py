"""Bad input for count_ngrams: empty, huge single line, invalid UTF-8, bad orders, missing files, dirs, gzip."""
import gzip
import os

import numpy as np
import pytest

import seqfast
from seqfast import InvalidUTF8Error, count_ngrams
from seqfast.reference import ngram as R

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # tests/
CAESAR = os.path.join(HERE, "data", "shakespeare-caesar.txt")  # Latin-1: real invalid UTF-8
BLAKE = os.path.join(HERE, "data", "blake-poems.txt")


def _dicts(c):
    return [c.to_dict(n) for n in range(1, c.order + 1)]


@pytest.mark.parametrize("level", ["word", "whitespace", "char"])
def test_empty_file_gives_zero_counts(tmp_path, level):
    p = tmp_path / "empty.txt"
    p.write_bytes(b"")
    for pad in (False, True):
        c = count_ngrams(str(p), 3, level=level, pad=pad)
        assert c.total(1) == 0 and all(c.unique(n) == 0 for n in (1, 2, 3))
        assert c.arrays(3)[0].shape == (0, 3) and c.most_common(5, order=2) == []
    blank = tmp_path / "blank.txt"
    blank.write_bytes(b"\n\n  \n")
    assert count_ngrams(str(blank), 2, level=level if level != "char" else "word", pad=True).total(1) == 0


@pytest.mark.parametrize("level", ["word", "whitespace", "char"])
def test_one_huge_line_streams(tmp_path, level):
    # ~12 MB without a newline, several read chunks: tokens and UTF-8 sequences straddle chunk ends
    rng = np.random.default_rng(0)
    vocab = np.array(["ab", "c", "déjà", "vu", "ß", "x'y", ".", "zz"], dtype=object)
    toks = vocab[rng.integers(0, len(vocab), 1_500_000)]
    text = " ".join(toks.tolist())
    p = tmp_path / "huge.txt"
    p.write_bytes(text.encode("utf-8"))
    c = count_ngrams(str(p), 3, level=level, pad=True)
    if level == "char":  # a cheap check on the big file; the full reference on a slice
        assert c.total(1) == len(text) + 2
        small = tmp_path / "s.txt"
        small.write_bytes(text[: 50_000].encode("utf-8"))
        c = count_ngrams(str(small), 3, level=level, pad=True)
        text = text[: 50_000]
    assert _dicts(c) == [dict(x) for x in R.count_ngrams(text, 3, level=level, pad=True)[1:]]


@pytest.mark.parametrize("level", ["word", "whitespace", "char"])
def test_invalid_utf8_strict_names_file_and_offset(level):
    with pytest.raises(InvalidUTF8Error) as e:
        count_ngrams(CAESAR, 2, level=level)
    data = open(CAESAR, "rb").read()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as u:
        first_bad = u.start
    assert e.value.offset == first_bad and "shakespeare-caesar.txt" in str(e.value)
    assert "errors='replace'" in str(e.value)


@pytest.mark.parametrize("level", ["word", "whitespace", "char"])
@pytest.mark.parametrize("errors", ["replace", "ignore"])
def test_invalid_utf8_replace_and_ignore_match_python(level, errors):
    text = open(CAESAR, "rb").read().decode("utf-8", errors=errors)
    c = count_ngrams(CAESAR, 3, level=level, errors=errors, pad=True)
    assert _dicts(c) == [dict(x) for x in R.count_ngrams(text, 3, level=level, pad=True)[1:]]


@pytest.mark.parametrize("level", ["whitespace", "char"])
def test_invalid_utf8_subparts_like_python(tmp_path, level):
    # truncated sequences, surrogates, overlongs, stray continuation bytes, a sequence cut at the end
    raw = b"a\xe2\x82 b\xed\xa0\x80c \xc0\xaf d\x80\x80e \xf0\x9f\x98\x80 \xf4\x90\x80\x80 f\xe2\x82"
    p = tmp_path / "bad.txt"
    p.write_bytes(raw)
    for errors in ("replace", "ignore"):
        c = count_ngrams(str(p), 2, level=level, errors=errors)
        text = raw.decode("utf-8", errors=errors)
        assert _dicts(c) == [dict(x) for x in R.count_ngrams(text, 2, level=level)[1:]], errors
    with pytest.raises(InvalidUTF8Error) as e:
        count_ngrams(str(p), 2, level=level)
    assert e.value.offset == 1


@pytest.mark.parametrize("order", [0, -1, 17, 1000])
def test_bad_orders(order):
    with pytest.raises(ValueError, match="order must be between 1 and 16"):
        count_ngrams(["a b"], order)


@pytest.mark.parametrize("order", [2.0, "3", None, True])
def test_order_must_be_int(order):
    with pytest.raises(TypeError, match="order"):
        count_ngrams(["a b"], order)


def test_bad_arguments():
    with pytest.raises(ValueError, match="level"):
        count_ngrams(["a"], 2, level="bpe")
    with pytest.raises(ValueError, match="boundaries"):
        count_ngrams(["a"], 2, boundaries="sentence")
    with pytest.raises(ValueError, match="errors"):
        count_ngrams(["a"], 2, errors="loose")
    with pytest.raises(ValueError, match="n_threads"):
        count_ngrams(["a"], 2, n_threads=0)
    with pytest.raises(TypeError):
        count_ngrams(b"a b", 2)
    with pytest.raises(TypeError):
        count_ngrams(12, 2)
    with pytest.raises(TypeError, match="str"):
        count_ngrams(iter(["a", 3]), 2)


@pytest.mark.parametrize("level", ["word", "whitespace"])
def test_missing_file_and_directory(tmp_path, level):
    with pytest.raises(FileNotFoundError, match="no_such.txt"):
        count_ngrams(str(tmp_path / "no_such.txt"), 2, level=level)
    with pytest.raises(IsADirectoryError, match="directory"):
        count_ngrams(str(tmp_path), 2, level=level)


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path):
    p = tmp_path / "secret.txt"
    p.write_text("a b")
    p.chmod(0)
    with pytest.raises(OSError, match="secret.txt"):
        count_ngrams(str(p), 2, level="whitespace")


@pytest.mark.parametrize("level", ["word", "whitespace", "char"])
def test_gzip_input(tmp_path, level):
    p = tmp_path / "blake.txt.gz"
    with open(BLAKE, "rb") as f, gzip.open(p, "wb") as g:
        g.write(f.read())
    assert count_ngrams(str(p), 3, level=level) == count_ngrams(BLAKE, 3, level=level)


@pytest.mark.parametrize("level", ["word", "whitespace"])
def test_corrupt_and_truncated_gzip(tmp_path, level):
    p = tmp_path / "bad.txt.gz"
    data = gzip.compress(open(BLAKE, "rb").read())
    p.write_bytes(data[:20] + b"\xff" * 200 + data[220:])
    with pytest.raises((ValueError, OSError), match="bad.txt.gz"):
        count_ngrams(str(p), 2, level=level)
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises((ValueError, OSError), match="bad.txt.gz"):
        count_ngrams(str(p), 2, level=level)


def test_stdin_dash(monkeypatch):
    import io
    import sys
    raw = b"x y z\nx y\n"
    for level in ("whitespace", "word", "char"):
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
        c = count_ngrams("-", 2, level=level)
        assert c.to_dict(2) == dict(R.count_ngrams(raw.decode(), 2, level=level)[2])


@pytest.mark.parametrize("level", ["whitespace", "char"])
@pytest.mark.parametrize("nt", [2, 3, 4])
def test_parallel_reader_matches_sequential(tmp_path, monkeypatch, level, nt):
    import seqfast.ngram as ng
    text = open(BLAKE, encoding="utf-8").read()
    files = {"blake.txt": text.encode("utf-8"), "oneline.txt": text.replace("\n", " ").encode("utf-8"),
             "tiny.txt": b"a b\nc", "caesar.txt": open(CAESAR, "rb").read()}
    for name, data in files.items():
        p = tmp_path / name
        p.write_bytes(data)
        for errors in ("strict", "replace"):
            for pad in (False, True):
                monkeypatch.setattr(ng, "PARALLEL_READ_MIN", 1 << 60)
                try:
                    seq = count_ngrams(str(p), 3, level=level, pad=pad, errors=errors, n_threads=nt)
                except InvalidUTF8Error as e:
                    seq = e
                monkeypatch.setattr(ng, "PARALLEL_READ_MIN", 0)
                try:
                    par = count_ngrams(str(p), 3, level=level, pad=pad, errors=errors, n_threads=nt)
                except InvalidUTF8Error as e:
                    par = e
                if isinstance(seq, Exception):
                    assert isinstance(par, InvalidUTF8Error) and par.offset == seq.offset, name
                else:
                    assert par == seq and par.vocab.itos == seq.vocab.itos, (name, errors, pad)
