"""Helpers for the peer-comparison scripts: timing, peak memory of a fresh process, markdown tables, corpora, and
the Report every compare_*.py returns (bench/compare.py --write formats them into RESULTS.md)."""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import threading
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


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MiB: VmHWM, which starts afresh at exec. (ru_maxrss does not:
    Linux carries the parent's high-water mark into a child started by vfork/exec, so a small child of a big
    driver reports the driver's peak.)"""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux (bytes on macOS)


# Starts the command from a small interpreter, so the command's ru_maxrss is its own (see peak_rss_mb), and
# writes "seconds peak_kib" to the file named by argv[1].
_LAUNCHER = (
    "import os, subprocess, sys, time\n"
    "t0 = time.perf_counter()\n"
    "p = subprocess.Popen(sys.argv[2:])\n"
    "_, st, ru = os.wait4(p.pid, 0)\n"
    "dt = time.perf_counter() - t0\n"
    "with open(sys.argv[1], 'w') as f:\n"
    "    f.write(f'{dt} {ru.ru_maxrss} {ru.ru_utime + ru.ru_stime}')\n"
    "sys.exit(os.waitstatus_to_exitcode(st))\n")


class Measured:
    """What run_measured saw of one command: wall seconds, CPU seconds, peak RSS in MiB, stdout and stderr."""

    def __init__(self, seconds: float, cpu: float, peak_mb: float, stdout: str, stderr: str):
        self.seconds, self.cpu, self.peak_mb, self.stdout, self.stderr = seconds, cpu, peak_mb, stdout, stderr


def run_measured(cmd: list[str], stdin_path: str | None = None, stdout_path: str | None = None,
                 env: dict | None = None) -> Measured:
    """Run cmd to completion and measure it alone: wall and CPU seconds of the command (not of this driver) and
    its own peak RSS (a floor of ~10 MB, the launcher's). Raises RuntimeError with the end of stderr on failure."""
    import tempfile
    fd, stats = tempfile.mkstemp(prefix="seqfast-bench-", suffix=".txt")
    os.close(fd)
    fin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    fout = open(stdout_path, "wb") if stdout_path else subprocess.PIPE
    try:
        r = subprocess.run([sys.executable, "-c", _LAUNCHER, stats, *cmd], stdin=fin, stdout=fout,
                           stderr=subprocess.PIPE, env=env)
        err = r.stderr.decode(errors="replace")
        if r.returncode != 0:
            raise RuntimeError(f"{' '.join(map(str, cmd[:3]))} failed (exit {r.returncode}): {err[-2000:]}")
        with open(stats) as f:
            dt, kib, cpu = f.read().split()
    finally:
        os.unlink(stats)
        for f in (fin, fout):
            if hasattr(f, "close"):
                f.close()
    out = r.stdout.decode(errors="replace") if r.stdout is not None else ""
    return Measured(float(dt), float(cpu), int(kib) / 1024.0, out, err)


def in_subprocess(code: str) -> dict:
    """Run `code` (which must print one JSON dict as its last line) in a fresh interpreter; add its peak RSS
    (``peak_mb``, MiB)."""
    m = run_measured([sys.executable, "-c", code])
    res = {}
    for line in m.stdout.strip().splitlines():
        if line.startswith("{"):
            res.update(json.loads(line))
    res["peak_mb"] = m.peak_mb
    return res


class DiskWatch:
    """Peak bytes of the files under a directory while a block runs (polled by a thread every ``every`` s):
    ``with DiskWatch(d) as w: ...; w.peak``. Files that a process still holds open under the directory after
    unlinking them count too (Linux /proc; lmplz unlinks its temporary files at once). A file that lives shorter
    than a poll can be missed."""

    def __init__(self, path: str, every: float = 0.2):
        self.path, self.every, self.peak = os.path.realpath(path), every, 0
        self._stop = threading.Event()

    def _size(self) -> int:
        total = 0
        for root, _, files in os.walk(self.path):
            for f in files:
                try:
                    total += os.lstat(os.path.join(root, f)).st_blocks * 512
                except OSError:
                    pass
        seen = set()
        for pid in (os.listdir("/proc") if os.path.isdir("/proc") else []):
            if not pid.isdigit():
                continue
            fd_dir = f"/proc/{pid}/fd"
            try:
                fds = os.listdir(fd_dir)
            except OSError:
                continue
            for fd in fds:
                try:
                    target = os.readlink(os.path.join(fd_dir, fd))
                    if target.startswith(self.path + "/") and target.endswith(" (deleted)"):
                        st = os.stat(os.path.join(fd_dir, fd))
                        if (st.st_dev, st.st_ino) not in seen:
                            seen.add((st.st_dev, st.st_ino))
                            total += st.st_blocks * 512
                except OSError:
                    pass
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._size())
            self._stop.wait(self.every)

    def __enter__(self) -> "DiskWatch":
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


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


class Report:
    """One comparison's results as data: a title, the command that made them, peer versions, tables and notes.

    Every compare_<name>.py has ``report(argv) -> Report``; its ``main`` prints ``report().markdown()``, and
    bench/compare.py --write puts every report into bench/RESULTS.md.
    """

    def __init__(self, name: str, title: str, argv: list[str] | None = None):
        self.name, self.title = name, title
        self.command = " ".join(["python", f"bench/compare_{name}.py", *(argv or [])])
        self.peers: dict[str, str] = {}
        self.tables: list[tuple[str, list[str], list[list]]] = []
        self.blocks: list[str] = []
        self.notes: list[str] = []

    def peer(self, name: str, version: str) -> None:
        """Record the version of a peer library the comparison ran against."""
        self.peers[name] = version

    def note(self, text: str) -> None:
        """A sentence shown under the tables (the conditions, what a column means)."""
        self.notes.append(text)

    def table(self, caption: str, headers: list[str], rows: list[list]) -> None:
        self.tables.append((caption, list(headers), [list(r) for r in rows]))

    def raw(self, markdown: str) -> None:
        """Markdown shown as it is (the output of a script without ``report``)."""
        self.blocks.append(markdown.strip())

    def markdown(self, level: int = 2) -> str:
        out = [f"{'#' * level} {self.title}", "", f"`{self.command}`" + (
            "; peers: " + ", ".join(f"{k} {v}" for k, v in sorted(self.peers.items())) if self.peers else "")]
        for caption, headers, rows in self.tables:
            out += ["", caption, "", table(headers, rows)] if caption else ["", table(headers, rows)]
        for block in self.blocks:
            out += ["", block]
        if self.notes:
            out += [""] + self.notes
        return "\n".join(out) + "\n"


def version_of(module: str) -> str | None:
    """The installed version of a peer (None when it is not installed)."""
    try:
        from importlib.metadata import version
        return version(module)
    except Exception:
        return None
