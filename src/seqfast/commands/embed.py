"""seqfast embed: train word2vec vectors, query them, evaluate them on analogies or word-pair similarities.

    seqfast embed train FILE ... --out vectors.txt [--cbow] [--size 100] [--epochs 5] [--loss]
    seqfast embed similar vectors.txt WORD [-n 10]
    seqfast embed analogy vectors.txt questions-words.txt
    seqfast embed pairs vectors.txt wordsim353.tsv
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from ._common import add_errors_arg, count_int, input_paths, nonneg_float, positive_float, positive_int


def register(sub) -> None:
    p = sub.add_parser("embed", help="word embeddings: train word2vec, nearest words, analogy/similarity scores",
                       description="Word2vec (skip-gram or CBOW with negative sampling) trained by C/OpenMP "
                                   "kernels; vectors are written in the word2vec text or binary format, which "
                                   "gensim and word2vec.c read.")
    es = p.add_subparsers(dest="embed_command", metavar="ACTION", title="actions")

    t = es.add_parser("train", help="train vectors on text files and write them",
                      description="Train word2vec on FILE(s) (default: the bundled corpus), streamed from disk "
                                  "once per epoch; progress (words/s, learning rate, loss with --loss) goes to "
                                  "stderr.")
    t.add_argument("files", nargs="*", metavar="FILE", help="UTF-8 text files ('.gz' ok), one sentence per line; "
                   "default: the bundled corpus")
    t.add_argument("--out", "-o", required=True, metavar="VECTORS", help="where to write the vectors")
    t.add_argument("--binary", action="store_true", help="write the binary word2vec format (default: text)")
    t.add_argument("--save-model", metavar="MODEL.npz", help="also save the whole model (to train it further)")
    t.add_argument("--cbow", action="store_true", help="CBOW instead of skip-gram")
    t.add_argument("--size", type=positive_int, default=100, help="vector size (default 100)")
    t.add_argument("--window", type=positive_int, default=5, help="maximum context distance (default 5)")
    t.add_argument("--negative", type=count_int, default=5, help="negative samples per example (default 5; 0: none)")
    t.add_argument("--hs", action="store_true", help="hierarchical softmax")
    t.add_argument("--sample", type=nonneg_float, default=1e-3, help="subsampling threshold (default 1e-3; 0: off)")
    t.add_argument("--min-count", type=count_int, default=5, help="drop words rarer than this (default 5)")
    t.add_argument("--epochs", type=positive_int, default=5, help="passes over the corpus (default 5)")
    t.add_argument("--alpha", type=positive_float, default=0.025, help="initial learning rate (default 0.025)")
    t.add_argument("--threads", type=positive_int, default=None, help="threads (default: all cores; 1 is deterministic)")
    t.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    t.add_argument("--level", choices=("word", "whitespace"), default="word",
                   help="word: seqfast.tokenize's words (default); whitespace: pre-tokenized text")
    t.add_argument("--lower", action="store_true", help="lower-case words")
    add_errors_arg(t)
    t.add_argument("--loss", action="store_true", help="compute and show the training loss (a little slower)")
    t.add_argument("--quiet", action="store_true", help="no progress on stderr")
    t.set_defaults(func=run_train)

    s = es.add_parser("similar", help="the nearest words of a word (cosine)",
                      description="Print the words closest to WORD by cosine similarity, with the similarity.")
    s.add_argument("vectors", metavar="VECTORS", help="vectors in the word2vec text or binary format")
    s.add_argument("word", metavar="WORD")
    s.add_argument("-n", type=positive_int, default=10, help="how many (default 10)")
    _format_args(s)
    s.set_defaults(func=run_similar)

    a = es.add_parser("analogy", help="accuracy on analogy questions (questions-words.txt format)",
                      description="a:b :: c:? answered by 3CosAdd among the first --restrict words; questions "
                                  "with other words are skipped, as gensim does. Prints each section's accuracy.")
    a.add_argument("vectors", metavar="VECTORS")
    a.add_argument("questions", metavar="QUESTIONS", help="': section' lines, then 'a b c d' per line")
    a.add_argument("--restrict", type=positive_int, default=30000, help="search the most frequent N words (default 30000)")
    _format_args(a)
    a.set_defaults(func=run_analogy)

    w = es.add_parser("pairs", help="Spearman/Pearson correlation with human word-pair scores (WordSim-353)",
                      description="Correlate cosine similarities with the scores of 'word1<TAB>word2<TAB>score' "
                                  "lines ('#' comments).")
    w.add_argument("vectors", metavar="VECTORS")
    w.add_argument("pairs", metavar="PAIRS")
    _format_args(w)
    w.set_defaults(func=run_pairs)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def _format_args(p) -> None:
    p.add_argument("--binary", action="store_true", help="the vectors are in the binary format")
    p.add_argument("--no-header", action="store_true", help="GloVe's text format without the 'count size' line")


def _load(args):
    from ..keyedvectors import KeyedVectors
    return KeyedVectors.load_word2vec_format(args.vectors, binary=args.binary, no_header=args.no_header)


def run_train(args) -> int:
    from ..word2vec import Word2Vec
    paths = [Path(p) for p in input_paths(args.files, "seqfast embed train")]  # Path objects: files, not lines
    if Path("-") in paths:
        raise ValueError("word2vec reads its corpus once per epoch and standard input cannot be re-read: "
                         "save the text to a file first")
    for path in paths:
        if not os.path.isfile(path):
            raise FileNotFoundError(f"{path}: no such file")
    m = Word2Vec(vector_size=args.size, window=args.window, min_count=args.min_count, sg=0 if args.cbow else 1,
                 negative=args.negative, hs=int(args.hs), sample=args.sample, alpha=args.alpha, epochs=args.epochs,
                 workers=args.threads, seed=args.seed, level=args.level, lower=args.lower, errors=args.errors,
                 compute_loss=args.loss)
    m.build_vocab(paths)
    print(f"vocabulary: {len(m.wv):,} words with count >= {args.min_count} "
          f"({m.corpus_total_words:,} of {m.corpus_raw_words:,} tokens per epoch)", file=sys.stderr)
    r = m.train(paths, progress=not args.quiet)
    m.wv.save_word2vec_format(args.out, binary=args.binary)
    if args.save_model:
        m.save(args.save_model)
    loss = f"; mean loss {r['loss'] / max(r['examples'], 1):.4f}" if args.loss else ""
    print(f"trained {r['words']:,} words in {r['seconds']:.1f} s ({r['words'] / max(r['seconds'], 1e-9):,.0f} "
          f"words/s{loss}); wrote {len(m.wv):,} vectors of size {args.size} to {args.out}", file=sys.stderr)
    return 0


def run_similar(args) -> int:
    kv = _load(args)
    if args.word not in kv:
        raise KeyError(f"{args.word!r} is not in {args.vectors} ({len(kv):,} words)")
    for w, s in kv.most_similar(args.word, topn=args.n):
        print(f"{w}\t{s:.4f}")
    return 0


def run_analogy(args) -> int:
    kv = _load(args)
    acc, sections = kv.evaluate_word_analogies(args.questions, restrict_vocab=args.restrict)
    for s in sections:
        n = len(s["correct"]) + len(s["incorrect"])
        if n:
            print(f"{s['section']}\t{len(s['correct'])}/{n}\t{len(s['correct']) / n:.4f}")
    return 0


def run_pairs(args) -> int:
    kv = _load(args)
    (r, _), (rho, p), oov = kv.evaluate_word_pairs(args.pairs)
    print(f"spearman\t{rho:.4f}\npearson\t{r:.4f}\noov_percent\t{oov:.1f}")
    return 0
