"""One tokenization from counting to scoring: the C readers and seqfast.Tokenizer agree on any text, and a
model scored on its own training text has no OOVs at any level."""
import collections
import os
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import seqfast
from seqfast import NGramLM, Tokenizer, count_ngrams, tokenize

# the characters where tokenizers disagree: Unicode spaces KenLM keeps inside words, CR/LF, tabs, VT/FF,
# Python-only whitespace (\x1c-\x1f, \x85, U+2028), combining marks, case mappings that need context
# (final sigma) or change length (U+0130), apostrophes and punctuation of the word pattern
TRICKY = ("ab AB z9_'.-,\u00a0\u2000\u2003\u2009\u200a\u200b\u3000\r\n\t\v\f\x1c\x1f\x85\u2028"
          "\u0301\u0308e\u00e9\u03a3\u03c3\u0130I\u00df\u00c9\u4e2d")
texts = st.text(alphabet=st.sampled_from(TRICKY), max_size=60)
LEVELS = [("word", None), ("char", None), ("whitespace", None), ("regex", r"\w+|[^\w\s]")]


def _python_counts(tok: Tokenizer, text: str):
    uni, bi = collections.Counter(), collections.Counter()
    for line in tok.lines(text):
        uni.update(line)
        bi.update(zip(line, line[1:]))
    return uni, bi


def _engine_counts(counts):
    uni = {g[0]: c for g, c in counts.items(1)} if hasattr(counts, "items") else None
    return uni


def _counter_of(counts, n):
    g, c = counts.arrays(n)
    itos = counts.vocab.itos
    out = collections.Counter()
    for row, k in zip(g.tolist(), c.tolist()):
        out[tuple(itos[i] for i in row) if n > 1 else itos[row[0]]] = k
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=texts, level=st.sampled_from(LEVELS), lower=st.booleans())
def test_c_readers_tokenize_like_python(text, level, lower):
    level, pattern = level
    tok = Tokenizer(level, lower, pattern)
    uni, bi = _python_counts(tok, text)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "t.txt")
        with open(path, "wb") as f:
            f.write(text.encode("utf-8"))
        sources = {"file": path, "lines": text.split("\n"), "text": None}
        for how, src in sources.items():
            kw = {"text": text} if how == "text" else {}
            c = count_ngrams(src, 2, level=level, pattern=pattern, lower=lower, **kw)
            got_uni = _counter_of(c, 1)
            got_uni = collections.Counter({t: k for t, k in got_uni.items() if k})
            assert got_uni == uni, (how, text)
            assert _counter_of(c, 2) == collections.Counter(bi), (how, text)


def test_whitespace_level_is_kenlm_rule():
    text = "a\u00a0b c\td\re\x0bf\x0cg\u3000h\u2003i\x1cj\n"
    assert tokenize(text, level="whitespace") == ["a\u00a0b", "c", "d", "e", "f", "g\u3000h\u2003i\x1cj"]
    c = count_ngrams(text=text, order=1, level="whitespace")
    assert sorted(t for t, _ in c.vocab.token_freqs) == sorted(tokenize(text, level="whitespace"))


def test_issue_repro_nbsp_counted_and_scored_alike(tmp_path):
    p = tmp_path / "nbsp.txt"
    p.write_bytes(b"a\xc2\xa0b c\nd e\n")
    lm = NGramLM.fit(p, 2, level="whitespace", discount_fallback=True)
    assert "a\u00a0b" in lm.vocab and "a" not in lm.vocab
    assert lm.evaluate(p)["oovs"] == 0


CORPUS = ("The Time\u00a0Traveller said: \u201cIt\u2019s\u2003odd.\u201d\r\n"
          "\tA\u3000line with\u200btabs\tand CRLF\r\n"
          "\u03a3\u039f\u03a6\u039f\u03a3 \u0130stanbul caf\u00e9 cafe\u0301 na\u00efve\r"
          "lone CR above; blank below\n\n  spaced   out  \n\x0bvt\x0cff\n")


@pytest.mark.parametrize("level,pattern", LEVELS)
@pytest.mark.parametrize("lower", [False, True])
def test_zero_oovs_on_the_training_file(tmp_path, level, pattern, lower):
    p = tmp_path / "train.txt"
    p.write_bytes(CORPUS.encode("utf-8"))
    lm = NGramLM.fit(p, 3, level=level, pattern=pattern, lower=lower, discount_fallback=True)
    assert lm.tokenization == {"level": level, "lower": lower, "pattern": pattern}
    assert lm.evaluate(p)["oovs"] == 0
    assert lm.evaluate(text=CORPUS)["oovs"] == 0
    lm.save(tmp_path / "m.sfl")
    back = NGramLM.load(tmp_path / "m.sfl")
    assert back.tokenization == lm.tokenization
    assert back.evaluate(p)["oovs"] == 0
    if level != "char":  # char tokens include spaces, which ARPA words cannot hold
        lm.to_arpa(tmp_path / "m.arpa")
        back = NGramLM.from_arpa(tmp_path / "m.arpa")
        assert back.tokenization == lm.tokenization
        r, r0 = back.evaluate(p), lm.evaluate(p)
        assert r["oovs"] == 0 and r["perplexity"] == pytest.approx(r0["perplexity"], rel=1e-5)


def test_char_level_arpa_refusal_names_the_level(tmp_path):
    lm = NGramLM.fit(text="ab c\n", order=2, level="char", discount_fallback=True)
    with pytest.raises(ValueError, match="level='char'"):
        lm.to_arpa(tmp_path / "c.arpa")


def test_foreign_arpa_is_whitespace_level(tmp_path, data_dir):
    lm = NGramLM.from_arpa(os.path.join(data_dir, "kenlm", "timemachine.o2.arpa"))
    assert lm.tokenization == {"level": "whitespace", "lower": False, "pattern": None}
    lm2 = NGramLM.from_arpa(os.path.join(data_dir, "kenlm", "timemachine.o2.arpa"), level="word", lower=True)
    assert lm2.tokenization == {"level": "word", "lower": True, "pattern": None}


def test_arpa_tokenization_comment_precedes_data(tmp_path):
    lm = NGramLM.fit(text="The cat sat\nthe dog sat\n", order=2, lower=True, discount_fallback=True)
    lm.to_arpa(tmp_path / "m.arpa")
    head = (tmp_path / "m.arpa").read_text().split("\n")
    assert head[0].startswith("# seqfast tokenization: ") and head[1] == "\\data\\"
    kenlm = pytest.importorskip("kenlm")
    k = kenlm.Model(str(tmp_path / "m.arpa"))
    assert k.score("the cat sat") == pytest.approx(lm.score("the cat sat"), abs=1e-4)


def test_tokenizer_object():
    t = Tokenizer("regex", True, r"\d+")
    assert t("A1 b22") == ["1", "22"]
    assert Tokenizer.from_dict(t.to_dict()) == t
    assert Tokenizer(pattern="x") == Tokenizer("regex", pattern="x")
    with pytest.raises(ValueError, match="needs pattern"):
        Tokenizer("regex")
    with pytest.raises(ValueError, match="level must be"):
        Tokenizer("words")
    with pytest.raises(ValueError, match="not a valid regular expression"):
        Tokenizer(pattern="(")
    with pytest.raises(AttributeError):
        t.level = "word"
    assert seqfast.WHITESPACE == " \t\n\r\v\f"
