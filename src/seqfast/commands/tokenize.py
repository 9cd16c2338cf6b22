"""seqfast tokenize: print the tokens (or ids) of a text (seqfast.Tokenizer, seqfast.Vocab)."""
from __future__ import annotations

import sys

from ._common import add_input_args, positive_int, read_inputs, report


def register(sub) -> None:
    p = sub.add_parser("tokenize", help="split text into word or char tokens and print them (or their ids)",
                       description="Tokenize text (words with the default regex, characters, whitespace-separated "
                                   "runs as KenLM reads them, or the matches of a regex of yours) and print one "
                                   "token per line, or their vocabulary ids.")
    add_input_args(p)
    p.add_argument("--level", choices=("word", "char", "whitespace"), default="word", help="token unit (default: word)")
    p.add_argument("--pattern", help="a regular expression whose matches are the tokens (overrides --level)")
    p.add_argument("--lower", action="store_true", help="lower-case the text first")
    p.add_argument("--ids", action="store_true", help="print vocabulary ids (by descending frequency) instead of tokens")
    p.add_argument("--vocab-out", metavar="PATH", help="also save the vocabulary as JSON to PATH")
    p.add_argument("--min-freq", type=positive_int, default=1,
                   help="with --ids/--vocab-out: rarer tokens become <unk>")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..text import Tokenizer, Vocab

    tok = Tokenizer("regex" if args.pattern is not None else args.level, args.lower, args.pattern)
    toks = tok(read_inputs(args.files, args.errors, "seqfast tokenize"))
    out = sys.stdout
    if args.ids or args.vocab_out:
        vocab = Vocab(toks, min_freq=args.min_freq)
        if args.vocab_out:
            vocab.save(args.vocab_out)
            report(f"saved a vocabulary of {len(vocab)} tokens to {args.vocab_out}")
        if args.ids:
            out.write(" ".join(map(str, vocab.encode(toks).tolist())) + "\n")
            return 0
    for t in toks:
        out.write(repr(t)[1:-1] + "\n" if tok.level == "char" else t + "\n")
    return 0
