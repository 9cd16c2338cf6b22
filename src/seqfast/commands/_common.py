"""What every subcommand shares: input files ('-' = standard input; with no FILE, standard input when it is
not a terminal, else the bundled corpus), outputs ('-' = standard output), and argparse ``type=`` validators
so that a bad option value is rejected while parsing, naming the flag."""
from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys

from .._atomic import atomic_write
from ..datasets import time_machine_path
from ..ngram import check_path
from ..text import read_text


# ----------------------------------------------------------------------------------------------- validators
def int_at_least(lo: int):
    """An argparse type: an int >= lo."""
    def parse(s: str) -> int:
        try:
            v = int(s)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {s!r}") from None
        if v < lo:
            raise argparse.ArgumentTypeError(f"must be >= {lo}, got {v}")
        return v
    parse.__name__ = f"int>={lo}"
    return parse


def float_at_least(lo: float, above: bool = False):
    """An argparse type: a finite float >= lo (> lo when ``above``)."""
    def parse(s: str) -> float:
        try:
            v = float(s)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {s!r}") from None
        if not math.isfinite(v) or v < lo or (above and v == lo):
            raise argparse.ArgumentTypeError(f"must be a finite number {'>' if above else '>='} {lo}, got {s}")
        return v
    parse.__name__ = f"float>{'' if above else '='}{lo}"
    return parse


def fraction(s: str) -> float:
    """An argparse type: a float in [0, 1)."""
    v = float_at_least(0.0)(s)
    if v >= 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {s}")
    return v


positive_int = int_at_least(1)
count_int = int_at_least(0)
positive_float = float_at_least(0.0, above=True)
nonneg_float = float_at_least(0.0)


# ----------------------------------------------------------------------------------------------- inputs
def add_input_args(p, many: bool = True) -> None:
    p.add_argument("files", nargs="*" if many else "?", metavar="FILE",
                   help="input text file(s), UTF-8 (gzip recognized by content); '-' reads standard input; "
                        "with no FILE: standard input when it is piped or redirected, the bundled corpus "
                        "(The Time Machine) when it is a terminal")
    add_errors_arg(p)


def add_errors_arg(p) -> None:
    p.add_argument("--errors", choices=("strict", "replace", "ignore"), default="strict",
                   help="what to do with invalid UTF-8: stop with an error naming the byte offset (strict, "
                        "default), substitute U+FFFD (replace) or drop the bytes (ignore)")


def stdin_is_terminal() -> bool:
    """True when standard input is a terminal (or absent): then nothing is piped in."""
    try:
        return sys.stdin is None or sys.stdin.isatty()
    except (AttributeError, ValueError):  # closed or replaced by an object without isatty
        return True


def input_paths(files, command: str = "seqfast") -> list[str]:
    """The inputs to read: the given files (each must exist; '-' is standard input); with none, '-' when
    standard input is not a terminal, else the bundled corpus, which is then named on stderr."""
    if isinstance(files, str):
        files = [files]
    if files:
        return [check_path(f) for f in files]
    if not stdin_is_terminal():
        return ["-"]
    path = time_machine_path()
    print(f"{command}: no FILE given and standard input is a terminal: reading the bundled corpus "
          f"(The Time Machine, {path})", file=sys.stderr)
    return [path]


def read_inputs(files, errors: str = "strict", command: str = "seqfast") -> str:
    """The concatenated text of the inputs (each read whole: for commands that need the whole text)."""
    return "\n".join(read_text(p, errors=errors) for p in input_paths(files, command))


# ----------------------------------------------------------------------------------------------- outputs
@contextlib.contextmanager
def open_output(path: str, binary: bool = False):
    """A file to write to: standard output for '-', else the file, written atomically (a temporary file
    renamed over it when complete)."""
    if path == "-":
        if binary:
            yield sys.stdout.buffer
            sys.stdout.buffer.flush()
        else:
            yield sys.stdout
            sys.stdout.flush()
        return
    kw = {} if binary else {"encoding": "utf-8", "newline": "\n"}
    with atomic_write(path, "wb" if binary else "w", **kw) as f:
        yield f


def write_to(path: str, write) -> None:
    """Call ``write(path)`` (the library's writers write paths atomically themselves); for '-', write a
    temporary file and copy it to standard output."""
    if path != "-":
        write(path)
        return
    import shutil
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        tmp = os.path.join(d, "out")
        write(tmp)
        with open(tmp, "rb") as f:
            shutil.copyfileobj(f, sys.stdout.buffer)
    sys.stdout.buffer.flush()


def report(*args) -> None:
    """Print a report line to stderr (standard output is kept for results and '-' outputs)."""
    print(*args, file=sys.stderr)
