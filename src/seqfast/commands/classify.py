"""seqfast classify: train a recurrent text classifier (sentiment, topic, spam), score it on labeled data, or
label new texts (seqfast.nn.tasks).

    seqfast classify train rt-polarity.pos rt-polarity.neg --save sent.npz --epochs 5
    seqfast classify train train.tsv --valid dev.tsv --cell gru --bidirectional --save m.npz
    seqfast classify eval sent.npz test.tsv
    cat reviews.txt | seqfast classify predict sent.npz > labels.txt
"""
from __future__ import annotations

import sys

from ._common import add_errors_arg, add_task_commands, input_paths, line_chunks, load_task_model, task_config, \
    train_and_save

DATA_HELP = ("labeled data: ONE file of 'label<TAB>text' lines ('-': standard input), or SEVERAL files (or a "
             "directory) with one class per file and one text per line; labels come from the names "
             "(rt-polarity.pos, rt-polarity.neg -> pos, neg; spam.txt, ham.txt -> spam, ham)")
TEXTS = {
    "help": "text classification: train an RNN classifier, evaluate it, label texts",
    "description": "One label per text (sentiment, topic, spam) from an embedding, a recurrent encoder (C/OpenMP "
                   "kernels, optionally bidirectional) and a pooled linear output. 'train' a model, 'eval' it on "
                   "labeled data (accuracy, macro-F1, confusion matrix), 'predict' the label of each line of a "
                   "text.",
    "train": ("train a classifier on labeled data and save it",
              "Train on labeled data (" + DATA_HELP + "). The held-out data (--valid, or --valid-frac of the "
              "training data, stratified and drawn with --seed) is scored after every epoch; with --patience "
              "training stops when its accuracy stops improving and the best epoch is kept. Progress and the "
              "report go to standard error."),
    "eval": ("accuracy, macro-F1 and the confusion matrix of a saved classifier",
             "Score a saved classifier on labeled data (" + DATA_HELP + "): accuracy, macro-F1 (every class "
             "counts the same) and the confusion matrix with per-class precision, recall and F1."),
    "predict": ("the label of each line of a text",
                "Read texts, one per line, from FILE (default: standard input) and write one label per line to "
                "standard output (a blank line stays blank). The input is read and labeled in batches, so it "
                "can be a pipe of any length."),
}


def register(sub) -> None:
    _, _, pr = add_task_commands(sub, "classify", "texts", DATA_HELP, add_errors_arg,
                                 (run_train, run_eval, run_predict), TEXTS)
    pr.add_argument("--with-text", action="store_true",
                    help="write 'label<TAB>text' (the training format) instead of the label alone")


def _read(data: list[str], args, command: str, tokenizer):
    """The ClassificationData of DATA arguments: one file (label<TAB>text) or several files / a directory (one
    class per file)."""
    import os
    from pathlib import Path

    from ..data import ClassificationData
    if len(data) == 1:
        source = data[0] if data[0] == "-" or os.path.isdir(data[0]) else input_paths(data, command)[0]
    else:
        source = [Path(p) for p in input_paths(data, command)]
    return ClassificationData.read(source, tokenizer, args.errors)


def run_train(args) -> int:
    from ..nn.tasks import train_classifier

    cfg = task_config(args, "classify")
    return train_and_save(args, train_classifier, cfg,
                          lambda files: _read(files, args, "seqfast classify train", cfg.tokenizer))


def _load(path: str):
    from ..nn.seqmodels import RNNClassifier
    return load_task_model(RNNClassifier, path, "classify")


def run_eval(args) -> int:
    from ..metrics import format_confusion
    from ..nn.recipe import tokenizer_of
    from ..nn.tasks import evaluate_classifier

    model = _load(args.model)
    data = _read(args.data, args, "seqfast classify eval", tokenizer_of(model))
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
