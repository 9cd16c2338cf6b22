"""Corpora larger than memory: seqfast under a memory cap and on a Dask cluster, against KenLM's lmplz.

    python bench/make_corpus.py --out DIR --copies 152 --name corpus200m.txt   # once: 202M tokens
    python bench/make_corpus.py --out DIR                                      # once: corpus25m.txt
    python bench/compare_scale.py --lmplz KENLM/build/bin/lmplz --data DIR
    python bench/compare_scale.py --quick       # ~1 minute: the same tables on a few million tokens

Three tables, every tool on the same file in the same run (both pre-tokenized: seqfast reads it with
level="whitespace", as lmplz does):
1. capped: 5-gram modified Kneser-Ney to an ARPA file with ``seqfast lm build -S 2G -T DIR`` against
   ``lmplz -o 5 -S 2G -T DIR``: wall time, peak RSS (the child's own: bench/_util.run_measured), peak temporary disk (files under
   DIR, including the ones lmplz unlinks and keeps open) and the n-grams per order of both ARPA files (equal).
2. in memory: the same build without a cap on corpus25m.txt (26.5M tokens) against lmplz -S 4G: time and RSS.
3. Dask: the same 5-gram build, ``NGramLM.fit(..., client=, memory=, arpa=)`` on a LocalCluster of 1 and then
   2 worker processes (one thread each): seconds per stage, tokens/s per worker, the speed-up, bytes exchanged
   through the shared tmpdir, the largest partition over the mean; the two ARPA files are checked equal.

lmplz is never built here: pass --lmplz PATH or set SEQFAST_LMPLZ (else the lmplz rows say "not run").
On a machine shared with other jobs the wall times measure them too; the report says how loaded it was.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from _util import DiskWatch, Report, run_measured  # noqa: E402

ORDER = 5


def _arpa_counts(path: str) -> list:
    """[n-grams of order 1, 2, ...] from an ARPA file's \\data\\ header."""
    out = []
    with open(path, "rb") as f:
        for line in f:
            m = re.match(rb"ngram (\d+)=(\d+)", line)
            if m:
                out.append(int(m.group(2)))
            elif line.startswith(b"\\1-grams:"):
                break
    return out


def _seqfast_cli(*args) -> list:
    return [sys.executable, "-m", "seqfast", *args]


def _has_memory_cap() -> bool:
    """Whether this seqfast's `lm build` takes -S/--memory (the capped build)."""
    out = subprocess.run(_seqfast_cli("lm", "build", "--help"), capture_output=True, text=True).stdout
    return "--memory" in out


def _head(src: str, dst: str, tokens: int) -> int:
    """The first lines of src holding about `tokens` tokens, into dst; returns the tokens written (+ </s>)."""
    n = 0
    with open(src, "rb") as f, open(dst, "wb") as g:
        for line in f:
            if n >= tokens:
                break
            g.write(line)
            n += len(line.split()) + 1
    return n


def _build_pair(rep: Report, caption: str, corpus: str, lmplz: str | None, tmp: str, sf_args: list,
                lm_args: list) -> dict:
    """seqfast lm build vs lmplz on one corpus; a table row each; n-gram counts per order compared."""
    rows, res = [], {}
    sf_tmp, lm_tmp = os.path.join(tmp, "sf-T"), os.path.join(tmp, "lm-T")
    os.makedirs(sf_tmp, exist_ok=True)
    os.makedirs(lm_tmp, exist_ok=True)
    sf_arpa, lm_arpa = os.path.join(tmp, "seqfast.arpa"), os.path.join(tmp, "lmplz.arpa")
    args = [a.replace("{T}", sf_tmp) for a in sf_args]
    with DiskWatch(sf_tmp) as w:
        m = run_measured(_seqfast_cli("lm", "build", corpus, "-o", str(ORDER), "--level", "whitespace",
                                      "--arpa", sf_arpa, *args))
    res["seqfast"] = (m.seconds, m.peak_mb, w.peak, _arpa_counts(sf_arpa))
    rows.append(["seqfast lm build " + " ".join(args).replace(sf_tmp, "DIR"), f"{m.seconds:.1f}",
                 f"{m.peak_mb:,.0f} MiB", f"{w.peak / 2**20:,.0f} MiB", "1.00x", " ".join(map(str, res["seqfast"][3]))])
    if lmplz:
        args = [a.replace("{T}", lm_tmp) for a in lm_args]
        with DiskWatch(lm_tmp) as w:
            m = run_measured([lmplz, "-o", str(ORDER), *args], stdin_path=corpus, stdout_path=lm_arpa)
        res["lmplz"] = (m.seconds, m.peak_mb, w.peak, _arpa_counts(lm_arpa))
        rows.append(["lmplz " + " ".join(args).replace(lm_tmp, "DIR"), f"{m.seconds:.1f}", f"{m.peak_mb:,.0f} MiB",
                     f"{w.peak / 2**20:,.0f} MiB", f"{m.seconds / res['seqfast'][0]:.2f}x",
                     " ".join(map(str, res["lmplz"][3]))])
    else:
        rows.append(["lmplz", "-", "-", "-", "-", "not run: pass --lmplz PATH or set SEQFAST_LMPLZ"])
    rep.table(caption, ["build", "wall s", "peak RSS", "peak temp disk", "lmplz / seqfast time",
                        "n-grams per order"], rows)
    if "lmplz" in res:
        same = res["lmplz"][3] == res["seqfast"][3]
        rep.note(f"{caption.split(':')[0]}: n-grams per order {'identical' if same else 'DIFFER'} "
                 f"(seqfast {res['seqfast'][3]}, lmplz {res['lmplz'][3]}).")
    for p in (sf_arpa, lm_arpa):
        if os.path.exists(p):
            os.unlink(p)
    return res


DASK_RUN = r"""
import hashlib, json, sys, time
import distributed, seqfast
from seqfast import cluster
corpus, n_workers, tmp, order, memory, arpa, fallback = sys.argv[1:8]
builds = []  # the DaskBuild of the fit, for its per-stage statistics (fit returns None for a model larger than memory)
_init = cluster.DaskBuild.__init__
def _keep(self, *a, **k):
    _init(self, *a, **k)
    builds.append(self)
cluster.DaskBuild.__init__ = _keep
with distributed.LocalCluster(n_workers=int(n_workers), threads_per_worker=1, processes=True, dashboard_address=":0",
                              silence_logs=40) as lc, distributed.Client(lc) as client:
    t0 = time.perf_counter()
    seqfast.NGramLM.fit(corpus, int(order), level="whitespace", client=client, tmpdir=tmp, memory=memory, arpa=arpa,
                        discount_fallback=fallback == "1")
    dt = time.perf_counter() - t0
b = builds[-1]
h = hashlib.sha256()
with open(arpa, "rb") as f:
    for block in iter(lambda: f.read(1 << 22), b""):
        h.update(block)
st = dict(b.stats, partitions=len(b.parts), chunks=b.n_chunks, ratio=cluster._partition_ratio(b.parts),
          seconds=dt, sha=h.hexdigest(), ngrams=[len(b.vocab)] + [sum(p.rows[n] for p in b.parts)
                                                                  for n in range(2, int(order) + 1)])
print(json.dumps(st))
"""

#: (column, DaskBuild stage names summed into it)
_STAGES = [("tokenize", ["tokenize_range", "vocabulary"]), ("count", ["count_chunk"]), ("merge", ["merge_partition"]),
           ("estimate", ["kn_stats", "kn_estimate"]), ("model (ARPA pieces, copied as they finish)", ["model_piece"])]


def _dask_table(rep: Report, corpus: str, tmp: str, memory: str, fallback: bool) -> None:
    import importlib.util
    if importlib.util.find_spec("distributed") is None:
        rep.note("Dask: not run (install the dask extra: pip install 'seqfast[dask]').")
        return
    res = {}
    for k in (1, 2):
        arpa = os.path.join(tmp, f"dask{k}.arpa")
        m = run_measured([sys.executable, "-c", DASK_RUN, corpus, str(k), tmp, str(ORDER), memory, arpa,
                          str(int(fallback))])
        res[k] = json.loads(m.stdout.strip().splitlines()[-1])
        res[k]["wall"] = m.seconds
        os.unlink(arpa)
    rows = []
    for k, r in res.items():
        st = r["stages"]
        cols = [f"{sum(st.get(x, 0.0) for x in names):.1f}" for _, names in _STAGES]
        rest = r["seconds"] - sum(st.values())
        rows.append([k, f"{r['seconds']:.1f}", *cols, f"{rest:.1f}", f"{r['tokens'] / r['seconds'] / k:,.0f}",
                     f"{res[1]['seconds'] / r['seconds']:.2f}x", f"{sum(r['bytes_exchanged'].values()) / 2**20:,.0f} MiB",
                     f"{r['ratio']:.2f}", f"{r['ranges']} / {r['chunks']} / {r['partitions']}",
                     " ".join(f"{w}" for w in sorted(r["tasks_per_worker"].values()))])
    tokens = res[1]["tokens"]
    rep.table(f"Dask LocalCluster: NGramLM.fit(order={ORDER}, client=, memory={memory!r}, arpa=) on "
              f"{os.path.basename(corpus)} ({tokens:,} tokens)",
              ["workers", "fit s", *[f"{c} s" for c, _ in _STAGES], "driver s (start-up check, unigrams, discounts, clean-up)",
               "tokens/s per worker", "speed-up", "bytes exchanged", "largest partition / mean",
               "ranges / chunks / partitions", "tasks per worker"], rows)
    same = res[1]["sha"] == res[2]["sha"]
    ng = res[1]["ngrams"]
    rep.note(f"Dask: the 1- and 2-worker ARPA files are {'identical' if same else 'DIFFERENT'}; n-grams per order "
             f"{ng}, {sum(ng[1:]) / tokens:.2f} distinct n-grams of orders 2-{ORDER} per token. Stage seconds are "
             f"wall time of each stage on the driver (tasks of a stage run in parallel); bytes exchanged are the "
             f"files tasks wrote to the shared tmpdir (ids, runs, partitions, estimates).")


def report(argv: list[str] | None = None) -> Report:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.environ.get("SEQFAST_SCALE_DATA") or os.path.join(HERE, "data"),
                    help="directory holding corpus200m.txt and corpus25m.txt (bench/make_corpus.py; default "
                         "$SEQFAST_SCALE_DATA, else bench/data)")
    ap.add_argument("--lmplz", default=os.environ.get("SEQFAST_LMPLZ") or shutil.which("lmplz"),
                    help="path of KenLM's lmplz (default: $SEQFAST_LMPLZ, else on PATH); never built here")
    ap.add_argument("--big", default="corpus200m.txt",
                    help="file under --data for the capped and Dask tables (default corpus200m.txt; corpus25m.txt "
                         "for a run of a few minutes)")
    ap.add_argument("--memory", default="2G", help="the cap, seqfast -S and lmplz -S (default 2G)")
    ap.add_argument("--tmp", default=None, help="directory for -T and the Dask exchange (default: system temp)")
    ap.add_argument("--quick", action="store_true",
                    help="~1 minute: 1.5M tokens of corpus25m.txt (or bench/data/base.txt) for every table")
    ap.add_argument("--skip", default="", help="comma-separated tables to skip: capped, memory, dask")
    ap.add_argument("--discount-fallback", action="store_true",
                    help="both tools use their discount fallback (seqfast --discount-fallback, lmplz "
                         "--discount_fallback): corpus200m.txt repeats a fixed 42K-word vocabulary, so at 200M tokens "
                         "no word has an adjusted count of 1 or 2 and the Kneser-Ney discount formula is undefined")
    args = ap.parse_args(argv)
    rep = Report("scale", "Corpora larger than memory: memory cap and Dask cluster vs KenLM lmplz", argv)
    skip = set(filter(None, args.skip.split(",")))
    sf_fb, lm_fb = (["--discount-fallback"], ["--discount_fallback"]) if args.discount_fallback else ([], [])
    if args.discount_fallback:
        rep.note("Both tools ran with their discount fallback (D1, D2, D3+ = 0.5, 1, 1.5 where the formula is "
                 "undefined).")
    lmplz = args.lmplz if args.lmplz and os.path.exists(args.lmplz) else None
    if lmplz:
        rep.peer("KenLM lmplz", lmplz)
    tmp = tempfile.mkdtemp(prefix="seqfast-bench-scale-", dir=args.tmp)
    try:
        big = os.path.join(args.data, args.big)
        mid = os.path.join(args.data, "corpus25m.txt")
        if args.quick:
            src = mid if os.path.exists(mid) else os.path.join(HERE, "data", "base.txt")
            if not os.path.exists(src):
                subprocess.run([sys.executable, os.path.join(HERE, "make_corpus.py"), "--copies", "1"], check=True)
            small = os.path.join(tmp, "quick.txt")
            _head(src, small, 1_500_000)
            big = mid = small
        for p in (big, mid):
            if not os.path.exists(p):
                sys.exit(f"compare_scale: {p} not found; make it with bench/make_corpus.py (see --help)")
        load = os.getloadavg()
        rep.note(f"Load average at the start: {load[0]:.1f} on {os.cpu_count()} cores (a shared machine makes wall "
                 f"times slower and ratios noisy).")
        if "capped" not in skip:
            if _has_memory_cap():
                _build_pair(rep, f"Capped: {ORDER}-gram MKN on {os.path.basename(big)}, -S {args.memory}", big, lmplz,
                            tmp, ["-S", args.memory, "-T", "{T}", *sf_fb], ["-S", args.memory, "-T", "{T}", *lm_fb])
            else:
                rep.note("Capped build: not run (this seqfast's `lm build` has no -S/--memory).")
        if "memory" not in skip:
            _build_pair(rep, f"In memory: {ORDER}-gram MKN on {os.path.basename(mid)}", mid, lmplz, tmp, sf_fb,
                        ["-S", "4G", "-T", "{T}", *lm_fb])
        if "dask" not in skip:
            _dask_table(rep, big, tmp, args.memory, args.discount_fallback)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return rep


def main(argv: list[str] | None = None) -> int:
    print(report(argv).markdown())
    return 0


if __name__ == "__main__":
    sys.exit(main())
