"""Compare seqfast's RNN language model with PyTorch (and the NumPy reference) on a CPU.

Prints markdown tables:
  1. GEMM: sf_sgemm (one thread) vs numpy's float32 matmul (one thread) in GFLOP/s, same run.
  2. Training throughput (tokens/s of forward + BPTT + clip_grad_norm + SGD update, embedding input,
     batch first) for four configurations, seqfast vs torch vs the NumPy reference, with
     ratios, achieved GFLOP/s and peak memory (VmHWM of a fresh process per measurement).
  3. Time to quality: validation perplexity on tinyshakespeare (char level) after S seconds of training,
     seqfast vs torch with the same hyperparameters.

Each measurement runs in its own subprocess (so peak memory is per framework), with the same thread
count for everyone: OMP_NUM_THREADS / OPENBLAS_NUM_THREADS / torch.set_num_threads.

    python bench/compare_rnn.py --quick            # ~2 minutes
    python bench/compare_rnn.py                    # longer runs, 60 s time-to-quality
    python bench/compare_rnn.py --threads 1
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

CONFIGS = [(65, 128, 32, 35), (65, 256, 64, 35), (65, 512, 64, 35), (10000, 256, 32, 35)]  # (V, H, B, T)
TARGET = {(65, 128, 32, 35): 3.0, (65, 256, 64, 35): 2.0, (65, 512, 64, 35): 1.2, (10000, 256, 32, 35): 1.0}
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _util import Report, peak_rss_mb, version_of  # noqa: E402

DEFAULT_DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data",
                            "tinyshakespeare.txt")


def flops_per_step(V, H, B, T, E):
    """Multiply-adds x 2 of one training step: input projection, recurrence, decoder; backward ~2x forward."""
    N = B * T
    return 3 * 2 * N * (E * H + H * H + H * V)


# ------------------------------------------------------------------------------------------ workers
def w_gemm(a):
    import numpy as np
    from seqfast import _rnn
    out = []
    for M, N, K in a["shapes"]:
        A = np.random.default_rng(0).standard_normal((M, K)).astype(np.float32)
        B = np.random.default_rng(1).standard_normal((K, N)).astype(np.float32)
        assert np.allclose(_rnn.gemm(A, B), A @ B, rtol=1e-3, atol=1e-3)
        res = {}
        for name, f in (("seqfast", lambda: _rnn.gemm(A, B)), ("numpy", lambda: A @ B)):
            f()
            reps, t = 0, time.perf_counter()
            while True:
                f()
                reps += 1
                dt = time.perf_counter() - t
                if dt > a["seconds"]:
                    break
            res[name] = 2 * M * N * K * reps / dt / 1e9
        out.append({"shape": [M, N, K], **res})
    return {"gemm": out, "isa": _rnn.gemm_isa()}


def _batch(V, B, T, seed=0):
    import numpy as np
    rng = np.random.default_rng(seed)
    return rng.integers(0, V, (B, T)), rng.integers(0, V, (B, T))


def _time_steps(step, a):
    for _ in range(a["warmup"]):
        step()
    n, t = 0, time.perf_counter()
    while n < a["min_steps"] or time.perf_counter() - t < a["seconds"]:
        step()
        n += 1
    return n, time.perf_counter() - t


def w_seqfast(a):
    import numpy as np
    import seqfast
    from seqfast.reference import rnn as ref
    V, H, B, T, E = a["V"], a["H"], a["B"], a["T"], a["E"]
    m = seqfast.RNNLM(V, H, embedding_dim=E, seed=0, n_threads=a["threads"])
    X, Y = _batch(V, B, T)
    # check the fast kernels against the NumPy reference before timing them
    loss, _, _ = m.loss_and_grad(X, Y)
    P = {k: v.astype(np.float64) for k, v in m.params.items()}
    rloss = ref.lm_loss_and_grad(P, X, Y, [np.zeros((B, H))])[0]
    assert abs(loss - rloss) < 1e-4 * rloss, (loss, rloss)
    tr = seqfast.Trainer(m, optimizer="sgd", lr=0.1, clip_norm=1.0)
    n, dt = _time_steps(lambda: tr.step(X, Y), a)
    return {"tok_s": n * B * T / dt, "steps": n, "peak_mb": peak_rss_mb()}


def w_torch(a):
    import torch
    torch.set_num_threads(a["threads"])
    V, H, B, T, E = a["V"], a["H"], a["B"], a["T"], a["E"]
    torch.manual_seed(0)
    emb, rnn, dec = torch.nn.Embedding(V, E), torch.nn.RNN(E, H, batch_first=True), torch.nn.Linear(H, V)
    params = list(emb.parameters()) + list(rnn.parameters()) + list(dec.parameters())
    opt = torch.optim.SGD(params, lr=0.1)
    X, Y = (torch.tensor(z) for z in _batch(V, B, T))
    state = {"h": None}

    def step():
        h = state["h"]
        out, hT = rnn(emb(X), h)
        loss = torch.nn.functional.cross_entropy(dec(out).reshape(-1, V), Y.reshape(-1))
        opt.zero_grad(set_to_none=False)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        state["h"] = hT.detach()
        return loss
    n, dt = _time_steps(step, a)
    return {"tok_s": n * B * T / dt, "steps": n, "peak_mb": peak_rss_mb(), "version": torch.__version__}


def w_numpy(a):
    import numpy as np
    import seqfast
    from seqfast.reference import rnn as ref
    V, H, B, T, E = a["V"], a["H"], a["B"], a["T"], a["E"]
    P = {k: v for k, v in seqfast.RNNLM(V, H, embedding_dim=E, seed=0).params.items()}
    X, Y = _batch(V, B, T)

    def step():
        loss, g, _, _ = ref.lm_loss_and_grad(P, X, Y, [np.zeros((B, H), np.float32)])
        norm = np.sqrt(sum(float((v.astype(np.float64) ** 2).sum()) for v in g.values()))
        c = min(1.0, 1.0 / (norm + 1e-6))
        for k in P:
            P[k] -= np.float32(0.1 * c) * g[k]
    a = dict(a, min_steps=2, warmup=1)
    n, dt = _time_steps(step, a)
    return {"tok_s": n * B * T / dt, "steps": n, "peak_mb": peak_rss_mb()}


def _char_data(path, frac=0.1):
    import numpy as np
    with open(path, encoding="utf-8") as f:
        text = f.read()
    chars = sorted(set(text))
    idx = {c: i for i, c in enumerate(chars)}
    ids = np.array([idx[c] for c in text], dtype=np.int32)
    n = int(len(ids) * (1 - frac))
    return len(chars), ids[:n], ids[n:]


def w_quality_seqfast(a):
    import seqfast
    V, train, valid = _char_data(a["data"])
    m = seqfast.RNNLM(V, a["H"], embedding_dim=a["E"], seed=0, n_threads=a["threads"])
    tr = seqfast.Trainer(m, optimizer="adam", lr=a["lr"], clip_norm=1.0)
    h = tr.fit(train, batch_size=a["B"], num_steps=a["T"], epochs=None, max_seconds=a["seconds"], progress=False)
    t = time.perf_counter()
    ppl = m.perplexity(valid, batch_size=a["B"], num_steps=a["T"])
    return {"steps": sum(h["steps"]), "valid_ppl": ppl, "eval_s": time.perf_counter() - t}


def w_quality_torch(a):
    import math
    import numpy as np
    import torch
    torch.set_num_threads(a["threads"])
    torch.manual_seed(0)
    V, train, valid = _char_data(a["data"])
    E, H, B, T = a["E"], a["H"], a["B"], a["T"]
    emb, rnn, dec = torch.nn.Embedding(V, E), torch.nn.RNN(E, H, batch_first=True), torch.nn.Linear(H, V)
    params = list(emb.parameters()) + list(rnn.parameters()) + list(dec.parameters())
    opt = torch.optim.Adam(params, lr=a["lr"])
    L = (len(train) - 1) // B
    Xs = torch.tensor(train[:B * L].reshape(B, L).astype(np.int64))
    Ys = torch.tensor(train[1:B * L + 1].reshape(B, L).astype(np.int64))
    t0, steps, h = time.perf_counter(), 0, None
    while time.perf_counter() - t0 < a["seconds"]:
        for s in range(0, L - T + 1, T):
            out, h = rnn(emb(Xs[:, s:s + T]), h)
            loss = torch.nn.functional.cross_entropy(dec(out).reshape(-1, V), Ys[:, s:s + T].reshape(-1))
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            h = h.detach()
            steps += 1
            if time.perf_counter() - t0 >= a["seconds"]:
                break
        h = None
    with torch.no_grad():  # the same evaluation as RNNLM.perplexity: B streams, windows of T, state carried
        Lv = (len(valid) - 1) // B
        Xv = torch.tensor(valid[:B * Lv].reshape(B, Lv).astype(np.int64))
        Yv = torch.tensor(valid[1:B * Lv + 1].reshape(B, Lv).astype(np.int64))
        tot, h = 0.0, None
        for s in range(0, Lv, T):
            out, h = rnn(emb(Xv[:, s:s + T]), h)
            tot += torch.nn.functional.cross_entropy(dec(out).reshape(-1, V), Yv[:, s:s + T].reshape(-1),
                                                     reduction="sum").item()
    return {"steps": steps, "valid_ppl": math.exp(tot / (B * Lv))}


WORKERS = {"gemm": w_gemm, "seqfast": w_seqfast, "torch": w_torch, "numpy": w_numpy,
           "quality_seqfast": w_quality_seqfast, "quality_torch": w_quality_torch}


# ------------------------------------------------------------------------------------------ driver
PASSIVE = {"on": False}


def run_worker(kind, threads, **kw):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads))
    if PASSIVE["on"]:  # idle OpenMP threads sleep instead of spinning: far better on an oversubscribed machine
        env["OMP_WAIT_POLICY"] = "passive"
    arg = json.dumps({"kind": kind, "threads": threads, **kw})
    p = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", arg], env=env, capture_output=True,
                       text=True)
    if p.returncode != 0:
        return {"error": (p.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(p.stdout.strip().splitlines()[-1])


def report(argv: list[str] | None = None) -> Report:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="short runs (~2 min in all)")
    ap.add_argument("--threads", type=int, default=os.cpu_count(), help="threads for every framework")
    ap.add_argument("--seconds", type=float, default=None, help="timing seconds per throughput measurement")
    ap.add_argument("--quality-seconds", type=float, default=None, help="training seconds for time to quality")
    ap.add_argument("--data", default=DEFAULT_DATA, help="char-level corpus for time to quality")
    ap.add_argument("--no-numpy", action="store_true", help="skip the NumPy reference's throughput")
    ap.add_argument("--no-quality", action="store_true", help="skip time to quality")
    ap.add_argument("--only-quality", action="store_true", help="only time to quality (no GEMM, no throughput)")
    ap.add_argument("--passive", action="store_true",
                    help="OMP_WAIT_POLICY=passive for every framework (use on a shared, oversubscribed machine)")
    a = ap.parse_args(argv)
    rep = Report("rnn", "RNN language model training vs PyTorch", argv)
    PASSIVE["on"] = a.passive
    secs = a.seconds or (2.0 if a.quick else 6.0)
    qsecs = a.quality_seconds or (15.0 if a.quick else 60.0)
    nt = a.threads
    tv = version_of("torch")
    if tv:
        rep.peer("torch", tv)
    rep.note(f"{nt} thread(s){', OMP_WAIT_POLICY=passive' if a.passive else ''}.")
    if not a.only_quality:
        g = run_worker("gemm", 1, shapes=[[32, 256, 256], [64, 512, 512], [1120, 256, 256], [1120, 1024, 256]],
                       seconds=min(secs, 1.0))
        rows = [[" x ".join(map(str, r["shape"])), f"{r['seqfast']:.1f}", f"{r['numpy']:.1f}",
                 f"{r['seqfast'] / r['numpy']:.2f}"] for r in g.get("gemm", [])]
        if "error" in g:
            rows.append([f"error: {g['error']}", "", "", ""])
        rep.table(f"GEMM, float32, one thread (sf_gemm core: {g.get('isa', '?')})",
                  ["M x N x K", "sf_sgemm GFLOP/s", "numpy matmul GFLOP/s", "ratio"], rows)
        rows = []
        for (V, H, B, T) in CONFIGS:
            kw = dict(V=V, H=H, B=B, T=T, E=H, seconds=secs, warmup=3, min_steps=5)
            s = run_worker("seqfast", nt, **kw)
            t = run_worker("torch", nt, **kw) if tv else {"error": "torch not installed"}
            n = run_worker("numpy", nt, **dict(kw, seconds=min(secs, 2.0))) if not a.no_numpy else {}
            st, tt = s.get("tok_s"), t.get("tok_s")
            ratio = f"{st / tt:.2f}x ({TARGET[(V, H, B, T)]}x)" if st and tt else "-"
            gf = flops_per_step(V, H, B, T, H) / (B * T) * st / 1e9 if st else 0
            fmt = lambda d: f"{d['tok_s']:,.0f}" if "tok_s" in d else d.get("error", "-")[:40]  # noqa: E731
            mem = " / ".join(f"{d['peak_mb']:.0f}" if "peak_mb" in d else "-" for d in (s, t, n))
            rows.append([V, H, B, T, fmt(s), fmt(t) if t else "-", ratio, fmt(n) if n else "-", f"{gf:.1f}", mem])
        rep.table("Training throughput (embedding E = H, forward + BPTT + clip by norm + SGD, float32)",
                  ["V", "H", "B", "T", "seqfast tok/s", "torch tok/s", "ratio (target)", "numpy ref tok/s",
                   "seqfast model GFLOP/s", "peak MB seqfast / torch / numpy"], rows)
        rep.note("Model GFLOP/s = the standard FLOP count of a step, 6*B*T*(E*H + H*H + H*V), per second (seqfast "
                 "skips part of the input layer's FLOPs when V <= B*T, so this can exceed what its GEMMs execute).")
    if not a.no_quality:
        quality(rep, a, nt, qsecs, tv)
    return rep


def quality(rep, a, nt, qsecs, tv):
    """Time to quality: validation perplexity after qsecs seconds of training, seqfast and torch."""
    if not os.path.exists(a.data):
        rep.note(f"Time to quality skipped: {a.data} not found; pass --data.")
        return
    q = dict(data=os.path.abspath(a.data), H=256, E=64, B=32, T=35, lr=0.003, seconds=qsecs)
    rows = []
    for name in ("seqfast", "torch"):
        if name == "torch" and not tv:
            continue
        r = run_worker(f"quality_{name}", nt, **q)
        rows.append([name, f"error: {r['error']}", ""] if "error" in r else [name, f"{r['steps']:,}",
                                                                            f"{r['valid_ppl']:.3f}"])
    rep.table(f"Time to quality: {os.path.basename(a.data)}, char level, last 10% held out, {qsecs:.0f} s of "
              f"training (H=256, E=64, B=32, T=35, Adam lr 0.003, clip 1)", ["", "steps", "valid perplexity"], rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(add_help=False)
    ap.add_argument("--worker")
    known, _ = ap.parse_known_args(argv)
    if known.worker:
        args = json.loads(known.worker)
        print(json.dumps(WORKERS[args["kind"]](args)))
        return 0
    print(report(argv).markdown())
    return 0


if __name__ == "__main__":
    sys.exit(main())
