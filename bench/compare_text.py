"""seqfast vs pure Python on text to ids: tokenize + vocabulary + encode on tinyshakespeare.txt.

    python bench/compare_text.py [--quick]

Prints a markdown table: seconds, tokens/s and the ratio to the pure-Python baseline
(a dict lookup per token, `[stoi.get(t, unk) for t in tokens]`), each measured in a fresh process for peak memory.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _util import Report, in_subprocess, shared_path  # noqa: E402

SETUP = """
import json, re, time, numpy as np, seqfast
text = open({path!r}, encoding='utf-8').read()
toks = seqfast.tokenize(text) * {copies}
vocab = seqfast.Vocab(toks)
itos = vocab.itos
"""

CASES = {
    "encode: seqfast Vocab.encode (C hash)": "f = lambda: vocab.encode(toks)",
    "encode: Python dict + np.array": "stoi = {t: i for i, t in enumerate(itos)}\n"
                                      "f = lambda: np.array([stoi.get(t, 0) for t in toks], dtype=np.int32)",
    "encode: NumPy searchsorted (sorted vocab)": "srt = np.array(sorted(itos)); perm = np.argsort(np.array(itos))\n"
                                                 "f = lambda: perm[np.searchsorted(srt, np.array(toks))].astype(np.int32)",
}

TIMER = """
f()
best = min((lambda t0: (f(), time.perf_counter() - t0)[1])(time.perf_counter()) for _ in range({repeat}))
print(json.dumps({{"seconds": best, "tokens": len(toks)}}))
"""


def report(argv: list[str] | None = None) -> Report:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer tokens and repeats")
    a = ap.parse_args(argv)
    rep = Report("text", "Vocabulary encoding and tokenization", argv)
    path = shared_path("tinyshakespeare.txt")
    copies = 8 if a.quick else 40  # ~254K word tokens per copy -> ~10M tokens
    repeat = 2 if a.quick else 3
    rows, base = [], None
    results = {}
    for name, body in CASES.items():
        code = SETUP.format(path=path, copies=copies) + body + TIMER.format(repeat=repeat)
        results[name] = in_subprocess(code)
    base = results["encode: Python dict + np.array"]["seconds"]
    for name, r in results.items():
        rows.append([name, r["tokens"], r["seconds"], r["tokens"] / r["seconds"] / 1e6, base / r["seconds"], r["peak_mb"]])
    tok = in_subprocess(SETUP.format(path=path, copies=1) + "t0=time.perf_counter(); seqfast.tokenize(text); "
                        "dt=time.perf_counter()-t0\nprint(json.dumps({'seconds': dt, 'tokens': len(toks)}))")
    rows.append(["tokenize (regex, word level), 1 copy", tok["tokens"], tok["seconds"],
                 tok["tokens"] / tok["seconds"] / 1e6, float("nan"), tok["peak_mb"]])
    rep.table(f"tinyshakespeare x {copies}, best of {repeat}", ["task", "tokens", "seconds", "M tokens/s",
                                                                  "x dict baseline", "peak RSS MB"], rows)
    return rep


def main(argv: list[str] | None = None) -> None:
    print(report(argv).markdown())


if __name__ == "__main__":
    main()
