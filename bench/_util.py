"""Helpers for the peer-comparison scripts: timing, peak memory of a fresh process, markdown tables, corpora."""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get("SEQFAST_SHARED_DATA", os.path.join(HERE, "..", "..", "shared", "data"))


def shared_path(*parts: str) -> str:
    """Path of a corpus in the workspace's shared data folder (benchmarks only, never at install time)."""
    p = os.path.join(SHARED, *parts)
    if not os.path.exists(p):
        sys.exit(f"benchmark corpus {p} not found; set SEQFAST_SHARED_DATA to the folder holding "
                 f"tinyshakespeare.txt and gutenberg/")
    return p


def best_of(fn, repeat: int = 3) -> float:
    """Best wall time in seconds of `repeat` calls of fn()."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def in_subprocess(code: str) -> dict:
    """Run `code` (which must print one JSON dict as its last line) in a fresh interpreter; add its peak RSS."""
    wrapper = code + "\nimport resource as _r, json as _j\nprint(_j.dumps({'maxrss_kb': _r.getrusage(_r.RUSAGE_SELF).ru_maxrss}))\n"
    out = subprocess.run([sys.executable, "-c", wrapper], capture_output=True, text=True, check=True).stdout
    lines = [json.loads(line) for line in out.strip().splitlines() if line.startswith("{")]
    res = {}
    for d in lines:
        res.update(d)
    res["peak_mb"] = res.pop("maxrss_kb") / 1024
    return res


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def table(headers: list[str], rows: list[list]) -> str:
    def fmt(x):
        if isinstance(x, float):
            return f"{x:,.3g}" if abs(x) < 100 else f"{x:,.0f}"
        return str(x)

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(fmt(x) for x in r) + " |" for r in rows]
    return "\n".join(lines)
