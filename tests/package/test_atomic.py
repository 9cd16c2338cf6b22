"""atomic_write and every writer that uses it: a failed or interrupted write leaves the previous file untouched
and no temporary file behind (file-size limit via RLIMIT_FSIZE, SIGINT and SIGTERM mid-write, in subprocesses)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import seqfast
from seqfast._atomic import atomic_write

resource = pytest.importorskip("resource")


def _leftovers(d):
    return sorted(p for p in os.listdir(d) if p.endswith(".tmp"))


def test_replaces_whole_file(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text("old")
    with atomic_write(p, "w") as f:
        f.write("new")
        assert p.read_text() == "old"  # not visible before the block ends
    assert p.read_text() == "new"
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("exc", [RuntimeError, KeyboardInterrupt])
def test_interruption_keeps_previous_file(tmp_path, exc):
    p = tmp_path / "a.bin"
    p.write_bytes(b"old")
    with pytest.raises(exc):
        with atomic_write(p) as f:
            f.write(b"partial")
            raise exc("boom")
    assert p.read_bytes() == b"old"
    assert _leftovers(tmp_path) == []


def test_mode_bits_kept_and_umask_applied(tmp_path):
    p = tmp_path / "a.bin"
    p.write_bytes(b"old")
    os.chmod(p, 0o640)
    with atomic_write(p) as f:
        f.write(b"new")
    assert (os.stat(p).st_mode & 0o777) == 0o640
    q = tmp_path / "fresh.bin"
    old = os.umask(0o022)
    try:
        with atomic_write(q) as f:
            f.write(b"x")
    finally:
        os.umask(old)
    assert (os.stat(q).st_mode & 0o777) == 0o644


def test_special_file_written_in_place():
    with atomic_write(os.devnull, "w") as f:
        f.write("discarded")
    assert os.path.exists(os.devnull)


def test_bad_mode():
    with pytest.raises(ValueError, match="mode"):
        with atomic_write("x", "ab"):
            pass


# --- every writer under a file-size limit: the write fails, the previous file stays ----------------------------
_WRITERS = {
    "arpa": "lm.to_arpa(OUT)",
    "arpa_gz": "lm.to_arpa(OUT, compress=True)",
    "sfl": "lm.save(OUT)",
    "sfc": "counts.save(OUT)",
    "vocab": "vocab.save(OUT)",
    "rnn": "rnn.save(OUT)",
    "count_o": "sys.exit(3 if cli_main(['count', CORPUS, '-n', '3', '-q', '-o', OUT]) else 0)",
}
_SUFFIX = {"arpa": ".arpa", "arpa_gz": ".arpa.gz", "sfl": ".sfl", "sfc": ".sfc", "vocab": ".json", "rnn": ".npz",
           "count_o": ".tsv"}

_PRELUDE = """
import os, signal, sys, resource
import numpy as np
import seqfast
from seqfast.cli import main as cli_main
OUT, CORPUS = sys.argv[1], sys.argv[2]
text = open(CORPUS, encoding="utf-8").read()
lines = text.splitlines()
lm = seqfast.NGramLM.fit(lines, 3, smoothing="mkn", level="whitespace")
counts = seqfast.count_ngrams(lines, 3, level="whitespace")
vocab = seqfast.Vocab(text.split())
rnn = seqfast.RNNLM(300, 64, embedding_dim=None)
"""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    p = tmp_path_factory.mktemp("corpus") / "c.txt"
    p.write_text(seqfast.datasets.time_machine()[:60000], encoding="utf-8")
    return str(p)


def _run(code, *args, **kw):
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], capture_output=True, text=True,
                          timeout=240, **kw)


@pytest.mark.parametrize("writer", sorted(_WRITERS))
def test_writer_under_file_size_limit(tmp_path, corpus, writer):
    out = tmp_path / ("out" + _SUFFIX[writer])
    out.write_bytes(b"previous contents")
    code = _PRELUDE + f"""
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))
try:
    {_WRITERS[writer]}
except OSError as e:
    print("OSError", e.errno)
    sys.exit(3)
except SystemExit as e:
    sys.exit(3 if e.code else 0)
"""
    r = _run(code, str(out), corpus)
    assert r.returncode == 3, (r.stdout, r.stderr[-2000:])
    assert out.read_bytes() == b"previous contents"
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_mid_write_keeps_previous_file(tmp_path, sig):
    out = tmp_path / "big.bin"
    out.write_bytes(b"previous contents")
    code = """
import sys, time
from seqfast._atomic import atomic_write
with atomic_write(sys.argv[1]) as f:
    for i in range(10**6):
        f.write(b"x" * 4096)
        if i == 10:
            print("writing", flush=True)
        time.sleep(0.001)
"""
    p = subprocess.Popen([sys.executable, "-c", code, str(out)], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "writing"
    time.sleep(0.05)
    assert len(_leftovers(tmp_path)) == 1
    p.send_signal(sig)
    rc = p.wait(timeout=60)
    assert rc != 0
    if sig == signal.SIGTERM:
        assert rc == -signal.SIGTERM  # terminated by the signal, as without atomic_write
    assert out.read_bytes() == b"previous contents"
    assert _leftovers(tmp_path) == []


def test_sigterm_mid_arpa_write(tmp_path, corpus):
    """A real writer killed by SIGTERM while it writes: the previous ARPA file survives intact."""
    out = tmp_path / "m.arpa"
    out.write_text("previous")
    code = _PRELUDE + """
import contextlib, time
import seqfast.lm.arpa as arpa
real = arpa.atomic_write
class Slow:
    def __init__(self, f):
        self.f = f
    def write(self, b):
        print("writing", flush=True)
        time.sleep(0.01)
        return self.f.write(b)
@contextlib.contextmanager
def slow(path, mode="wb", **kw):
    with real(path, mode, **kw) as f:
        yield Slow(f)
arpa.atomic_write = slow
lm.to_arpa(OUT)
"""
    p = subprocess.Popen([sys.executable, "-c", code, str(out), corpus], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "writing"
    p.send_signal(signal.SIGTERM)
    assert p.wait(timeout=60) == -signal.SIGTERM
    assert out.read_text() == "previous"
    assert _leftovers(tmp_path) == []


def test_writers_still_round_trip(tmp_path):
    lines = ["a b c", "b c d", "a b d"]
    lm = seqfast.NGramLM.fit(lines, 2, smoothing="kn", level="whitespace")
    lm.to_arpa(tmp_path / "m.arpa.gz", compress=True)
    assert (tmp_path / "m.arpa.gz").read_bytes()[:2] == b"\x1f\x8b"
    back = seqfast.NGramLM.from_arpa(tmp_path / "m.arpa.gz")
    assert back.logprob("c", ("b",)) == pytest.approx(lm.logprob("c", ("b",)), abs=1e-5)
    c = seqfast.count_ngrams(lines, 2, level="whitespace")
    c.save(tmp_path / "c.sfc")
    assert seqfast.NGramCounts.load(tmp_path / "c.sfc")[("b", "c")] == 2
    assert _leftovers(tmp_path) == []
    _ = np  # numpy imported for the subprocess preludes' parity
