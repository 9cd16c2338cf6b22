"""seqfast tag: train a recurrent sequence tagger (part of speech, named entities), score it on tagged sentences,
or tag new text (seqfast.nn.tasks).

    seqfast tag train brown/c[a-r]?? --save pos.npz --max-seconds 600
    seqfast tag train train.conll --valid dev.conll --save ner.npz
    seqfast tag eval pos.npz test.conll
    echo "The jury said it did not ." | seqfast tag predict pos.npz
"""
from __future__ import annotations

import sys

from ._common import add_errors_arg, add_task_commands, input_paths, line_chunks, load_task_model, positive_int, \
    task_config, train_and_save

DATA_HELP = ("tagged sentences: files (or directories) in CoNLL columns ('token ... tag' per line, a blank line "
             "between sentences) or word/tag tokens (a sentence per line, as the Brown corpus); '-' is standard "
             "input")
TEXTS = {
    "help": "sequence tagging: train an RNN tagger (POS, NER), evaluate it, tag text",
    "description": "One tag per token (part of speech, named entities) from word embeddings, a character CNN over "
                   "each word's spelling (so unknown words are tagged from their form), a bidirectional recurrent "
                   "encoder (C/OpenMP kernels) and a linear output per token. 'train' a model, 'eval' it on "
                   "tagged sentences (token accuracy, on known and unknown words, per tag), 'predict' tags.",
    "train": ("train a tagger on tagged sentences and save it",
              "Train on " + DATA_HELP + ". The held-out sentences (--valid, or --valid-frac of the training "
              "sentences drawn with --seed) are scored after every epoch; with --patience training stops when "
              "their token accuracy stops improving and the best epoch is kept. Progress and the report go to "
              "standard error."),
    "eval": ("token accuracy (known / unknown words, per tag) of a saved tagger",
             "Score a saved tagger on " + DATA_HELP + ": token accuracy overall, on words of its vocabulary and "
             "on the others, macro-F1 over tags, the accuracy of each tag and the confusion matrix of the most "
             "frequent tags."),
    "predict": ("tag text: one sentence per line, tokens separated by spaces",
                "Read sentences from FILE (default: standard input), one per line with tokens separated by "
                "whitespace, and write them tagged to standard output: 'word/tag' tokens on the same line "
                "(default), or CoNLL columns with --columns. Read and tagged in batches, so the input can be a "
                "pipe of any length."),
}


def register(sub) -> None:
    _, ev, pr = add_task_commands(sub, "tag", "sentences", DATA_HELP, _format_args,
                                  (run_train, run_eval, run_predict), TEXTS)
    ev.add_argument("--top", type=positive_int, default=20,
                    help="show the per-tag accuracy and confusion of this many most frequent tags (default 20)")
    pr.add_argument("--columns", action="store_true",
                    help="write 'token<TAB>tag' lines with a blank line after each sentence")


def _format_args(p) -> None:
    p.add_argument("--format", choices=("auto", "columns", "slash"), default="auto",
                   help="layout of DATA: columns (CoNLL), slash (word/tag) or auto (decided per file; default)")
    p.add_argument("--column", type=int, default=-1,
                   help="columns format: the field holding the tag (0-based; default -1, the last)")
    add_errors_arg(p)


def _read(files: list[str], args, command: str):
    import os
    from pathlib import Path

    from ..data import TaggedData
    paths = [f if os.path.isdir(f) else input_paths([f], command)[0] for f in files]
    source = paths[0] if len(paths) == 1 else [Path(f) for f in paths]
    return TaggedData.read(source, args.format, args.column, args.errors)


def run_train(args) -> int:
    from ..nn.tasks import train_tagger

    return train_and_save(args, train_tagger, task_config(args, "tag"),
                          lambda files: _read(files, args, "seqfast tag train"))


def _load(path: str):
    from ..nn.seqmodels import RNNTagger
    return load_task_model(RNNTagger, path, "tag")


def run_eval(args) -> int:
    from ..metrics import format_confusion
    from ..nn.tasks import evaluate_tagger

    model = _load(args.model)
    data = _read(args.data, args, "seqfast tag eval")
    r = evaluate_tagger(model, data, batch_size=args.batch)
    known, unknown = r["known_accuracy"], r["unknown_accuracy"]
    print(f"{r['sentences']:,} sentences, {r['tokens']:,} tokens: token accuracy {r['token_accuracy']:.4f}; "
          f"known words {'-' if known is None else f'{known:.4f}'}, unknown words "
          f"{'-' if unknown is None else f'{unknown:.4f}'} ({r['unknown_tokens']:,} tokens); macro-F1 "
          f"{r['macro_f1']:.4f}")
    if r["unseen_tag_tokens"]:
        print(f"({r['unseen_tag_tokens']:,} tokens carry tags the model never saw in training: counted as errors, "
              f"as the tag {r['labels'][-1]!r})")
    top = sorted(r["per_tag"].items(), key=lambda kv: -kv[1][1])[:args.top]
    print(f"\nper-tag accuracy (the {len(top)} most frequent of {len(r['per_tag'])} tags in the data):")
    print(f"{'tag':<12}{'accuracy':>10}{'support':>10}")
    for tag, (acc, n) in top:
        print(f"{tag:<12}{acc:>10.4f}{n:>10}")
    print()
    print(format_confusion(r["confusion"], r["labels"], max_labels=args.top))
    return 0


def run_predict(args) -> int:
    from ..nn.tasks import predict_tagger
    from ..text import Tokenizer

    model = _load(args.model)
    split = Tokenizer("whitespace")
    out = sys.stdout
    for chunk in line_chunks(input_paths([args.file], "seqfast tag predict")[0], args.errors, args.batch):
        sents = [split(line) for line in chunk]
        for words, tags in zip(sents, predict_tagger(model, sents, args.batch)):
            if args.columns:
                out.write("".join(f"{w}\t{t}\n" for w, t in zip(words, tags)) + "\n")
            else:
                out.write(" ".join(f"{w}/{t}" for w, t in zip(words, tags)) + "\n")
        out.flush()
    return 0
