"""seqfast count: output format, options, summary, errors."""
import json
import os

import pytest

import seqfast
from seqfast import NGramCounts
from seqfast.cli import main
from seqfast.reference import ngram as R

HERE = os.path.dirname(os.path.abspath(__file__))
CAESAR = os.path.join(HERE, "data", "shakespeare-caesar.txt")


def run(capsys, *argv):
    rc = main(["count", *argv])
    out, err = capsys.readouterr()
    return rc, out, err


def test_default_corpus_top(capsys):
    rc, out, err = run(capsys, "-n", "2", "--top", "3", "--lower")
    assert rc == 0
    lines = out.splitlines()
    assert len(lines) == 6  # 3 unigrams, 3 bigrams
    ref = R.count_ngrams(seqfast.datasets.time_machine(), 2, lower=True)
    top1 = sorted(ref[1].items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    assert lines[:3] == [f"{' '.join(g)}\t{c}" for g, c in top1]
    assert "tokens" in err and "tokens/s" in err and "peak memory" in err and "2-grams" in err


def test_order_only_min_count_ties_by_ngram(tmp_path, capsys):
    p = tmp_path / "t.txt"
    p.write_text("b a\na b\nc c\nc c\n", encoding="utf-8")
    rc, out, _ = run(capsys, str(p), "-n", "2", "--order-only", "-q")
    assert out.splitlines() == ["c c\t2", "a b\t1", "b a\t1"]
    rc, out, _ = run(capsys, str(p), "-n", "2", "--order-only", "--min-count", "2", "-q")
    assert out.splitlines() == ["c c\t2"]


def test_pad_level_char_output_file_json(tmp_path, capsys):
    p = tmp_path / "t.txt"
    p.write_text("ab\nab\n", encoding="utf-8")
    o = tmp_path / "out.json"
    rc, out, _ = run(capsys, str(p), "-n", "2", "--level", "char", "--pad", "--format", "json", "-o", str(o), "-q")
    assert rc == 0 and out == ""
    doc = json.loads(o.read_text(encoding="utf-8"))
    assert doc["order"] == 2
    assert [["<s>", "a"], 2] in doc["ngrams"]["2"] and [["b", "</s>"], 2] in doc["ngrams"]["2"]


@pytest.mark.parametrize("engine", ["sort", "hash"])
def test_save_and_threads(tmp_path, capsys, engine):
    s = tmp_path / "c.sfc"
    rc, _, _ = run(capsys, "-n", "3", "--threads", "1", "--save", str(s), "--top", "0", "-q", "--engine", engine)
    assert rc == 0
    c = NGramCounts.load(s)
    assert c == seqfast.count_ngrams(seqfast.datasets.time_machine_path(), 3, n_threads=2)


def test_stdin(monkeypatch, capsys):
    import io
    import sys
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"x y x y\n")))
    rc, out, _ = run(capsys, "-", "-n", "2", "--order-only", "--level", "whitespace", "-q")
    assert out.splitlines() == ["x y\t2", "y x\t1"]


def test_zipf_table(capsys):
    rc, out, _ = run(capsys, "--zipf", "-q")
    assert rc == 0 and "1-grams" in out and "3-grams" in out and "freq*rank" in out


def test_zipf_plot(tmp_path, capsys):
    png = tmp_path / "z.png"
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        rc, _, err = run(capsys, "--zipf", "--plot", str(png), "-q")
        assert rc == 1 and "matplotlib" in err
        return
    rc, _, _ = run(capsys, "--zipf", "--plot", str(png), "-q")
    assert rc == 0 and png.stat().st_size > 1000


@pytest.mark.parametrize("argv, msg", [
    (["-n", "0"], "between 1 and 16"),
    (["-n", "17"], "between 1 and 16"),
    (["--top", "-1"], "--top"),
    (["--min-count", "0"], "--min-count"),
    (["--threads", "0"], "--threads"),
    (["/nonexistent/file.txt"], "/nonexistent/file.txt: no such file"),
    (["/tmp"], "is a directory"),
    ([CAESAR], "invalid UTF-8 at byte offset"),
])
def test_errors(capsys, argv, msg):
    rc, _, err = run(capsys, *argv, "-q")
    assert rc == 1 and msg in err and "seqfast count: error:" in err


def test_errors_replace(capsys):
    rc, out, _ = run(capsys, CAESAR, "--errors", "replace", "--top", "1", "-n", "1", "-q")
    assert rc == 0 and out.count("\n") == 1


def test_listed_in_help(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out, _ = capsys.readouterr()
    assert "count" in out
