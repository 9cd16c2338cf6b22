"""Regressions of the fuzz and sanitizer audit: hostile files raise named errors (ValueError subclasses naming
the file), never RecursionError/NotImplementedError/OverflowError/zlib.error/...; results that were wrong."""
from __future__ import annotations

import gzip
import io
import json
import math
import os
import struct
import subprocess
import sys
import zipfile
import zlib

import numpy as np
import pytest

import seqfast
from seqfast._checks import read_npz

LINES = ["the cat sat on the mat", "the dog sat", "a cat and a dog", "the end"]


def _cli(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "seqfast", *args], input=stdin, capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("hard")
    # the older .npz form of .sfl files (still read by NGramLM.load), as the fuzz corpus keeps it
    old = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "fuzz", "corpus", "sfl", "npz_kn2.sfl")
    (d / "m.sfl").write_bytes(open(old, "rb").read())
    # the .npz form of RNNLM files and the 0.1 binary form of .sfc files (both still read), as seqfast 0.1
    # wrote them: their own checks stay reachable
    rnn = seqfast.RNNLM(5, 3, embedding_dim=None)
    header = json.dumps({"format": "seqfast.RNNLM/1", "config": rnn.config(), "meta": {}})
    with open(d / "r.npz", "wb") as f:
        np.savez(f, __header__=np.array(header), **rnn.params)
    legacy = os.path.join(os.path.dirname(__file__), os.pardir, "data", "legacy", "counts_v1.sfc")
    (d / "c.sfc").write_bytes(open(legacy, "rb").read())
    return d


def _loaders():
    return {"m.sfl": seqfast.NGramLM.load, "r.npz": seqfast.RNNLM.load}


# ---- .npz: one safe reader for both loaders ---------------------------------------------------------------
def _patch_zip(data: bytes, **fields) -> bytes:
    """Set header fields of every local and central directory entry (method, flags, version)."""
    b = bytearray(data)
    for sig, off in ((b"PK\x03\x04", {"version": 4, "flags": 6, "method": 8}),
                     (b"PK\x01\x02", {"version": 6, "flags": 8, "method": 10})):
        i = b.find(sig)
        while i >= 0:
            for k, v in fields.items():
                if k == "flags":
                    v = struct.unpack_from("<H", b, i + off[k])[0] | v
                struct.pack_into("<H", b, i + off[k], v)
            i = b.find(sig, i + 4)
    return bytes(b)


def _npz(members: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, raw in members.items():
            z.writestr(name, raw)
    return buf.getvalue()


def _npy_bytes(header: str, body: bytes = b"", version=1) -> bytes:
    h = header.encode("latin1")
    pad = 64 - (10 + len(h) + 1) % 64
    h = h + b" " * pad + b"\n"
    return b"\x93NUMPY" + bytes([version, 0]) + struct.pack("<H", len(h)) + h + body


_HOSTILE = {
    "method 99": lambda ok: _patch_zip(ok, method=99),
    "version 10.1": lambda ok: _patch_zip(ok, version=101),
    "encrypted": lambda ok: _patch_zip(ok, flags=1),
    "no NUMPY magic": lambda ok: _npz({"meta.npy": b"hello", "__header__.npy": b"x"}),
    "bad header": lambda ok: _npz({"meta.npy": _npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (3,")}),
    "huge shape": lambda ok: _npz({"meta.npy": _npy_bytes("{'descr': '<f8', 'fortran_order': False, "
                                                          "'shape': (100000000000000,)}", b"\0" * 64)}),
    "overflowing shape": lambda ok: _npz({"meta.npy": _npy_bytes("{'descr': '<f8', 'fortran_order': False, "
                                                                 "'shape': (2**70, 2**70)}")}),
    "plain npy": lambda ok: _npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1,)}", b"\0" * 8),
    "object dtype": lambda ok: _npz({"meta.npy": _npy_bytes("{'descr': '|O', 'fortran_order': False, "
                                                            "'shape': (1,)}", b"\0" * 8)}),
    "bad code point": lambda ok: _npz({"__header__.npy": _npy_bytes("{'descr': '<U1', 'fortran_order': False, "
                                                                    "'shape': ()}", b"\xff\xff\xff\xff")}),
    "truncated": lambda ok: ok[:len(ok) // 2],
    "empty": lambda ok: b"",
}


@pytest.mark.parametrize("case", sorted(_HOSTILE))
@pytest.mark.parametrize("which", ["m.sfl", "r.npz"])
def test_hostile_npz_named_error(files, tmp_path, case, which):
    p = tmp_path / ("bad" + os.path.splitext(which)[1])
    p.write_bytes(_HOSTILE[case]((files / which).read_bytes()))
    with pytest.raises(ValueError, match=str(p).replace("\\", "\\\\")) as e:
        _loaders()[which](p)
    assert type(e.value).__name__ in ("ValueError", "_BadFile"), type(e.value)


def test_read_npz_round_trip(tmp_path):
    a = {"x": np.arange(6, dtype=np.float32).reshape(2, 3), "y": np.asfortranarray(np.eye(3)),
         "s": np.array("hé"), "e": np.zeros((0, 4), np.int64)}
    np.savez(tmp_path / "a.npz", **a)
    b = read_npz(tmp_path / "a.npz")
    assert set(b) == set(a)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
        assert a[k].dtype == b[k].dtype
    np.savez_compressed(tmp_path / "c.npz", **a)
    np.testing.assert_array_equal(read_npz(tmp_path / "c.npz")["y"], a["y"])


def test_missing_model_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.sfl"):
        seqfast.NGramLM.load(tmp_path / "nope.sfl")


# ---- JSON nested too deeply, in all four loaders -----------------------------------------------------------
def _rebuild_sfc(data: bytes, edit) -> bytes:
    """Apply edit(doc) -> bytes to the vocabulary JSON of an .sfc file and fix its lengths and checksum."""
    order = struct.unpack_from("<I", data, 12)[0]
    hlen = 24 + 8 * (order + 1)
    sizes = list(struct.unpack_from(f"<{order + 1}Q", data, 24))
    voc = data[hlen:hlen + sizes[0]]
    rest = data[hlen + sizes[0]:]
    new = edit(json.loads(voc))
    sizes[0] = len(new)
    crc = zlib.crc32(rest, zlib.crc32(new))
    head = bytearray(data[:hlen])
    struct.pack_into("<I", head, 20, crc)
    struct.pack_into(f"<{order + 1}Q", head, 24, *sizes)
    return bytes(head) + new + rest


def test_deep_json_everywhere(files, tmp_path):
    deep = "[" * 100000
    p = tmp_path / "v.json"
    p.write_text(deep)
    with pytest.raises(ValueError, match="v.json.*nested too deeply"):
        seqfast.Vocab.load(p)
    p = tmp_path / "c.sfc"
    p.write_bytes(_rebuild_sfc((files / "c.sfc").read_bytes(), lambda doc: deep.encode()))
    with pytest.raises(ValueError, match="c.sfc"):
        seqfast.NGramCounts.load(p)
    meta = np.frombuffer(deep.encode(), dtype=np.uint8)
    np.savez(tmp_path / "m.npz", meta=meta)
    with pytest.raises(ValueError, match="m.npz"):
        seqfast.NGramLM.load(tmp_path / "m.npz")
    np.savez(tmp_path / "r.npz", __header__=np.array(deep))
    with pytest.raises(ValueError, match="r.npz"):
        seqfast.RNNLM.load(tmp_path / "r.npz")


# ---- NGramCounts.load checks --------------------------------------------------------------------------------
@pytest.mark.parametrize("edit, why", [
    (lambda d: {**d, "first_seen": ["0"] + d["first_seen"][1:]}, "first_seen"),
    (lambda d: {**d, "first_seen": [0.0] + d["first_seen"][1:]}, "first_seen"),
    (lambda d: {**d, "unk_token": "\ud800", "specials": ["\ud800"],
                "tokens": ["\ud800"] + d["tokens"][1:]}, "vocabulary"),
])
def test_sfc_bad_vocabulary(files, tmp_path, edit, why):
    p = tmp_path / "c.sfc"
    p.write_bytes(_rebuild_sfc((files / "c.sfc").read_bytes(),
                               lambda d: json.dumps(edit(d)).encode()))
    with pytest.raises(ValueError, match=f"c.sfc.*{why}"):
        seqfast.NGramCounts.load(p)


def test_sfc_counts_that_would_wrap(tmp_path):
    c = seqfast.NGramCounts(seqfast.Vocab(["a", "b"], specials=("<unk>",)),
                            [np.array([[1], [2]], np.int32)], [np.array([2**62, 2**62], np.int64)])
    c.save(tmp_path / "w.sfc")
    with pytest.raises(ValueError, match="w.sfc.*2\\^62"):
        seqfast.NGramCounts.load(tmp_path / "w.sfc")


# ---- other raw exceptions -------------------------------------------------------------------------------------
def test_from_arpa_corrupt_gzip(tmp_path):
    good = gzip.compress(b"\\data\\\nngram 1=2\n\n\\1-grams:\n-1 <s>\n-1 </s>\n\n\\end\\\n" * 50)
    bad = good[:10] + bytes(b ^ 0x55 for b in good[10:40]) + good[40:]
    p = tmp_path / "m.arpa.gz"
    p.write_bytes(bad)
    with pytest.raises(ValueError, match="m.arpa.gz.*gzip"):
        seqfast.NGramLM.from_arpa(p)
    r = _cli("lm", "eval", str(p), str(p))
    assert r.returncode == 1 and b"Traceback" not in r.stderr and b"gzip" in r.stderr


def test_perplexity_overflow_is_inf():
    assert seqfast.perplexity(nll=800.0) == math.inf
    assert seqfast.perplexity(np.full(3, -1000.0)) == math.inf


def test_threads_too_large():
    with pytest.raises(ValueError, match="n_threads"):
        seqfast.resolve_threads(2**31)
    with pytest.raises(ValueError, match="n_threads"):
        seqfast.count_ngrams(LINES, 2, n_threads=2**31)
    assert seqfast.resolve_threads(np.int64(1)) == 1
    r = _cli("count", "-n", "2", "--threads", "2147483648", "-q")
    assert r.returncode == 1 and b"Traceback" not in r.stderr and b"threads" in r.stderr


def test_bad_pattern():
    with pytest.raises(ValueError, match="regular expression"):
        seqfast.tokenize("abc", pattern="(")
    r = _cli("tokenize", "--pattern", "(")
    assert r.returncode == 1 and b"Traceback" not in r.stderr and b"regular expression" in r.stderr


def test_generate_bounded(tmp_path):
    lm = seqfast.NGramLM.fit(LINES, 2, smoothing="add_k", level="whitespace")
    with pytest.raises(ValueError, match="num_words"):
        lm.generate(99999999999999999999)
    lm.save(tmp_path / "m.sfl")
    r = _cli("lm", "generate", str(tmp_path / "m.sfl"), "-n", "99999999999999999999")
    assert r.returncode == 1 and b"num_words" in r.stderr


# ---- wrong results ---------------------------------------------------------------------------------------------
def test_char_lower_equals_tokenize_lower(tmp_path):
    text = "İSTANBUL ΟΔΟΣ ΣΑΣ. ΣΑ'Σ straße\nΑΣ'\n"
    p = tmp_path / "t.txt"
    p.write_text(text, encoding="utf-8")
    from_path = seqfast.count_ngrams(str(p), 1, level="char", lower=True)
    from_lines = seqfast.count_ngrams(iter(text.split("\n")), 1, level="char", lower=True)
    want = {}
    for line in text.split("\n"):
        for ch in seqfast.tokenize(line, level="char", lower=True):
            want[(ch,)] = want.get((ch,), 0) + 1
    assert dict(from_path.items(1)) == want
    assert dict(from_lines.items(1)) == want
    assert ("ς",) in want and ("i",) in want and ("\u0307",) in want


def test_to_arpa_writes_low_values_as_they_are(tmp_path):
    p = tmp_path / "m.arpa"
    p.write_text("\\data\\\nngram 1=3\n\n\\1-grams:\n-1\t<s>\t-0.5\n-0.5\t</s>\n-602.625\tcat\n\n\\end\\\n")
    lm = seqfast.NGramLM.from_arpa(p)
    lm.to_arpa(tmp_path / "back.arpa")
    text = (tmp_path / "back.arpa").read_text()
    assert "-602.625\tcat" in text
    assert "-100\t<unk>" in text  # the missing <unk> KenLM-style: -100, not -99
    back = seqfast.NGramLM.from_arpa(tmp_path / "back.arpa")
    assert back.log10prob("cat") == pytest.approx(-602.625)


def test_count_stdin_gzip_at_every_level(tmp_path):
    text = "a b a\nc a b\n"
    for level in ("word", "whitespace", "char"):
        r = _cli("count", "-", "-n", "1", "-q", "--level", level, stdin=gzip.compress(text.encode()))
        assert r.returncode == 0, r.stderr
        assert "a\t3" in r.stdout.decode().splitlines(), (level, r.stdout)
    bad = gzip.compress(text.encode())[:-6]
    names = set()
    for level in ("word", "whitespace", "char"):
        r = _cli("count", "-", "-n", "1", "-q", "--level", level, stdin=bad)
        assert r.returncode == 1 and b"Traceback" not in r.stderr
        names.add(r.stderr.split(b":")[1].strip() if b":" in r.stderr else r.stderr)
    assert len(names) == 1 and b"<stdin>" in r.stderr
