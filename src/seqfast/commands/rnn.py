"""seqfast rnn: train an RNN language model on a text (the bundled corpus by default), generate text from
a saved model, or measure its perplexity on a file.

    seqfast rnn train [FILE] --level char --hidden 256 --steps 35 --batch 32 --max-seconds 60 --save m.npz
    seqfast rnn generate m.npz --prefix "the time traveller" -n 200 --temperature 0.8
    seqfast rnn eval m.npz FILE
    seqfast rnn train --cell lstm --layers 2 --dropout 0.2      (issue 6: lstm / gru cells)
    seqfast rnn diagnose --cells rnn,lstm,gru --plot grad.png  (the vanishing gradient, see rnn_diagnose.py)
"""
from __future__ import annotations

import math
import sys
import time

from ._common import add_input_args, read_inputs


def register(sub) -> None:
    p = sub.add_parser("rnn", help="train an RNN language model, generate text from it, or evaluate it",
                       description="Recurrent language models with C/OpenMP kernels: 'train' one on a text "
                                   "(default: the bundled corpus), 'generate' text from a saved model, "
                                   "'eval' a saved model's perplexity on a file.")
    rs = p.add_subparsers(dest="rnn_command", metavar="ACTION", title="actions")

    t = rs.add_parser("train", help="train a model on a text and optionally save it",
                      description="Train by truncated BPTT with gradient clipping. The last --valid-frac of "
                                  "the tokens is held out for validation perplexity.")
    add_input_args(t)
    t.add_argument("--level", choices=("char", "word"), default="char", help="token unit (default: char)")
    t.add_argument("--no-lower", dest="lower", action="store_false", help="keep case (default: lower-case)")
    t.add_argument("--min-freq", type=int, default=1, help="word level: rarer words become <unk> (default 1)")
    t.add_argument("--hidden", type=int, default=256, help="hidden size H (default 256)")
    t.add_argument("--embedding", type=int, default=None,
                   help="embedding size E (default: none, the course's one-hot input)")
    t.add_argument("--layers", type=int, default=1, help="stacked recurrent layers (default 1)")
    t.add_argument("--cell", choices=("rnn", "lstm", "gru", "rnn_tanh", "rnn_relu"), default="rnn",
                   help="recurrent cell: rnn (vanilla, --nonlinearity; default), lstm or gru")
    t.add_argument("--dropout", type=float, default=0.0,
                   help="dropout between stacked layers during training (default 0; needs --layers >= 2)")
    t.add_argument("--nonlinearity", choices=("tanh", "relu"), default="tanh", help="vanilla RNN activation")
    t.add_argument("--steps", type=int, default=35, help="BPTT window num_steps T (default 35)")
    t.add_argument("--batch", type=int, default=32, help="batch size B (default 32)")
    t.add_argument("--optimizer", choices=("sgd", "adagrad", "adam"), default="adam",
                   help="optimizer (default adam)")
    t.add_argument("--lr", type=float, default=None,
                   help="learning rate (default: 1.0 sgd, 0.01 adagrad, 0.003 adam)")
    t.add_argument("--momentum", type=float, default=0.0, help="SGD momentum (default 0)")
    t.add_argument("--clip", type=float, default=1.0, help="clip gradients to this global norm (0: off; default 1)")
    t.add_argument("--mode", choices=("sequential", "random"), default="sequential",
                   help="batching: sequential carries the hidden state between windows (default)")
    g = t.add_mutually_exclusive_group()
    g.add_argument("--epochs", type=int, default=None, help="passes over the training tokens")
    g.add_argument("--max-seconds", type=float, default=None, help="train for this many seconds (default 30 "
                   "when neither --epochs nor --max-seconds is given)")
    t.add_argument("--valid-frac", type=float, default=0.1, help="fraction of tokens held out (default 0.1)")
    t.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    t.add_argument("--threads", type=int, default=None, help="OpenMP threads (default: all cores)")
    t.add_argument("--seed", type=int, default=0, help="seed of initialisation and batching (default 0)")
    t.add_argument("--save", metavar="MODEL.npz", help="save the trained model (with its vocabulary) here")
    t.add_argument("--plot", metavar="CURVE.png", help="plot perplexity per epoch to a PNG (needs matplotlib)")
    t.add_argument("--sample", type=int, default=200, help="print a sample of this many tokens at the end (0: none)")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    t.set_defaults(func=run_train)

    gen = rs.add_parser("generate", help="sample text from a saved model",
                        description="Continue a prefix with tokens sampled from a saved model.")
    gen.add_argument("model", metavar="MODEL", help="a model saved by 'seqfast rnn train --save'")
    gen.add_argument("--prefix", default="the time traveller", help="text to continue (default: %(default)r)")
    gen.add_argument("-n", "--num-tokens", type=int, default=200, help="tokens to generate (default 200)")
    gen.add_argument("--temperature", type=float, default=0.8, help="sampling temperature, 0 = greedy (default 0.8)")
    gen.add_argument("--top-k", type=int, default=None, help="sample among the k most likely tokens only")
    gen.add_argument("--seed", type=int, default=None, help="random seed")
    gen.set_defaults(func=run_generate)

    ev = rs.add_parser("eval", help="perplexity of a saved model on a text",
                       description="Perplexity (and cross-entropy in nats per token) of a saved model on FILE.")
    ev.add_argument("model", metavar="MODEL", help="a model saved by 'seqfast rnn train --save'")
    add_input_args(ev, many=False)
    ev.add_argument("--batch", type=int, default=32, help="parallel streams (default 32)")
    ev.add_argument("--steps", type=int, default=35, help="window length (default 35)")
    ev.set_defaults(func=run_eval)
    from .rnn_diagnose import add_parser as add_diagnose
    add_diagnose(rs)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def encode_text(text: str, level: str, lower: bool, vocab=None, min_freq: int = 1):
    """(vocab, ids) of a text at char or word level; a given vocab maps unknown tokens to <unk>."""
    from ..text import Vocab, tokenize

    tokens = tokenize(text, level=level, lower=lower)
    if vocab is None:
        vocab = Vocab(tokens, min_freq=min_freq)
    return vocab, vocab.encode(tokens)


def _vocab_of(model):
    from ..text import Vocab

    meta = model.meta
    if "itos" not in meta:
        raise ValueError("the model file has no vocabulary (was it saved by 'seqfast rnn train'?)")
    return Vocab.from_tokens(meta["itos"], specials=meta.get("specials", ["<unk>"]))


def join_tokens(tokens, level: str) -> str:
    return "".join(tokens) if level == "char" else " ".join(tokens)


def train(text: str, level: str = "char", lower: bool = True, hidden: int = 256, embedding=None, layers: int = 1,
          cell=None, nonlinearity: str = "tanh", steps: int = 35, batch: int = 32, optimizer: str = "adam",
          lr=None, momentum: float = 0.0, clip: float = 1.0, mode: str = "sequential", epochs=None,
          max_seconds=None, valid_frac: float = 0.1, dtype: str = "float32", threads=None, seed: int = 0,
          min_freq: int = 1, progress: bool = True, dropout: float = 0.0):
    """Build a vocabulary, split train/valid, train; returns (model, vocab, history, valid_ids)."""
    from ..nn import RNNLM, Trainer

    if not 0 <= valid_frac < 1:
        raise ValueError(f"--valid-frac must be in [0, 1), got {valid_frac}")
    vocab, ids = encode_text(text, level, lower, min_freq=min_freq)
    n_valid = int(len(ids) * valid_frac)
    train_ids, valid_ids = (ids[:-n_valid], ids[-n_valid:]) if n_valid >= 2 else (ids, None)
    if cell == "rnn":  # the vanilla cell with --nonlinearity
        cell = None
    model = RNNLM(len(vocab), hidden, embedding_dim=embedding, nonlinearity=nonlinearity, dtype=dtype, seed=seed,
                  num_layers=layers, cell=cell, n_threads=threads, dropout=dropout)
    model.meta = {"level": level, "lower": lower, "itos": vocab.itos, "specials": list(vocab.specials)}
    if lr is None:
        lr = {"sgd": 1.0, "adagrad": 0.01, "adam": 0.003}[optimizer]
    trainer = Trainer(model, optimizer=optimizer, lr=lr, clip_norm=clip or None, momentum=momentum)
    if epochs is None and max_seconds is None:
        max_seconds = 30.0
    hist = trainer.fit(train_ids, batch_size=batch, num_steps=steps, epochs=epochs, mode=mode,
                       valid_ids=valid_ids, max_seconds=max_seconds, progress=progress, seed=seed)
    return model, vocab, hist, valid_ids


def _check_args(args, at_least: dict) -> None:
    """ValueError naming the first option below its minimum (options left at None are skipped)."""
    for name, lo in at_least.items():
        v = getattr(args, name.replace("-", "_"))
        if v is not None and not v >= lo:  # `not >=`: NaN fails too
            raise ValueError(f"--{name} must be >= {lo}, got {v}")


def run_train(args) -> int:
    _check_args(args, {"hidden": 1, "embedding": 1, "layers": 1, "steps": 1, "batch": 1, "epochs": 1,
                       "max-seconds": 0, "threads": 1, "sample": 0, "clip": 0})
    text = read_inputs(args.files, args.errors)
    t0 = time.perf_counter()
    model, vocab, hist, valid = train(
        text, args.level, args.lower, args.hidden, args.embedding, args.layers, args.cell, args.nonlinearity,
        args.steps, args.batch, args.optimizer, args.lr, args.momentum, args.clip, args.mode, args.epochs,
        args.max_seconds, args.valid_frac, args.dtype, args.threads, args.seed, args.min_freq, not args.quiet,
        dropout=args.dropout)
    dt = time.perf_counter() - t0
    print(f"{model!r}")
    if hist["epoch"]:
        v = hist["valid_ppl"][-1]
        print(f"trained {sum(hist['steps'])} steps ({hist['epoch'][-1]} epochs) in {dt:.1f} s: "
              f"train perplexity {hist['train_ppl'][-1]:.3f}" + (f", valid perplexity {v:.3f}" if v else "")
              + f", {sum(hist['tokens_per_s']) / len(hist['tokens_per_s']):,.0f} tokens/s")
    if args.save:
        model.save(args.save)
        print(f"saved the model to {args.save}")
    if args.plot:
        hist.plot(args.plot)
        print(f"saved the perplexity curve to {args.plot}")
    if args.sample:
        prefix = "the time traveller" if args.level == "char" else "the time"
        _, pids = encode_text(prefix if args.lower else prefix.title(), args.level, args.lower, vocab)
        out = model.generate(pids, args.sample, temperature=0.8, seed=args.seed)
        print("sample:", join_tokens(vocab.decode(pids), args.level) + ("" if args.level == "char" else " ")
              + join_tokens(vocab.decode(out), args.level))
    return 0


def run_generate(args) -> int:
    from ..nn import RNNLM

    _check_args(args, {"num-tokens": 0, "temperature": 0, "top-k": 1})
    model = RNNLM.load(args.model)
    vocab = _vocab_of(model)
    level = model.meta.get("level", "char")
    _, pids = encode_text(args.prefix, level, model.meta.get("lower", True), vocab)
    if len(pids) == 0:
        raise ValueError("--prefix has no tokens; give at least one character or word")
    out = model.generate(pids, args.num_tokens, temperature=args.temperature, top_k=args.top_k, seed=args.seed)
    sep = "" if level == "char" else " "
    sys.stdout.write(join_tokens(vocab.decode(pids), level) + sep + join_tokens(vocab.decode(out), level) + "\n")
    return 0


def run_eval(args) -> int:
    from ..nn import RNNLM

    _check_args(args, {"batch": 1, "steps": 1})
    model = RNNLM.load(args.model)
    vocab = _vocab_of(model)
    text = read_inputs(args.files, args.errors)
    _, ids = encode_text(text, model.meta.get("level", "char"), model.meta.get("lower", True), vocab)
    t0 = time.perf_counter()
    ppl = model.perplexity(ids, batch_size=args.batch, num_steps=args.steps)
    dt = time.perf_counter() - t0
    unk = int((ids == vocab.unk_id).sum()) if vocab.unk_id >= 0 else 0
    print(f"{len(ids):,} tokens ({unk:,} unknown), perplexity {ppl:.4f}, cross-entropy {math.log(ppl):.4f} "
          f"nats/token  [{dt:.2f} s]")
    return 0
