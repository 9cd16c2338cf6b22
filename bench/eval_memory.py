"""Peak memory of streaming evaluation: `seqfast lm eval` and `seqfast rnn eval` on a large file.

    python bench/eval_memory.py --mb 1024          # the 1 GB case: both evaluations must stay < 300 MB
    python bench/eval_memory.py --mb 200 --rnn-mb 20

Writes a test file of --mb megabytes (the bundled corpus repeated) to a temporary directory, builds a 3-gram
model and a small character RNN on the bundled corpus, then runs each evaluation in a fresh process and reports
its own peak resident set size (bench/_util.run_measured) and time. The RNN is evaluated on the first
--rnn-mb MB (a 1 GB file takes an hour or more at a small RNN's speed; memory does not depend on the size, which the
--rnn-mb runs at two sizes show). Not a timed test: a script to run by hand.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile

import seqfast

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _util import run_measured  # noqa: E402


def make_file(path: str, mb: float) -> int:
    text = seqfast.datasets.time_machine().encode("utf-8")
    want = int(mb * 1e6)
    with open(path, "wb") as f:
        n = 0
        while n < want:
            f.write(text)
            n += len(text)
    return n


def peak_child(args: list[str]) -> tuple[float, float]:
    """(peak RSS in MB, seconds) of `seqfast ARGS` run alone in a fresh process (bench/_util.run_measured)."""
    try:
        m = run_measured([sys.executable, "-m", "seqfast", *args], stdout_path=os.devnull)
    except RuntimeError as e:
        raise SystemExit(f"seqfast {' '.join(args)} failed:\n{e}")
    return m.peak_mb, m.seconds


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=float, default=1024, help="size of the n-gram test file in MB (default 1024)")
    ap.add_argument("--rnn-mb", type=float, default=10, help="size of the RNN test file in MB (default 10)")
    ap.add_argument("--case", choices=("lm", "rnn", "both"), default="both")
    ap.add_argument("--level", choices=("whitespace", "word", "char"), default="whitespace",
                    help="tokenization of the n-gram model (default whitespace: the C text path of a mapped .sfl "
                         "model; word: Python tokenization, in batches of lines)")
    a = ap.parse_args()
    exe = [sys.executable, "-m", "seqfast"]
    with tempfile.TemporaryDirectory() as d:
        tm = seqfast.datasets.time_machine_path()
        if a.case in ("lm", "both"):
            big = os.path.join(d, "big.txt")
            size = make_file(big, a.mb)
            model = os.path.join(d, "m.sfl")
            subprocess.run(exe + ["lm", "build", tm, "-o", "3", "--level", a.level, "--save", model], check=True,
                           capture_output=True)
            mb, dt = peak_child(["lm", "eval", model, big])
            print(f"seqfast lm eval, 3-gram, level {a.level}, {size / 1e6:,.0f} MB test file: peak RSS {mb:.0f} MB, "
                  f"{dt:.1f} s")
        if a.case in ("rnn", "both"):
            small = os.path.join(d, "rnn.txt")
            size = make_file(small, a.rnn_mb)
            model = os.path.join(d, "r.npz")
            subprocess.run(exe + ["rnn", "train", tm, "--hidden", "64", "--epochs", "1", "--sample", "0",
                                  "--quiet", "--save", model], check=True, capture_output=True)
            mb, dt = peak_child(["rnn", "eval", model, small])
            print(f"seqfast rnn eval, char RNN H=64, {size / 1e6:,.0f} MB test file: peak RSS {mb:.0f} MB, "
                  f"{dt:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
