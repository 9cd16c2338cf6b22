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


def _records(i: np.ndarray) -> np.ndarray:
    """(len(i), 10) uint8: token "w<8 hex digits>" of each i (the hex of i * 2654435761 mod 2**32, a bijection
    of 0..2**32-1) and a separator, a space or, for every 10th record of the array, a line break."""
    hexd = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    h = (i.astype(np.uint64) * np.uint64(2654435761)) % np.uint64(2**32)
    rec = np.empty((i.shape[0], 10), dtype=np.uint8)
    rec[:, 0] = ord("w")
    for d in range(8):
        rec[:, 1 + d] = hexd[(h >> np.uint64(4 * (7 - d))) & np.uint64(15)]
    rec[:, 9] = ord(" ")
    rec[9::10, 9] = ord("\n")
    if rec.shape[0]:
        rec[-1, 9] = ord("\n")
    return rec


def make_corpus(path: str, V: int, every: int = 0) -> None:
    """V distinct tokens, each once, 10 per line, written from byte arrays (50M tokens in seconds); with
    every = k > 0, every k-th token is written a second time at the end (so the vocabulary's frequency order is
    not the order of first appearance: the renumbering moves the tokens)."""
    step = 10_000_000  # a multiple of 10: lines do not depend on the step
    with open(path, "wb") as f:
        for lo in range(0, V, step):
            f.write(_records(np.arange(lo, min(V, lo + step))).tobytes())
        if every:
            f.write(_records(np.arange(0, V, every)).tobytes())


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--distinct", type=int, nargs="+", default=[1_000_000], help="distinct tokens V (each a run)")
    ap.add_argument("--what", nargs="+", default=["count", "vocab"], choices=["count", "vocab"],
                    help="count: count_ngrams(path, 1, level='whitespace'); vocab: Vocab(list of str)")
    ap.add_argument("--every", type=int, default=0,
                    help="also repeat every k-th token once at the end (0: none): the vocabulary is then renumbered")
    ap.add_argument("--data", default=tempfile.gettempdir(), help="where the corpora are written (kept)")
    a = ap.parse_args(argv)
    here = os.path.dirname(os.path.abspath(__file__))
    for V in a.distinct:
        path = os.path.join(a.data, f"distinct{V}" + (f"-every{a.every}" if a.every else "") + ".txt")
        if not os.path.exists(path):
            make_corpus(path, V, a.every)
        for what in a.what:
            subprocess.run([sys.executable, "-c", _CHILD, what, path, str(V), here], check=True)


if __name__ == "__main__":
    main()
