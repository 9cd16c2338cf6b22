"""The one container every saved object uses (seqfast._container): gzip chosen on write and recognized by
content on read, file objects as destinations, string pools, and the older forms that still load."""
from __future__ import annotations

import io
import os

import numpy as np
import pytest

import seqfast
from seqfast._container import (ContainerError, is_container, open_container, pack_strings, unpack_strings,
                                write_container)


@pytest.mark.parametrize("compress", [False, True])
def test_round_trip_any_name(tmp_path, compress):
    arrays = {"a": np.arange(7, dtype=np.int32), "b": np.eye(3), "e": np.zeros((0, 2), np.int64)}
    for name in ("x.bin", "x.gz"):  # the name never decides
        p = tmp_path / name
        write_container(p, "thing", 3, {"note": "é"}, arrays, compress=compress)
        assert (p.read_bytes()[:2] == b"\x1f\x8b") == compress and is_container(p)
        meta, got = open_container(p, "thing", (3,), verify=True)
        assert meta["note"] == "é" and set(got) == set(arrays)
        for k, v in arrays.items():
            assert got[k].dtype == v.dtype and np.array_equal(got[k], v)


def test_compressed_bytes_are_deterministic(tmp_path):
    for i in range(2):
        write_container(tmp_path / f"{i}.sfc", "t", 1, {}, {"a": np.arange(100)}, compress=True)
    assert (tmp_path / "0.sfc").read_bytes() == (tmp_path / "1.sfc").read_bytes()


def test_file_object_destination(tmp_path):
    buf = io.BytesIO()
    write_container(buf, "t", 1, {"k": 1}, {"a": np.arange(3.0)})
    (tmp_path / "f").write_bytes(buf.getvalue())
    meta, got = open_container(tmp_path / "f", "t")
    assert meta["k"] == 1 and got["a"].tolist() == [0.0, 1.0, 2.0]


def test_corrupt_gzip_and_wrong_kind(tmp_path):
    p = tmp_path / "c"
    write_container(p, "t", 1, {}, {"a": np.arange(1000)}, compress=True)
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(ContainerError, match=r"c: corrupt or truncated gzip"):
        open_container(p, "t")
    write_container(p, "t", 1, {}, {})
    with pytest.raises(ContainerError, match=r"holds a 't', expected a 'vocab'"):
        seqfast.Vocab.load(p)


def test_strings():
    words = ["", "a", "é", "日本", "x y"]
    pool, offs = pack_strings(words)
    assert pool.dtype == np.uint8 and offs.tolist() == [0, 0, 1, 3, 9, 12]
    assert unpack_strings(pool, offs, "w") == words
    with pytest.raises(ContainerError, match="w: string offsets"):
        unpack_strings(pool, offs[::-1].copy(), "w")
    with pytest.raises(ContainerError, match="w: a string is not valid UTF-8"):
        unpack_strings(np.frombuffer(b"\xff", np.uint8), np.array([0, 1]), "w")


@pytest.mark.parametrize("compress", [False, True])
def test_rnnlm_save_load(tmp_path, compress):
    m = seqfast.RNNLM(11, 4, embedding_dim=3, cell="gru", seed=3)
    m.meta = {"itos": list("abcdefghijk")}
    p = tmp_path / "m.npz"
    m.save(p, compress=compress)
    back = seqfast.RNNLM.load(p)
    assert back.config() == m.config() and back.meta == m.meta
    assert back.flat_params.tobytes() == m.flat_params.tobytes()
    buf = io.BytesIO()  # a file object (the CLI's "--save -")
    m.save(buf)
    assert buf.getvalue() == (tmp_path / "m.npz").read_bytes() or compress


def test_rnnlm_loads_v1_npz(data_dir):
    """The .npz form of seqfast 0.1 (a file it wrote, tests/data/legacy) still loads."""
    m = seqfast.RNNLM.load(os.path.join(data_dir, "legacy", "rnnlm_v1.npz"))
    assert m.cell.name == "lstm" and m.vocab_size == 5 and m.meta == {"itos": list("abcde")}
    with np.load(os.path.join(data_dir, "legacy", "rnnlm_v1.npz")) as z:
        for k, v in m.params.items():
            assert np.array_equal(z[k], v)
