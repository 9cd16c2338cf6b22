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

``"trie"`` (compact; KenLM's trie layout)
    the n-grams of each order sorted by their words read backwards, bit-packed: word id (ceil(log2 V) bits),
    log10 p and log10 backoff (floats without loss in 28-31 bits: mantissa, the exponent relative to the order's
    smallest, the sign of backoffs only) and the first record of the next order that extends it
    (ceil(log2 k_{n+1}) bits); lookups binary-search the run of records that
    extend the matched suffix. With ``qbits=q`` (``-q q``) probabilities and backoffs are quantized to q bits
    per order (2**q bins of equal count, each value replaced by its bin's mean, as KenLM's ``-q``); the header
    records the largest error that made (``quant_max_error``: log10 units, per order: [prob, backoff]).
    Back-off models only.

Opening maps the file: it takes the same few milliseconds for any model size, pages are read as queries
touch them, and processes that open one file share its memory.
"""
from __future__ import annotations

import os

import numpy as np

from .. import _lm, _lmq
from .._threads import resolve_threads
from .._container import ContainerError, is_container, open_container, write_container

__all__ = ["LAYOUTS", "save_binary", "load_binary", "open_query_model", "hash_arrays", "close_model"]

KIND = "ngramlm"
VERSION = 2
LAYOUTS = ("hash", "trie")


def close_model(itos, grams, logp, bo, scorer):
    """Add every missing prefix and suffix of the model's n-grams (an ARPA file need not have them), each
    with the log10 p the model gives it by backing off and backoff 0, which changes no score; returns new
    (grams, logp, bo) lists. scorer: the model's generic back-off scorer (seqfast._lm.Scorer)."""
    N = len(grams)
    grams, logp, bo = list(grams), list(logp), [None if b is None else b for b in bo]
    nt = resolve_threads(None)
    for n in range(N, 1, -1):
        g = np.ascontiguousarray(grams[n - 1], dtype=np.int32)
        if g.shape[0] == 0:
            continue
        lower = grams[n - 2]
        if lower.shape[0]:  # hash lookups of every prefix (offset 0) and suffix (offset 1), in place
            ix = _lm.Index(lower, nt, True)
            pre, suf = ix.lookup(g, 0, nt), ix.lookup(g, 1, nt)
            cand = np.concatenate([g[pre < 0, :-1], g[suf < 0, 1:]])
        else:
            cand = np.concatenate([g[:, :-1], g[:, 1:]])
        if cand.shape[0] == 0:
            continue
        miss = np.ascontiguousarray(np.unique(cand, axis=0), dtype=np.int32)
        m = n - 1
        offs = np.arange(miss.shape[0] + 1, dtype=np.int64) * m
        s = scorer.score(miss.ravel(), offs, False, False)[m - 1::m]
        grams[n - 2] = np.concatenate([lower, miss])
        logp[n - 2] = np.concatenate([logp[n - 2], s.astype(np.float32)])
        bo[n - 2] = np.concatenate([bo[n - 2], np.zeros(miss.shape[0], np.float32)])
    return grams, logp, bo


def _word_arrays(itos, grams, logp, bo) -> dict:
    """The arrays both layouts share: ``unigrams`` float32 (V, 2) (log10 p, backoff by word id) and the words'
    string table (``words_*``)."""
    uni = np.zeros((len(itos), 2), dtype=np.float32)
    g1 = grams[0][:, 0]
    uni[g1, 0] = logp[0]
    uni[g1, 1] = bo[0]
    slots, hashes, offsets, pool = _lmq.strtab_arrays(list(itos))
    return {"unigrams": uni, "words_slots": slots, "words_hashes": hashes, "words_offsets": offsets,
            "words_pool": pool}


def hash_arrays(itos, grams, logp, bo) -> dict:
    """The arrays of the hash layout of a closed model (see the module docstring)."""
    arrays = _word_arrays(itos, grams, logp, bo)
    N = len(grams)
    for n in range(2, N + 1):
        arrays[f"table{n}"] = _lmq.build_table(grams[n - 1], logp[n - 1], bo[n - 1] if n < N else None,
                                              4 if n < N else 3)
    return arrays


def _quantize(v: np.ndarray, q: int):
    """(bin index uint64 (k,), centres float32 (2**q,), max |error|): 2**q bins of equal count over the sorted
    values, each centre the mean of its bin's values."""
    k = v.shape[0]
    B = 1 << q
    centres = np.zeros(B, dtype=np.float32)
    if k == 0:
        return np.zeros(0, np.uint64), centres, 0.0
    order = np.argsort(v, kind="stable")
    bins = (np.arange(k, dtype=np.int64) * B) // k  # bin of each rank
    sv = v[order].astype(np.float64)
    sums = np.bincount(bins, weights=sv, minlength=B)
    cnt = np.bincount(bins, minlength=B)
    centres[:] = np.where(cnt > 0, sums / np.maximum(cnt, 1), 0.0)
    idx = np.empty(k, dtype=np.uint64)
    idx[order] = bins.astype(np.uint64)
    err = float(np.abs(centres[idx.astype(np.int64)] - v).max())
    return idx, centres, err


def _pack_floats(v: np.ndarray, signed: bool):
    """(field uint64 (k,), width, e0, eb): float32 values losslessly in 23 + eb (+ 1 sign) bits (see lm_qtrie)."""
    u = np.ascontiguousarray(v, dtype=np.float32).view(np.uint32).astype(np.uint64)
    e = (u >> np.uint64(23)) & np.uint64(255)
    nz = e[e > 0]
    e0 = int(nz.min()) if nz.size else 1
    code = np.where(e == 0, np.uint64(0), e - np.uint64(e0) + np.uint64(1))
    eb = max(1, int(code.max()).bit_length()) if code.size else 1
    field = (code << np.uint64(23)) | (u & np.uint64(0x7FFFFF))
    if signed:
        field |= (u >> np.uint64(31)) << np.uint64(23 + eb)
    return field, 23 + eb + int(signed), e0, eb


def trie_arrays(itos, grams, logp, bo, qbits: int | None = None):
    """(arrays, per-order fields [k, wb, pb, bb, nb], quantization errors) of the trie layout of a closed model."""
    V = len(itos)
    N = len(grams)
    arrays = _word_arrays(itos, grams, logp, bo)
    # each order sorted by its words read backwards; parent = row of the suffix w_2..w_n in the order below
    rev, vals, parents = [None] * (N + 1), [None] * (N + 1), [None] * (N + 1)
    for n in range(2, N + 1):
        r = np.ascontiguousarray(grams[n - 1][:, ::-1])
        perm = np.lexsort(r.T[::-1])
        r = np.ascontiguousarray(r[perm])
        rev[n] = r
        vals[n] = (np.asarray(logp[n - 1], np.float32)[perm],
                   None if n == N else np.asarray(bo[n - 1], np.float32)[perm])
        if n == 2:
            parents[n] = r[:, 0].astype(np.int64)
        else:
            parents[n] = _lm.prefix_rows(r, rev[n - 1])
    wb = max(1, int(V - 1).bit_length())
    fields, errors = [], []
    nxt_of = {}
    for n in range(1, N):  # next pointers of order n into order n + 1
        k_lo = V if n == 1 else rev[n].shape[0]
        nxt_of[n] = np.searchsorted(parents[n + 1], np.arange(k_lo + 1), side="left").astype(np.int64)
    arrays["uni_next"] = nxt_of[1] if N > 1 else np.zeros(V + 1, np.int64)
    for n in range(2, N + 1):
        k = rev[n].shape[0]
        p, b = vals[n]
        words = np.append(rev[n][:, n - 1].astype(np.uint64), np.uint64(0))  # + the sentinel record
        perr = berr = 0.0
        pe0 = peb = be0 = beb = 0
        if qbits:
            pidx, pq, perr = _quantize(p, qbits)
            arrays[f"pq{n}"], pb, pfield = pq, qbits, np.append(pidx, np.uint64(0))
        else:
            pfield, pb, pe0, peb = _pack_floats(p, signed=False)
            pfield = np.append(pfield, np.uint64(0))
        f, w = [words, pfield], [wb, pb]
        bb = nb = 0
        if n < N:
            if qbits:
                bidx, bq, berr = _quantize(b, qbits)
                arrays[f"bq{n}"], bb, bfield = bq, qbits, np.append(bidx, np.uint64(0))
            else:
                bfield, bb, be0, beb = _pack_floats(b, signed=True)
                bfield = np.append(bfield, np.uint64(0))
            nb = max(1, int(rev[n + 1].shape[0]).bit_length())
            f += [bfield, nxt_of[n].astype(np.uint64)]
            w += [bb, nb]
        arrays[f"trie{n}"] = _lmq.pack_records(f, w)
        fields.append([int(k), wb, pb, bb, nb, pe0, peb, be0, beb])
        errors.append([perr, berr])
    return arrays, fields, errors


def _closed_tables(lm):
    """(grams, logp, bo) of a fitted NGramLM, closed under prefixes and suffixes."""
    grams, logp, bo = lm._grams, lm._logp, lm._bo
    if lm._mode == _lm.MODE_BACKOFF and not lm._closed:
        grams, logp, bo = close_model(lm._itos, grams, logp, bo, lm.scorer)
    return grams, logp, bo


def _model_arrays(lm):
    """Hash-layout arrays of a fitted NGramLM (closing it first when it came from an ARPA file)."""
    return hash_arrays(lm._itos, *_closed_tables(lm))


def save_binary(lm, path, layout: str = "hash", qbits: int | None = None) -> dict:
    """Write a fitted NGramLM as a .sfl file of the given layout (atomically); returns the header written.
    qbits (trie layout only): quantize log10 probabilities and backoffs to that many bits (1..16)."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, got {layout!r}")
    extra = {}
    if layout == "trie":
        if lm._mode != _lm.MODE_BACKOFF:
            raise ValueError(f"the trie layout holds back-off models; save a {lm.smoothing!r} model with "
                             f"layout='hash'")
        if qbits is not None and (isinstance(qbits, bool) or not isinstance(qbits, int) or not 1 <= qbits <= 16):
            raise ValueError(f"qbits must be an int from 1 to 16 (or None: no quantization), got {qbits!r}")
        arrays, fields, errors = trie_arrays(lm._itos, *_closed_tables(lm), qbits=qbits)
        extra = {"trie": fields, "quant_bits": qbits, "quant_max_error": errors if qbits else None}
    else:
        if qbits is not None:
            raise ValueError("quantization (qbits) is for the trie layout (layout='trie')")
        arrays = _model_arrays(lm)
    header = dict(extra, **{"layout": layout, "order": lm.order, "mode": lm._mode, "floor": lm._floor, "bos": lm.bos,
              "eos": lm.eos, "unk": lm.unk, "counts": [int(c) for c in lm.counts], "smoothing": lm.smoothing,
              "k": lm.k, "alpha": lm.alpha, "tokenization": lm.tokenization,
              "discounts": None if lm.discounts is None else np.asarray(lm.discounts).tolist(),
              "tokens": lm.info.get("tokens")})
    write_container(path, KIND, VERSION, header, arrays)
    return header


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
        trie = meta.get("trie")
        if meta["layout"] == "trie" and (not isinstance(trie, list) or not all(
                isinstance(f, list) and len(f) == 9 and all(isinstance(x, int) for x in f) for f in trie)):
            raise ValueError("header field 'trie' must list [k, wb, pb, bb, nb, pe0, peb, be0, beb] per order above 1")
        q = _lmq.QueryModel(arrays, meta["order"], meta["mode"], float(meta["floor"]), meta["bos"], meta["eos"],
                            meta["unk"], meta["layout"], trie)
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
                    level=tok.get("level", "whitespace"), lower=tok.get("lower", False), pattern=tok.get("pattern"))
    except (ValueError, TypeError) as e:
        raise ContainerError(f"{os.fspath(path)}: corrupt seqfast n-gram model ({e})") from None
    info = {} if meta.get("discounts") is None else {"discounts": np.array(meta["discounts"])}
    if meta.get("tokens") is not None:
        info["tokens"] = meta["tokens"]
    m._attach(q, meta, info)
    m._source_path = os.path.abspath(os.fspath(path))  # a pickled copy maps the file again
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
