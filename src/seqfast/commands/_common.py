"""What every subcommand shares: input files ('-' = standard input; with no FILE, standard input when it is
not a terminal, else the bundled corpus), outputs ('-' = standard output), and argparse ``type=`` validators
so that a bad option value is rejected while parsing, naming the flag."""
from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys
from pathlib import Path

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


def memory_size(s: str) -> str:
    """An argparse type: a memory size as lmplz's -S takes it (seqfast._checks.parse_memory), kept as given."""
    from .._checks import parse_memory
    try:
        parse_memory(int(s) if s.strip().isdigit() else s, "-S/--memory")
    except (ValueError, TypeError) as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    return s


def add_memory_args(p, what: str) -> None:
    """-S/--memory and -T/--temp-prefix, lmplz's names for the memory budget and the temporary directory."""
    p.add_argument("-S", "--memory", type=memory_size, default=None, metavar="SIZE",
                   help=f"bound the working memory of {what} to SIZE, as lmplz -S: '2G', '500M', '80%%' of the "
                        f"RAM, or bytes; sorted runs then go to disk under -T and are merged (the result is "
                        f"identical). Default: everything in memory")
    p.add_argument("-T", "--temp-prefix", default=None, metavar="DIR",
                   help="with -S: the directory of the temporary files (default: the system's, $TMPDIR); they "
                        "are removed at the end, on an error and on Ctrl-C")


def memory_arg(args):
    """The memory= value of -S (an int when given as plain bytes)."""
    m = getattr(args, "memory", None)
    if m is None:
        if getattr(args, "temp_prefix", None) is not None and not on_cluster(args):
            raise ValueError("-T/--temp-prefix is where -S/--memory puts its temporary files; give -S too (e.g. -S 2G)")
        return None
    return int(m) if m.strip().isdigit() else m


def add_cluster_args(p) -> None:
    """--scheduler ADDRESS / --workers N: run on a Dask cluster (the dask extra)."""
    g = p.add_mutually_exclusive_group()
    g.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on the Dask cluster of this scheduler (e.g. tcp://10.0.0.1:8786; needs "
                        "pip install 'seqfast[dask]'); the input files and -T must be readable by every worker at "
                        "the same path (or be URLs such as s3://...). The result is identical to a local build")
    g.add_argument("--workers", type=positive_int, metavar="N",
                   help="run on a Dask LocalCluster of N worker processes on this machine (one thread each)")


def on_cluster(args) -> bool:
    """Whether --scheduler or --workers asks for a Dask build."""
    return getattr(args, "scheduler", None) is not None or getattr(args, "workers", None) is not None


@contextlib.contextmanager
def cluster_client(args):
    """A dask.distributed Client for --scheduler/--workers (closed afterwards), or None without them."""
    if not on_cluster(args):
        yield None
        return
    try:
        import distributed
    except ImportError:
        raise ImportError("--scheduler/--workers need Dask: pip install 'seqfast[dask]'") from None
    if args.scheduler is not None:
        with distributed.Client(args.scheduler) as client:
            yield client
        return
    with distributed.LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                                  dashboard_address=":0", silence_logs=40) as cluster, \
            distributed.Client(cluster) as client:
        yield client


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


def input_paths(files, command: str = "seqfast", urls: bool = False) -> list[str]:
    """The inputs to read: the given files (each must exist; '-' is standard input; with ``urls``, a
    'scheme://...' URL is passed on as it is, for the Dask workers to open); with none, '-' when standard input
    is not a terminal, else the bundled corpus, which is then named on stderr."""
    if isinstance(files, str):
        files = [files]
    if files:
        return [f if urls and "://" in f else check_path(f) for f in files]
    if not stdin_is_terminal():
        return ["-"]
    path = time_machine_path()
    print(f"{command}: no FILE given and standard input is a terminal: reading the bundled corpus "
          f"(The Time Machine, {path})", file=sys.stderr)
    return [path]


def as_source(paths: list[str]):
    """What count_ngrams/NGramLM.fit read: one path as a str ('-' for stdin), several as Path objects (URLs
    stay str)."""
    if len(paths) == 1:
        return paths[0]
    return [p if "://" in p else Path(p) for p in paths]


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
