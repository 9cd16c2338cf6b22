"""Hostile sizes: long lines stream in bounded pieces (same counts as lines input, linear time), tokens longer
than MAX_TOKEN_BYTES raise TokenTooLongError naming the file and line."""
from __future__ import annotations

import gzip
import random
import time

import pytest

import seqfast
import seqfast.ngram as ngram
from seqfast.text import MAX_TOKEN_BYTES, TokenTooLongError

_ALPHABET = list("ab'.:,;-_^`!\"( \t\nΣσςéİAΑ")


@pytest.mark.parametrize("chunk", [1, 3, 7, 64])
def test_word_stream_cut_points_change_nothing(tmp_path, monkeypatch, chunk):
    """Any chunk size gives the counts of the same text given as lines (cuts after whitespace or punctuation)."""
    monkeypatch.setattr(ngram, "_CHUNK", chunk)
    rng = random.Random(chunk)
    p = tmp_path / "t.txt"
    for _ in range(60):
        s = "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 60)))
        p.write_text(s, encoding="utf-8")
        for lower in (False, True):
            got = seqfast.count_ngrams(str(p), 3, lower=lower)
            want = seqfast.count_ngrams(iter(s.split("\n")), 3, lower=lower)
            for n in (1, 2, 3):
                assert dict(got.items(n)) == dict(want.items(n)), (s, lower, n)


def test_long_line_of_words_without_whitespace_streams(tmp_path, monkeypatch):
    monkeypatch.setattr(ngram, "_CHUNK", 1 << 12)
    p = tmp_path / "line.txt"
    p.write_bytes(b"ab,cd;" * 50000 + b"\n")
    c = seqfast.count_ngrams(str(p), 1)
    assert c[("ab",)] == 50000 and c[(",",)] == 50000 and c.total(1) == 200000


@pytest.mark.parametrize("chunk", [5, 64, 1 << 12])
def test_char_level_lower_long_line_streams(tmp_path, monkeypatch, chunk):
    """A line of letters longer than MAX_TOKEN_BYTES is streamed at the char level with lower=True (cut between
    two ASCII letters or digits), with the counts of the same text given as lines: final sigma included."""
    monkeypatch.setattr(ngram, "_CHUNK", chunk)
    monkeypatch.setattr(ngram, "MAX_TOKEN_BYTES", 64)
    rng = random.Random(chunk)
    line = "".join(rng.choice(["ab", "Z9", "ΑΣ", "ΟΔΟΣab", "Σ", "é", "x"]) for _ in range(3000))
    p = tmp_path / "line.txt"
    p.write_text(line + "\nΣΑΣ tail\n", encoding="utf-8")
    got = seqfast.count_ngrams(str(p), 2, level="char", lower=True)
    want = seqfast.count_ngrams([line, "ΣΑΣ tail"], 2, level="char", lower=True)
    for n in (1, 2):
        assert dict(got.items(n)) == dict(want.items(n))


def test_word_level_time_is_linear(tmp_path):
    """Doubling a line without whitespace about doubles the time (it was quadratic)."""
    unit = b"abcd,efg;"
    times = []
    for k in (1, 4):
        p = tmp_path / f"l{k}.txt"
        p.write_bytes(unit * (k * (1 << 20) // len(unit)) + b"\n")
        t = time.perf_counter()
        ngram._stream_ids("paths", [str(p)], seqfast.Tokenizer("word"), False, "line", "strict", None)
        times.append(time.perf_counter() - t)
    assert times[1] < 12 * times[0] + 0.5, times  # 4x the input; quadratic would be ~16x


@pytest.mark.parametrize("gz", [False, True])
def test_word_level_token_too_long_names_line(tmp_path, gz):
    data = b"one line\nsecond line\n" + b"x" * (MAX_TOKEN_BYTES + 10) + b" tail\n"
    p = tmp_path / ("long.txt.gz" if gz else "long.txt")
    p.write_bytes(gzip.compress(data) if gz else data)
    with pytest.raises(TokenTooLongError, match=r"long\.txt.*line 3") as e:
        seqfast.count_ngrams(str(p), 2)
    assert e.value.line == 3 and e.value.offset == len(b"one line\nsecond line\n")
    assert isinstance(e.value, ValueError)


def test_word_level_token_at_the_limit_is_fine(tmp_path):
    p = tmp_path / "ok.txt"
    p.write_bytes(b"a b\n" + b"y" * (MAX_TOKEN_BYTES - 1) + b"\n")
    c = seqfast.count_ngrams(str(p), 1)
    assert c.total(1) == 3


def test_whitespace_level_token_too_long_names_line(tmp_path):
    p = tmp_path / "long.txt"
    p.write_bytes(b"a b\nc\n\nd " + b"z" * (MAX_TOKEN_BYTES + 1) + b"\n")
    with pytest.raises(TokenTooLongError, match=r"line 4"):
        seqfast.count_ngrams(str(p), 1, level="whitespace")
    # the same token inside one read chunk and straddling chunks
    p.write_bytes(b"z" * (3 * MAX_TOKEN_BYTES) + b"\n")
    with pytest.raises(TokenTooLongError, match=r"line 1"):
        seqfast.count_ngrams(str(p), 1, level="whitespace")


def test_memory_limit_names_the_input(tmp_path, monkeypatch):
    p = tmp_path / "many.txt"
    p.write_text(" ".join(f"w{i}" for i in range(20000)) + "\n")
    monkeypatch.setenv("SEQFAST_MEMORY", "1M")
    with pytest.raises(seqfast.MemoryLimitError, match=r"many\.txt: this needs about .* GiB .*SEQFAST_MEMORY"):
        seqfast.count_ngrams(str(p), 2, level="whitespace")
    monkeypatch.setenv("SEQFAST_MEMORY", "1G")
    assert seqfast.count_ngrams(str(p), 2, level="whitespace").unique(1) == 20000
    monkeypatch.setenv("SEQFAST_MEMORY", "lots")
    with pytest.raises(ValueError, match="SEQFAST_MEMORY"):
        seqfast.count_ngrams(str(p), 1)


@pytest.mark.parametrize("level", ["char", "whitespace", "word"])
def test_reader_stops_at_the_memory_limit(tmp_path, monkeypatch, level):
    """The C reader refuses to grow its id stream past the limit, naming the file (a 2 GB line at char level
    would otherwise take 8 GB before anything could check)."""
    p = tmp_path / "big.txt"
    p.write_bytes(b"ab cd " * (1 << 20))
    monkeypatch.setenv("SEQFAST_MEMORY", "2M")
    with pytest.raises(seqfast.MemoryLimitError, match=r"big\.txt: this needs about"):
        seqfast.count_ngrams(str(p), 1, level=level, n_threads=1)
