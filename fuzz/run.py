#!/usr/bin/env python3
"""Run the fuzz targets of fuzz/targets.py for a bounded time; exit 1 on any crash, hang, raw exception or
disagreement with a reference, saving the input under fuzz/findings/<target>/.

    python fuzz/run.py                       # every target, 90 s in all, plain mutation runner
    python fuzz/run.py --seconds 600 arpa    # one target for longer
    python fuzz/run.py --engine atheris      # coverage-guided (pip install atheris), one process per target
    python fuzz/run.py --replay FILE... --target arpa   # re-run saved inputs

Each target runs in its own child process (so a segfault is caught and reported with its input). The
mutation runner starts from the seed corpus fuzz/corpus/<target>/ and applies byte flips, insertions,
deletions, splices of two inputs, repeated chunks and format tokens (``\\end\\``, ``ngram 1=``, huge numbers,
nesting brackets). An input taking longer than --timeout seconds is a hang. Results: inputs per target and
outcome counts by class (ok, named, raw, wrong, crash, hang).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

TOKENS = [b"\n", b" ", b"\t", b"\r\n", b"\\data\\\n", b"ngram 1=", b"ngram 2=", b"\\1-grams:\n", b"\\2-grams:\n",
          b"\\end\\\n", b"-99", b"-inf", b"nan", b"1e308", b"-0x1p1", b"99999999999999999999", b"-1", b"0",
          b"<s>", b"</s>", b"<unk>", b"\xc2\xa0", b"\x0b", b"\x1c", b"\xff", b"\xed\xa0\x80", b"\xc4\xb0", b"\xce\xa3",
          b"[" * 64, b"{\"a\":" * 32, b"\x1f\x8b", b"PK\x03\x04", b"\x93NUMPY", b"'shape': (", b"<U", b"\"\\ud800\""]


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang()


def mutate(rng: random.Random, data: bytes, pool: list) -> bytes:
    b = bytearray(data)
    for _ in range(rng.choice((1, 1, 2, 3, 8))):
        op = rng.randrange(8)
        pos = rng.randrange(len(b) + 1)
        if op == 0 and b:
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
        elif op == 1 and b:
            b[rng.randrange(len(b))] = rng.randrange(256)
        elif op == 2:
            b[pos:pos] = rng.choice(TOKENS)
        elif op == 3 and b:
            n = rng.randint(1, min(64, len(b)))
            del b[pos:pos + n]
        elif op == 4 and pool:
            other = rng.choice(pool)
            if other:
                a = rng.randrange(len(other))
                b[pos:pos] = other[a:a + rng.randint(1, 256)]
        elif op == 5 and b:
            a = rng.randrange(len(b))
            chunk = bytes(b[a:a + rng.randint(1, 16)])
            b[pos:pos] = chunk * rng.randint(2, 64)
        elif op == 6:
            b[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif op == 7 and b:
            del b[pos:]
    return bytes(b[:1 << 20])


def load_corpus(target: str) -> list:
    d = os.path.join(HERE, "corpus", target)
    out = []
    if os.path.isdir(d):
        for name in sorted(os.listdir(d)):
            with open(os.path.join(d, name), "rb") as f:
                out.append(f.read())
    return out or [b""]


def child(target: str, seconds: float, timeout: float, seed: int, state_path: str) -> None:
    """Mutation loop in this process; writes the current input to state_path before running it."""
    from targets import TARGETS, Disagreement, RawError
    fn = TARGETS[target]
    rng = random.Random(seed)
    pool = load_corpus(target)
    counts = {"ok": 0, "named": 0, "raw": 0, "wrong": 0, "hang": 0}
    findings = []
    signal.signal(signal.SIGALRM, _alarm)
    t_end = time.monotonic() + seconds
    i = 0
    while time.monotonic() < t_end:
        data = pool[i] if i < len(pool) else mutate(rng, rng.choice(pool), pool)
        i += 1
        with open(state_path, "wb") as f:
            f.write(data)
        signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            cls = fn(data)
        except Hang:
            cls, why = "hang", f"took longer than {timeout} s"
        except RawError as e:
            cls, why = "raw", str(e)
        except Disagreement as e:
            cls, why = "wrong", str(e)
        except Exception as e:  # noqa: BLE001 - a bug in the target's own checks counts as raw
            cls, why = "raw", f"{type(e).__name__}: {e}\n{traceback.format_exc(limit=3)}"
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        counts[cls] += 1
        if cls in ("raw", "wrong", "hang"):
            findings.append((cls, why, data))
            if len(findings) >= 20:
                break
        elif cls == "ok" and len(pool) < 2000 and rng.random() < 0.05:
            pool.append(data)  # accepted inputs make good parents
    counts["inputs"] = i
    save_findings(target, findings)
    print(json.dumps({"target": target, "counts": counts,
                      "findings": [(c, w[:300]) for c, w, _ in findings[:5]]}), flush=True)


def save_findings(target: str, findings: list) -> None:
    if not findings:
        return
    d = os.path.join(HERE, "findings", target)
    os.makedirs(d, exist_ok=True)
    for k, (cls, why, data) in enumerate(findings):
        with open(os.path.join(d, f"{cls}-{k}.bin"), "wb") as f:
            f.write(data)
        with open(os.path.join(d, f"{cls}-{k}.txt"), "w") as f:
            f.write(why + "\n")


def atheris_child(target: str, seconds: float, timeout: float) -> None:
    import atheris
    with atheris.instrument_imports():
        from targets import TARGETS
    fn = TARGETS[target]
    d = os.path.join(HERE, "findings", target)
    os.makedirs(d, exist_ok=True)
    corpus = os.path.join(HERE, "corpus", target)
    work = os.path.join(d, "corpus")  # libFuzzer adds new inputs to the first directory: not the seeds
    os.makedirs(work, exist_ok=True)
    atheris.Setup([sys.argv[0], f"-max_total_time={int(seconds)}", f"-timeout={max(1, int(timeout))}",
                   f"-artifact_prefix={d}/", "-rss_limit_mb=4096", "-max_len=65536", work, corpus],
                  lambda data: fn(data))
    atheris.Fuzz()


def run_target(target: str, seconds: float, timeout: float, seed: int, engine: str) -> dict:
    state = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"seqfast-fuzz-{os.getpid()}-{target}.in")
    cmd = [sys.executable, os.path.abspath(__file__), "--child", target, "--seconds", str(seconds),
           "--timeout", str(timeout), "--seed", str(seed), "--state", state, "--engine", engine]
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 10 * timeout + 60)
        rc, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        rc, out, err = "hang", e.stdout or "", e.stderr or ""
        if isinstance(out, bytes):
            out, err = out.decode(errors="replace"), (err or b"").decode(errors="replace")
    res = None
    for line in (out or "").splitlines():
        if line.startswith("{"):
            res = json.loads(line)
    if engine == "atheris":
        res = {"target": target, "counts": {"inputs": "see log"}, "findings": []}
        if rc != 0:
            res["findings"].append(("crash" if isinstance(rc, int) and rc < 0 else "raw", err[-1500:]))
        res["counts"]["status"] = rc
    elif res is None:  # the child died: a crash (signal) or a hang of the whole process
        data = open(state, "rb").read() if os.path.exists(state) else b""
        cls = "hang" if rc == "hang" else "crash"
        save_findings(target, [(cls, f"child exit {rc}\n{err[-3000:]}", data)])
        res = {"target": target, "counts": {cls: 1}, "findings": [(cls, f"exit {rc}: {err[-600:]}")]}
    if os.path.exists(state):
        os.remove(state)
    res["seconds"] = round(time.monotonic() - t0, 1)
    return res


def replay(target: str, files: list) -> int:
    from targets import TARGETS
    bad = 0
    for f in files:
        data = open(f, "rb").read()
        try:
            print(f, TARGETS[target](data))
        except Exception as e:  # noqa: BLE001
            bad += 1
            print(f, "FAIL", type(e).__name__, e)
    return 1 if bad else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("targets", nargs="*", help="targets to run (default: all)")
    ap.add_argument("--seconds", type=float, default=90.0, help="total time budget, split among targets")
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds one input may take (else: hang)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--engine", choices=("auto", "mutate", "atheris"), default="mutate")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--state", help=argparse.SUPPRESS)
    ap.add_argument("--replay", nargs="+", metavar="FILE", help="re-run saved inputs through --target")
    ap.add_argument("--target", help="with --replay")
    a = ap.parse_args()
    if a.replay:
        return replay(a.target, a.replay)
    if a.child:
        if a.engine == "atheris":
            atheris_child(a.child, a.seconds, a.timeout)
        else:
            child(a.child, a.seconds, a.timeout, a.seed, a.state)
        return 0
    from targets import TARGETS
    engine = a.engine
    if engine == "auto":
        try:
            import atheris  # noqa: F401
            engine = "atheris"
        except ImportError:
            engine = "mutate"
    names = a.targets or list(TARGETS)
    unknown = [n for n in names if n not in TARGETS]
    if unknown:
        ap.error(f"unknown targets {unknown}; known: {sorted(TARGETS)}")
    per = a.seconds / len(names)
    failed = False
    print(f"fuzz: engine {engine}, {per:.0f} s per target, timeout {a.timeout} s per input")
    for name in names:
        r = run_target(name, per, a.timeout, a.seed, engine)
        c = r["counts"]
        bad = sum(c.get(k, 0) for k in ("raw", "wrong", "crash", "hang")) or bool(r["findings"])
        failed |= bool(bad)
        print(f"{name:12s} {r['seconds']:6.1f} s  " + "  ".join(f"{k} {v}" for k, v in c.items()))
        for cls, why in r["findings"]:
            print(f"    {cls}: {why}")
    if failed:
        print(f"fuzz: FAILED; inputs saved under {os.path.join(HERE, 'findings')}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
