"""seqfast count / seqfast lm build with -S/--memory and -T/--temp-prefix (lmplz's names): same outputs as
without, temporary files gone, bad sizes rejected while parsing."""
import os
import pathlib
import subprocess
import sys

import pytest

BOOK = pathlib.Path(__file__).resolve().parent.parent / "data" / "chesterton-thursday.txt"


def _run(*args, **kw):
    return subprocess.run([sys.executable, "-m", "seqfast", *map(str, args)], capture_output=True, **kw)


def test_lm_build_memory_same_arpa(tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    a = _run("lm", "build", BOOK, "-o", "4", "--arpa", tmp_path / "mem.arpa", "--save", tmp_path / "mem.sfl")
    b = _run("lm", "build", BOOK, "-o", "4", "--arpa", tmp_path / "cap.arpa", "-S", "4M", "-T", tmp)
    assert a.returncode == 0 and b.returncode == 0, b.stderr.decode()
    assert (tmp_path / "cap.arpa").read_bytes() == (tmp_path / "mem.arpa").read_bytes()
    assert b"streamed" in b.stderr
    assert os.listdir(tmp) == []
    c = _run("lm", "build", BOOK, "-o", "4", "--save", tmp_path / "cap.sfl", "--memory", "80%", "-T", tmp)
    assert c.returncode == 0, c.stderr.decode()
    assert (tmp_path / "cap.sfl").read_bytes() == (tmp_path / "mem.sfl").read_bytes()


def test_count_memory_same_output(tmp_path):
    a = _run("count", BOOK, "-n", "3", "--pad", "--top", "50", "--save", tmp_path / "a.sfc")
    b = _run("count", BOOK, "-n", "3", "--pad", "--top", "50", "--save", tmp_path / "b.sfc", "-S", "4M",
             "-T", tmp_path)
    assert a.returncode == 0 and b.returncode == 0, b.stderr.decode()
    assert a.stdout == b.stdout
    assert (tmp_path / "a.sfc").read_bytes() == (tmp_path / "b.sfc").read_bytes()
    assert sorted(os.listdir(tmp_path)) == ["a.sfc", "b.sfc"]


@pytest.mark.parametrize("bad", ["lots", "0", "150%"])
def test_bad_memory_rejected_while_parsing(bad):
    r = _run("count", BOOK, "-S", bad)
    assert r.returncode == 2 and b"-S/--memory" in r.stderr


def test_temp_prefix_needs_memory(tmp_path):
    r = _run("count", BOOK, "-T", tmp_path)
    assert r.returncode != 0 and b"give -S too" in r.stderr


def test_lm_build_memory_gzip_stdout(tmp_path):
    a = _run("lm", "build", BOOK, "-o", "3", "--arpa", "-", "--gzip")
    b = _run("lm", "build", BOOK, "-o", "3", "--arpa", "-", "--gzip", "-S", "4M", "-T", tmp_path)
    assert a.returncode == 0 and b.returncode == 0, b.stderr.decode()
    assert a.stdout[:2] == b"\x1f\x8b" and a.stdout == b.stdout
    assert os.listdir(tmp_path) == []
