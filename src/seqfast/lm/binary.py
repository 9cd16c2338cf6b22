"""The query-ready binary form of an n-gram model (a ``.sfl`` file), memory-mapped on load.

A ``.sfl`` file is a seqfast container (:mod:`seqfast._container`) of kind ``"ngramlm"``. Its header records
the order, scoring mode, special word ids, n-gram counts, the estimator's parameters and the tokenization the
model was built with; its arrays depend on the layout:

``"hash"`` (default; KenLM's probing layout)
    ``unigrams`` float32 (V, 2) log10 p and backoff by word id; the words as a string table
    (``words_slots``, ``words_hashes``, ``words_offsets``, ``words_pool``: :c:type:`sf_strtab`'s arrays);
    per order n >= 2 ``table{n}``, a linear-probing table of 64-bit n-gram keys with their log10 p (and
    backoff below the top order), 1.45 buckets per n-gram (see csrc/lm_query.h). The n-grams themselves are not
    stored (as KenLM's probing files): such a model scores, predicts and generates, but cannot list its n-grams
    or write ARPA; keep the ARPA file (or save again from the estimated model) for that.

Opening maps the file: it takes the same few milliseconds for any model size, pages are read as queries
touch them, and processes that open one file share its memory.
"""
from __future__ import annotations

import os

import numpy as np

from .. import _lm, _lmq
from .._container import ContainerError, is_container, open_container, write_container

__all__ = ["LAYOUTS", "save_binary", "load_binary", "open_query_model", "hash_arrays", "close_model"]

KIND = "ngramlm"
VERSION = 2
LAYOUTS = ("hash",)


def close_model(itos, grams, logp, bo, scorer):
    """Add every missing prefix and suffix of the model's n-grams (an ARPA file need not have them), each
    with the log10 p the model gives it by backing off and backoff 0, which changes no score; returns new
    (grams, logp, bo) lists. scorer: the model's generic back-off scorer (seqfast._lm.Scorer)."""
    N = len(grams)
    grams, logp, bo = list(grams), list(logp), [None if b is None else b for b in bo]
    for n in range(N, 1, -1):
        g = grams[n - 1]
        if g.shape[0] == 0:
            continue
        cand = np.unique(np.concatenate([g[:, :-1], g[:, 1:]]), axis=0)
        lower = grams[n - 2]
        found = _lm.Index(lower).lookup(cand) if lower.shape[0] else np.full(cand.shape[0], -1)
        miss = np.ascontiguousarray(cand[found < 0], dtype=np.int32)
        if miss.shape[0] == 0:
            continue
        m = n - 1
        offs = np.arange(miss.shape[0] + 1, dtype=np.int64) * m
        s = scorer.score(miss.ravel(), offs, False, False)[m - 1::m]
        grams[n - 2] = np.concatenate([lower, miss])
        logp[n - 2] = np.concatenate([logp[n - 2], s.astype(np.float32)])
        bo[n - 2] = np.concatenate([bo[n - 2], np.zeros(miss.shape[0], np.float32)])
    return grams, logp, bo


def hash_arrays(itos, grams, logp, bo) -> dict:
    """The arrays of the hash layout of a closed model (see the module docstring)."""
    V = len(itos)
    uni = np.zeros((V, 2), dtype=np.float32)
    g1 = grams[0][:, 0]
    uni[g1, 0] = logp[0]
    uni[g1, 1] = bo[0]
    slots, hashes, offsets, pool = _lmq.strtab_arrays(list(itos))
    arrays = {"unigrams": uni, "words_slots": slots, "words_hashes": hashes, "words_offsets": offsets,
              "words_pool": pool}
    N = len(grams)
    for n in range(2, N + 1):
        arrays[f"table{n}"] = _lmq.build_table(grams[n - 1], logp[n - 1], bo[n - 1] if n < N else None,
                                              4 if n < N else 3)
    return arrays


def _model_arrays(lm):
    """Hash-layout arrays of a fitted NGramLM (closing it first when it came from an ARPA file)."""
    grams, logp, bo = lm._grams, lm._logp, lm._bo
    if lm._mode == _lm.MODE_BACKOFF and not lm._closed:
        grams, logp, bo = close_model(lm._itos, grams, logp, bo, lm.scorer)
    return hash_arrays(lm._itos, grams, logp, bo)


def save_binary(lm, path, layout: str = "hash") -> None:
    """Write a fitted NGramLM as a .sfl file of the given layout (atomically)."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, got {layout!r}")
    arrays = _model_arrays(lm)
    header = {"layout": layout, "order": lm.order, "mode": lm._mode, "floor": lm._floor, "bos": lm.bos,
              "eos": lm.eos, "unk": lm.unk, "counts": [int(c) for c in lm.counts], "smoothing": lm.smoothing,
              "k": lm.k, "alpha": lm.alpha, "tokenization": lm.tokenization,
              "discounts": None if lm.discounts is None else np.asarray(lm.discounts).tolist(),
              "tokens": lm.info.get("tokens")}
    write_container(path, KIND, VERSION, header, arrays)


def _open(path, verify: bool = False):
    meta, arrays = open_container(path, KIND, (VERSION,), verify)
    try:
        if meta.get("layout") not in LAYOUTS:
            raise ValueError(f"unknown layout {meta.get('layout')!r}")
        for key in ("order", "mode", "bos", "eos", "unk"):
            if not isinstance(meta.get(key), int) or isinstance(meta.get(key), bool):
                raise ValueError(f"header field {key!r} must be an int")
        if not isinstance(meta.get("floor"), (int, float)):
            raise ValueError("header field 'floor' must be a number")
        counts = meta.get("counts")
        if not isinstance(counts, list) or len(counts) != meta["order"]:
            raise ValueError("header field 'counts' must list one count per order")
        q = _lmq.QueryModel(arrays, meta["order"], meta["mode"], float(meta["floor"]), meta["bos"], meta["eos"],
                            meta["unk"])
    except (ValueError, TypeError) as e:
        raise ContainerError(f"{os.fspath(path)}: corrupt seqfast n-gram model ({e})") from None
    return meta, q


def load_binary(path, verify: bool = False):
    """An NGramLM over a mapped .sfl file; verify=True checks every byte against the recorded checksum."""
    from .model import NGramLM

    meta, q = _open(path, verify)
    tok = meta.get("tokenization") or {}
    try:
        m = NGramLM(meta["order"], meta.get("smoothing", "arpa"), k=meta.get("k", 1.0), alpha=meta.get("alpha", 0.4),
                    level=tok.get("level", "whitespace"), lower=tok.get("lower", False))
    except (ValueError, TypeError) as e:
        raise ContainerError(f"{os.fspath(path)}: corrupt seqfast n-gram model ({e})") from None
    info = {} if meta.get("discounts") is None else {"discounts": np.array(meta["discounts"])}
    if meta.get("tokens") is not None:
        info["tokens"] = meta["tokens"]
    m._attach(q, meta, info)
    return m


def open_query_model(path):
    """A QueryModel of a back-off model: a .sfl file (mapped), an older .npz .sfl or an ARPA file (indexed in
    memory)."""
    from .model import NGramLM

    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such model file")
    if is_container(path):
        meta, q = _open(path)
    else:
        with open(path, "rb") as f:
            zipped = f.read(2) == b"PK"
        lm = NGramLM.load(path) if zipped else NGramLM.from_arpa(path)
        q = _lmq.QueryModel(_model_arrays(lm), lm.order, lm._mode, lm._floor, lm.bos, lm.eos, lm.unk)
    if q.mode != _lm.MODE_BACKOFF:
        raise ValueError(f"{path}: an add-k or stupid-backoff model has no back-off semantics for the kenlm API; "
                         f"score it with seqfast.NGramLM.load")
    return q
