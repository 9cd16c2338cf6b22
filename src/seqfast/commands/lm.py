"""seqfast lm: build, evaluate and query n-gram language models (KenLM-compatible ARPA or binary .sfl)."""
from __future__ import annotations

import argparse
import sys
import time

from ..lm.binary import LAYOUTS
from ._common import input_paths


def register(sub) -> None:
    p = sub.add_parser("lm", help="n-gram language models: build (like KenLM's lmplz), eval and query (like "
                                  "KenLM's query), convert (like build_binary), predict, generate",
                       description="N-gram language models that agree with KenLM. Input: one sentence per line.")
    lsub = p.add_subparsers(dest="lm_command", metavar="{build,eval,query,convert,predict,generate}")
    lsub.required = True

    b = lsub.add_parser("build", help="estimate a model from text and write it as ARPA and/or binary",
                        description="Count n-grams and estimate a model (default: interpolated modified "
                                    "Kneser-Ney exactly as KenLM's lmplz).")
    b.add_argument("files", nargs="*", metavar="FILE",
                   help="input text, one sentence per line ('.gz' ok, '-' = stdin); default: the bundled corpus")
    b.add_argument("-o", "--order", type=int, required=True, help="n-gram order N (1..16)")
    b.add_argument("--smoothing", default="mkn", choices=("mkn", "kn", "mle", "add_k", "laplace", "stupid_backoff"),
                   help="estimator (default: mkn, as lmplz)")
    b.add_argument("--arpa", metavar="PATH", help="write an ARPA file (KenLM/SRILM format; '.gz' compresses)")
    b.add_argument("--save", metavar="PATH", help="write seqfast's query-ready binary model (.sfl: opens in "
                                                  "constant time, memory-mapped)")
    b.add_argument("--layout", choices=LAYOUTS, default="hash", help="layout of the --save file: hash (default, "
                                                                      "KenLM's probing) or trie (compact)")
    b.add_argument("--discount-fallback", nargs="*", type=float, metavar="D",
                   help="on data too small for the discount formula use D1 D2 D3+ (default 0.5 1 1.5), as "
                        "lmplz --discount_fallback")
    b.add_argument("--prune", nargs="+", type=int, metavar="T",
                   help="drop n-grams with count <= T, one threshold per order from unigrams (which must be 0), "
                        "non-decreasing, the last repeating, as lmplz --prune: e.g. --prune 0 1 1")
    b.add_argument("--k", type=float, default=1.0, help="add-k: the k (default 1)")
    b.add_argument("--alpha", type=float, default=0.4, help="stupid backoff: the penalty (default 0.4)")
    b.add_argument("--level", choices=("word", "whitespace", "char"), default="word",
                   help="tokens: seqfast's word regex (default), whitespace-split (pre-tokenized text, as KenLM "
                        "reads it) or characters")
    b.add_argument("--lower", action="store_true", help="lower-case the text first")
    b.add_argument("--errors", choices=("strict", "replace", "ignore"), default="strict",
                   help="invalid UTF-8: stop naming the offset (default), replace or drop")
    b.add_argument("--threads", type=int, default=None, help="threads (default: all cores)")
    b.set_defaults(func=run_build)

    e = lsub.add_parser("eval", help="perplexity of test text, like KenLM's query -v summary")
    e.add_argument("model", help="a model: ARPA (.arpa, .arpa.gz) or seqfast binary (.sfl)")
    e.add_argument("files", nargs="*", metavar="TEST", help="test text, one sentence per line; default: the "
                                                             "bundled corpus")
    e.add_argument("--threads", type=int, default=None, help="threads (default: all cores)")
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
    qy.add_argument("--level", choices=("word", "whitespace", "char"), default=None,
                    help="tokenization (default: the model's, as it was built)")
    qy.add_argument("--lower", action=argparse.BooleanOptionalAction, default=None,
                    help="lower-case the text first (default: as the model was built)")
    qy.add_argument("--threads", type=int, default=None, help="threads (default: all cores)")
    qy.set_defaults(func=run_query)

    cv = lsub.add_parser("convert", help="convert a model to seqfast's query-ready binary, like KenLM's "
                                         "build_binary",
                         description="Read an ARPA file (or an older .sfl) and write a memory-mapped .sfl file.")
    cv.add_argument("input", help="ARPA file (.arpa, .arpa.gz) or .sfl")
    cv.add_argument("output", help="the .sfl file to write")
    cv.add_argument("--layout", choices=LAYOUTS, default="hash",
                    help="hash: KenLM's probing layout, the fastest (default); trie: KenLM's trie layout, about half "
                         "the size")
    cv.add_argument("-q", "--quantize", type=int, default=None, metavar="BITS",
                    help="trie layout: store log10 probabilities and backoffs in BITS bits (1..16; e.g. 8) instead of "
                         "32, as build_binary -q; the largest error is printed and kept in the file's header")
    cv.add_argument("--level", choices=("word", "whitespace", "char"), default="whitespace",
                    help="how queries of an ARPA model tokenize text (default: whitespace, as KenLM)")
    cv.add_argument("--lower", action="store_true", help="queries lower-case text first")
    cv.set_defaults(func=run_convert)

    q = lsub.add_parser("predict", help="the most likely next words after a context")
    q.add_argument("model")
    q.add_argument("context", nargs="?", default="", help='the preceding words, e.g. "the time"')
    q.add_argument("-k", type=int, default=10, help="how many words (default 10)")
    q.add_argument("--bos", action="store_true", help="the context starts a sentence")
    q.set_defaults(func=run_predict)

    g = lsub.add_parser("generate", help="sample text from a model")
    g.add_argument("model")
    g.add_argument("-n", "--num-words", type=int, default=50, help="tokens to sample (default 50)")
    g.add_argument("--seed", type=int, default=None, help="random seed (default: random)")
    g.add_argument("--temperature", type=float, default=1.0, help="< 1 sharper, > 1 flatter (default 1)")
    g.add_argument("--context", default="", help="words to start from")
    g.set_defaults(func=run_generate)


def load_model(path, level: str = "whitespace", lower: bool = False):
    """An NGramLM from a binary .sfl (container or zip magic) or an ARPA file (anything else; queries tokenize
    by level/lower)."""
    from .._container import MAGIC
    from ..lm import NGramLM

    with open(path, "rb") as f:
        magic = f.read(8)
    if magic == MAGIC or magic[:2] == b"PK":
        return NGramLM.load(path)
    return NGramLM.from_arpa(path, level=level, lower=lower)


def run_build(args) -> int:
    from ..lm import NGramLM

    if not args.arpa and not args.save:
        print("seqfast lm build: give --arpa PATH and/or --save PATH for the model", file=sys.stderr)
        return 2
    fb = False
    if args.discount_fallback is not None:
        fb = tuple(args.discount_fallback) if args.discount_fallback else True
    t0 = time.perf_counter()
    files = input_paths(args.files)
    m = NGramLM.fit(files if len(files) > 1 else files[0], args.order, args.smoothing, k=args.k,
                    alpha=args.alpha, discount_fallback=fb, prune=args.prune, level=args.level, lower=args.lower,
                    n_threads=args.threads, errors=args.errors, progress=sys.stderr.isatty())
    t1 = time.perf_counter()
    print(f"{m.smoothing} model of order {m.order} from {', '.join(files)}: {m.info.get('tokens', 0):,} tokens, "
          f"vocabulary {len(m.vocab):,}  [{t1 - t0:.2f} s]")
    D = m.discounts
    for n, k in enumerate(m.counts, 1):
        d = f"  D1={D[n - 1][0]:.6g} D2={D[n - 1][1]:.6g} D3+={D[n - 1][2]:.6g}" if D is not None else ""
        print(f"{n} {k}{d}")
    if args.arpa:
        m.to_arpa(args.arpa)
        print(f"wrote ARPA {args.arpa}  [{time.perf_counter() - t1:.2f} s]")
    if args.save:
        m.save(args.save, layout=args.layout)
        print(f"wrote {args.save}")
    return 0


def run_eval(args) -> int:
    m = load_model(args.model)
    files = input_paths(args.files)
    t0 = time.perf_counter()
    r = m.evaluate(files, n_threads=args.threads)
    dt = time.perf_counter() - t0
    print(f"Perplexity including OOVs:\t{r['perplexity']:.10g}")
    print(f"Perplexity excluding OOVs:\t{r['perplexity_excluding_oovs']:.10g}")
    print(f"OOVs:\t{r['oovs']}")
    print(f"Tokens:\t{r['tokens']}")
    print(f"Lines:\t{r['lines']}  [{dt:.3f} s]")
    return 0


def run_query(args) -> int:
    m = load_model(args.model)
    if args.level is not None:
        m.level = args.level
    if args.lower is not None:
        m.lower = args.lower
    if args.verbose == "summary":
        r = m.evaluate(_stdin_lines() if args.file == "-" else args.file, n_threads=args.threads)
    else:
        lines = _stdin_lines() if args.file == "-" else m._lines(args.file)
        r = _query_lines(m, lines, args.verbose == "word", args.threads)
    print(f"Perplexity including OOVs:\t{r['perplexity']:.10g}")
    print(f"Perplexity excluding OOVs:\t{r['perplexity_excluding_oovs']:.10g}")
    print(f"OOVs:\t{r['oovs']}")
    print(f"Tokens:\t{r['tokens']}")
    return 0


def _stdin_lines() -> list:
    from ..text import decode_utf8

    text = decode_utf8(sys.stdin.buffer.read(), "<stdin>")
    lines = text.split("\n")
    return lines[:-1] if lines and lines[-1] == "" else lines


def _query_lines(m, lines, words: bool, n_threads, batch: int = 4096) -> dict:
    """Print KenLM query's per-word/per-sentence lines for lines of text; return the evaluate() figures."""
    import numpy as np

    from .._threads import resolve_threads
    from ..lm.model import _ppl

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
    if tokens == 0:
        raise ValueError("perplexity of zero tokens is undefined: the input has no lines")
    return {"tokens": tokens, "oovs": noov, "perplexity": _ppl(total, tokens),
            "perplexity_excluding_oovs": _ppl(total_ex, tokens - noov)}


def run_convert(args) -> int:
    t0 = time.perf_counter()
    import os

    from ..lm.binary import save_binary

    m = load_model(args.input, level=args.level, lower=args.lower)
    head = save_binary(m, args.output, args.layout, args.quantize)
    print(f"wrote {args.output} ({args.layout} layout, order {m.order}, {sum(m.counts):,} n-grams, "
          f"{os.path.getsize(args.output):,} bytes)  [{time.perf_counter() - t0:.2f} s]")
    if head.get("quant_max_error"):
        errs = ", ".join(f"{n}: {p:.3g}/{b:.3g}" for n, (p, b) in enumerate(head["quant_max_error"], 2))
        print(f"{args.quantize}-bit quantization, largest |error| in log10 units per order (prob/backoff): {errs}")
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
