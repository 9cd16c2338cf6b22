"""seqfast's LSTM / GRU language models vs PyTorch on CPU, same data, same thread count, one run.

Prints a markdown table: time per training step (forward + backward + SGD update of a whole (B, T) window),
tokens/s, the ratio torch time / seqfast time (> 1: seqfast faster) and peak memory (max RSS of a fresh
process per engine and configuration, so the numbers include each library's own footprint).

Configurations: char-level tinyshakespeare (V = 65), one-hot input, H = 256, B = 64, T = 35:
LSTM 1 layer, GRU 1 layer, LSTM 2 layers (plus the vanilla RNN for scale).

Time to quality (``--minutes M``): a 2-layer LSTM (H = 256, B = 64, T = 35, Adam lr 2e-3, clip 5) trained for
M minutes of wall clock by each engine on the first 90% of tinyshakespeare, then the validation loss (nats per
character) on the last 10%. Same budget, hyperparameters, initial weights and batches for both.

    python bench/compare_cells.py --quick            # a few steps per configuration
    python bench/compare_cells.py --threads 2        # the table of bench/RESULTS.md
    python bench/compare_cells.py --minutes 5 --skip-speed   # the 5-minute time-to-quality run

torch is optional: without it only seqfast's rows are printed.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _util import Report, peak_rss_mb, version_of  # noqa: E402

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parent.parent / "shared" / "data" / "tinyshakespeare.txt"
CONFIGS = [("lstm", 1), ("gru", 1), ("lstm", 2), ("rnn_tanh", 1)]


# ---- data ---------------------------------------------------------------------------------------------
def load_chars(path: str | None):
    """Character ids of the corpus (int32) and the vocabulary size; the bundled corpus when absent."""
    p = Path(path) if path else DEFAULT_DATA
    if p.exists():
        text = p.read_text(encoding="utf-8")
    else:
        from seqfast import datasets
        text = datasets.load_timemachine() if hasattr(datasets, "load_timemachine") else \
            (Path(datasets.__file__).parent / "timemachine.txt").read_text(encoding="utf-8")
    chars = sorted(set(text))
    lut = {c: i for i, c in enumerate(chars)}
    return np.array([lut[c] for c in text], dtype=np.int32), len(chars)


def window_stream(ids: np.ndarray, B: int, T: int):
    """Sequential partitioning: B parallel streams, consecutive (X, Y) windows of T steps, endless."""
    L = (len(ids) - 1) // B
    Xs, Ys = ids[:B * L].reshape(B, L), ids[1:B * L + 1].reshape(B, L)
    while True:
        for s in range(0, L - T + 1, T):
            yield Xs[:, s:s + T], Ys[:, s:s + T]


# ---- engines (each in its own process) -----------------------------------------------------------------
class SeqfastEngine:
    """seqfast.RNNLM + seqfast.Trainer (clip by global norm 5, then SGD or Adam), one-hot input."""

    def __init__(self, cell, V, H, L, n_threads, seed, lr, adam):
        import seqfast
        self.m = seqfast.RNNLM(vocab_size=V, hidden_size=H, cell=cell, num_layers=L, n_threads=n_threads,
                               seed=seed)
        self.tr = seqfast.Trainer(self.m, optimizer="adam" if adam else "sgd", lr=lr, clip_norm=5.0)

    def state_dict(self):
        return self.m.state_dict()

    def check_against_reference(self, X, Y):
        """The C model's loss and gradients vs the NumPy reference model (float64) on one window."""
        from seqfast.reference import rnn as ref
        loss, grads, _ = self.m.loss_and_grad(X, Y)
        P = {k: v.astype(np.float64) for k, v in self.m.params.items()}
        st = [self.m.cell.zero_state(X.shape[0], self.m.hidden_size, np.float64) for _ in range(self.m.num_layers)]
        rloss, rgrads, _, _ = ref.lm_loss_and_grad(P, X, Y, st, self.m.cell.name)
        assert abs(loss - rloss) < 1e-4 * rloss, (loss, rloss)
        for k, g in rgrads.items():
            assert np.abs(grads[k] - g).max() <= 1e-3 * max(np.abs(g).max(), 1e-6), k

    def step(self, X, Y):
        return self.tr.step(X, Y)

    def eval_loss(self, X, Y, state):
        return self.m.loss(X, Y, state)


class TorchEngine:
    def __init__(self, cell, V, H, L, n_threads, seed, lr, adam, init=None):
        import torch
        torch.set_num_threads(n_threads)
        torch.manual_seed(seed)
        self.torch, self.V = torch, V
        kind = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}.get(cell, torch.nn.RNN)
        self.rnn = kind(V, H, num_layers=L, batch_first=True)
        self.dec = torch.nn.Linear(H, V)
        if init is not None:  # the seqfast model's initial weights, for a like-for-like run
            with torch.no_grad():
                for k, v in init.items():
                    mod, name = k.split(".", 1)
                    getattr(self.rnn if mod == "rnn" else self.dec, name).copy_(torch.from_numpy(v))
        self.params = list(self.rnn.parameters()) + list(self.dec.parameters())
        self.opt = torch.optim.Adam(self.params, lr=lr) if adam else torch.optim.SGD(self.params, lr=lr)
        self.state = None

    def _detach(self, s):
        return tuple(x.detach() for x in s) if isinstance(s, tuple) else s.detach()

    def _loss(self, X, Y, state):
        F, torch = self.torch.nn.functional, self.torch
        x = F.one_hot(torch.from_numpy(X.astype(np.int64)), self.V).float()
        out, hT = self.rnn(x, state)
        logits = self.dec(out)
        return F.cross_entropy(logits.reshape(-1, self.V), torch.from_numpy(Y.astype(np.int64)).reshape(-1)), hT

    def step(self, X, Y):
        loss, hT = self._loss(X, Y, self.state)
        self.state = self._detach(hT)
        self.opt.zero_grad()
        loss.backward()
        self.torch.nn.utils.clip_grad_norm_(self.params, 5.0)
        self.opt.step()
        return float(loss)

    def eval_loss(self, X, Y, state):
        with self.torch.no_grad():
            loss, hT = self._loss(X, Y, state)
        return float(loss), self._detach(hT)


def make_engine(name, cell, V, H, L, args, adam):
    if name == "seqfast":
        return SeqfastEngine(cell, V, H, L, args.threads, args.seed, args.lr, adam)
    init = SeqfastEngine(cell, V, H, L, args.threads, args.seed, args.lr, adam).state_dict()
    init = {k: v.astype(np.float32) for k, v in init.items()}
    return TorchEngine(cell, V, H, L, args.threads, args.seed, args.lr, adam, init)


def worker_speed(args) -> dict:
    ids, V = load_chars(args.data)
    eng = make_engine(args.engine, args.cell, V, args.hidden, args.layers, args, adam=False)
    stream = window_stream(ids, args.batch, args.steps_per_window)
    if args.engine == "seqfast":  # on 4 rows: the check must not dominate peak memory
        X, Y = next(stream)
        eng.check_against_reference(X[:4], Y[:4])
    for _ in range(args.warmup):
        eng.step(*next(stream))
    times, losses = [], []
    for _ in range(args.steps):
        X, Y = next(stream)
        t0 = time.perf_counter()
        losses.append(eng.step(X, Y))
        times.append(time.perf_counter() - t0)
    t = float(np.median(times))
    return {"step_ms": t * 1e3, "min_ms": float(np.min(times)) * 1e3,
            "tok_s": args.batch * args.steps_per_window / t, "rss_mb": peak_rss_mb(), "V": V,
            "last_loss": float(losses[-1])}


def worker_quality(args) -> dict:
    ids, V = load_chars(args.data)
    n_train = int(len(ids) * 0.9)
    train, val = ids[:n_train], ids[n_train:]
    eng = make_engine(args.engine, "lstm", V, args.hidden, 2, args, adam=True)
    stream = window_stream(train, args.batch, args.steps_per_window)
    t_end = time.perf_counter() + args.minutes * 60
    steps, loss = 0, float("nan")
    while time.perf_counter() < t_end:
        loss = eng.step(*next(stream))
        steps += 1
    # validation: B streams over the held-out text, state carried across windows
    B, T = 16, 100
    Lv = (len(val) - 1) // B
    Xs, Ys = val[:B * Lv].reshape(B, Lv), val[1:B * Lv + 1].reshape(B, Lv)
    total, n, state = 0.0, 0, None
    for s in range(0, Lv - T + 1, T):
        X, Y = Xs[:, s:s + T], Ys[:, s:s + T]
        lv, state = eng.eval_loss(X, Y, state)
        total += lv * X.size
        n += X.size
    return {"steps": steps, "train_loss": float(loss), "val_loss": total / n,
            "tokens": steps * args.batch * args.steps_per_window, "rss_mb": peak_rss_mb()}


# ---- driver ---------------------------------------------------------------------------------------------
def run_worker(kind: str, engine: str, args, cell="lstm", layers=1) -> dict | None:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--engine", engine, "--cell", cell,
           "--layers", str(layers)]
    for k in ("threads", "hidden", "batch", "steps_per_window", "steps", "warmup", "minutes", "seed", "lr"):
        if getattr(args, k) is not None:
            cmd += [f"--{k.replace('_', '-')}", str(getattr(args, k))]
    if args.data:
        cmd += ["--data", args.data]
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    if args.passive:  # idle OpenMP threads sleep instead of spinning: fairer to everyone on a shared machine
        env["OMP_WAIT_POLICY"] = "passive"
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        sys.stderr.write(f"{engine} {kind} {cell} x{layers} failed: {r.stderr.strip().splitlines()[-1:]}\n")
        return None
    return json.loads(r.stdout.strip().splitlines()[-1])


def have_torch() -> bool:
    import importlib.util
    return importlib.util.find_spec("torch") is not None


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="3 timed steps per configuration (smoke run)")
    ap.add_argument("--threads", type=int, default=2, help="threads for both engines (default 2)")
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps-per-window", type=int, default=35, help="T, time steps per window (default 35)")
    ap.add_argument("--steps", type=int, default=10, help="timed training steps per configuration")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3,
                    help="alternate the engines this many times per configuration, keep each one's best round "
                         "(default 3; 1 with --quick)")
    ap.add_argument("--minutes", type=float, default=0.0,
                    help="time-to-quality budget per engine in minutes (0: skip; 5 is the usual run)")
    ap.add_argument("--passive", action="store_true",
                    help="OMP_WAIT_POLICY=passive for both engines (for shared, oversubscribed machines)")
    ap.add_argument("--skip-speed", action="store_true", help="only the time-to-quality run")
    ap.add_argument("--torch-first", action="store_true",
                    help="run torch before seqfast (a second time-to-quality run in the other order evens out "
                         "slow periods of a shared machine)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--lr", type=float, default=None, help="learning rate (default: 1.0 SGD speed, 2e-3 Adam)")
    ap.add_argument("--data", default=None, help=f"corpus (default {DEFAULT_DATA}, else the bundled one)")
    ap.add_argument("--cell", default="lstm", help=argparse.SUPPRESS)
    ap.add_argument("--layers", type=int, default=1, help=argparse.SUPPRESS)
    ap.add_argument("--engine", default="seqfast", help=argparse.SUPPRESS)
    ap.add_argument("--worker", choices=["speed", "quality"], help=argparse.SUPPRESS)
    return ap


def report(argv: list[str] | None = None) -> Report:
    args = _parser().parse_args(argv)
    if args.quick:
        args.steps, args.warmup, args.rounds = 3, 1, 1
    rep = Report("cells", "Recurrent cells (rnn_tanh, gru, lstm) training steps vs PyTorch", argv)
    engines = ["seqfast"] + (["torch"] if have_torch() else [])
    if args.torch_first:
        engines.reverse()
    if "torch" in engines:
        rep.peer("torch", version_of("torch") or "?")
    rep.note(f"threads={args.threads}, H={args.hidden}, B={args.batch}, T={args.steps_per_window}, {args.steps} timed "
             f"steps (median), one-hot input, float32; a step is forward + BPTT + clip by global norm + SGD update; "
             f"best of {args.rounds} alternating round(s)" + ("; OMP_WAIT_POLICY=passive." if args.passive else "."))
    if not args.skip_speed:
        rows = []
        for cell, layers in CONFIGS:
            # engines alternate for --rounds rounds; each keeps its best round (the least disturbed by other
            # load on a shared machine): median step of that round, and its fastest step over all rounds
            runs = {e: [] for e in engines}
            for _ in range(args.rounds):
                for e in engines:
                    r = run_worker("speed", e, args, cell, layers)
                    if r is not None:
                        runs[e].append(r)
            res = {}
            for e, rs in runs.items():
                if rs:
                    res[e] = dict(min(rs, key=lambda r: r["step_ms"]), min_ms=min(r["min_ms"] for r in rs))
            for e in engines:
                r = res.get(e)
                if r is None:
                    continue
                ratio = ratio_min = ""
                if e == "seqfast" and res.get("torch"):
                    ratio = f"**{res['torch']['step_ms'] / r['step_ms']:.2f}x**"
                    ratio_min = f"{res['torch']['min_ms'] / r['min_ms']:.2f}x"
                rows.append([cell, layers, e, f"{r['step_ms']:.1f}", f"{r['min_ms']:.1f}", f"{r['tok_s']:,.0f}", ratio,
                             ratio_min, f"{r['rss_mb']:.0f}"])
        rep.table("Training step speed", ["cell", "layers", "engine", "ms/step (median)", "fastest step ms",
                                          "tokens/s (median)", "torch/seqfast (median)", "torch/seqfast (fastest)",
                                          "peak RSS MB"], rows)
    if args.minutes > 0:
        rows = []
        for e in engines:
            r = run_worker("quality", e, args)
            if r:
                rows.append([e, r["steps"], f"{r['tokens']:,}", f"{r['train_loss']:.3f}", f"{r['val_loss']:.3f}"])
        rep.table(f"Time to quality: 2-layer LSTM H={args.hidden}, B={args.batch}, T={args.steps_per_window}, Adam "
                  f"lr=2e-3, clip 5, {args.minutes:g} min per engine, threads={args.threads}",
                  ["engine", "steps", "tokens seen", "last train loss", "validation loss (nats/char)"], rows)
    return rep


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.worker:
        if args.lr is None:
            args.lr = 2e-3 if args.worker == "quality" else 1.0
        fn = worker_speed if args.worker == "speed" else worker_quality
        print(json.dumps(fn(args)))
        return 0
    print(report(argv).markdown())
    return 0


if __name__ == "__main__":
    sys.exit(main())
