"""seqfast count_ngrams vs collections.Counter (seqfast.reference) vs NLTK everygrams + Counter.

Task: count every n-gram of orders 1..5 with <s> ... </s> around each line (pad=True), on the pre-tokenized
corpora of bench/make_corpus.py (run it first). Every contender runs in its own subprocess (so its peak RSS is
its own); the seqfast counts are checked equal to the Counter reference before anything is timed.

    python bench/make_corpus.py                 # once: bench/data/base.txt (~1.3M tokens), corpus25m.txt (~26M)
    python bench/compare_count.py               # base: all tools; corpus25m: seqfast only (add --full for all)
    python bench/compare_count.py --quick       # base corpus only, one repeat

Prints a markdown table: wall seconds (best of --repeat) and the CPU seconds of that run (all threads), tokens/s
(wall), ratio to the Counter reference (wall), peak RSS of the process (and the interpreter's baseline before
the timed step), and for seqfast the engine's working bytes per distinct n-gram. On a busy machine compare the
CPU seconds too: wall time then measures the other processes.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from _util import Report, peak_rss_mb, run_measured  # noqa: E402

DATA = os.path.join(HERE, "data")
ORDER = 5


def cpu_s() -> float:
    """CPU seconds of this process, all threads (robust to other load; with 2 threads, the sum of both)."""
    return time.process_time()


# ----- workers (run in a subprocess each) --------------------------------------------------------------
def work_seqfast(path, threads, level="whitespace"):
    from seqfast.ngram import count_ngrams
    base = peak_rss_mb()
    t = time.perf_counter()
    t_cpu = cpu_s()
    c = count_ngrams(path, ORDER, level=level, pad=True, n_threads=threads)
    dt = time.perf_counter() - t
    dcpu = cpu_s() - t_cpu
    uniq = sum(c.unique(n) for n in range(1, ORDER + 1))
    return {"seconds": dt, "cpu": dcpu, "tokens": c.total(1), "unique": uniq, "peak_mb": peak_rss_mb(), "base_mb": base,
            "bytes_per_ngram": c.stats.get("bytes_per_ngram")}


def work_engine(path, threads, method):
    """The C counting stage alone on ids already in memory (reading excluded)."""
    from seqfast import Tokenizer, Vocab
    from seqfast.ngram import _frequency_order, _stream_ids, count_ids
    ids, itos, sp = _stream_ids("paths", [path], Tokenizer("whitespace"), True, "line", "strict", None)
    ids, itos, fr, _ = _frequency_order(ids, itos, len(sp))
    v = Vocab.from_tokens(itos, specials=sp, freqs=fr)
    base = peak_rss_mb()
    t = time.perf_counter()
    t_cpu = cpu_s()
    c = count_ids(ids, v, ORDER, threads, method)
    dt = time.perf_counter() - t
    dcpu = cpu_s() - t_cpu
    uniq = sum(c.unique(n) for n in range(1, ORDER + 1))
    return {"seconds": dt, "cpu": dcpu, "tokens": c.total(1), "unique": uniq, "peak_mb": peak_rss_mb(), "base_mb": base,
            "bytes_per_ngram": c.stats.get("bytes_per_ngram")}


def work_cli(path, threads):
    exe = os.path.join(os.path.dirname(sys.executable), "seqfast")
    cmd = [exe if os.path.exists(exe) else "seqfast", "count", path, "-n", str(ORDER), "--pad", "--level",
           "whitespace", "--top", "10", "--threads", str(threads), "-q"]
    m = run_measured(cmd, stdout_path=os.devnull)
    with open(path, "rb") as f:
        tokens = sum(len(line.split()) + 2 for line in f if line.strip())
    return {"seconds": m.seconds, "tokens": tokens, "peak_mb": m.peak_mb, "base_mb": None, "unique": None,
            "cmd": " ".join(cmd[1:])}


def work_counter(path):
    from seqfast.reference import ngram as R
    with open(path, encoding="utf-8") as f:
        text = f.read()
    base = peak_rss_mb()
    t = time.perf_counter()
    t_cpu = cpu_s()
    c = R.count_ngrams(text, ORDER, level="whitespace", pad=True)
    dt = time.perf_counter() - t
    dcpu = cpu_s() - t_cpu
    return {"seconds": dt, "cpu": dcpu, "tokens": sum(c[1].values()), "unique": sum(len(x) for x in c[1:]),
            "peak_mb": peak_rss_mb(), "base_mb": base}


def work_nltk(path):
    from collections import Counter

    from nltk.util import everygrams
    with open(path, encoding="utf-8") as f:
        text = f.read()
    base = peak_rss_mb()
    t = time.perf_counter()
    t_cpu = cpu_s()
    c = Counter()
    ntok = 0
    for line in text.split("\n"):
        toks = line.split()
        if not toks:
            continue
        seq = ["<s>"] + toks + ["</s>"]
        ntok += len(seq)
        c.update(everygrams(seq, max_len=ORDER))
    dt = time.perf_counter() - t
    dcpu = cpu_s() - t_cpu
    return {"seconds": dt, "cpu": dcpu, "tokens": ntok, "unique": len(c), "peak_mb": peak_rss_mb(), "base_mb": base}


def work_check(path):
    """seqfast == Counter reference on this corpus, every order."""
    from seqfast.ngram import count_ngrams
    from seqfast.reference import ngram as R
    with open(path, encoding="utf-8") as f:
        text = f.read()
    ref = R.count_ngrams(text, ORDER, level="whitespace", pad=True)
    ok = True
    for threads in (1, 2):
        c = count_ngrams(path, ORDER, level="whitespace", pad=True, n_threads=threads)
        ok &= all(c.to_dict(n) == dict(ref[n]) for n in range(1, ORDER + 1))
        cw = count_ngrams(path, ORDER, level="word", pad=True, n_threads=threads)
        ok &= all(cw.to_dict(n) == dict(ref[n]) for n in range(1, ORDER + 1))  # pre-tokenized: same tokens
    return {"ok": bool(ok)}


WORKERS = {"seqfast": work_seqfast, "engine": work_engine, "cli": work_cli, "counter": work_counter,
           "nltk": work_nltk, "check": work_check}


def run_worker(name, *args):
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", name, *map(str, args)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def best_of(repeat, name, *args):
    runs = [run_worker(name, *args) for _ in range(repeat)]
    return min(runs, key=lambda r: r["seconds"])


def fmt_row(corpus, tool, threads, r, ref_rate):
    rate = r["tokens"] / r["seconds"]
    ratio = f"{rate / ref_rate:.1f}x" if ref_rate else "n/a"
    bpn = f"{r['bytes_per_ngram']:.1f}" if r.get("bytes_per_ngram") else ""
    per_uniq = ""
    if r.get("unique") and r.get("base_mb") is not None:
        per_uniq = f"{(r['peak_mb'] - r['base_mb']) * 2**20 / r['unique']:.0f}"
    base = f"{r['base_mb']:.0f}" if r.get("base_mb") is not None else ""
    cpu = f"{r['cpu']:.2f}" if r.get("cpu") is not None else ""
    return [corpus, tool, threads, f"{r['seconds']:.2f}", cpu, f"{rate / 1e6:.2f}M", ratio, f"{r['peak_mb']:.0f}",
            base, per_uniq, bpn]


def report(argv: list[str] | None = None) -> Report:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    ap.add_argument("--quick", action="store_true", help="base corpus only, one repeat")
    ap.add_argument("--full", action="store_true", help="also run Counter and NLTK on the 25M-token corpus (slow, GBs)")
    ap.add_argument("--repeat", type=int, default=2, help="best of this many runs per contender (default: 2)")
    args = ap.parse_args(argv)
    rep = Report("count", "N-gram counting (orders 1..%d) vs collections.Counter and NLTK" % ORDER, argv)
    base, big = os.path.join(DATA, "base.txt"), os.path.join(DATA, "corpus25m.txt")
    if not os.path.exists(base) or (not args.quick and not os.path.exists(big)):
        sys.exit("compare_count: run `python bench/make_corpus.py` first (writes bench/data/)")
    repeat = 1 if args.quick else args.repeat
    chk = run_worker("check", base)
    rep.note(f"Correctness (seqfast == Counter reference on base.txt, orders 1..{ORDER}, 1 and 2 threads, "
             f"whitespace and word levels): {'OK' if chk['ok'] else 'MISMATCH'}.")
    if not chk["ok"]:
        return rep
    try:
        import nltk
        rep.peer("nltk", nltk.__version__)
    except ImportError:
        nltk = None
    rows = []
    corpora = [("base (1.3M)", base)] + ([] if args.quick else [("corpus25m (26M)", big)])
    ref_rate = None
    for name, path in corpora:
        run_ref = path == base or args.full
        if run_ref:
            r = best_of(1, "counter", path)
            ref_rate = r["tokens"] / r["seconds"]
            rows.append(fmt_row(name, "Counter reference (seqfast.reference)", 1, r, ref_rate))
            if nltk is not None:
                rows.append(fmt_row(name, "NLTK everygrams + Counter", 1, best_of(1, "nltk", path), ref_rate))
            else:
                rows.append([name, "NLTK", "-", "not installed"] + [""] * 7)
        for threads in (1, 2):
            r = best_of(repeat, "seqfast", path, threads)
            rows.append(fmt_row(name, "seqfast.count_ngrams (file, whitespace)", threads, r, ref_rate))
        for threads in (1, 2):
            r = best_of(repeat, "engine", path, threads, "sort")
            rows.append(fmt_row(name, "C counting stage only, sort engine", threads, r, ref_rate))
        r = best_of(repeat, "engine", path, 2, "hash")
        rows.append(fmt_row(name, "C counting stage only, hash engine", 2, r, ref_rate))
        for threads in (1, 2):
            r = best_of(repeat, "cli", path, threads)
            rows.append(fmt_row(name, "`seqfast count` end to end", threads, r, ref_rate))
    rep.table(f"Counting orders 1..{ORDER} with pad=True (tokens include <s> and </s>), best of {repeat}",
              ["corpus", "tool", "threads", "seconds", "CPU s", "tokens/s", "vs Counter", "peak MB", "baseline MB",
               "peak bytes / distinct n-gram", "engine bytes / distinct n-gram"], rows)
    if not args.full and not args.quick:
        rep.note("vs Counter on corpus25m uses the Counter rate measured on base (run with --full to measure it "
                 "on corpus25m too: several GB of RAM).")
    return rep


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(add_help=False)
    ap.add_argument("--worker", nargs="+")
    known, _ = ap.parse_known_args(argv)
    if known.worker:
        name, *rest = known.worker
        conv = [int(x) if x.isdigit() else x for x in rest]
        print(json.dumps(WORKERS[name](*conv)))
        return 0
    print(report(argv).markdown())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
