"""Bytes per distinct token of a vocabulary: peak and retained memory of ``count_ngrams(..., order=1)`` and of
``Vocab`` on a corpus of V distinct synthetic tokens (every token once, 10 per line).

Each measurement runs in a fresh process: peak RSS (VmHWM) and RSS after the result is built, minus the RSS
after importing seqfast, divided by V.

    python bench/vocab_memory.py --distinct 5000000 --what count vocab
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

_CHILD = r"""
import gc, sys, time
sys.path.insert(0, sys.argv[4])
from _util import peak_rss_mb
import numpy as np
import seqfast

def rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0

what, path, V = sys.argv[1], sys.argv[2], int(sys.argv[3])
if what == "vocab":  # the token list is input, not vocabulary: build it before the baseline
    with open(path) as f:
        toks = f.read().split()
gc.collect()
base = rss_mb()
t0 = time.perf_counter()
if what == "count":
    r = seqfast.count_ngrams(path, 1, level="whitespace", n_threads=1)
    assert len(r.vocab) == V + 1, len(r.vocab)
else:
    r = seqfast.Vocab(toks)
    assert len(r) == V + 1, len(r)
dt = time.perf_counter() - t0
gc.collect()
kept = rss_mb() - base
peak = peak_rss_mb() - base
print(f"{what} V={V:,}: {dt:.1f} s, peak {peak * 2**20 / V:.0f} B/token, kept {kept * 2**20 / V:.0f} B/token "
      f"(peak {peak:.0f} MiB, kept {kept:.0f} MiB above the {base:.0f} MiB after import)")
"""


def make_corpus(path: str, V: int) -> None:
    """V distinct tokens "w<8 hex digits>" (a bijection of 0..V-1, so all distinct), 10 per line."""
    with open(path, "wb") as f:
        step = 1_000_000
        for lo in range(0, V, step):
            i = np.arange(lo, min(V, lo + step), dtype=np.uint64)
            h = (i * np.uint64(2654435761)) % np.uint64(2**32)
            toks = np.char.add("w", np.char.zfill(np.char.mod("%x", h), 8))
            lines = [" ".join(toks[j:j + 10]) for j in range(0, toks.shape[0], 10)]
            f.write(("\n".join(lines) + "\n").encode())


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--distinct", type=int, nargs="+", default=[1_000_000], help="distinct tokens V (each a run)")
    ap.add_argument("--what", nargs="+", default=["count", "vocab"], choices=["count", "vocab"],
                    help="count: count_ngrams(path, 1, level='whitespace'); vocab: Vocab(list of str)")
    ap.add_argument("--data", default=tempfile.gettempdir(), help="where the corpora are written (kept)")
    a = ap.parse_args(argv)
    here = os.path.dirname(os.path.abspath(__file__))
    for V in a.distinct:
        path = os.path.join(a.data, f"distinct{V}.txt")
        if not os.path.exists(path):
            make_corpus(path, V)
        for what in a.what:
            subprocess.run([sys.executable, "-c", _CHILD, what, path, str(V), here], check=True)


if __name__ == "__main__":
    main()
