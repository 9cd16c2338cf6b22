"""seqfast count: count the n-grams of text files (the C engine of seqfast.count_ngrams)."""
from __future__ import annotations

import json
import sys
import time

from ._common import add_cluster_args, add_input_args, add_memory_args, as_source, cluster_client, count_int, \
    input_paths, int_at_least, memory_arg, on_cluster, open_output, positive_int, report

from .._atomic import atomic_savefig


def register(sub) -> None:
    p = sub.add_parser("count", help="count word/char n-grams of text files; print them by frequency",
                       description="Count every n-gram of orders 1..N in the input ('-' reads standard input; "
                                   "gzip is decompressed) and print 'n-gram<TAB>count' "
                                   "lines by count descending (ties by n-gram) to stdout; a summary (tokens, "
                                   "types, unique n-grams, seconds, tokens/s, peak memory) goes to stderr.")
    add_input_args(p)
    p.add_argument("-n", "--order", type=order_int, default=3, metavar="N", help="highest order counted (default: 3)")
    p.add_argument("--order-only", action="store_true", help="print only the n-grams of order N (default: 1..N)")
    p.add_argument("--top", type=count_int, metavar="K", help="print only the K most frequent n-grams of each order")
    p.add_argument("--level", choices=("word", "char", "whitespace"), default="word",
                   help="tokens: words (seqfast.tokenize's regex, default), characters, or runs of characters "
                        "other than ASCII space, tab, CR, VT, FF (pre-tokenized text as KenLM reads it, fastest)")
    p.add_argument("--pattern", metavar="REGEX", help="tokens are the matches of this regular expression "
                                                      "(overrides --level)")
    p.add_argument("--pad", action="store_true", help="wrap every line in <s> ... </s> (as n-gram LMs count)")
    p.add_argument("--boundaries", choices=("line", "none"), default="line",
                   help="'line': no n-gram crosses a line break (default); 'none': the input is one stream")
    p.add_argument("--min-count", type=positive_int, default=1, metavar="C", help="print only n-grams seen at least C times")
    p.add_argument("--lower", action="store_true", help="lower-case the text first")
    p.add_argument("--format", choices=("tsv", "json"), default="tsv", help="output format (default: tsv)")
    p.add_argument("--output", "-o", metavar="FILE", help="write the n-grams to FILE instead of stdout")
    p.add_argument("--threads", type=positive_int, metavar="T", help="threads (default: all cores, or OMP_NUM_THREADS)")
    p.add_argument("--engine", choices=("sort", "hash"), default="sort",
                   help="counting engine: sort (default, fastest) or hash (less memory on very repetitive text)")
    p.add_argument("--save", metavar="PATH", help="also save the counts (binary; NGramCounts.load reads it)")
    add_memory_args(p, "the counting")
    add_cluster_args(p)
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar and no summary on stderr")
    p.add_argument("--zipf", action="store_true",
                   help="print the rank/frequency table of unigrams, bigrams and trigrams instead of the n-grams")
    p.add_argument("--plot", metavar="PNG", help="with --zipf: save the log-log Zipf plot (needs matplotlib)")
    p.set_defaults(func=run)


def _peak_mb() -> float:
    try:
        import resource
        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return kb / 1024 if sys.platform != "darwin" else kb / 2**20
    except Exception:  # pragma: no cover - no resource module (Windows)
        return float("nan")


order_int = int_at_least(1)


ZIPF_RANKS = (1, 2, 3, 4, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000)


def zipf_table(counts, orders=(1, 2, 3)) -> str:
    """Rank/frequency table: for each order, the frequency at log-spaced ranks and frequency x rank."""
    import numpy as np
    lines = []
    for n in orders:
        if n > counts.order:
            break
        _, c = counts.arrays(n)
        f = np.sort(c)[::-1]
        lines.append(f"== {n}-grams: {counts.unique(n):,} distinct, {counts.total(n):,} in all ==")
        lines.append(f"{'rank':>8} {'freq':>10} {'freq*rank':>12}  n-gram")
        order = counts.top_rows(n, min(f.shape[0], ZIPF_RANKS[-1]), ties="tokens")
        g, _ = counts.arrays(n)
        for r in ZIPF_RANKS:
            if r > f.shape[0]:
                break
            row = order[r - 1]
            lines.append(f"{r:>8} {int(f[r - 1]):>10} {int(f[r - 1]) * r:>12}  {' '.join(counts.decode(g[row]))}")
        lines.append("")
    return "\n".join(lines)


def zipf_plot(counts, path: str, orders=(1, 2, 3)) -> None:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise RuntimeError("--plot needs matplotlib, which is not installed: pip install 'seqfast[plot]' "
                           "(or pip install matplotlib)") from None
    import numpy as np
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for n in orders:
        if n > counts.order:
            break
        f = np.sort(counts.arrays(n)[1])[::-1]
        ax.loglog(np.arange(1, f.shape[0] + 1), f, label=f"{n}-grams")
    ax.set_xlabel("rank")
    ax.set_ylabel("frequency")
    ax.set_title("Zipf's law: frequency vs rank")
    ax.legend()
    ax.grid(True, which="major", alpha=0.3)
    fig.tight_layout()
    atomic_savefig(fig, path, dpi=120)
    plt.close(fig)


def run(args) -> int:
    from ..ngram import MAX_ORDER, count_ngrams

    if args.order > MAX_ORDER:
        raise ValueError(f"-n/--order must be between 1 and {MAX_ORDER}, got {args.order}")
    if args.plot and not args.zipf:
        raise ValueError("--plot goes with --zipf")
    files = input_paths(args.files, "seqfast count", urls=on_cluster(args))
    order = max(args.order, 3) if args.zipf else args.order
    t0 = time.perf_counter()
    src = as_source(files)
    with cluster_client(args) as client:
        counts = count_ngrams(src, order, level="regex" if args.pattern else args.level, pattern=args.pattern,
                              pad=args.pad, boundaries=args.boundaries,
                              lower=args.lower, n_threads=args.threads, errors=args.errors,
                              progress=not args.quiet, method=args.engine, memory=memory_arg(args),
                              tmpdir=args.temp_prefix, client=client)
    t_count = time.perf_counter() - t0
    if args.save:
        counts.save(args.save)
    with open_output(args.output or "-") as out:
        if args.zipf:
            out.write(zipf_table(counts))
            if args.plot:
                zipf_plot(counts, args.plot)
                report(f"saved the Zipf plot to {args.plot}")
        else:
            orders = [args.order] if args.order_only else list(range(1, args.order + 1))
            if args.format == "tsv":
                for n in orders:
                    counts.to_tsv(out, order=n, k=args.top, min_count=args.min_count, ties="tokens")
            else:
                doc = {"order": args.order, "ngrams": {}}
                for n in orders:
                    g, c = counts.arrays(n)
                    rows = counts.top_rows(n, args.top, args.min_count, ties="tokens")
                    doc["ngrams"][str(n)] = [[counts.decode(g[r]), int(c[r])] for r in rows.tolist()]
                json.dump(doc, out, ensure_ascii=False)
                out.write("\n")
    t_all = time.perf_counter() - t0
    if not args.quiet:
        ntok = counts.total(1)
        per = ", ".join(f"{n}-grams {counts.unique(n):,}" for n in range(1, counts.order + 1))
        report(f"seqfast count: {ntok:,} tokens, {len(counts.vocab):,} types; {per}")
        bpn = counts.stats.get("bytes_per_ngram")
        print(f"counted in {t_count:.2f} s ({ntok / max(t_count, 1e-9) / 1e6:.1f}M tokens/s), {t_all:.2f} s with "
              f"output; {counts.stats.get('threads', 1)} thread(s); peak memory {_peak_mb():.0f} MB"
              + (f"; {args.engine} engine {bpn:.1f} bytes per distinct n-gram" if bpn else ""), file=sys.stderr)
    return 0
