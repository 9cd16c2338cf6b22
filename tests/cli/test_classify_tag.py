"""`seqfast classify` and `seqfast tag`: train / eval / predict, standard input and output, errors."""
import io
import pathlib
import sys

import pytest

from seqfast.cli import main

DATA = pathlib.Path(__file__).resolve().parent.parent / "data"
POS, NEG = str(DATA / "polarity" / "rt-polarity.pos"), str(DATA / "polarity" / "rt-polarity.neg")
FAST = ["--hidden", "8", "--embedding", "8", "--epochs", "1", "--threads", "1", "--quiet"]


def _stdin(monkeypatch, text):
    class In:
        buffer = io.BufferedReader(io.BytesIO(text.encode()))

        def isatty(self):
            return False
    monkeypatch.setattr(sys, "stdin", In())


def test_classify_train_eval_predict(tmp_path, capsys, monkeypatch):
    model = tmp_path / "s.npz"
    assert main(["classify", "train", POS, NEG, "--save", str(model), "--bidirectional", "--pooling", "mean",
                 *FAST]) == 0
    err = capsys.readouterr().err
    assert "ClassificationData(300 examples" in err and "held-out" in err and model.exists()
    tsv = tmp_path / "test.tsv"
    tsv.write_text("pos\ta funny , moving film\nneg\ta tedious mess\n")
    assert main(["classify", "eval", str(model), str(tsv)]) == 0
    out = capsys.readouterr().out
    assert "2 texts" in out and "accuracy" in out and "rows: true label" in out
    _stdin(monkeypatch, "a funny film\n\nthe worst\n")
    assert main(["classify", "predict", str(model)]) == 0
    lines = capsys.readouterr().out.split("\n")
    assert len(lines) == 4 and lines[0] in ("pos", "neg") and lines[1] == "" and lines[3] == ""
    assert main(["classify", "predict", str(model), str(tsv), "--with-text"]) == 0
    assert capsys.readouterr().out.split("\n")[0].split("\t")[1] == "pos"


def test_classify_errors(tmp_path, capsys):
    assert main(["classify", "train", str(tmp_path / "none.tsv"), "--save", str(tmp_path / "m.npz")]) == 1
    assert "none.tsv" in capsys.readouterr().err
    bad = tmp_path / "bad.tsv"
    bad.write_text("pos\tok\nno tab\n")
    assert main(["classify", "train", str(bad), "--save", str(tmp_path / "m.npz"), *FAST]) == 1
    assert "line 2: no TAB" in capsys.readouterr().err
    assert main(["classify", "train", POS, NEG, "--hidden", "0", "--save", "x"]) == 2
    assert "--hidden" in capsys.readouterr().err
    assert main(["classify", "eval", str(tmp_path / "missing.npz"), POS]) == 1


def test_tag_train_eval_predict(tmp_path, capsys, monkeypatch):
    model = tmp_path / "pos.npz"
    assert main(["tag", "train", str(DATA / "brown" / "ca01"), "--save", str(model), "--char-filters", "6",
                 *FAST]) == 0
    err = capsys.readouterr().err
    assert "TaggedData(" in err and "held-out: token_accuracy" in err
    assert main(["tag", "eval", str(model), str(DATA / "brown" / "cj01"), "--top", "5"]) == 0
    out = capsys.readouterr().out
    assert "token accuracy" in out and "unknown words" in out and "per-tag accuracy (the 5 most frequent" in out
    _stdin(monkeypatch, "The jury said .\n\nIt rained\n")
    assert main(["tag", "predict", str(model)]) == 0
    lines = capsys.readouterr().out.split("\n")
    assert lines[0].startswith("The/") and len(lines[0].split()) == 4 and lines[1] == ""
    conll = tmp_path / "in.txt"
    conll.write_text("The jury said .\n")
    assert main(["tag", "predict", str(model), str(conll), "--columns"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("The\t") and out.endswith("\n\n") and out.count("\n") == 5


def test_tag_errors(tmp_path, capsys):
    bad = tmp_path / "bad.conll"
    bad.write_text("The DT\njury\n")
    assert main(["tag", "train", str(bad), "--save", str(tmp_path / "m.npz"), *FAST]) == 1
    assert "line 2: token 'jury' has no tag" in capsys.readouterr().err
    assert main(["tag", "train", str(bad), "--format", "xml", "--save", "m"]) == 2
