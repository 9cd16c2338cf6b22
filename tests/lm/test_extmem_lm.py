"""NGramLM.fit(memory=, tmpdir=): the Kneser-Ney model estimated partition by partition (seqfast.extmem) writes
the same ARPA text and the same .sfl bytes as the in-memory build, for orders 1..6, with pruning, with the
discount fallback, at the word and whitespace levels; temporary files go away."""
import os
import pathlib
import warnings

import pytest

import seqfast
from seqfast import extmem
from seqfast._openmp import build_flags

from _lmdata import model_files

DATA = pathlib.Path(__file__).resolve().parent.parent / "data"
BOOK = DATA / "chesterton-thursday.txt"


@pytest.fixture
def tiny_runs(monkeypatch):
    """Chunks and partitions sized for a 4 MB budget whatever memory= says (many runs, and a model that still
    fits the budget given, so fit returns it)."""
    real = extmem.plan
    monkeypatch.setattr(extmem, "plan", lambda budget, *a: real(4 << 20, *a))


@pytest.mark.parametrize("order,level,kw", [
    (1, "word", {}),
    (2, "whitespace", {"lower": True}),
    (3, "word", {"smoothing": "kn"}),
    (4, "whitespace", {"prune": (0, 1, 1)}),
    (5, "word", {"prune": (0, 0, 1, 2)}),
    (6, "word", {"lower": True}),
])
def test_capped_fit_same_bytes(tmp_path, tiny_runs, order, level, kw):
    mem = seqfast.NGramLM.fit(BOOK, order, level=level, **kw)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    cap = seqfast.NGramLM.fit(BOOK, order, level=level, memory="1G", tmpdir=tmp, arpa=tmp_path / "streamed.arpa",
                              **kw)
    assert os.listdir(tmp) == []
    a_mem, s_mem = model_files(mem, tmp_path, "mem")
    a_cap, s_cap = model_files(cap, tmp_path, "cap")
    assert a_cap == a_mem
    assert (tmp_path / "streamed.arpa").read_bytes() == a_mem
    assert s_cap == s_mem
    assert cap.info["tokens"] == mem.info["tokens"]


@pytest.mark.parametrize("order", [3, 5])
def test_capped_fit_streams_arpa_larger_than_memory(tmp_path, order):
    """With a 4 MB budget the model does not fit: only the ARPA file is written, from disk, byte-identical."""
    out = tmp_path / "capped.arpa"
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    assert seqfast.NGramLM.fit(BOOK, order, memory="4M", tmpdir=tmp, arpa=out) is None
    assert os.listdir(tmp) == []
    seqfast.NGramLM.fit(BOOK, order).to_arpa(tmp_path / "mem.arpa")
    assert out.read_bytes() == (tmp_path / "mem.arpa").read_bytes()


def test_capped_fit_discount_fallback(tmp_path):
    lines = ["a b c d"] * 50 + ["a b c e"] * 3  # too regular: some counts-of-counts are 0
    with pytest.raises(seqfast.lm.KNDiscountError):
        seqfast.NGramLM.fit(lines, 4, memory="4M", tmpdir=tmp_path)
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        mem = seqfast.NGramLM.fit(lines, 4, discount_fallback=True)
        cap = seqfast.NGramLM.fit(lines, 4, discount_fallback=True, memory="4M", tmpdir=tmp_path)
    assert os.listdir(tmp_path) == []
    assert model_files(cap, tmp_path, "cap") == model_files(mem, tmp_path, "mem")


def test_capped_fit_model_larger_than_memory_needs_a_file(tmp_path):
    with pytest.raises(seqfast.MemoryLimitError, match="arpa="):
        seqfast.NGramLM.fit(BOOK, 3, memory="4M", tmpdir=tmp_path)
    out = tmp_path / "big.arpa"
    assert seqfast.NGramLM.fit(BOOK, 3, memory="4M", tmpdir=tmp_path, arpa=out) is None
    assert out.read_bytes() == model_files(seqfast.NGramLM.fit(BOOK, 3), tmp_path, "mem")[0]
    assert sorted(os.listdir(tmp_path)) == ["big.arpa", "mem.arpa", "mem.sfl"]


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="VmHWM is read from /proc")
def test_capped_build_peak_rss_and_progress(tmp_path):
    """A capped 5-gram build in a fresh process: peak RSS (VmHWM: getrusage's maxrss would include the pytest
    process the child was forked from) within the budget + 200 MB (not checked in an AddressSanitizer build);
    progress names every stage on a terminal's stderr."""
    import subprocess
    import sys
    code = f"""
import sys
class TTY:
    def __init__(self): self.text = []
    def isatty(self): return True
    def write(self, s): self.text.append(s)
    def flush(self): pass
tty = TTY(); real = sys.stderr; sys.stderr = tty
import seqfast
seqfast.NGramLM.fit({str(BOOK)!r}, 5, memory="4M", tmpdir={str(tmp_path)!r}, arpa={str(tmp_path / "m.arpa")!r},
                    progress=True)
sys.stderr = real
print(next(l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM:")))
print("".join(tty.text))
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    peak_kb, text = r.stdout.split("\n", 1)
    if build_flags()["sanitize"] == "0":  # ASan's shadow memory and quarantine inflate RSS several times
        assert int(peak_kb) * 1024 < (4 << 20) + (200 << 20)
    for stage in ("counting: chunk", "merging: partition", "estimating: interpolation", "writing the ARPA file"):
        assert stage in text
    assert os.listdir(tmp_path) == ["m.arpa"]


def test_kn_tables_made_while_merging_equal_those_made_from_the_partmodel_files(tmp_path):
    """merge_partition(bos=) makes a partition's Kneser-Ney tables while its rows are in memory; kn_stats makes
    the same (counts-of-counts, continuation counts and the suffix-link and adjusted-count files) from the
    part files of a partition merged without bos."""
    import numpy as np
    from seqfast.ngram import _classify
    kind, items = _classify(BOOK)
    tables = []
    for kn in (True, False):
        wd = tmp_path / str(kn)
        wd.mkdir()
        b = extmem.Build(str(wd), 4, 4 << 20)
        b.kn = kn
        b.count(kind, items, seqfast.NGramLM(4, level="whitespace")._tokenizer, True, "line", "strict")
        assert len(b.parts) > 1
        bos = b.vocab["<s>"]
        stats = [extmem.kn_stats(p, 4, bos, len(b.vocab)) for p in b.parts]
        files = {f: np.load(wd / f) for f in sorted(os.listdir(wd)) if f.endswith((".suf.npy", ".adj.npy"))}
        tables.append((stats, files))
    (s1, f1), (s2, f2) = tables
    assert f1.keys() == f2.keys() and len(f1) == 4 * len(s1)  # suf of orders 3, 4; adj of 2, 3
    assert all(np.array_equal(f1[k], f2[k]) for k in f1)
    assert all(np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]) for a, b in zip(s1, s2))
