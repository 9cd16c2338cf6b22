"""Sequence models (BiLSTM tagger, LSTM classifier, GRU regressor): training steps vs PyTorch on a CPU.

Three configurations of issue 18, the same shapes, batches, thread count and optimizer for both tools:

- tagger: BiLSTM, V=20000, E=100, H=128, B=32, K=50 tags, sentence lengths drawn from the Brown corpus
  (torch: pack_padded_sequence; seqfast: lengths), cross-entropy over the real tokens;
- classifier: LSTM, V=20000, E=100, H=256, B=64, lengths uniform in [1, 60] (torch packed), 2 classes, the
  final hidden state pooled;
- regressor: GRU, input 8, H=64, B=64, T=50, output 1, mean squared error.

A step is forward + backward + clip by global norm 1 + SGD update. Before timing, each configuration loads
seqfast's weights into torch and checks that both compute the same loss on the first batch. Both tools then
run in this one process, alternating step by step on the same batches (a shared machine's load hits both
alike); the report gives each tool's median step time and the ratio.

    python bench/compare_seq.py --quick        # ~1 minute
    python bench/compare_seq.py --threads 2 --steps 40
"""
from __future__ import annotations

import argparse
import glob
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _util import Report, shared_path, version_of  # noqa: E402

#: name -> (target torch/seqfast ratio, description)
CONFIGS = {
    "tagger": (1.5, "BiLSTM tagger, V=20000, E=100, H=128, B=32, Brown sentence lengths, 50 tags"),
    "classifier": (1.5, "LSTM classifier, V=20000, E=100, H=256, B=64, T up to 60, 2 classes"),
    "regressor": (2.0, "GRU regressor, input 8, H=64, B=64, T=50, output 1"),
}


def brown_lengths() -> np.ndarray:
    """The length in tokens of every sentence of the Brown corpus (shared data: benchmarks only)."""
    lengths = []
    for path in sorted(glob.glob(os.path.join(shared_path("nltk", "brown"), "c[a-r][0-9][0-9]"))):
        with open(path, encoding="utf-8") as f:
            for line in f:
                n = len(line.split())
                if n:
                    lengths.append(n)
    return np.array(lengths)


def make_batches(name: str, n: int, seed: int = 0):
    """n batches (X, lengths, Y) of a configuration, as numpy arrays."""
    rng = np.random.default_rng(seed)
    out = []
    pool = brown_lengths() if name == "tagger" else None
    for _ in range(n):
        if name == "tagger":
            L = rng.choice(pool, 32)
        elif name == "classifier":
            L = rng.integers(1, 61, 64)
        else:
            L = np.full(64, 50)
        B, T = len(L), int(L.max())
        valid = np.arange(T)[None, :] < L[:, None]
        if name == "regressor":
            X = rng.standard_normal((B, T, 8)).astype(np.float32)
            Y = rng.standard_normal((B, 1)).astype(np.float32)
        else:
            X = (rng.integers(1, 20000, (B, T)) * valid).astype(np.int32)
            Y = np.where(valid, rng.integers(0, 50, (B, T)), -100) if name == "tagger" else rng.integers(0, 2, B)
        out.append((X, L.astype(np.int32), Y))
    return out


def seqfast_model(name: str, threads: int):
    import seqfast
    if name == "tagger":
        return seqfast.RNNTagger(20000, 50, 128, embedding_dim=100, bidirectional=True, n_threads=threads)
    if name == "classifier":
        return seqfast.RNNClassifier(20000, 2, 256, embedding_dim=100, n_threads=threads)
    return seqfast.RNNRegressor(8, 1, 64, cell="gru", n_threads=threads)


class TorchModel:
    """The same model from torch's modules (nn.Embedding + nn.LSTM/GRU + nn.Linear), packed sequences."""

    def __init__(self, name: str, state: dict, lr: float):
        import torch
        nn = torch.nn
        self.name, self.torch = name, torch
        if name == "tagger":
            self.emb, self.rnn, self.dec = nn.Embedding(20000, 100), nn.LSTM(100, 128, batch_first=True,
                                                                             bidirectional=True), nn.Linear(256, 50)
        elif name == "classifier":
            self.emb, self.rnn, self.dec = nn.Embedding(20000, 100), nn.LSTM(100, 256, batch_first=True), \
                nn.Linear(256, 2)
        else:
            self.emb, self.rnn, self.dec = None, nn.GRU(8, 64, batch_first=True), nn.Linear(64, 1)
        mods = [("embedding", self.emb), ("rnn", self.rnn), ("decoder", self.dec)]
        for prefix, mod in mods:
            if mod is not None:
                mod.load_state_dict({k[len(prefix) + 1:]: torch.tensor(v) for k, v in state.items()
                                     if k.startswith(prefix + ".")})
        self.params = [p for _, m in mods if m is not None for p in m.parameters()]
        self.opt = torch.optim.SGD(self.params, lr=lr)

    def loss(self, X, L, Y):
        torch = self.torch
        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
        x = torch.from_numpy(X)
        if self.name == "regressor":  # every row has T steps: no packing needed
            _, h = self.rnn(x)
            return torch.nn.functional.mse_loss(self.dec(h[-1]), torch.from_numpy(Y))
        packed = pack_padded_sequence(self.emb(x.long()), torch.from_numpy(L), batch_first=True, enforce_sorted=False)
        out, hn = self.rnn(packed)
        if self.name == "classifier":
            return torch.nn.functional.cross_entropy(self.dec(hn[0][-1]), torch.from_numpy(Y).long())
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=X.shape[1])
        return torch.nn.functional.cross_entropy(self.dec(out).reshape(-1, 50), torch.from_numpy(Y).long().reshape(-1),
                                                 ignore_index=-100)

    def step(self, X, L, Y):
        loss = self.loss(X, L, Y)
        self.opt.zero_grad(set_to_none=False)
        loss.backward()
        self.torch.nn.utils.clip_grad_norm_(self.params, 1.0)
        self.opt.step()
        return float(loss)


def run(name: str, threads: int, steps: int, warmup: int, lr: float = 0.1) -> dict:
    """Check, then time both tools alternating on the same batches; median ms per step of each."""
    import seqfast
    m = seqfast_model(name, threads)
    have_torch = version_of("torch") is not None
    tm = None
    data = make_batches(name, max(steps, 8))
    if have_torch:
        import torch
        torch.set_num_threads(threads)
        tm = TorchModel(name, m.state_dict(), lr)
        X, L, Y = data[0]
        a, b = m.loss(X, Y, L), float(tm.loss(X, L, Y))
        assert abs(a - b) <= 1e-4 * max(1.0, abs(b)), f"{name}: seqfast loss {a} vs torch {b}"
    tr = seqfast.Trainer(m, optimizer="sgd", lr=lr, clip_norm=1.0)
    t_sf, t_pt = [], []
    for i in range(warmup + steps):
        X, L, Y = data[i % len(data)]
        t0 = time.perf_counter()
        tr.step_batch(X, Y, L)
        t1 = time.perf_counter()
        if tm is not None:
            tm.step(X, L, Y)
        t2 = time.perf_counter()
        if i >= warmup:
            t_sf.append(t1 - t0)
            t_pt.append(t2 - t1)
    tokens = statistics.mean(int(L.sum()) for _, L, _ in data)
    res = {"seqfast_ms": 1e3 * statistics.median(t_sf), "tokens": tokens}
    if tm is not None:
        res["torch_ms"] = 1e3 * statistics.median(t_pt)
    return res


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2, help="threads of both tools (default 2)")
    ap.add_argument("--steps", type=int, default=30, help="timed steps per configuration (default 30)")
    ap.add_argument("--warmup", type=int, default=3, help="untimed steps first (default 3)")
    ap.add_argument("--only", choices=sorted(CONFIGS), action="append", help="run only this configuration")
    ap.add_argument("--quick", action="store_true", help="10 timed steps, 2 warm-up steps")
    return ap


def report(argv: list[str] | None = None) -> Report:
    args = _parser().parse_args(argv)
    if args.quick:
        args.steps, args.warmup = 10, 2
    rep = Report("seq", "Sequence models (BiLSTM tagger, LSTM classifier, GRU regressor) vs PyTorch", argv)
    tv = version_of("torch")
    if tv:
        rep.peer("torch", tv)
    rows = []
    for name in args.only or CONFIGS:
        target, desc = CONFIGS[name]
        r = run(name, args.threads, args.steps, args.warmup)
        ratio = f"**{r['torch_ms'] / r['seqfast_ms']:.2f}x**" if "torch_ms" in r else "torch not installed"
        rows.append([desc, f"{r['seqfast_ms']:.1f}", f"{r['torch_ms']:.1f}" if "torch_ms" in r else "",
                     f"{r['tokens'] * 1e3 / r['seqfast_ms']:,.0f}", ratio, f"{target:g}x"])
    rep.table("Training step (forward + backward + clip + SGD), float32", [
        "configuration", "seqfast ms/step (median)", "torch ms/step (median)", "seqfast tokens/s",
        "torch/seqfast", "target"], rows)
    rep.note(f"threads={args.threads} for both; {args.steps} timed steps after {args.warmup} warm-up steps; the "
             f"two tools alternate step by step in one process on the same batches, after a check that both "
             f"compute the same loss from the same weights. Run on a shared machine the ratios are noisy.")
    return rep


def main(argv: list[str] | None = None) -> int:
    print(report(sys.argv[1:] if argv is None else argv).markdown())
    return 0


if __name__ == "__main__":
    sys.exit(main())
