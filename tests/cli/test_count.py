"""seqfast count: output format, options, summary, errors."""
import json
import os

import pytest

import seqfast
from seqfast import NGramCounts
from seqfast.cli import main
from seqfast.reference import ngram as R

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # tests/
CAESAR = os.path.join(HERE, "data", "shakespeare-caesar.txt")
TM = seqfast.datasets.time_machine_path()


def run(capsys, *argv):
    rc = main(["count", *argv])
    out, err = capsys.readouterr()
    return rc, out, err


def test_default_corpus_top(capsys, terminal_stdin):
    rc, out, err = run(capsys, "-n", "2", "--top", "3", "--lower")
    assert "no FILE given and standard input is a terminal: reading the bundled corpus" in err
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
    rc, _, _ = run(capsys, TM, "-n", "3", "--threads", "1", "--save", str(s), "--top", "0", "-q", "--engine", engine)
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
    rc, out, _ = run(capsys, TM, "--zipf", "-q")
    assert rc == 0 and "1-grams" in out and "3-grams" in out and "freq*rank" in out


def test_zipf_plot(tmp_path, capsys):
    png = tmp_path / "z.png"
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        rc, _, err = run(capsys, TM, "--zipf", "--plot", str(png), "-q")
        assert rc == 1 and "matplotlib" in err
        return
    rc, _, _ = run(capsys, TM, "--zipf", "--plot", str(png), "-q")
    assert rc == 0 and png.stat().st_size > 1000


@pytest.mark.parametrize("argv, msg", [
    (["-n", "17"], "between 1 and 16"),
    (["/nonexistent/file.txt"], "/nonexistent/file.txt: no such file"),
    (["/tmp"], "is a directory"),
    ([CAESAR], "invalid UTF-8 at byte offset"),
])
def test_errors(capsys, argv, msg):
    rc, _, err = run(capsys, *argv, "-q")
    assert rc == 1 and msg in err and "seqfast count: error:" in err


@pytest.mark.parametrize("argv, msg", [
    (["-n", "0"], "argument -n/--order: must be >= 1, got 0"),
    (["--top", "-1"], "argument --top: must be >= 0"),
    (["--min-count", "0"], "argument --min-count: must be >= 1"),
    (["--threads", "0"], "argument --threads: must be >= 1"),
    (["--threads", "x"], "argument --threads: expected an integer, got 'x'"),
])
def test_bad_option_values_are_usage_errors(capsys, argv, msg):
    rc, _, err = run(capsys, TM, *argv, "-q")
    assert rc == 2 and msg in err


def test_no_file_reads_piped_stdin(capsys, piped_stdin):
    piped_stdin(b"x y x y\n")
    rc, out, err = run(capsys, "-n", "2", "--order-only", "--level", "whitespace", "-q")
    assert rc == 0 and out.splitlines() == ["x y\t2", "y x\t1"] and "bundled" not in err


def test_gzip_on_stdin(capsys, piped_stdin):
    import gzip
    piped_stdin(gzip.compress(b"x y x y\n"))
    rc, out, err = run(capsys, "-", "-n", "2", "--order-only", "--level", "whitespace", "-q")
    assert rc == 0 and out.splitlines() == ["x y\t2", "y x\t1"]
    piped_stdin(gzip.compress(b"x y x y\n"))
    rc, out, err = run(capsys, "-", "-n", "2", "--order-only", "-q")
    assert rc == 0 and out.splitlines() == ["x y\t2", "y x\t1"]


def test_errors_replace(capsys):
    rc, out, _ = run(capsys, CAESAR, "--errors", "replace", "--top", "1", "-n", "1", "-q")
    assert rc == 0 and out.count("\n") == 1


def test_listed_in_help(capsys):
    assert main(["--help"]) == 0
    out, _ = capsys.readouterr()
    assert "count" in out
