"""Readers of classification and tagging data (seqfast.data): both layouts of each, streaming, the one
tokenizer, splits, and named errors for bad input."""
import gzip
import pathlib

import numpy as np
import pytest

import seqfast
from seqfast.data import (ClassificationData, DataFormatError, EmptyClassError, TaggedData, class_labels,
                          iter_classification, iter_tagged)

DATA = pathlib.Path(__file__).resolve().parent.parent / "data"
POL = DATA / "polarity"
BROWN = DATA / "brown"


# ---- classification ---------------------------------------------------------------------------------
def test_one_file_per_class_polarity():
    d = ClassificationData.read([POL / "rt-polarity.pos", POL / "rt-polarity.neg"])
    assert d.classes == ["neg", "pos"]
    assert d.counts() == {"neg": 150, "pos": 150}
    assert d.tokens[0][:3] == ["the", "rock", "is"]
    # a directory reads the same files (sorted by name: neg first)
    e = ClassificationData.read(POL / ".", tokenizer=seqfast.Tokenizer("word"))
    assert e.counts() == {"neg": 150, "pos": 150}
    assert sorted(map(tuple, e.tokens)) == sorted(map(tuple, d.tokens))


def test_dict_of_files_and_tokenizer(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("Good FILM\n\n")
    b.write_text("bad one\nworse\n")
    d = ClassificationData.read({"yes": a, "no": [b]}, tokenizer=seqfast.Tokenizer("word", lower=True))
    assert list(d) == [(["good", "film"], "yes"), (["bad", "one"], "no"), (["worse"], "no")]
    assert d.label_ids().tolist() == [1, 0, 0]


def test_tab_format_file_gzip_and_lines(tmp_path):
    p = tmp_path / "train.tsv.gz"
    with gzip.open(p, "wt") as f:
        f.write("spam\tWin a prize now!\nham\tsee you at 5\n\nham\tok\r\n")
    d = ClassificationData.read(p)
    assert d.labels == ["spam", "ham", "ham"]
    assert d.tokens[0] == ["Win", "a", "prize", "now", "!"]
    assert d.tokens[2] == ["ok"]
    lines = list(iter_classification(["pos\tnice", "neg\tbad"], tokenizer=seqfast.Tokenizer("char")))
    assert lines == [(["n", "i", "c", "e"], "pos"), (["b", "a", "d"], "neg")]


def test_class_labels():
    assert class_labels(["x/rt-polarity.pos", "x/rt-polarity.neg"]) == ["pos", "neg"]
    assert class_labels(["spam.txt", "ham.txt"]) == ["spam", "ham"]
    assert class_labels(["a/x.txt", "b/x.csv"]) == ["txt", "csv"]
    with pytest.raises(ValueError, match="dict"):
        class_labels(["a/x", "b/x"])


def test_stratified_split_is_fixed_by_seed():
    d = ClassificationData.read([POL / "rt-polarity.pos", POL / "rt-polarity.neg"])
    tr, va = d.split(0.1, seed=3)
    assert len(va) == 30 and len(tr) == 270
    assert va.counts() == {"neg": 15, "pos": 15}
    tr2, va2 = d.split(0.1, seed=3)
    assert va2.tokens == va.tokens
    assert d.split(0.1, seed=4)[1].tokens != va.tokens
    with pytest.raises(ValueError, match="valid_frac"):
        d.split(1.0)


def test_classification_errors(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("pos\tgood\nno tab here\n")
    with pytest.raises(DataFormatError, match=r"bad.tsv: line 2: no TAB") as e:
        list(iter_classification(bad))
    assert e.value.line == 2
    bad.write_text("\tno label\n")
    with pytest.raises(DataFormatError, match="empty label"):
        list(iter_classification(bad))
    bad.write_text("pos\t   \n")
    with pytest.raises(DataFormatError, match="no text"):
        list(iter_classification(bad))
    empty = tmp_path / "rt.neg"
    empty.write_text("\n  \n")
    full = tmp_path / "rt.pos"
    full.write_text("fine\n")
    with pytest.raises(EmptyClassError, match="'neg'"):
        list(iter_classification([full, empty]))
    with pytest.raises(FileNotFoundError, match="nothere"):
        list(iter_classification(tmp_path / "nothere.tsv"))
    with pytest.raises(FileNotFoundError, match="nothere"):
        list(iter_classification([full, tmp_path / "nothere"]))
    latin = tmp_path / "latin.tsv"
    latin.write_bytes(b"pos\tok\npos\tok\nneg\tcaf\xe9\n")
    with pytest.raises(seqfast.InvalidUTF8Error, match="line 3") as e:
        list(iter_classification(latin))
    assert e.value.line == 3
    assert list(iter_classification(latin, errors="replace"))[2] == (["caf", "\ufffd"], "neg")
    with pytest.raises(ValueError, match="not among"):
        ClassificationData([["a"]], ["x"]).label_ids(["y"])


# ---- tagging ----------------------------------------------------------------------------------------
def _lines(path):
    with open(path, encoding="utf-8") as f:
        return sum(1 for line in f if line.strip())


def test_brown_slash_format():
    d = TaggedData.read(BROWN / "ca01")
    assert len(d) == _lines(BROWN / "ca01")
    assert d.tokens[0][:3] == ["The", "Fulton", "County"]
    assert d.tags[0][:3] == ["at", "np-tl", "nn-tl"]
    assert "np$" in d.tagset
    # cj01 has one sentence per line without blank lines between: each line is a sentence, as NLTK reads it
    e = TaggedData.read([BROWN / "ca01", BROWN / "cj01"])
    assert len(e) == len(d) + _lines(BROWN / "cj01")
    assert e.tokens[len(d)] == ["1", "."] and e.tags[len(d)] == ["cd-hl", ".-hl"]


def test_brown_matches_nltk_reader(monkeypatch):
    nltk = pytest.importorskip("nltk")
    from nltk.corpus.reader import TaggedCorpusReader
    monkeypatch.setattr(nltk.data, "path", list(nltk.data.path) + [str(BROWN)])  # NLTK reads only its own roots
    r = TaggedCorpusReader(str(BROWN), ["ca01", "cj01"])
    ours = TaggedData.read([BROWN / "ca01", BROWN / "cj01"])
    theirs = r.tagged_sents()
    assert len(theirs) == len(ours)
    for (w, t), sent in zip(ours, theirs):
        assert w == [x for x, _ in sent]
        assert t == [y.lower() for _, y in sent]


def test_columns_format(tmp_path):
    p = tmp_path / "ner.conll"
    p.write_text("-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\n\n\nPeter NNP B-NP B-PER\n")
    d = TaggedData.read(p)
    assert d.tokens == [["EU", "rejects"], ["Peter"]]
    assert d.tags == [["B-ORG", "O"], ["B-PER"]]
    assert TaggedData.read(p, column=1).tags == [["NNP", "VBZ"], ["NNP"]]
    # a word holding a slash in the columns format stays whole
    q = tmp_path / "pos.txt"
    q.write_text("and/or CC\n1/2 CD\n")
    assert list(iter_tagged(q)) == [(["and/or", "1/2"], ["CC", "CD"])]
    assert list(iter_tagged(["a/b/c/NN x/VB"], format="slash")) == [(["a/b/c", "x"], ["NN", "VB"])]


def test_tag_ids_and_split():
    d = TaggedData.read(BROWN / "ca01")
    ids = d.tag_ids()
    assert all(len(a) == len(t) for a, t in zip(ids, d.tags))
    assert d.tagset[ids[0][0]] == "at"
    tr, va = d.split(0.1, seed=0)
    assert len(va) == round(len(d) * 0.1) and len(tr) + len(va) == len(d) and tr.tagset == d.tagset
    with pytest.raises(ValueError, match="not among"):
        d.tag_ids(["at"])


def test_tagging_errors(tmp_path):
    p = tmp_path / "bad.conll"
    p.write_text("EU NNP\nrejects\n")
    with pytest.raises(DataFormatError, match=r"bad.conll: line 2: token 'rejects' has no tag"):
        list(iter_tagged(p))
    p.write_text("The/at jury/nn\nsaid/vbd it\n")
    with pytest.raises(DataFormatError, match=r"line 2: token 'it' is not word/tag"):
        list(iter_tagged(p))
    p.write_text("a b c\n")
    with pytest.raises(DataFormatError, match="no field 5"):
        list(iter_tagged(p, column=5))
    with pytest.raises(FileNotFoundError):
        list(iter_tagged(tmp_path / "missing"))
    p.write_bytes(b"a NN\n\nb\xff NN\n")
    with pytest.raises(seqfast.InvalidUTF8Error, match="line 3"):
        list(iter_tagged(p))
    with pytest.raises(ValueError, match="format"):
        list(iter_tagged(p, format="xml"))


def test_streaming_does_not_read_ahead(tmp_path):
    p = tmp_path / "big.tsv"
    p.write_text("pos\tgood\n" * 10 + "broken line\n")
    it = iter_classification(p)
    assert next(it) == (["good"], "pos")  # the bad line far below is not reached yet
    with pytest.raises(DataFormatError):
        list(it)
