"""seqfast.Word2Vec vs gensim's Word2Vec: training speed, thread scaling, analogy/WordSim-353 quality, peak memory.

    python bench/compare_embed.py [--quick] [--threads 2] [--seeds 3] [--epochs 5]

Corpus: the 13 Gutenberg books (lower-cased, seqfast.tokenize's words with a letter or digit) plus the Brown
corpus's words (tags dropped), one line per text line / sentence, written once to bench/data/ (not shipped).
Both tools read that file line by line (gensim: LineSentence; seqfast: the path, level="whitespace") with the
same settings: vector_size 100, window 5, negative 5, sample 1e-3, min_count 5. gensim's corpus_file mode (its
C++ reader) is timed too.

Speed: words/s = corpus tokens x epochs / seconds of train() (the vocabulary scan excluded for both), gensim and
seqfast alternating in this one process so that load from other processes hits both alike. Quality: analogy
accuracy on gensim's questions-words.txt (first 30,000 words, as gensim restricts) and Spearman rho on
wordsim353.tsv, mean and standard deviation over --seeds seeds, both tools at --threads threads. Memory: peak RSS
of a fresh process that builds and trains each model (skip-gram, one epoch).

Thread scaling: --pairs pairs of runs of --pair-epochs epochs, one thread then --threads threads, one pair after the
other, for each tool; the speed-up is the median of the pairs' ratios (a single pair varies by +-15% on a shared
VM). For scale, the same pairs time a kernel with no shared writes at all: a cache-resident matrix product
(seqfast's linear_forward, 256 x 256 x 256), the ceiling this machine gives compute-bound code.
"""
from __future__ import annotations

import argparse
import glob
import os
import re
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _util import HERE, Report, in_subprocess, machine, shared_path  # noqa: E402

PARAMS = dict(vector_size=100, window=5, negative=5, sample=1e-3, min_count=5)


def build_corpus() -> tuple[str, int]:
    """(path, tokens) of the benchmark corpus, written once."""
    import seqfast
    out = os.path.join(HERE, "data", "embed_corpus.txt")
    if not os.path.exists(out):
        os.makedirs(os.path.dirname(out), exist_ok=True)
        has_word = re.compile(r"\w")
        with open(out + ".tmp", "w", encoding="utf-8") as f:
            for p in sorted(glob.glob(os.path.join(shared_path("gutenberg"), "*.txt"))):
                for line in seqfast.read_text(p, errors="replace").lower().splitlines():
                    toks = [w for w in seqfast.tokenize(line) if has_word.search(w)]
                    if toks:
                        f.write(" ".join(toks) + "\n")
            for p in sorted(glob.glob(os.path.join(shared_path("nltk", "brown"), "c[a-r][0-9][0-9]"))):
                with open(p, encoding="utf-8") as g:
                    for line in g:
                        toks = [w.rsplit("/", 1)[0].lower() for w in line.split()]
                        toks = [w for w in toks if has_word.search(w)]
                        if toks:
                            f.write(" ".join(toks) + "\n")
        os.replace(out + ".tmp", out)
    with open(out, encoding="utf-8") as f:
        n = sum(len(line.split()) for line in f)
    return out, n


def gensim_data():
    import gensim
    d = os.path.join(os.path.dirname(gensim.__file__), "test", "test_data")
    return os.path.join(d, "questions-words.txt"), os.path.join(d, "wordsim353.tsv")


def run_gensim(path, sg, threads, seed, epochs, corpus_file=False):
    from gensim.models import Word2Vec
    from gensim.models.word2vec import LineSentence
    m = Word2Vec(sg=sg, workers=threads, seed=seed, epochs=epochs, **PARAMS)
    if corpus_file:
        m.build_vocab(corpus_file=path)
        t0, c0 = time.perf_counter(), time.process_time()
        m.train(corpus_file=path, total_words=m.corpus_total_words, epochs=epochs)
    else:
        m.build_vocab(LineSentence(path))
        t0, c0 = time.perf_counter(), time.process_time()
        m.train(LineSentence(path), total_examples=m.corpus_count, epochs=epochs)
    return m.wv, time.perf_counter() - t0, time.process_time() - c0


def run_seqfast(path, sg, threads, seed, epochs):
    import seqfast
    m = seqfast.Word2Vec(sg=sg, workers=threads, seed=seed, epochs=epochs, level="whitespace", **PARAMS)
    m.build_vocab(path)
    t0, c0 = time.perf_counter(), time.process_time()
    m.train(path)
    return m.wv, time.perf_counter() - t0, time.process_time() - c0


def run_word2vec_c(binary, path, sg, threads, epochs):
    """Seconds of a whole word2vec.c run (vocabulary scan and writing included: its words/s is a lower bound)."""
    import subprocess
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        subprocess.run([binary, "-train", path, "-output", os.path.join(d, "v.bin"), "-cbow", str(1 - sg),
                        "-size", "100", "-window", "5", "-negative", "5", "-hs", "0", "-sample", "1e-3",
                        "-threads", str(threads), "-iter", str(epochs), "-min-count", "5", "-binary", "1"],
                       check=True, capture_output=True)
        return time.perf_counter() - t0


def gemm_seconds(threads: int, reps: int = 3000) -> float:
    """Seconds of reps cache-resident matrix products (256 x 256 by 256 x 256, float32) at threads threads."""
    import numpy as np
    from seqfast import _rnn
    rng = np.random.default_rng(0)
    x, w = rng.random((256, 256), dtype=np.float32), rng.random((256, 256), dtype=np.float32)
    b, out = np.zeros(256, np.float32), np.empty((256, 256), np.float32)
    _rnn.linear_forward(x, w, b, threads, out)
    t0 = time.perf_counter()
    for _ in range(reps):
        _rnn.linear_forward(x, w, b, threads, out)
    return time.perf_counter() - t0


def scaling_pairs(fn, threads: int, pairs: int) -> list[tuple[float, float]]:
    """(seconds at 1 thread, seconds at threads) of fn(threads) -> seconds, pairs times, one after the other."""
    return [(fn(1), fn(threads)) for _ in range(pairs)]


def quality(wv, q, ws):
    """(analogy accuracy, Spearman rho), both tools' vectors scored by seqfast.KeyedVectors (gensim's rules,
    vectorized; main() checks once that it gives gensim's own numbers on gensim's vectors)."""
    import seqfast
    if not isinstance(wv, seqfast.KeyedVectors):
        wv = seqfast.KeyedVectors(list(wv.index_to_key), wv.vectors)
    acc = wv.evaluate_word_analogies(q, restrict_vocab=30000)[0]
    rho = wv.evaluate_word_pairs(ws)[1][0]
    return acc, float(rho)


MEM = """
import sys, json
sys.path.insert(0, {here!r})
from compare_embed import run_gensim, run_seqfast
wv, s, _ = run_{tool}({path!r}, 1, {threads}, 1, 1)
print(json.dumps({{"seconds": s, "words": len(wv.index_to_key)}}))
"""


def report(argv: list[str] | None = None) -> Report:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="1 epoch, 1 seed, no corpus_file runs")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--modes", default="sg,cbow")
    ap.add_argument("--pairs", type=int, default=3, help="pairs of runs (1 thread, then --threads) timed per tool "
                    "for the thread scaling (default 3; median of their ratios)")
    ap.add_argument("--pair-epochs", type=int, default=1, help="epochs of each scaling run (default 1)")
    ap.add_argument("--check-eval", action="store_true", help="also score the first gensim model with gensim's own "
                    "(slow, per-question) evaluation, to check that both give the same numbers")
    ap.add_argument("--word2vec-c", metavar="BINARY", help="also time this word2vec.c build (outside the repo: "
                    "gcc word2vec.c -o word2vec -lm -pthread -O3 -march=native -funroll-loops)")
    a = ap.parse_args(argv)
    rep = Report("embed", "word2vec training (skip-gram, CBOW) vs gensim: speed, thread scaling, quality, memory",
                 argv)
    try:
        import gensim
    except ImportError:
        rep.note("gensim is not installed (pip install gensim): nothing to compare.")
        return rep
    rep.peer("gensim", gensim.__version__)
    epochs, seeds = (1, 1) if a.quick else (a.epochs, a.seeds)
    path, ntok = build_corpus()
    q, ws = gensim_data()
    load0 = os.getloadavg()[0]
    log = (lambda text: print(text, file=sys.stderr, flush=True))
    modes = [(1 if m == "sg" else 0, m) for m in a.modes.split(",")]
    speed, qual, checked = {}, {}, False
    for sg, mode in modes:
        threads = a.threads
        for seed in range(1, seeds + 1):
            for tool in (["gensim", "seqfast"] if seed % 2 else ["seqfast", "gensim"]):
                wv, sec, _ = (run_gensim if tool == "gensim" else run_seqfast)(path, sg, threads, seed, epochs)
                speed.setdefault((mode, tool, threads), []).append(ntok * epochs / sec)
                qual.setdefault((mode, tool), []).append(quality(wv, q, ws))
                if tool == "gensim" and not checked and a.check_eval:
                    own = (wv.evaluate_word_analogies(q, restrict_vocab=30000)[0],
                           float(wv.evaluate_word_pairs(ws)[1][0]))
                    rep.note(f"Evaluator check: gensim's own evaluation of a gensim model gives "
                             f"{own[0]:.6f} / {own[1]:.6f}, seqfast's evaluator {qual[(mode, tool)][-1][0]:.6f} / "
                             f"{qual[(mode, tool)][-1][1]:.6f}.")
                    checked = True
                log(f"  {mode} {tool:8s} threads={threads} seed={seed}: {ntok * epochs / sec:,.0f} words/s")
            if a.word2vec_c and seed == 1:
                sec = run_word2vec_c(a.word2vec_c, path, sg, threads, epochs)
                speed.setdefault((mode, "word2vec.c", threads), []).append(ntok * epochs / sec)
            if not a.quick and seed == 1:
                _, sec, _ = run_gensim(path, sg, threads, seed, epochs, corpus_file=True)
                speed.setdefault((mode, "gensim corpus_file", threads), []).append(ntok * epochs / sec)

    pair_rows = []
    pe = 1 if a.quick else a.pair_epochs
    if a.threads > 1:
        for sg, mode in modes:
            for tool in ("gensim", "seqfast"):
                run = run_gensim if tool == "gensim" else run_seqfast
                sec = scaling_pairs(lambda nt: run(path, sg, nt, 1, pe)[1], a.threads, a.pairs)
                ratios = [s1 / sn for s1, sn in sec]
                speed[(mode, tool, 1)] = [ntok * pe / s1 for s1, _ in sec]
                log(f"  {mode} {tool:8s} {pe} epoch(s), 1 vs {a.threads} threads: "
                    + ", ".join(f"{r:.2f}x" for r in ratios))
                pair_rows.append([mode, tool, f"{statistics.median(ratios):.2f}x", " ".join(f"{r:.2f}" for r in ratios),
                                  f"{ntok * pe / statistics.median(s1 for s1, _ in sec):,.0f}",
                                  f"{ntok * pe / statistics.median(sn for _, sn in sec):,.0f}"])
        sec = scaling_pairs(gemm_seconds, a.threads, a.pairs)
        ratios = [s1 / sn for s1, sn in sec]
        pair_rows.append(["matrix product", "seqfast linear_forward", f"{statistics.median(ratios):.2f}x",
                          " ".join(f"{r:.2f}" for r in ratios), "-", "-"])
    rows = []
    for sg, mode in modes:
        for threads in sorted({k[2] for k in speed if k[0] == mode}, reverse=True):
            g = statistics.median(speed[(mode, "gensim", threads)])
            s = statistics.median(speed[(mode, "seqfast", threads)])
            gf = speed.get((mode, "gensim corpus_file", threads))
            wc = speed.get((mode, "word2vec.c", threads))
            rows.append([mode, threads, f"{g:,.0f}", f"{gf[0]:,.0f}" if gf else "-", f"{wc[0]:,.0f}" if wc else "-",
                         f"{s:,.0f}", f"{s / g:.2f}x"])
    rep.table(f"Corpus {ntok:,} tokens ({os.path.getsize(path) / 1e6:.1f} MB), {epochs} epochs ({pe} at 1 thread: "
              f"the scaling pairs). Training speed (words/s, median over runs; ratio = seqfast / gensim LineSentence)",
              ["model", "threads", "gensim", "gensim corpus_file", "word2vec.c (whole run)", "seqfast", "ratio"], rows)
    if a.threads > 1:
        rep.table(f"Thread scaling: {a.pairs} pairs of runs ({pe} epoch(s) each; last row: 3000 256x256x256 "
                  f"products), one thread then {a.threads}, one pair after the other; speed-up = seconds at 1 thread "
                  f"/ seconds at {a.threads} (median of the pairs, and each pair)",
                  ["model", "tool", "speed-up", "pairs", "words/s at 1 thread", f"words/s at {a.threads} threads"],
                  pair_rows)
    rows = []
    for sg, mode in modes:
        for tool in ("gensim", "seqfast"):
            accs = [x[0] for x in qual[(mode, tool)]]
            rhos = [x[1] for x in qual[(mode, tool)]]
            sd = (lambda v: statistics.stdev(v) if len(v) > 1 else 0.0)
            rows.append([mode, tool, f"{statistics.mean(accs):.4f} ± {sd(accs):.4f}",
                         f"{statistics.mean(rhos):.4f} ± {sd(rhos):.4f}", len(accs)])
    rep.table(f"Quality at {a.threads} threads (mean ± sd over seeds): analogy accuracy on questions-words.txt "
              f"(restrict_vocab=30000), Spearman rho on WordSim-353",
              ["model", "tool", "analogy accuracy", "WordSim-353 Spearman", "seeds"], rows)
    rows = []
    for tool in ("gensim", "seqfast"):
        r = in_subprocess(MEM.format(here=os.path.dirname(os.path.abspath(__file__)), tool=tool, path=path,
                                     threads=a.threads))
        rows.append([tool, f"{r['peak_mb']:.0f}", r["words"], f"{r['seconds']:.1f}"])
    rep.table("Peak RSS of a fresh process (one per tool, nothing else imported) building and training the "
              "skip-gram model for 1 epoch", ["tool", "peak MB", "vocabulary", "train seconds"], rows)
    rep.note(f"Machine: {machine()}; load average {load0:.1f} at start, {os.getloadavg()[0]:.1f} at end. Both "
             f"tools alternate in this one process, so load from other processes hits both alike.")
    return rep


def main(argv: list[str] | None = None) -> None:
    print(report(argv).markdown())


if __name__ == "__main__":
    main()
