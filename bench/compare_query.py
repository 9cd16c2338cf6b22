"""Compare seqfast's query side with KenLM's: load time, size on disk, per-sentence scoring from Python, State-API
stepping, whole-file perplexity, threads, memory. Same models, same test text, tools alternated in one run.

    python bench/compare_query.py --quick          # 5-gram of the gutenberg training split (~1.2M tokens)
    python bench/compare_query.py                  # and of the 26.5M-token bench corpus (minutes, several GB)
    python bench/compare_query.py --kenlm-bin /path/to/kenlm/build/bin

Data: bench/data/base.txt and corpus25m.txt (bench/make_corpus.py, made if absent), each split
deterministically: every 10th line is test text, the rest training text. seqfast estimates a 5-gram modified
Kneser-Ney model (level="whitespace", as lmplz) and writes its ARPA file and its hash-layout .sfl; KenLM's
build_binary turns the same ARPA file into its probing and trie binaries. Built models are kept in
bench/data/query/ and reused.

Peers: the kenlm Python module (pip install kenlm) for Model.score and BaseScore; KenLM's `query` and
`build_binary` from --kenlm-bin, $KENLM_BIN or PATH. Each measurement runs in a fresh child process (its own
load time and resident memory); the tools alternate round by round and the best of --repeat rounds is kept.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from _util import Report, machine, run_measured, version_of  # noqa: E402

BUILD = r"""
import json, sys, time
import seqfast
t0 = time.perf_counter()
m = seqfast.NGramLM.fit(sys.argv[1], int(sys.argv[2]), level="whitespace")
t1 = time.perf_counter()
m.to_arpa(sys.argv[3])
m.save(sys.argv[4])
m.save(sys.argv[4].replace(".sfl", ".trie.sfl"), layout="trie")
print(json.dumps({"fit": t1 - t0, "ngrams": m.counts, "tokens": m.info["tokens"]}))
"""

# one child per (tool, task): prints a JSON dict; the resident size is read from /proc after the work
MEASURE = r"""
import json, resource, sys, time
tool, model, test, task, threads = sys.argv[1:6]
t0 = time.perf_counter()
if tool == "kenlm":
    import kenlm as K
else:
    import seqfast.kenlm as K
t_import = time.perf_counter() - t0
with open(test, encoding="utf-8") as f:
    lines = f.read().split("\n")[:-1]
tokens = sum(len(l.split()) + 1 for l in lines)
t0 = time.perf_counter()
m = K.Model(model, K.Config()) if task == "score-pop" else K.Model(model)  # Config(): kenlm's default load method
load = time.perf_counter() - t0
res = {"load": load, "tokens": tokens}
if task in ("score", "score-pop"):  # the first pass (timed) and a second one over pages already mapped
    for key in ("seconds", "seconds2"):
        t0 = time.perf_counter()
        total = 0.0
        for l in lines:
            total += m.score(l)
        res[key] = time.perf_counter() - t0
    res["total"] = total
elif task == "state":
    s, o = K.State(), K.State()
    t0 = time.perf_counter()
    total = 0.0
    for l in lines:
        m.BeginSentenceWrite(s)
        for w in l.split():
            total += m.BaseScore(s, w, o)
            s, o = o, s
        total += m.BaseScore(s, "</s>", o)
    res["seconds"] = time.perf_counter() - t0
    res["total"] = total
elif task == "file":  # seqfast only: NGramLM.load + perplexity(path), n_threads
    import seqfast
    t0, c0 = time.perf_counter(), time.process_time()
    lm = seqfast.NGramLM.load(model)
    r = lm.evaluate(test, n_threads=int(threads))
    res["seconds"] = time.perf_counter() - t0
    res["cpu"] = time.process_time() - c0
    res["perplexity"] = r["perplexity"]
    res["total"] = r["log10_sum"]
elif task == "batch":
    import seqfast
    lm = seqfast.NGramLM.load(model)
    t0 = time.perf_counter()
    s = lm.score_batch(lines, n_threads=int(threads))
    res["seconds"] = time.perf_counter() - t0
    res["total"] = float(s.sum())
with open("/proc/self/status") as f:
    res["rss_kb"] = int(next(x for x in f if x.startswith("VmRSS")).split()[1])
print(json.dumps(res))
"""


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd[:4]))} failed: {r.stderr[-2000:]}")
    return r


def split(src: str, train: str, test: str, max_test_tokens: int | None = None) -> None:
    """Every 10th line of src to test (up to max_test_tokens), the rest to train."""
    if os.path.exists(train) and os.path.exists(test):
        return
    nt = 0
    with open(src, encoding="utf-8") as f, open(train, "w", encoding="utf-8") as a, \
            open(test, "w", encoding="utf-8") as b:
        for i, line in enumerate(f):
            if i % 10 == 9 and (max_test_tokens is None or nt < max_test_tokens):
                b.write(line)
                nt += len(line.split()) + 1
            else:
                a.write(line)


def settle_page_cache(paths: list[str]) -> None:
    """Drop each file from the page cache and read it back in sequence, so that every tool's model sits in memory
    the same way whatever happened to it before. How a file came into the page cache changes how fast lookups in
    its mapping run: on the bench machine (a KVM guest), the 26.5M-token model evicted and then faulted back in at
    random through a plain mapping scored its test text in 1.34-1.44 s; the same bytes read back in sequence (or
    just written) took 0.69-0.73 s, and KenLM's probing file moved the same way, less (measured alternately, 3
    runs each). A sequential read lets the kernel keep a file in large folios (2 MiB ones are mapped with one TLB
    entry each); random faults leave 4 KiB pages, and each hash probe then pays a page walk. (seqfast's
    whole-file scoring asks for 2 MiB folios before it faults a model in: QueryModel.advise_whole.)"""
    if not hasattr(os, "posix_fadvise"):  # not Linux: the files are timed as they are
        return
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)  # dirty pages (a file just written) are not dropped
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            while os.read(fd, 8 << 20):
                pass
        finally:
            os.close(fd)


def kenlm_tool(name: str, bindir: str | None) -> str | None:
    for d in filter(None, [bindir, os.environ.get("KENLM_BIN")]):
        p = os.path.join(d, name)
        if os.path.exists(p):
            return p
    return shutil.which(name)


def bench_model(rep: Report, label: str, corpus: str, work: str, args, has_kenlm_py: bool) -> None:
    py = sys.executable
    os.makedirs(work, exist_ok=True)
    train, test = os.path.join(work, "train.txt"), os.path.join(work, "test.txt")
    split(corpus, train, test, args.max_test_tokens)
    arpa, sfl = os.path.join(work, "model.arpa"), os.path.join(work, "model.sfl")
    sfl_trie = os.path.join(work, "model.trie.sfl")
    if not (os.path.exists(arpa) and os.path.exists(sfl) and os.path.exists(sfl_trie)):
        t0 = time.perf_counter()
        info = json.loads(run([py, "-c", BUILD, train, str(args.order), arpa, sfl]).stdout)
        print(f"(built the seqfast model in {time.perf_counter() - t0:.0f} s: {info})", file=sys.stderr)
    build_binary, query = kenlm_tool("build_binary", args.kenlm_bin), kenlm_tool("query", args.kenlm_bin)
    probing, trie = os.path.join(work, "model.probing"), os.path.join(work, "model.trie")
    if build_binary:
        for kind, out in (("probing", probing), ("trie", trie)):
            if not os.path.exists(out):
                run([build_binary, kind, arpa, out])
    test_tokens = sum(len(line.split()) + 1 for line in open(test, encoding="utf-8"))
    if args.settle:
        settle_page_cache([f for f in (sfl, sfl_trie, probing, trie, test) if os.path.exists(f)])

    def measure(tool, model, task, threads=1):
        return json.loads(run([py, "-c", MEASURE, tool, model, test, task, str(threads)]).stdout)

    best: dict = {}

    def keep(key, r):
        if key not in best or r["seconds"] < best[key]["seconds"]:
            best[key] = r

    for rnd in range(args.repeat):  # alternate the tools round by round
        for task in ("score", "state"):
            if has_kenlm_py and build_binary:
                keep(("kenlm", task), measure("kenlm", probing, task))
            keep(("seqfast", task), measure("seqfast", sfl, task))
        keep(("seqfast", "score-pop"), measure("seqfast", sfl, "score-pop"))
        if query:
            m = run_measured([query, "-v", "summary", probing], stdin_path=test)
            keep(("query", 1), {"seconds": m.seconds, "cpu": m.cpu, "out": m.stdout})
        for nt in (1, 2):
            keep(("seqfast-file", nt), measure("seqfast", sfl, "file", nt))
        t0 = time.perf_counter()
        run([py, "-m", "seqfast", "lm", "eval", sfl, test, "--threads", "1"])
        keep(("cli", 1), {"seconds": time.perf_counter() - t0})
        for nt in (1, 2):
            keep(("batch", nt), measure("seqfast", sfl, "batch", nt))
        if has_kenlm_py and build_binary:
            keep(("kenlm-trie", "score"), measure("kenlm", trie, "score"))
        keep(("seqfast-trie", "score"), measure("seqfast", sfl_trie, "score"))

    def rate(r):
        return f"{test_tokens / r['seconds'] / 1e6:.2f}M"

    size = {k: os.path.getsize(p) for k, p in (("sfl", sfl), ("probing", probing), ("trie", trie), ("arpa", arpa),
                                               ("sfl_trie", sfl_trie)) if os.path.exists(p)}
    rows = []

    def row(name, k, s, fmt=rate):
        ratio = "-" if k is None or s is None else f"{k['seconds'] / s['seconds']:.2f}x"
        rows.append([name, "-" if k is None else fmt(k), "-" if s is None else fmt(s), ratio])

    row("Model.score per sentence from Python, tokens/s (probing vs hash .sfl)", best.get(("kenlm", "score")),
        best.get(("seqfast", "score")))
    k, s = best.get(("kenlm", "score")), best.get(("seqfast", "score"))
    if k and s:
        row("Model.score, both loaded with kenlm's default load method (Model(path, Config()): every page "
            "mapped in the load), tokens/s", k, best.get(("seqfast", "score-pop")))
        row("Model.score, second pass over the text (every page mapped), tokens/s", {"seconds": k["seconds2"]},
            {"seconds": s["seconds2"]})
    row("BaseScore per word through State objects, tokens/s", best.get(("kenlm", "state")),
        best.get(("seqfast", "state")))
    row("whole file, 1 thread, tokens/s incl. load (query -v summary vs NGramLM.load + perplexity(path))",
        best.get(("query", 1)), best.get(("seqfast-file", 1)))
    row("whole file, seqfast 2 threads vs query", best.get(("query", 1)), best.get(("seqfast-file", 2)))
    q1, f1 = best.get(("query", 1)), best.get(("seqfast-file", 1))
    if q1 and f1:
        rows.append(["whole file, 1 thread, CPU seconds (query process vs load + perplexity)", f"{q1['cpu']:.3f}",
                     f"{f1['cpu']:.3f}", f"{q1['cpu'] / f1['cpu']:.2f}x"])
    row("`seqfast lm eval --threads 1` wall incl. Python start vs `query` wall", best.get(("query", 1)),
        best.get(("cli", 1)))
    k, s = best.get(("kenlm", "score")), best.get(("seqfast", "score"))
    if k and s:
        rows.append(["load, ms (kenlm.Model vs seqfast.kenlm.Model)", f"{k['load'] * 1e3:.1f}",
                     f"{s['load'] * 1e3:.1f}", f"{k['load'] / s['load']:.2f}x"])
        rows.append(["resident memory after Model.score of the test text", f"{k['rss_kb'] / 1024:.0f} MiB",
                     f"{s['rss_kb'] / 1024:.0f} MiB", f"{k['rss_kb'] / s['rss_kb']:.2f}x"])
    elif s:
        rows.append(["load, ms", "-", f"{s['load'] * 1e3:.1f}", "-"])
    rows.append(["size on disk, hash layout", f"probing {size.get('probing', 0) / 2**20:.1f} MiB",
                 f"{size['sfl'] / 2**20:.1f} MiB", f"{size['sfl'] / max(1, size.get('probing', 0)):.3f} of KenLM's"])
    rows.append(["size on disk, trie layout", f"trie {size.get('trie', 0) / 2**20:.1f} MiB",
                 f"{size['sfl_trie'] / 2**20:.1f} MiB",
                 f"{size['sfl_trie'] / max(1, size.get('trie', 0)):.3f} of KenLM's"])
    row("Model.score per sentence, trie layouts, tokens/s", best.get(("kenlm-trie", "score")),
        best.get(("seqfast-trie", "score")))
    rep.table(f"{label}: {args.order}-gram MKN, test text {test_tokens:,} tokens (ratio: KenLM time / seqfast "
              f"time, above 1 = seqfast faster)", ["measure", "KenLM", "seqfast", "seqfast / KenLM"], rows)
    f1, f2 = best.get(("seqfast-file", 1)), best.get(("seqfast-file", 2))
    b1, b2 = best.get(("batch", 1)), best.get(("batch", 2))
    rep.note(f"{label}, seqfast threads: perplexity(path) 1 -> 2 threads {f1['seconds'] / f2['seconds']:.2f}x; "
             f"score_batch(lines) {rate(b1)} -> {rate(b2)} tokens/s ({b1['seconds'] / b2['seconds']:.2f}x).")
    if ("query", 1) in best:
        qp = [x for x in best[("query", 1)]["out"].splitlines() if x.startswith("Perplexity including")]
        rep.note(f"{label}, agreement: seqfast perplexity {f1['perplexity']:.8g}; KenLM query: "
                 f"{qp[0] if qp else '?'}.")
    for t in ("score", "state"):
        if ("kenlm", t) in best:
            rep.note(f"{label}, agreement ({t}): sum of log10 scores kenlm {best[('kenlm', t)]['total']:.6f}, "
                     f"seqfast {best[('seqfast', t)]['total']:.6f}.")


def report(argv: list[str] | None = None) -> Report:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="only the gutenberg model")
    ap.add_argument("--order", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=2, help="rounds; the best of each is kept (default 2)")
    ap.add_argument("--kenlm-bin", default=None, help="directory with KenLM's query and build_binary")
    ap.add_argument("--max-test-tokens", type=int, default=3_000_000, help="cap on the test split")
    ap.add_argument("--no-settle", dest="settle", action="store_false",
                    help="time the model files as they sit in the page cache (default: drop each one and read it "
                         "back in sequence first, so that both tools' files are held the same way; see "
                         "settle_page_cache)")
    args = ap.parse_args(argv)
    rep = Report("query", "n-gram LM queries vs KenLM: load, size on disk, scoring from Python, State API, whole "
                 "file, threads, memory", argv)
    data = os.path.join(HERE, "data")
    if not os.path.exists(os.path.join(data, "corpus25m.txt")):
        subprocess.run([sys.executable, os.path.join(HERE, "make_corpus.py")], check=True)
    try:
        import kenlm  # noqa: F401
        has_kenlm_py = True
        rep.peer("kenlm", version_of("kenlm") or "?")
    except ImportError:
        has_kenlm_py = False
        rep.note("The kenlm module is not installed (pip install kenlm): its columns are empty.")
    q = kenlm_tool("query", args.kenlm_bin)
    if q:
        rep.peer("KenLM query/build_binary", os.path.dirname(q))
    else:
        rep.note("KenLM's query and build_binary were not found (--kenlm-bin, $KENLM_BIN or PATH).")
    bench_model(rep, "gutenberg (bench/data/base.txt, 9:1 split)", os.path.join(data, "base.txt"),
                os.path.join(data, "query", f"base-o{args.order}"), args, has_kenlm_py)
    if not args.quick:
        bench_model(rep, "26.5M-token bench corpus (corpus25m.txt, 9:1 split)", os.path.join(data, "corpus25m.txt"),
                    os.path.join(data, "query", f"c25m-o{args.order}"), args, has_kenlm_py)
    settled = ("Before timing, each model file and the test text were dropped from the page cache and read back in "
               "sequence (settle_page_cache). " if args.settle and hasattr(os, "posix_fadvise") else
               "The files were timed as the page cache held them (--no-settle). ")
    rep.note(f"Machine: {machine()}. Each measurement runs in a fresh child process; the tools alternate round by "
             f"round and the best of {args.repeat} rounds is kept. {settled}kenlm.Model maps its whole file in with "
             f"MAP_POPULATE (its default load method), inside its load time; seqfast.kenlm.Model(path) opens in "
             f"constant time and its first pass takes the page faults (about one per 64 KiB touched): the second "
             f"pass compares the two with every page mapped, and Model(path, Config()) maps them in its load as "
             f"kenlm does.")
    return rep


def main(argv: list[str] | None = None) -> int:
    print(report(argv).markdown())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
