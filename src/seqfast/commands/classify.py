"""seqfast classify: train a recurrent text classifier (sentiment, topic, spam), score it on labeled data, or
label new texts (seqfast.nn.tasks).

    seqfast classify train rt-polarity.pos rt-polarity.neg --save sent.npz --epochs 5
    seqfast classify train train.tsv --valid dev.tsv --cell gru --bidirectional --save m.npz
    seqfast classify eval sent.npz test.tsv
    cat reviews.txt | seqfast classify predict sent.npz > labels.txt
"""
from __future__ import annotations

import sys

from ._common import (add_errors_arg, add_predict_args, add_task_train_args, input_paths, line_chunks, positive_int,
                      task_config, train_and_save)

DATA_HELP = ("labeled data: ONE file of 'label<TAB>text' lines ('-': standard input), or SEVERAL files (or a "
             "directory) with one class per file and one text per line; labels come from the names "
             "(rt-polarity.pos, rt-polarity.neg -> pos, neg; spam.txt, ham.txt -> spam, ham)")


def register(sub) -> None:
    p = sub.add_parser("classify", help="text classification: train an RNN classifier, evaluate it, label texts",
                       description="One label per text (sentiment, topic, spam) from an embedding, a recurrent "
                                   "encoder (C/OpenMP kernels, optionally bidirectional) and a pooled linear "
                                   "output. 'train' a model, 'eval' it on labeled data (accuracy, macro-F1, "
                                   "confusion matrix), 'predict' the label of each line of a text.")
    cs = p.add_subparsers(dest="classify_command", metavar="ACTION", title="actions")

    t = cs.add_parser("train", help="train a classifier on labeled data and save it",
                      description="Train on labeled data (" + DATA_HELP + "). The held-out data (--valid, or "
                                  "--valid-frac of the training data, stratified and drawn with --seed) is scored "
                                  "after every epoch; with --patience training stops when its accuracy stops "
                                  "improving and the best epoch is kept. Progress and the report go to standard "
                                  "error.")
    t.add_argument("data", nargs="+", metavar="DATA", help=DATA_HELP)
    add_errors_arg(t)
    add_task_train_args(t, "classify")
    t.set_defaults(func=run_train)

    ev = cs.add_parser("eval", help="accuracy, macro-F1 and the confusion matrix of a saved classifier",
                       description="Score a saved classifier on labeled data (" + DATA_HELP + "): accuracy, "
                                   "macro-F1 (every class counts the same) and the confusion matrix with "
                                   "per-class precision, recall and F1.")
    ev.add_argument("model", metavar="MODEL", help="a model saved by 'seqfast classify train --save'")
    ev.add_argument("data", nargs="+", metavar="DATA", help=DATA_HELP)
    add_errors_arg(ev)
    ev.add_argument("--batch", type=positive_int, default=256, help="texts per batch (default 256)")
    ev.set_defaults(func=run_eval)

    pr = cs.add_parser("predict", help="the label of each line of a text",
                       description="Read texts, one per line, from FILE (default: standard input) and write one "
                                   "label per line to standard output (a blank line stays blank). The input is "
                                   "read and labeled in batches, so it can be a pipe of any length.")
    add_predict_args(pr, "classify", "texts")
    pr.add_argument("--with-text", action="store_true",
                    help="write 'label<TAB>text' (the training format) instead of the label alone")
    pr.set_defaults(func=run_predict)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def _source(data: list[str], command: str):
    """A reader source for DATA arguments: one file (label<TAB>text) or several files / a directory (one class
    per file)."""
    import os
    from pathlib import Path
    if len(data) == 1:
        return data[0] if data[0] == "-" or os.path.isdir(data[0]) else input_paths(data, command)[0]
    return [Path(p) for p in input_paths(data, command)]


def run_train(args) -> int:
    from ..data import ClassificationData
    from ..nn.tasks import train_classifier

    cfg = task_config(args, "classify")
    data = ClassificationData.read(_source(args.data, "seqfast classify train"), cfg.tokenizer, args.errors)
    valid = None
    if args.valid:
        valid = ClassificationData.read(_source(args.valid, "seqfast classify train"), cfg.tokenizer, args.errors)
    return train_and_save(args, train_classifier, cfg, data, valid)


def _load(path: str):
    from ..nn.seqmodels import RNNClassifier
    return RNNClassifier.load(input_paths([path], "seqfast classify")[0])


def run_eval(args) -> int:
    from ..data import ClassificationData
    from ..metrics import format_confusion
    from ..nn.recipe import tokenizer_of
    from ..nn.tasks import evaluate_classifier

    model = _load(args.model)
    data = ClassificationData.read(_source(args.data, "seqfast classify eval"), tokenizer_of(model), args.errors)
    r = evaluate_classifier(model, data, batch_size=args.batch)
    print(f"{r['n']:,} texts, {r['tokens']:,} tokens ({r['unknown_tokens']:,} unknown): accuracy "
          f"{r['accuracy']:.4f}, macro-F1 {r['macro_f1']:.4f}")
    print(format_confusion(r["confusion"], r["labels"]))
    return 0


def run_predict(args) -> int:
    from ..nn.tasks import predict_classifier

    model = _load(args.model)
    out = sys.stdout
    for chunk in line_chunks(input_paths([args.file], "seqfast classify predict")[0], args.errors, args.batch):
        keep = [j for j, line in enumerate(chunk) if line.strip()]
        labels = dict(zip(keep, predict_classifier(model, [chunk[j] for j in keep], args.batch)))
        for j, line in enumerate(chunk):
            label = labels.get(j, "")
            out.write((f"{label}\t{line}" if args.with_text and label else label) + "\n")
        out.flush()
    return 0
