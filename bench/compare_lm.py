"""Compare seqfast's n-gram LM building and scoring with KenLM's lmplz and NLTK, same data, same run.

    python bench/compare_lm.py            # 5-gram on bench/data/corpus25m.txt (~25M tokens; made if absent)
    python bench/compare_lm.py --quick    # 5-gram on bench/data/base.txt (~1.3M tokens), small NLTK slice

Prints a markdown table: wall time, tokens/s, peak memory (max RSS of the process doing the work) and the
ratio to seqfast. lmplz runs when it is on PATH (or --lmplz PATH); otherwise the table says so. NLTK's
KneserNeyInterpolated runs on a small slice (it is pure Python), beside seqfast on the same slice.
Every tool runs in its own child process so that peak memory is its own.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from _util import Report, run_measured, version_of  # noqa: E402

SEQFAST_BUILD = r"""
import json, sys, time
import seqfast
t0 = time.perf_counter()
m = seqfast.NGramLM.fit(sys.argv[1], int(sys.argv[2]), level="whitespace", n_threads=int(sys.argv[4]) or None)
t1 = time.perf_counter()
m.to_arpa(sys.argv[3])
t2 = time.perf_counter()
print(json.dumps({"fit": t1 - t0, "arpa": t2 - t1, "total": t2 - t0, "tokens": m.info["tokens"],
                  "ngrams": m.counts}))
"""

SEQFAST_SCORE = r"""
import json, sys, time
import seqfast
t0 = time.perf_counter()
m = seqfast.NGramLM.load(sys.argv[1]) if sys.argv[1].endswith(".sfl") else seqfast.NGramLM.from_arpa(sys.argv[1])
m.scorer  # builds the hash indexes: part of loading
load = time.perf_counter() - t0
t0 = time.perf_counter()
r = m.evaluate(sys.argv[2])
dt = time.perf_counter() - t0
r.update(seconds=dt, load=load)
print(json.dumps(r))
"""

NLTK_RUN = r"""
import json, sys, time
from nltk.lm import KneserNeyInterpolated
from nltk.lm.preprocessing import padded_everygram_pipeline, pad_both_ends
from nltk.util import ngrams
N, path, n_lines, n_score = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
import itertools
with open(path, encoding="utf-8") as f:
    lines = [l.split() for l in itertools.islice(f, n_lines + 2000) if l.strip()]
train, test = lines[:n_lines], lines[n_lines:]
toks = sum(len(l) + 1 for l in train)
t0 = time.perf_counter()
tr, vocab = padded_everygram_pipeline(N, train)
lm = KneserNeyInterpolated(N)
lm.fit(tr, vocab)
t1 = time.perf_counter()
grams = [g for l in test for g in ngrams(list(pad_both_ends(l, n=N)), N)][:n_score]
t2 = time.perf_counter()
s = sum(lm.logscore(g[-1], g[:-1]) for g in grams)
t3 = time.perf_counter()
print(json.dumps({"fit": t1 - t0, "tokens": toks, "score_s": t3 - t2, "scored": len(grams)}))
"""

SEQFAST_SLICE = r"""
import json, sys, time
import numpy as np
import seqfast
N, path, n_lines = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
import itertools
with open(path, encoding="utf-8") as f:
    lines = [l.rstrip("\n") for l in itertools.islice(f, n_lines + 2000) if l.strip()]
train, test = lines[:n_lines], lines[n_lines:]
toks = sum(len(l.split()) + 1 for l in train)
t0 = time.perf_counter()
m = seqfast.NGramLM.fit(train, N, level="whitespace", discount_fallback=True)
t1 = time.perf_counter()
ids, offs = m._encode_lines(test)
t2 = time.perf_counter()
s = m.scorer.score(ids, offs, True, True)
t3 = time.perf_counter()
print(json.dumps({"fit": t1 - t0, "tokens": toks, "score_s": t3 - t2, "scored": int(s.shape[0])}))
"""


def time_child(cmd, stdin_path=None, stdout_path=None):
    """(wall seconds, stdout, peak RSS KiB, stderr) of cmd, measured alone (bench/_util.run_measured)."""
    m = run_measured(cmd, stdin_path, stdout_path)
    return m.seconds, m.stdout, m.peak_mb * 1024, m.stderr


def mib(kb):
    return f"{kb / 1024:,.0f} MiB"


def report(argv: list[str] | None = None) -> Report:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", help="training text, one pre-tokenized sentence per line "
                                     "(default: bench/data/corpus25m.txt, or base.txt with --quick)")
    ap.add_argument("--order", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="~1.3M-token corpus and a small NLTK slice")
    ap.add_argument("--lmplz", default=shutil.which("lmplz"), help="path of KenLM's lmplz (default: on PATH)")
    ap.add_argument("--lmplz-memory", default="4G", help="lmplz -S (default 4G)")
    ap.add_argument("--threads", type=int, default=0, help="seqfast threads (0 = all cores)")
    ap.add_argument("--nltk-lines", type=int, default=None, help="NLTK training slice in lines")
    ap.add_argument("--no-nltk", action="store_true")
    args = ap.parse_args(argv)
    rep = Report("lm", "N-gram language model estimation and scoring vs KenLM lmplz and NLTK", argv)

    data = os.path.join(HERE, "data")
    corpus = args.corpus or os.path.join(data, "base.txt" if args.quick else "corpus25m.txt")
    if not os.path.exists(corpus):
        print(f"making the benchmark corpora in {data} ...", file=sys.stderr)
        subprocess.run([sys.executable, os.path.join(HERE, "make_corpus.py")], check=True)
    tmp = tempfile.mkdtemp(prefix="seqfast-bench-lm-")
    N = args.order
    py = sys.executable
    rows = []

    # test slice: the first ~1M tokens (training lines: the point is speed and agreement, not generalization)
    test, test_tokens = os.path.join(tmp, "test.txt"), 0
    with open(corpus, encoding="utf-8") as f, open(test, "w", encoding="utf-8") as g:
        for line in f:
            if test_tokens >= 1_000_000:
                break
            g.write(line)
            test_tokens += len(line.split()) + 1
    sf_arpa = os.path.join(tmp, "seqfast.arpa")
    dt, out, rss, _ = time_child([py, "-c", SEQFAST_BUILD, corpus, str(N), sf_arpa, str(args.threads)])
    sf = json.loads(out)
    tokens = sf["tokens"]
    rows.append(("seqfast NGramLM.fit + to_arpa (mkn)", dt, tokens, rss,
                 f"fit {sf['fit']:.1f} s + ARPA {sf['arpa']:.1f} s; n-grams {sf['ngrams']}"))
    sf_time = dt

    if args.lmplz and os.path.exists(args.lmplz):
        rep.peer("KenLM lmplz", args.lmplz)
        lm_arpa = os.path.join(tmp, "lmplz.arpa")
        dt, _, rss, err = time_child([args.lmplz, "-o", str(N), "-S", args.lmplz_memory, "-T", tmp],
                                     stdin_path=corpus, stdout_path=lm_arpa)
        rows.append((f"KenLM lmplz -o {N} -S {args.lmplz_memory}", dt, tokens, rss, "same n-grams checked below"))
        # agreement: perplexity of both ARPA files on the test slice, by seqfast's scorer
        _, a, _, _ = time_child([py, "-c", SEQFAST_SCORE, sf_arpa, test])
        _, b, _, _ = time_child([py, "-c", SEQFAST_SCORE, lm_arpa, test])
        pa, pb = json.loads(a)["perplexity"], json.loads(b)["perplexity"]
        agree = (f"Agreement: perplexity of the {test_tokens:,}-token slice (training lines) under each ARPA file, "
                 f"scored by seqfast: seqfast's model {pa:.8g}, lmplz's model {pb:.8g}")
    else:
        rows.append(("KenLM lmplz", None, tokens, None, "not run: no lmplz on PATH (build KenLM, pass --lmplz)"))
        agree = "lmplz not run"

    # scoring speed of the seqfast model on a held-out-sized slice
    dt, out, rss, _ = time_child([py, "-c", SEQFAST_SCORE, sf_arpa, test])
    sc = json.loads(out)

    table_rows = []
    for name, dt, toks, rss, note in rows:
        if dt is None:
            table_rows.append([name, "-", "-", "-", "-", note])
        else:
            table_rows.append([name, f"{dt:.1f}", f"{toks / dt:,.0f}", mib(rss), f"{dt / sf_time:.2f}x", note])
    rep.table(f"Build: {N}-gram modified Kneser-Ney on {os.path.basename(corpus)} ({tokens:,} tokens)",
              ["tool", "wall s", "tokens/s", "peak RSS", "vs seqfast", "notes"], table_rows)
    rep.note(agree + ".")
    rep.note(f"Scoring (seqfast, after loading the ARPA file in {sc['load']:.1f} s): perplexity of the slice, "
             f"{sc['tokens']:,} tokens in {sc['seconds']:.2f} s = {sc['tokens'] / sc['seconds']:,.0f} tokens/s "
             f"(tokenizing included; perplexity {sc['perplexity']:.4g}).")

    if not args.no_nltk:
        n_lines = args.nltk_lines or (2000 if args.quick else 5000)
        n_score = 2000
        order = min(N, 3)
        try:
            _, out, rss_n, _ = time_child([py, "-c", NLTK_RUN, str(order), corpus, str(n_lines), str(n_score)])
            nl = json.loads(out)
        except RuntimeError as e:
            nl = None
            rep.note(f"NLTK not run: {str(e)[:200]}")
        _, out, rss_s, _ = time_child([py, "-c", SEQFAST_SLICE, str(order), corpus, str(n_lines)])
        sl = json.loads(out)
        if nl:
            rep.peer("nltk", version_of("nltk") or "?")
            rep.table(f"NLTK KneserNeyInterpolated vs seqfast, {order}-gram, first {n_lines:,} lines "
                      f"({nl['tokens']:,} tokens)", ["tool", "fit s", "fit tokens/s", "scoring n-grams/s", "peak RSS"],
                      [["NLTK KneserNeyInterpolated", f"{nl['fit']:.2f}", f"{nl['tokens'] / nl['fit']:,.0f}",
                        f"{nl['scored'] / nl['score_s']:,.0f}", mib(rss_n)],
                       ["seqfast NGramLM (mkn)", f"{sl['fit']:.2f}", f"{sl['tokens'] / sl['fit']:,.0f}",
                        f"{sl['scored'] / sl['score_s']:,.0f}", mib(rss_s)]])
            rep.note(f"NLTK ratio, fit: {nl['fit'] / sl['fit']:,.0f}x, scoring: "
                     f"{(sl['scored'] / sl['score_s']) / (nl['scored'] / nl['score_s']):,.0f}x (on the next 2,000 "
                     f"lines: seqfast scores all {sl['scored']:,} tokens, NLTK the first {nl['scored']:,} "
                     f"{order}-grams; peak RSS includes the Python interpreter and imports).")
    shutil.rmtree(tmp, ignore_errors=True)
    return rep


def main(argv: list[str] | None = None) -> int:
    print(report(argv).markdown())
    return 0


if __name__ == "__main__":
    sys.exit(main())
