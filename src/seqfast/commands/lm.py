"""seqfast lm: build, evaluate and query n-gram language models (KenLM-compatible ARPA or binary .sfl)."""
from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
import warnings

from ..lm.arpa import open_arpa
from ..lm.binary import LAYOUTS
from ._common import add_cluster_args, add_errors_arg, add_memory_args, as_source, cluster_client, count_int, \
    input_paths, int_at_least, memory_arg, on_cluster, positive_float, positive_int, report, write_to

_LEVELS = ("word", "whitespace", "char", "regex")


def register(sub) -> None:
    p = sub.add_parser("lm", help="n-gram language models: build (like KenLM's lmplz), eval (like query), "
                                  "predict, generate",
                       description="N-gram language models that agree with KenLM. Input: one sentence per line.")
    lsub = p.add_subparsers(dest="lm_command", metavar="{build,eval,predict,generate}")
    lsub.required = True

    b = lsub.add_parser("build", help="estimate a model from text and write it as ARPA and/or binary",
                        description="Count n-grams and estimate a model (default: interpolated modified "
                                    "Kneser-Ney exactly as KenLM's lmplz).")
    b.add_argument("files", nargs="*", metavar="FILE",
                   help="input text, one sentence per line (gzip recognized by content); '-' reads standard "
                        "input; with no FILE: standard input when piped, the bundled corpus on a terminal")
    b.add_argument("-o", "--order", type=order_int, required=True, help="n-gram order N (1..16)")
    b.add_argument("--smoothing", default="mkn", choices=("mkn", "kn", "mle", "add_k", "laplace", "stupid_backoff"),
                   help="estimator (default: mkn, as lmplz)")
    b.add_argument("--arpa", metavar="PATH", help="write an ARPA file (KenLM/SRILM format; '-' writes standard "
                                                  "output)")
    b.add_argument("--gzip", action="store_true", help="gzip the --arpa file (whatever its name; every reader "
                                                       "recognizes gzip by content)")
    b.add_argument("--save", metavar="PATH", help="write seqfast's query-ready binary model (.sfl: opens in "
                                                  "constant time, memory-mapped; '-' writes standard output)")
    b.add_argument("--layout", choices=LAYOUTS, default="hash", help="layout of the --save file: hash (default, "
                                                                      "KenLM's probing) or trie (compact)")
    b.add_argument("--discount-fallback", nargs="*", type=float, metavar="D",
                   help="on data too small for the discount formula use D1 D2 D3+ (default 0.5 1 1.5), as "
                        "lmplz --discount_fallback")
    b.add_argument("--prune", nargs="+", type=count_int, metavar="T",
                   help="drop n-grams with count <= T, one threshold per order from unigrams (which must be 0), "
                        "non-decreasing, the last repeating, as lmplz --prune: e.g. --prune 0 1 1")
    b.add_argument("--k", type=positive_float, default=1.0, help="add-k: the k (default 1)")
    b.add_argument("--alpha", type=positive_float, default=0.4, help="stupid backoff: the penalty (default 0.4)")
    b.add_argument("--level", choices=_LEVELS, default="word",
                   help="tokens: seqfast's word regex (default), whitespace-split (pre-tokenized text, as KenLM "
                        "reads it: only ASCII space, tab, CR, VT, FF separate words), characters, or the "
                        "matches of --pattern; the model stores it and 'lm eval' tokenizes the same way")
    b.add_argument("--pattern", metavar="REGEX", help="tokens are the matches of this regular expression "
                                                      "(level 'regex')")
    b.add_argument("--lower", action="store_true", help="lower-case the text first")
    add_errors_arg(b)
    b.add_argument("--threads", type=positive_int, default=None, help="threads (default: all cores)")
    add_memory_args(b, "counting and estimation (Kneser-Ney: partition by partition; the ARPA file is streamed "
                       "from disk)")
    add_cluster_args(b)
    b.set_defaults(func=run_build)

    e = lsub.add_parser("eval", help="perplexity of test text, like KenLM's query -v summary",
                        description="Perplexity of test text under a model, with KenLM's conventions. The text "
                                    "is tokenized as the model says (stored in .sfl files and in the comment "
                                    "lines seqfast writes before an ARPA file's \\data\\; an ARPA file "
                                    "without them is pre-tokenized text: level whitespace). --level, "
                                    "--lower/--no-lower and --pattern override it, with a warning when they "
                                    "differ from the model's. The figures go to standard output.")
    e.add_argument("model", help="a model: ARPA (.arpa, .arpa.gz) or seqfast binary (.sfl)")
    e.add_argument("files", nargs="*", metavar="TEST",
                   help="test text, one sentence per line; '-' reads standard input; with no TEST: standard "
                        "input when piped, the bundled corpus on a terminal")
    e.add_argument("--level", choices=_LEVELS, default=None, help="override the model's token level")
    e.add_argument("--pattern", metavar="REGEX", default=None, help="override: tokens are the matches of REGEX")
    e.add_argument("--lower", dest="lower", action="store_true", default=None,
                   help="override: lower-case the test text")
    e.add_argument("--no-lower", dest="lower", action="store_false", help="override: keep the test text's case")
    add_errors_arg(e)
    e.add_argument("--threads", type=positive_int, default=None, help="threads (default: all cores)")
    e.set_defaults(func=run_eval)

    qy = lsub.add_parser("query", help="score text word by word, like KenLM's query",
                         description="Score each line of text (from <s> through </s>) and print, as KenLM's query: "
                                     "per word 'word=id ngram_length log10prob', per line 'Total: log10 OOV: n', "
                                     "then the perplexity summary.")
    qy.add_argument("model", help="a model: seqfast .sfl or ARPA (.arpa, .arpa.gz)")
    qy.add_argument("file", nargs="?", default="-", metavar="FILE", help="text to score, one sentence per line; "
                                                                       "'-' or nothing reads stdin")
    qy.add_argument("-v", "--verbose", choices=("summary", "sentence", "word"), default="word",
                    help="what to print: the summary only, a total per sentence, or every word (default)")
    qy.add_argument("--level", choices=_LEVELS, default=None,
                    help="tokenization (default: the model's, as it was built)")
    qy.add_argument("--pattern", metavar="REGEX", default=None, help="override: tokens are the matches of REGEX")
    qy.add_argument("--lower", action=argparse.BooleanOptionalAction, default=None,
                    help="lower-case the text first (default: as the model was built)")
    qy.add_argument("--threads", type=positive_int, default=None, help="threads (default: all cores)")
    qy.set_defaults(func=run_query)

    cv = lsub.add_parser("convert", help="convert a model to seqfast's query-ready binary, like KenLM's "
                                         "build_binary",
                         description="Read an ARPA file (or an older .sfl) and write a memory-mapped .sfl file.")
    cv.add_argument("input", help="ARPA file (.arpa, .arpa.gz) or .sfl")
    cv.add_argument("output", help="the .sfl file to write")
    cv.add_argument("--layout", choices=LAYOUTS, default="hash",
                    help="hash: KenLM's probing layout, the fastest (default); trie: KenLM's trie layout, about half "
                         "the size")
    cv.add_argument("-q", "--quantize", type=int_at_least(1), default=None, metavar="BITS",
                    help="trie layout: store log10 probabilities and backoffs in BITS bits (1..16; e.g. 8) instead of "
                         "32, as build_binary -q; the largest error is printed and kept in the file's header")
    cv.add_argument("--level", choices=_LEVELS, default=None,
                    help="how queries of an ARPA model tokenize text (default: as the ARPA file's tokenization "
                         "comment says; whitespace, as KenLM, when it has none)")
    cv.add_argument("--pattern", metavar="REGEX", default=None, help="with --level regex: the token pattern")
    cv.add_argument("--lower", action=argparse.BooleanOptionalAction, default=None,
                    help="queries lower-case text first (default: as recorded in the file)")
    cv.set_defaults(func=run_convert)

    q = lsub.add_parser("predict", help="the most likely next words after a context")
    q.add_argument("model")
    q.add_argument("context", nargs="?", default="", help='the preceding words, e.g. "the time"')
    q.add_argument("-k", type=count_int, default=10, help="how many words (default 10)")
    q.add_argument("--bos", action="store_true", help="the context starts a sentence")
    q.set_defaults(func=run_predict)

    g = lsub.add_parser("generate", help="sample text from a model")
    g.add_argument("model")
    g.add_argument("-n", "--num-words", type=count_int, default=50, help="tokens to sample (default 50)")
    g.add_argument("--seed", type=int, default=None, help="random seed (default: random)")
    g.add_argument("--temperature", type=positive_float, default=1.0, help="< 1 sharper, > 1 flatter (default 1)")
    g.add_argument("--context", default="", help="words to start from")
    g.set_defaults(func=run_generate)


order_int = int_at_least(1)


def load_model(path, level=None, lower=None, pattern=None):
    """An NGramLM from a binary .sfl (container or zip magic) or an ARPA file (anything else); level, lower and
    pattern override an ARPA file's recorded tokenization."""
    from .._container import MAGIC
    from ..lm import NGramLM
    from ..ngram import check_path

    with open(check_path(path), "rb") as f:
        magic = f.read(8)
    if magic == MAGIC or magic[:2] == b"PK":
        return NGramLM.load(path)
    return NGramLM.from_arpa(path, level=level, lower=lower, pattern=pattern)


def run_build(args) -> int:
    from ..lm import NGramLM

    if not args.arpa and not args.save:
        report("seqfast lm build: give --arpa PATH and/or --save PATH for the model ('-': standard output)")
        return 2
    if args.arpa == "-" and args.save == "-":
        raise ValueError("--arpa - and --save - would both write standard output; send one to a file")
    if args.pattern is not None and args.level not in ("word", "regex"):
        raise ValueError(f"--pattern goes with --level regex, not --level {args.level}")
    if args.level == "regex" and args.pattern is None:
        raise ValueError("--level regex needs --pattern REGEX")
    fb = False
    if args.discount_fallback is not None:
        fb = tuple(args.discount_fallback) if args.discount_fallback else True
    t0 = time.perf_counter()
    files = input_paths(args.files, "seqfast lm build", urls=on_cluster(args))
    memory = memory_arg(args)
    streamed = (memory is not None or on_cluster(args)) and args.smoothing in ("mkn", "kn") and args.arpa is not None
    with (open_arpa(sys.stdout.buffer if args.arpa == "-" else args.arpa, args.gzip) if streamed
          else contextlib.nullcontext()) as arpa, cluster_client(args) as client:
        m = NGramLM.fit(as_source(files), args.order, args.smoothing, k=args.k, alpha=args.alpha,
                        discount_fallback=fb, prune=args.prune,
                        level="word" if args.pattern is None and args.level == "regex" else args.level,
                        pattern=args.pattern, lower=args.lower, n_threads=args.threads, errors=args.errors,
                        progress=sys.stderr.isatty(), memory=memory, tmpdir=args.temp_prefix, arpa=arpa,
                        client=client)
    t1 = time.perf_counter()
    if streamed:
        sys.stdout.buffer.flush()
        report(f"wrote ARPA {'to standard output' if args.arpa == '-' else args.arpa} (streamed, -S {args.memory})"
               f"  [{t1 - t0:.2f} s]")
        if m is None:
            report("the model is larger than -S and was not held in memory: only the ARPA file was written")
            return 0
    names = ", ".join("<stdin>" if f == "-" else f for f in files)
    report(f"{m.smoothing} model of order {m.order} from {names}: {m.info.get('tokens', 0):,} tokens, "
           f"vocabulary {len(m.vocab):,}; tokenization {m.tokenization}  [{t1 - t0:.2f} s]")
    D = m.discounts
    for n, k in enumerate(m.counts, 1):
        d = f"  D1={D[n - 1][0]:.6g} D2={D[n - 1][1]:.6g} D3+={D[n - 1][2]:.6g}" if D is not None else ""
        report(f"{n} {k}{d}")
    if args.arpa and not streamed:
        write_to(args.arpa, lambda p: m.to_arpa(p, compress=args.gzip))
        report(f"wrote ARPA {'to standard output' if args.arpa == '-' else args.arpa}  "
               f"[{time.perf_counter() - t1:.2f} s]")
    if args.save:
        write_to(args.save, lambda p: m.save(p, layout=args.layout))
        report(f"wrote {'the model to standard output' if args.save == '-' else args.save}")
    return 0


def _overridden(m, level, lower, pattern, command: str):
    """m tokenizing as overridden; each difference from its own tokenization is reported on stderr."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = eval_model(m, level, lower, pattern)
    for w in caught:
        report(f"{command}: warning: {w.message}")
    return m


def eval_model(m, level=None, lower=None, pattern=None):
    """The model ``m`` tokenizing as overridden (a warning names each difference from its own tokenization)."""
    if level is None and lower is None and pattern is None:
        return m
    new = m.with_tokenization(level, lower, pattern)
    old, cur = m.tokenization, new.tokenization
    diffs = [f"{k} {old[k]!r} -> {cur[k]!r}" for k in ("level", "lower", "pattern") if old[k] != cur[k]]
    if diffs:
        warnings.warn(f"the test text is tokenized differently from the model's training text ({', '.join(diffs)}): "
                      f"tokens the model never saw become OOVs", stacklevel=2)
    return new


def run_eval(args) -> int:
    m = _overridden(load_model(args.model), args.level, args.lower, args.pattern, "seqfast lm eval")
    files = input_paths(args.files, "seqfast lm eval")
    t0 = time.perf_counter()
    r = m.evaluate(as_source(files), n_threads=args.threads)
    dt = time.perf_counter() - t0
    print(f"Perplexity including OOVs:\t{r['perplexity']:.10g}")
    print(f"Perplexity excluding OOVs:\t{r['perplexity_excluding_oovs']:.10g}")
    print(f"OOVs:\t{r['oovs']}")
    print(f"Tokens:\t{r['tokens']}")
    print(f"Lines:\t{r['lines']}  [{dt:.3f} s]")
    return 0


def run_query(args) -> int:
    m = _overridden(load_model(args.model), args.level, args.lower, args.pattern, "seqfast lm query")
    if args.verbose == "summary":
        r = m.evaluate(args.file, n_threads=args.threads)
    else:
        r = {"tokens": 0, "oovs": 0, "log10_sum": 0.0, "log10_sum_ex": 0.0}
        for lines in m._line_batches(args.file, None):
            _query_lines(m, lines, args.verbose == "word", args.threads, r)
        if r["tokens"] == 0:
            raise ValueError("perplexity of zero tokens is undefined: the input has no lines")
        from ..lm.model import _ppl
        r["perplexity"] = _ppl(r["log10_sum"], r["tokens"])
        r["perplexity_excluding_oovs"] = _ppl(r["log10_sum_ex"], r["tokens"] - r["oovs"])
    print(f"Perplexity including OOVs:\t{r['perplexity']:.10g}")
    print(f"Perplexity excluding OOVs:\t{r['perplexity_excluding_oovs']:.10g}")
    print(f"OOVs:\t{r['oovs']}")
    print(f"Tokens:\t{r['tokens']}")
    return 0


def _query_lines(m, lines, words: bool, n_threads, acc: dict, batch: int = 4096) -> None:
    """Print KenLM query's per-word/per-sentence lines for lines of text; add to acc's sums."""
    import numpy as np

    from .._threads import resolve_threads

    out = sys.stdout
    total = total_ex = 0.0
    tokens = noov = 0
    for b0 in range(0, len(lines), batch):
        toks = [m._tokens(line) for line in lines[b0:b0 + batch]]
        flat = [t for ts in toks for t in ts]
        ids = m._ids(flat)
        offs = np.zeros(len(toks) + 1, dtype=np.int64)
        np.cumsum([len(ts) for ts in toks], out=offs[1:])
        s, nl = m.scorer.score(ids, offs, True, True, resolve_threads(n_threads), True)
        for l, ts in enumerate(toks):
            o = int(offs[l]) + l
            sent = ids[offs[l]:offs[l + 1]]
            ls = s[o:o + len(ts) + 1].astype(np.float64)
            oov = np.append(sent == m.unk, False)
            if words:
                parts = [f"{w}={i} {n} {p:.8g}" for w, i, n, p in zip(ts, sent.tolist(), nl[o:o + len(ts)].tolist(),
                                                                      ls[:-1].tolist())]
                parts.append(f"</s>={m.eos} {int(nl[o + len(ts)])} {ls[-1]:.8g}")
                out.write("\t".join(parts) + "\t")
            lt = float(ls.sum())
            out.write(f"Total: {lt:.8g} OOV: {int(oov.sum())}\n")
            total += lt
            total_ex += float(ls[~oov].sum())
            tokens += len(ts) + 1
            noov += int(oov.sum())
    acc["tokens"] += tokens
    acc["oovs"] += noov
    acc["log10_sum"] += total
    acc["log10_sum_ex"] += total_ex


def run_convert(args) -> int:
    t0 = time.perf_counter()
    from ..lm.binary import save_binary

    m = load_model(args.input, level=args.level, lower=args.lower, pattern=args.pattern)
    head = save_binary(m, args.output, args.layout, args.quantize)
    report(f"wrote {args.output} ({args.layout} layout, order {m.order}, {sum(m.counts):,} n-grams, "
           f"{os.path.getsize(args.output):,} bytes)  [{time.perf_counter() - t0:.2f} s]")
    if head.get("quant_max_error"):
        errs = ", ".join(f"{n}: {p:.3g}/{b:.3g}" for n, (p, b) in enumerate(head["quant_max_error"], 2))
        report(f"{args.quantize}-bit quantization, largest |error| in log10 units per order (prob/backoff): {errs}")
    return 0


def run_predict(args) -> int:
    m = load_model(args.model)
    for w, p in m.predict(args.context, k=args.k, bos=args.bos):
        print(f"{p:.6f}\t{w}")
    return 0


def run_generate(args) -> int:
    m = load_model(args.model)
    words = m.generate(args.num_words, context=args.context, seed=args.seed, temperature=args.temperature)
    line = []
    for w in words:
        if w == "</s>":
            print(" ".join(line))
            line = []
        else:
            line.append(w)
    if line:
        print(" ".join(line))
    return 0
