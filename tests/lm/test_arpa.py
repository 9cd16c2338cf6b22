"""ARPA reader robustness: header/section checks, whitespace variants, sentinels, gzip, random mutations."""
import gzip
import random

import numpy as np
import pytest

from seqfast.lm import ARPAError, NGramLM, read_arpa

from _lmdata import arpa

TOY = """\\data\\
ngram 1=5
ngram 2=3

\\1-grams:
-1.0\t<unk>\t0
-99\t<s>\t-0.5
-0.5\t</s>
-0.4\ta\t-0.2
-0.6\tb\t-0.1

\\2-grams:
-0.3\t<s> a
-0.2\ta b
-inf\tb </s>

\\end\\
"""


def _write(tmp_path, text, name="m.arpa"):
    p = tmp_path / name
    p.write_bytes(text.encode() if isinstance(text, str) else text)
    return p


def test_toy_values(tmp_path):
    a = read_arpa(_write(tmp_path, TOY))
    assert a.itos == ["<unk>", "<s>", "</s>", "a", "b"]
    assert a.backoff[0].tolist() == pytest.approx([0, -0.5, 0, -0.2, -0.1])  # missing backoff = 0
    assert a.logp[1][2] == -np.inf
    m = NGramLM.from_arpa(_write(tmp_path, TOY))
    assert m.log10prob("b", ["a"]) == pytest.approx(-0.2)
    assert m.log10prob("a", ["b"]) == pytest.approx(-0.1 + -0.4)  # backoff(b) + p(a)
    assert m.log10prob("zzz", ["a"]) == pytest.approx(-0.2 + -1.0)  # OOV scored as <unk>


@pytest.mark.parametrize("variant", ["crlf", "spaces", "blank_lines", "comments", "gzip"])
def test_variants_parse_the_same(tmp_path, variant):
    text = TOY
    if variant == "crlf":
        text = text.replace("\n", "\r\n")
    elif variant == "spaces":
        text = text.replace("\t", "   ")
    elif variant == "blank_lines":
        text = text.replace("\n\\2-grams:", "\n\n\n\\2-grams:").replace("-0.3\t<s> a\n", "-0.3\t<s> a\n\n")
    elif variant == "comments":
        text = "# made by hand\nsome header\n" + text
    data = gzip.compress(text.encode()) if variant == "gzip" else text.encode()
    a = read_arpa(_write(tmp_path, data, "m.arpa.gz" if variant == "gzip" else "m.arpa"))
    b = read_arpa(_write(tmp_path, TOY, "ref.arpa"))
    assert a.itos == b.itos
    for x, y in zip(a.grams + a.logp + a.backoff, b.grams + b.logp + b.backoff):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("bad, match", [
    (TOY.replace("ngram 2=3", "ngram 2=4"), r":\d+: the header announces 4 2-grams but the section has 3"),
    (TOY.replace("ngram 1=5", "ngram 1=4"), r":\d+: more 1-grams than the 4"),
    (TOY.replace("-0.2\ta b", "x\ta b"), r":14: expected a number for the log10 probability"),
    (TOY.replace("-0.2\ta b", "-0.2\ta c"), r":14: word 'c' of this 2-gram is not a unigram"),
    (TOY.replace("-0.2\ta b", "-0.2\ta b c d"), r":14: expected 'log10p' then 2 word"),
    (TOY.replace("\\end\\\n", ""), r"no \\end\\ line"),
    (TOY.replace("\\2-grams:", "\\3-grams:"), r"expected '\\\\2-grams:'"),
    (TOY.replace("-0.4\ta\t-0.2", "nan\ta\t-0.2"), r"log10 probability is 'nan'"),
    (TOY.replace("-0.4\ta\t-0.2", "-2.5e307\ta\t-0.2"),
     r":9: the log10 probability is '-2.5e307', beyond the float range"),
    (TOY.replace("-0.4\ta\t-0.2", "-0.4\ta\t-1e39"), r":9: the log10 backoff is '-1e39', beyond the float range"),
    ("hello\nworld\n", r"no \\data\\ line"),
    (TOY.replace("-0.4\ta\t-0.2\n", "-0.4\ta\t-0.2\n-0.4\ta\n").replace("ngram 1=5", "ngram 1=6"),
     r"unigram 'a' appears twice"),
    (TOY.replace("-0.5\t</s>\n", ""), r"header announces 5 1-grams but the section has 4"),
])
def test_errors_name_the_line(tmp_path, bad, match):
    with pytest.raises(ARPAError, match=match):
        read_arpa(_write(tmp_path, bad))


def _reference_read(data: bytes):
    """A plain reading of a well-formed ARPA file (no error handling): itos, [(words..., logp, backoff)]."""
    lines = [l.strip(" \t\r") for l in data.decode().split("\n")]
    i = lines.index("\\data\\") + 1
    counts = []
    while not lines[i].startswith("\\"):
        if lines[i]:
            counts.append(int(lines[i].split("=")[1]))
        i += 1
    rows = []
    for n in range(1, len(counts) + 1):
        assert lines[i] == f"\\{n}-grams:"
        i += 1
        section = []
        while not lines[i].startswith("\\"):
            if lines[i]:
                f = lines[i].replace("\t", " ").split(" ")
                f = [x for x in f if x]
                section.append((tuple(f[1:n + 1]), float(f[0]), float(f[n + 1]) if len(f) == n + 2 else 0.0))
            i += 1
        rows.append(section)
    return rows


@pytest.mark.parametrize("order", [2, 3, 5])
def test_reader_equals_reference(order):
    data = open(arpa(order), "rb").read()
    a = read_arpa(arpa(order))
    for n, section in enumerate(_reference_read(data), 1):
        words = [tuple(a.itos[i] for i in row) for row in a.grams[n - 1].tolist()]
        assert words == [r[0] for r in section]
        np.testing.assert_allclose(a.logp[n - 1], [r[1] for r in section], rtol=1e-6)
        np.testing.assert_allclose(a.backoff[n - 1], [r[2] for r in section], rtol=1e-6)


def test_long_numbers(tmp_path):
    a = read_arpa(_write(tmp_path, TOY.replace("-0.2\ta b", "-0.2" + "0" * 80 + "\ta b")))
    assert a.logp[1][1] == pytest.approx(-0.2)
    a = read_arpa(_write(tmp_path, TOY.replace("-0.2\ta b", "-2.0e-1\ta b").replace("-0.3", "-3E-1")))
    assert a.logp[1][:2].tolist() == pytest.approx([-0.3, -0.2])


@pytest.mark.parametrize("sep", ["\x0b", "\x0c"])
def test_words_with_ascii_whitespace_are_rejected(tmp_path, sep):
    """Only spaces and tabs separate fields; a word holding other ASCII whitespace is an error naming its line."""
    bad = TOY.replace("-1.0\t<unk>\t0", f"-1.0\t<unk>{sep}x\t0")
    with pytest.raises(ARPAError, match=r":6: the word .* contains whitespace"):
        read_arpa(_write(tmp_path, bad))


@pytest.mark.parametrize("sep", ["\u00a0", "\x1c", "\u3000"])
def test_words_keep_other_unicode_spaces(tmp_path, sep):
    """KenLM's rule: every character but ASCII space, tab, newline, CR, VT and FF belongs to a word."""
    ok = TOY.replace("-1.0\t<unk>\t0", f"-1.0\t<unk>{sep}x\t0")
    assert f"<unk>{sep}x" in read_arpa(_write(tmp_path, ok)).itos


@pytest.mark.parametrize("tok", ["-0x1p1", "0x0", "-1_0", "inf", "nan", "--1", "1e", ".", "-"])
def test_numbers_are_decimal_only(tmp_path, tok):
    with pytest.raises(ARPAError, match=":9: "):
        read_arpa(_write(tmp_path, TOY.replace("-0.4\ta\t-0.2", f"{tok}\ta\t-0.2")))


def test_blank_lines_in_the_header_and_bytes_after_end(tmp_path):
    text = TOY.replace("ngram 1=5\n", "ngram 1=5\n\n\n") + "garbage \xff after the end\n"
    a = read_arpa(_write(tmp_path, text.encode("latin1")))
    b = read_arpa(_write(tmp_path, TOY, "ref.arpa"))
    assert a.itos == b.itos
    for x, y in zip(a.grams + a.logp + a.backoff, b.grams + b.logp + b.backoff):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("blank", ["", "\n\n", "\r\n  \n"])
def test_repeated_bigram(tmp_path, blank):
    bad = TOY.replace("ngram 2=3", "ngram 2=4").replace("-inf\tb </s>", "-inf\tb </s>\n" + blank + "-0.1\ta b")
    lines = bad.split("\n")
    first, again = [i + 1 for i, t in enumerate(lines) if t.endswith("\ta b")]
    with pytest.raises(ARPAError, match=rf"m\.arpa:{again}: 2-gram 'a b' appears twice .*first at line {first}\)"):
        read_arpa(_write(tmp_path, bad))


def test_truncated_gzip(tmp_path):
    data = gzip.compress(TOY.encode())
    with pytest.raises(ARPAError):
        read_arpa(_write(tmp_path, data[: len(data) // 2], "t.arpa.gz"))


def test_random_mutations_never_crash(tmp_path):
    """Mutate the KenLM fixture at random: every result is a model or an ARPAError, nothing else."""
    rng = random.Random(1234)
    src = open(arpa(2), "rb").read()
    # keep a consistent small file: cut after the first 400 bigrams, fix the header
    lines = src.split(b"\n")
    uni_end = lines.index(b"\\2-grams:")
    body = lines[: uni_end + 1] + [l for l in lines[uni_end + 1:] if l.count(b"\t") >= 1][:400]
    n1 = sum(1 for l in lines[:uni_end] if l.count(b"\t") >= 1)
    body[1:3] = [b"ngram 1=%d" % n1, b"ngram 2=400"]
    good = b"\n".join(body) + b"\n\n\\end\\\n"
    assert NGramLM.from_arpa(_write(tmp_path, good)).counts == [n1, 400]
    ops = 0
    for trial in range(150):
        data = bytearray(good)
        for _ in range(rng.randint(1, 4)):
            kind = rng.randrange(4)
            pos = rng.randrange(len(data))
            if kind == 0:
                data[pos] = rng.randrange(256)
            elif kind == 1:
                del data[pos: pos + rng.randint(1, 50)]
            elif kind == 2:
                data[pos:pos] = bytes(rng.choice(b"\t \n-0123456789.e\\abc") for _ in range(rng.randint(1, 8)))
            else:
                data = data[:pos]
        p = _write(tmp_path, bytes(data), f"mut{trial}.arpa")
        try:
            m = NGramLM.from_arpa(p)
            m.perplexity(["the time traveller"])
            ops += 1
        except ARPAError:
            pass
    assert ops < 150  # most mutations are caught


def test_writer_same_bytes_for_any_threads_and_chunking():
    from seqfast import _lm
    from seqfast._container import pack_strings

    m = NGramLM.fit(["the cat sat on the mat", "the dog sat", "a cat ran on a mat"] * 3, 3,
                    smoothing="mkn", discount_fallback=True, level="whitespace")
    pool, offs = pack_strings(m.vocab.itos)
    pool = pool.tobytes()
    outs = set()
    for nt in (1, 2, 3):
        for rows in (1, 2, 5, 1 << 18):
            g, lp, bo = m.ngrams(2)
            outs.add(b"".join([bytes(c) for c in _lm.arpa_chunks(g, lp, bo, pool, offs, nt, rows)]))
    assert len(outs) == 1
    with pytest.raises(IndexError):
        list(_lm.arpa_chunks(np.array([[0, 99]], dtype=np.int32), np.zeros(1, np.float32), None, pool, offs))
