"""seqfast rnn: train an RNN language model on a text (seqfast.nn.train), generate text from a saved model,
measure its perplexity on a file (seqfast.nn.evaluate_file), or show the vanishing gradient
(seqfast.nn.diagnostics).

    seqfast rnn train [FILE] --level char --hidden 256 --steps 35 --batch 32 --max-seconds 60 --save m.npz
    seqfast rnn generate m.npz --prefix "the time traveller" -n 200 --temperature 0.8
    seqfast rnn eval m.npz FILE
    seqfast rnn diagnose --cells rnn,lstm,gru --plot grad.png
"""
from __future__ import annotations

import math
import sys
import time

from ..nn.optim import DEFAULT_LR, DEFAULT_OPTIMIZER
from ..nn.recipe import TrainConfig
from ._common import (CELL_NAMES, add_input_args, count_int, fraction, input_paths, nonneg_float,
                      positive_float, positive_int, read_inputs, report,
                      write_to)

_D = TrainConfig()


def register(sub) -> None:
    p = sub.add_parser("rnn", help="train an RNN language model, generate text from it, or evaluate it",
                       description="Recurrent language models with C/OpenMP kernels: 'train' one on a text, "
                                   "'generate' text from a saved model, 'eval' a saved model's perplexity on "
                                   "a file, 'diagnose' how far back the gradient reaches.")
    rs = p.add_subparsers(dest="rnn_command", metavar="ACTION", title="actions")

    t = rs.add_parser("train", help="train a model on a text and optionally save it",
                      description="Train by truncated backpropagation through time (windows of --steps tokens; "
                                  "the hidden state is carried from one window to the next but gradients stop "
                                  "at the window's start) with the gradient clipped to global norm --clip. The "
                                  "last --valid-frac of the tokens is held out for validation perplexity. The "
                                  "report goes to standard error; the sample to standard output.")
    add_input_args(t)
    t.add_argument("--level", choices=("char", "word", "whitespace"), default=_D.level,
                   help="token unit (default: char)")
    t.add_argument("--no-lower", dest="lower", action="store_false", help="keep case (default: lower-case)")
    t.add_argument("--min-freq", type=positive_int, default=_D.min_freq,
                   help="word level: rarer words become <unk> (default 1)")
    t.add_argument("--hidden", type=positive_int, default=_D.hidden, help="hidden size H (default 256)")
    t.add_argument("--embedding", type=positive_int, default=None,
                   help="embedding size E (default: none, the course's one-hot input)")
    t.add_argument("--layers", type=positive_int, default=_D.layers, help="stacked recurrent layers (default 1)")
    t.add_argument("--cell", choices=tuple(CELL_NAMES), default="rnn",
                   help="recurrent cell: rnn (vanilla, --nonlinearity; default), lstm or gru")
    t.add_argument("--dropout", type=fraction, default=_D.dropout,
                   help="dropout between stacked layers during training (default 0; needs --layers >= 2)")
    t.add_argument("--nonlinearity", choices=("tanh", "relu"), default="tanh", help="vanilla RNN activation")
    t.add_argument("--steps", type=positive_int, default=_D.steps,
                   help="BPTT window num_steps T: gradients flow back at most this many steps (default 35)")
    t.add_argument("--batch", type=positive_int, default=_D.batch, help="batch size B (default 32)")
    t.add_argument("--optimizer", choices=("sgd", "adagrad", "adam"), default=DEFAULT_OPTIMIZER,
                   help=f"optimizer (default {DEFAULT_OPTIMIZER}, as seqfast.Trainer)")
    t.add_argument("--lr", type=positive_float, default=None,
                   help="learning rate (default, as seqfast.Trainer: "
                        + ", ".join(f"{v:g} {k}" for k, v in DEFAULT_LR.items()) + ")")
    t.add_argument("--momentum", type=nonneg_float, default=_D.momentum, help="SGD momentum (default 0)")
    t.add_argument("--clip", type=nonneg_float, default=_D.clip,
                   help="rescale the gradient to this global norm when larger, so one steep step cannot "
                        "blow the weights up (0: off; default 1)")
    t.add_argument("--mode", choices=("sequential", "random"), default=_D.mode,
                   help="batching: sequential carries the hidden state between windows (default)")
    g = t.add_mutually_exclusive_group()
    g.add_argument("--epochs", type=positive_int, default=None, help="passes over the training tokens")
    g.add_argument("--max-seconds", type=nonneg_float, default=None,
                   help="train for this many seconds (default 30 when neither --epochs nor --max-seconds is given)")
    t.add_argument("--valid-frac", type=fraction, default=_D.valid_frac, help="fraction of tokens held out "
                                                                               "(default 0.1)")
    t.add_argument("--dtype", choices=("float32", "float64"), default=_D.dtype)
    t.add_argument("--threads", type=positive_int, default=None, help="OpenMP threads (default: all cores)")
    t.add_argument("--seed", type=int, default=_D.seed, help="seed of initialisation and batching (default 0)")
    t.add_argument("--save", metavar="MODEL.npz", help="save the trained model (with its vocabulary and "
                                                       "tokenization) here; '-' writes standard output")
    t.add_argument("--plot", metavar="CURVE.png", help="plot perplexity per epoch to a PNG (needs matplotlib)")
    t.add_argument("--sample", type=count_int, default=200,
                   help="print a sample of this many tokens at the end, continuing the first tokens of the "
                        "training text (0: none)")
    t.add_argument("--quiet", action="store_true", help="no progress display")
    t.set_defaults(func=run_train)

    gen = rs.add_parser("generate", help="sample text from a saved model",
                        description="Continue a prefix with tokens sampled from a saved model.")
    gen.add_argument("model", metavar="MODEL", help="a model saved by 'seqfast rnn train --save'")
    gen.add_argument("--prefix", default="the time traveller", help="text to continue (default: %(default)r)")
    gen.add_argument("-n", "--num-tokens", type=count_int, default=200, help="tokens to generate (default 200)")
    gen.add_argument("--temperature", type=nonneg_float, default=0.8,
                     help="sampling temperature, 0 = greedy (default 0.8)")
    gen.add_argument("--top-k", type=positive_int, default=None, help="sample among the k most likely tokens only")
    gen.add_argument("--seed", type=int, default=None, help="random seed")
    gen.set_defaults(func=run_generate)

    ev = rs.add_parser("eval", help="perplexity of a saved model on a text",
                       description="Perplexity (and cross-entropy in nats per token) of a saved model on FILE, "
                                   "tokenized as the model was trained; the file is read in chunks, so its "
                                   "size does not matter.")
    ev.add_argument("model", metavar="MODEL", help="a model saved by 'seqfast rnn train --save'")
    add_input_args(ev, many=False)
    ev.add_argument("--batch", type=positive_int, default=32, help="parallel streams (default 32)")
    ev.add_argument("--steps", type=positive_int, default=35, help="window length (default 35)")
    ev.set_defaults(func=run_eval)

    d = rs.add_parser("diagnose", help="show how far back through time the gradient reaches, per cell",
                      description="The course's vanishing-gradient picture from real runs: for each cell (same "
                                  "text, sizes and seed), the norm of dL/dh_t of the loss at the last step of "
                                  "a window, for every step t, before and after a short training run. "
                                  "Printed as a table and, with --plot, drawn (needs matplotlib).")
    add_input_args(d)
    d.add_argument("--cells", default="rnn,lstm,gru", type=cell_list,
                   help="comma-separated cells among rnn (= rnn_tanh), rnn_relu, lstm, gru (default: rnn,lstm,gru)")
    d.add_argument("--level", choices=("char", "word"), default="char", help="token unit (default: char)")
    d.add_argument("--hidden", type=positive_int, default=64, help="hidden size H (default 64)")
    d.add_argument("--layers", type=positive_int, default=1, help="stacked recurrent layers (default 1)")
    d.add_argument("--window", type=positive_int, default=100,
                   help="time steps T of the measured window (default 100)")
    d.add_argument("--batch", type=positive_int, default=16, help="batch size B (default 16)")
    d.add_argument("--train-steps", type=count_int, default=300,
                   help="training steps before the second measurement (default 300; 0: untrained only)")
    d.add_argument("--train-window", type=positive_int, default=35,
                   help="BPTT window of the training steps (default 35; the measured window is --window)")
    d.add_argument("--lr", type=positive_float, default=0.005, help="Adam learning rate (default 0.005)")
    d.add_argument("--threads", type=positive_int, default=None, help="OpenMP threads (default: all cores)")
    d.add_argument("--seed", type=int, default=0, help="seed of initialisation and batching (default 0)")
    d.add_argument("--plot", metavar="GRAD.png", help="draw the curves to a PNG (log scale; needs matplotlib)")
    d.set_defaults(func=run_diagnose)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def cell_list(spec: str) -> list[str]:
    """An argparse type: comma-separated CLI cell names -> registry names."""
    import argparse
    names = [c.strip() for c in spec.split(",") if c.strip()]
    bad = [c for c in names if c not in CELL_NAMES]
    if not names or bad:
        raise argparse.ArgumentTypeError(f"unknown cell(s) {', '.join(bad) or repr(spec)}; choose among "
                                         f"{', '.join(CELL_NAMES)}")
    return [CELL_NAMES[c] for c in names]


def run_train(args) -> int:
    from ..nn.recipe import train
    from ..text import join_tokens

    say = report
    text = read_inputs(args.files, args.errors, "seqfast rnn train")
    cell = CELL_NAMES[args.cell] if args.cell != "rnn" else f"rnn_{args.nonlinearity}"
    cfg = TrainConfig(level=args.level, lower=args.lower, min_freq=args.min_freq, hidden=args.hidden,
                      embedding=args.embedding, layers=args.layers, cell=cell, dropout=args.dropout,
                      dtype=args.dtype, steps=args.steps, batch=args.batch, optimizer=args.optimizer, lr=args.lr,
                      momentum=args.momentum, clip=args.clip, mode=args.mode, epochs=args.epochs,
                      max_seconds=args.max_seconds, valid_frac=args.valid_frac, threads=args.threads,
                      seed=args.seed)
    t0 = time.perf_counter()
    r = train(text, cfg, progress=not args.quiet)
    dt = time.perf_counter() - t0
    model, vocab, hist = r.model, r.vocab, r.history
    say(f"{model!r}")
    if hist["epoch"]:
        v = hist["valid_ppl"][-1]
        say(f"trained {sum(hist['steps'])} steps ({hist['epoch'][-1]} epochs) in {dt:.1f} s: "
            f"train perplexity {hist['train_ppl'][-1]:.3f}" + (f", valid perplexity {v:.3f}" if v else "")
            + f", {sum(hist['tokens_per_s']) / len(hist['tokens_per_s']):,.0f} tokens/s")
    if args.save:
        write_to(args.save, model.save)
        say(f"saved the model to {'standard output' if args.save == '-' else args.save}")
    if args.plot:
        hist.plot(args.plot)
        say(f"saved the perplexity curve to {args.plot}")
    if args.sample:
        tok = cfg.tokenizer
        k = 20 if tok.level == "char" else 3
        pids = r.train_ids[:k]  # the prefix: the first tokens of the training text
        out = model.generate(pids, args.sample, temperature=0.8, seed=args.seed)
        sep = "" if tok.level == "char" else " "
        text_out = join_tokens(vocab.decode(pids), tok) + sep + join_tokens(vocab.decode(out), tok)
        if args.save == "-":
            say("sample: " + text_out)
        else:
            print("sample:", text_out)
    return 0


def run_generate(args) -> int:
    from ..nn import RNNLM
    from ..nn.recipe import tokenizer_of, vocab_of
    from ..text import encode_text, join_tokens

    model = RNNLM.load(args.model)
    vocab, tok = vocab_of(model), tokenizer_of(model)
    _, pids = encode_text(args.prefix, tok, vocab)
    if len(pids) == 0:
        raise ValueError("--prefix has no tokens; give at least one character or word")
    out = model.generate(pids, args.num_tokens, temperature=args.temperature, top_k=args.top_k, seed=args.seed)
    sep = "" if tok.level == "char" else " "
    sys.stdout.write(join_tokens(vocab.decode(pids), tok) + sep + join_tokens(vocab.decode(out), tok) + "\n")
    return 0


def run_eval(args) -> int:
    from ..nn import RNNLM
    from ..nn.recipe import evaluate_file

    model = RNNLM.load(args.model)
    (path,) = input_paths(args.files, "seqfast rnn eval")
    t0 = time.perf_counter()
    r = evaluate_file(model, path, batch_size=args.batch, num_steps=args.steps, errors=args.errors)
    dt = time.perf_counter() - t0
    print(f"{r['tokens']:,} tokens ({r['unknown']:,} unknown), perplexity {r['perplexity']:.4f}, cross-entropy "
          f"{math.log(r['perplexity']):.4f} nats/token  [{dt:.2f} s]")
    return 0


def run_diagnose(args) -> int:
    from ..nn.diagnostics import decades_per_10_steps, plot_curves, vanishing_gradient_curves
    from ..text import Tokenizer, encode_text

    text = read_inputs(args.files, args.errors, "seqfast rnn diagnose")
    vocab, ids = encode_text(text, Tokenizer(args.level, True))
    t0 = time.perf_counter()
    curves = vanishing_gradient_curves(ids, len(vocab), args.cells, args.hidden, args.layers, args.window,
                                       args.batch, args.train_steps, train_window=args.train_window, lr=args.lr,
                                       seed=args.seed,
                                       n_threads=args.threads)
    dt = time.perf_counter() - t0
    T = args.window
    print(f"|dL/dh_t| of the loss at the last of T={T} steps, mean over B={args.batch} sequences; H={args.hidden}, "
          f"{args.layers} layer(s), {len(vocab)} {args.level} types, one-hot input  [{dt:.1f} s]")
    backs = sorted({b for b in (0, 1, 2, 5, 10, 20, 30, 50, 75, 99, 150, 199, T - 1) if b < T})
    label = "orders of magnitude lost per 10 steps"
    for key, what in (("initial", "untrained"), ("trained", f"after {args.train_steps} training steps")):
        if key == "trained" and args.train_steps == 0:
            continue
        print()
        print(f"{what}:")
        print(f"{'steps back':>38} " + " ".join(f"{c:>12}" for c in curves))
        for b in backs:
            print(f"{b:>38} " + " ".join(f"{curves[c][key][T - 1 - b]:>12.3e}" for c in curves))
        rates = [decades_per_10_steps(curves[c][key]) for c in curves]
        print(f"{label:>38} " + " ".join(f"{r:>12.2f}" for r in rates))
    if args.train_steps:
        print()
        print("training loss (mean of the last 10 steps, nats): "
              + ", ".join(f"{c} {curves[c]['train_loss']:.3f}" for c in curves))
    if args.plot:
        plot_curves(curves, args.plot, f"dL/dh_t through time: {', '.join(curves)} (H={args.hidden}, T={T})")
        report(f"saved the plot to {args.plot}")
    return 0
