import os
import subprocess
import sys

import pytest

from seqfast import __version__
from seqfast.cli import main
from seqfast.commands import MODULES


def run(*args, input=None):
    return subprocess.run([sys.executable, "-m", "seqfast", *args], capture_output=True, text=True, input=input)


def test_version_and_help():
    r = run("--version")
    assert r.returncode == 0 and __version__ in r.stdout
    r = run("--help")
    assert r.returncode == 0
    for name in MODULES:
        assert name in r.stdout


def test_no_subcommand_prints_help(capsys):
    assert main([]) == 2
    assert "subcommands" in capsys.readouterr().out


def test_demo_runs_on_bundled_corpus(capsys):
    assert main(["demo", "--quick"]) == 0
    out = capsys.readouterr().out
    assert "vocabulary of" in out and "Zipf" in out and "continues row 0" in out


def test_tokenize_stdin_and_ids():
    r = run("tokenize", "-", input="Hello, world!\n")
    assert r.returncode == 0 and r.stdout.split("\n")[:4] == ["Hello", ",", "world", "!"]
    r = run("tokenize", "-", "--ids", input="b a b\n")
    assert r.stdout.strip() == "1 2 1"


def test_tokenize_bad_utf8_file_clear_error(data_dir, tmp_path):
    path = os.path.join(data_dir, "shakespeare-caesar.txt")
    r = run("tokenize", path)
    assert r.returncode == 1 and "invalid UTF-8 at byte offset 19828" in r.stderr and "Traceback" not in r.stderr
    r = run("tokenize", path, "--errors", "replace", "--vocab-out", str(tmp_path / "v.json"))
    assert r.returncode == 0 and (tmp_path / "v.json").exists()
    r = run("tokenize", str(tmp_path / "missing.txt"))
    assert r.returncode == 1 and "missing.txt" in r.stderr


def test_info():
    r = run("info")
    assert r.returncode == 0 and "OpenMP" in r.stdout
