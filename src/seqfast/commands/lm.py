"""seqfast lm: build, evaluate and query n-gram language models (KenLM-compatible ARPA or binary .sfl)."""
from __future__ import annotations

import sys
import time

from ._common import input_paths


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
                   help="input text, one sentence per line ('.gz' ok, '-' = stdin); default: the bundled corpus")
    b.add_argument("-o", "--order", type=int, required=True, help="n-gram order N (1..16)")
    b.add_argument("--smoothing", default="mkn", choices=("mkn", "kn", "mle", "add_k", "laplace", "stupid_backoff"),
                   help="estimator (default: mkn, as lmplz)")
    b.add_argument("--arpa", metavar="PATH", help="write an ARPA file (KenLM/SRILM format; '.gz' compresses)")
    b.add_argument("--save", metavar="PATH", help="write seqfast's binary model (fast to load)")
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


def load_model(path):
    """An NGramLM from a binary .sfl (zip magic) or an ARPA file (anything else)."""
    from ..lm import NGramLM

    with open(path, "rb") as f:
        magic = f.read(4)
    return NGramLM.load(path) if magic[:2] == b"PK" else NGramLM.from_arpa(path)


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
        m.save(args.save)
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
