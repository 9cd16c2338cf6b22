"""Run every peer comparison (bench/compare_*.py) in one go and print their tables.

    python bench/compare.py [--quick] [--only text,count,lm,rnn,cells,embed]

The tables are what bench/RESULTS.md records; run this on a quiet machine.
"""
from __future__ import annotations

import argparse
import glob
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="pass --quick to every script")
    ap.add_argument("--only", help="comma-separated names (the part after compare_)")
    a = ap.parse_args()
    names = sorted(os.path.basename(p)[len("compare_"):-3] for p in glob.glob(os.path.join(HERE, "compare_*.py")))
    if a.only:
        names = [n for n in names if n in a.only.split(",")]
    rc = 0
    for n in names:
        print(f"\n## {n}\n", flush=True)
        t0 = time.perf_counter()
        r = subprocess.run([sys.executable, os.path.join(HERE, f"compare_{n}.py")] + (["--quick"] if a.quick else []))
        print(f"\n({n}: {time.perf_counter() - t0:.0f} s, exit {r.returncode})", flush=True)
        rc = rc or r.returncode
    return rc


if __name__ == "__main__":
    raise SystemExit(main())
