"""seqfast's GEMM core vs NumPy's BLAS (OpenBLAS in the PyPI wheels) and torch's (MKL in the CPU wheels) on the
matrix products of an LSTM language model's training step, one thread each, float32, in one run.

    python bench/compare_gemm.py [--hidden 256] [--batch 64] [--steps-per-window 35] [--rounds 5]

The shapes (B batch rows, T steps, H hidden, 4H gate columns) are those of one training step of
bench/compare_cells.py, as each of 2 threads runs them: the per-step recurrent products (M = B/2 rows), and
the window-wide products of a second layer's input projection and its gradients (M = B*T/2 rows). Each
library multiplies the same float32 matrices and copies B into its panels on every call; seqfast through
``seqfast._rnn.gemm`` (sf_sgemm, its single-threaded core; the output allocated by each call, from the heap). Every library runs in its own process
with one thread; they alternate ``--rounds`` times and each keeps its best round (the host is noisy).
Prints GFLOP/s per library and shape, and each peer's rate relative to seqfast's.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _util import Report, table, version_of  # noqa: E402

WORKER = r"""
import json, sys, time
import numpy as np
lib, shapes, reps = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(0)
if lib == "torch":
    import torch
    torch.set_num_threads(1)
out = {}
for name, M, N, K, ta in shapes:
    A = rng.standard_normal((K, M) if ta else (M, K), dtype=np.float32)  # ta: A stored (K, M), used as A^T
    B = rng.standard_normal((K, N), dtype=np.float32)
    if lib == "seqfast":
        from seqfast import _rnn
        # sf_sgemm, the general entry point: B copied into panels by the core on every call, as a BLAS does
        # (the model instead packs a weight once per window or product); the weight gradient's A^T packed
        f = lambda: _rnn.gemm(A, B, transA=ta)
    elif lib == "numpy":
        C = np.empty((M, N), np.float32)
        f = lambda: np.matmul(A.T if ta else A, B, out=C)
    else:
        tA, tB, tC = torch.from_numpy(A), torch.from_numpy(B), torch.empty(M, N)
        f = lambda: torch.matmul(tA.T if ta else tA, tB, out=tC)
    n = max(1, int(reps * 2e7 / (M * N * K)))
    f()
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(n):
            f()
        best = min(best, (time.perf_counter() - t0) / n)
    out[name] = 2.0 * M * N * K / best / 1e9
print(json.dumps(out))
"""


def report(argv: list[str] | None = None) -> Report:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps-per-window", type=int, default=35)
    ap.add_argument("--rounds", type=int, default=5, help="alternate the libraries this many times (best kept)")
    ap.add_argument("--reps", type=int, default=20, help="work per timing, in units of 20 MFLOP")
    ap.add_argument("--quick", action="store_true", help="one round, a quarter of the work per timing (smoke run)")
    args = ap.parse_args(argv)
    rep = Report("gemm", "GEMM kernels (sf_gemm) vs NumPy's BLAS and torch", argv)
    if args.quick:
        args.rounds, args.reps = 1, 5
    H, B, T = args.hidden, args.batch, args.steps_per_window
    G = 4 * H
    m, big = max(1, B // 2), max(1, B * T // 2)
    shapes = [
        ("step forward: h W_hh^T", m, G, H, False),
        ("step backward: dA W_hh", m, H, G, False),
        ("window: x W_ih^T", big, G, H, False),
        ("window: dA W_ih", big, H, G, False),
        ("window: dA^T x (weight gradient)", G // 2, H, B * T, True),
    ]
    libs = ["seqfast", "numpy"]
    try:
        import torch  # noqa: F401
        libs.append("torch")
    except ImportError:
        rep.note("torch is not installed: its column is left out.")
    best: dict[str, dict[str, float]] = {lib: {} for lib in libs}
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    for _ in range(args.rounds):
        for lib in libs:
            r = subprocess.run([sys.executable, "-c", WORKER, lib, json.dumps(shapes), str(args.reps)], env=env,
                               capture_output=True, text=True, check=True)
            for k, v in json.loads(r.stdout.strip().splitlines()[-1]).items():
                best[lib][k] = max(best[lib].get(k, 0.0), v)
    import numpy as np
    blas = "OpenBLAS" if "openblas" in json.dumps(np.show_config(mode="dicts")).lower() else "NumPy's BLAS"
    names = {"seqfast": "seqfast", "numpy": f"numpy ({blas})", "torch": "torch (MKL)"}
    for lib in libs[1:]:
        rep.peer(lib, version_of(lib) or "?")
    headers = ["product", "M x N x K"] + [names[lib] for lib in libs]
    rows = []
    for name, M, N, K, _ in shapes:
        s = best["seqfast"][name]
        rows.append([name, f"{M} x {N} x {K}", f"{s:.1f}"] +
                    [f"{best[lib][name]:.1f} ({best[lib][name] / s:.2f}x)" for lib in libs[1:]])
    rep.table(f"float32, 1 thread each, best of {args.rounds} alternating rounds; GFLOP/s (peer / seqfast in "
              f"brackets)", headers, rows)
    return rep


def main(argv: list[str] | None = None) -> None:
    print(report(argv).markdown())


if __name__ == "__main__":
    main()
