"""seqfast rnn diagnose: the vanishing-gradient picture from real runs (issue 6).

    seqfast rnn diagnose [FILE] --cells rnn,lstm,gru --window 100 --train-steps 300 --plot grad.png

For each cell, on the same text, sizes and seed: |dL/dh_t| of the loss at a window's last step, for every t,
before and after a short training run (seqfast.nn.diagnostics.vanishing_gradient_curves).
"""
from __future__ import annotations

import time

from ._common import add_input_args, read_inputs

#: CLI names of cells -> registry names
CELL_NAMES = {"rnn": "rnn_tanh", "rnn_tanh": "rnn_tanh", "rnn_relu": "rnn_relu", "lstm": "lstm", "gru": "gru"}


def add_parser(rs) -> None:
    d = rs.add_parser("diagnose", help="show how far back through time the gradient reaches, per cell",
                      description="The course's vanishing-gradient picture from real runs: for each cell (same "
                                  "text, sizes and seed), the norm of dL/dh_t of the loss at the last step of "
                                  "a window, for every step t, before and after a short training run. "
                                  "Printed as a table and, with --plot, drawn (needs matplotlib).")
    add_input_args(d)
    d.add_argument("--cells", default="rnn,lstm,gru",
                   help="comma-separated cells among rnn (= rnn_tanh), rnn_relu, lstm, gru (default: rnn,lstm,gru)")
    d.add_argument("--level", choices=("char", "word"), default="char", help="token unit (default: char)")
    d.add_argument("--hidden", type=int, default=64, help="hidden size H (default 64)")
    d.add_argument("--layers", type=int, default=1, help="stacked recurrent layers (default 1)")
    d.add_argument("--window", type=int, default=100, help="time steps T of the measured window (default 100)")
    d.add_argument("--batch", type=int, default=16, help="batch size B (default 16)")
    d.add_argument("--train-steps", type=int, default=300, help="training steps before the second measurement "
                   "(default 300; 0: untrained only)")
    d.add_argument("--lr", type=float, default=0.005, help="Adam learning rate (default 0.005)")
    d.add_argument("--threads", type=int, default=None, help="OpenMP threads (default: all cores)")
    d.add_argument("--seed", type=int, default=0, help="seed of initialisation and batching (default 0)")
    d.add_argument("--plot", metavar="GRAD.png", help="draw the curves to a PNG (log scale; needs matplotlib)")
    d.set_defaults(func=run_diagnose)


def _cells(spec: str) -> list[str]:
    names = [c.strip() for c in spec.split(",") if c.strip()]
    bad = [c for c in names if c not in CELL_NAMES]
    if not names or bad:
        raise ValueError(f"--cells: unknown cell(s) {bad or spec!r}; choose among {', '.join(CELL_NAMES)}")
    return [CELL_NAMES[c] for c in names]


def run_diagnose(args) -> int:
    from ..nn.diagnostics import plot_curves, vanishing_gradient_curves
    from .rnn import encode_text

    cells = _cells(args.cells)
    for name in ("hidden", "layers", "window", "batch"):
        if getattr(args, name) < 1:
            raise ValueError(f"--{name} must be >= 1, got {getattr(args, name)}")
    if args.train_steps < 0:
        raise ValueError(f"--train-steps must be >= 0, got {args.train_steps}")
    text = read_inputs(args.files, args.errors)
    vocab, ids = encode_text(text, args.level, True)
    t0 = time.perf_counter()
    curves = vanishing_gradient_curves(ids, len(vocab), cells, args.hidden, args.layers, args.window, args.batch,
                                       args.train_steps, lr=args.lr, seed=args.seed, n_threads=args.threads)
    dt = time.perf_counter() - t0
    T = args.window
    print(f"|dL/dh_t| of the loss at the last of T={T} steps, mean over B={args.batch} sequences; H={args.hidden}, "
          f"{args.layers} layer(s), {len(vocab)} {args.level} types, one-hot input  [{dt:.1f} s]")
    backs = sorted({b for b in (0, 1, 2, 5, 10, 20, 30, 50, 75, 99, 150, 199, T - 1) if b < T})
    for key, what in (("initial", "untrained"), ("trained", f"after {args.train_steps} training steps")):
        if key == "trained" and args.train_steps == 0:
            continue
        print()
        print(f"{what}:")
        print(f"{'steps back':>26} " + " ".join(f"{c:>12}" for c in curves))
        for b in backs:
            print(f"{b:>26} " + " ".join(f"{curves[c][key][T - 1 - b]:>12.3e}" for c in curves))
        # the decay rate: fitted slope of log10 |dL/dh| over the window -> "decades lost per 10 steps"
        rates = [_decades_per_10_steps(curves[c][key]) for c in curves]
        print(f"{'decades lost per 10 steps':>26} " + " ".join(f"{r:>12.2f}" for r in rates))
    if args.train_steps:
        print()
        print("training loss (mean of the last 10 steps, nats): "
              + ", ".join(f"{c} {curves[c]['train_loss']:.3f}" for c in curves))
    if args.plot:
        plot_curves(curves, args.plot, f"dL/dh_t through time: {', '.join(curves)} (H={args.hidden}, T={T})")
        print(f"saved the plot to {args.plot}")
    return 0


def _decades_per_10_steps(g) -> float:
    """Minus the slope of a least-squares line through log10 |dL/dh| vs steps back, times 10 (nan if < 2 points)."""
    import numpy as np
    back = np.arange(len(g))[::-1].astype(float)
    ok = g > 0
    if ok.sum() < 2:
        return float("nan")
    return float(-10 * np.polyfit(back[ok], np.log10(g[ok]), 1)[0])
