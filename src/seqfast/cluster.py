"""Builds on a Dask cluster: :func:`seqfast.count_ngrams` with ``client=`` runs as tasks on ``dask.distributed``
workers and gives exactly the single-machine result (the same ``.sfc`` bytes).

Stages (the driver moves only small tables; bulk data goes through files in a shared temporary directory):
  split    driver: every input cut into byte ranges that end just after a line break (a gzip file is one range)
  vocab    task per range: the range tokenized by the single-machine reader, tokens interned in first-appearance
           order -> an ids file, the range's token list and per-token frequencies
  merge    driver: the ranges' token lists united in range order, which gives the single-machine
           first-appearance ids; renumbered by frequency like :class:`seqfast.Vocab`; one remap table per range
           goes back to the count tasks
  count    task per range: ids remapped, every n-gram of orders 1..N counted by the C engine; each order's
           sorted rows are cut into partitions by their first word (contiguous id ranges of about equal token
           mass), one file per (range, partition)
  reduce   task per partition: the ranges' rows of the partition combined (sorted, equal rows summed)
  collect  driver: the partitions concatenated in id order (each order is then sorted, as
           :meth:`NGramCounts.arrays` promises)

Requires the ``dask`` extra (``pip install "seqfast[dask]"``). Inputs are local paths (which every worker must
see at the same path) or fsspec URLs (``s3://bucket/corpus.txt``); ``tmpdir`` must be a directory every worker
and the driver can read and write (a shared file system on a real cluster; anything local with a
``LocalCluster``). Workers must run the same seqfast version and build (:func:`check_cluster`).
"""
from __future__ import annotations

import math
import os
import shutil
import sys
import tempfile
import time
import uuid

import numpy as np

__all__ = ["ClusterMismatchError", "check_cluster", "fingerprint", "count_ngrams_dask", "split_inputs"]

#: Target size of a byte range read by one vocabulary/count task: its ids take ~4 bytes per token and the sort
#: engine ~10 more, so a 32 MB range (~7M tokens) keeps a task near 100 MB.
RANGE_BYTES = 32 << 20
#: At least this many ranges and partitions per worker, so that work balances across workers.
TASKS_PER_WORKER = 4


class ClusterMismatchError(RuntimeError):
    """A worker runs another seqfast version or build than the driver: its results could differ, so the build
    is refused. ``mismatches`` maps worker addresses to ``{field: (driver value, worker value)}``."""

    def __init__(self, mismatches: dict):
        self.mismatches = mismatches
        lines = [f"  {addr}: " + ", ".join(f"{k} {w!r} (driver: {d!r})" for k, (d, w) in diff.items())
                 for addr, diff in sorted(mismatches.items())]
        super().__init__(
            f"{len(mismatches)} Dask worker(s) run a different seqfast than this driver:\n" + "\n".join(lines)
            + "\ninstall the same seqfast build on every worker (same version and build options, e.g. "
              "SEQFAST_NATIVE) or remove those workers from the cluster")


# ----------------------------------------------------------------------------------------------------------
# Start-up check
# ----------------------------------------------------------------------------------------------------------
def fingerprint() -> dict:
    """What a process's results depend on: seqfast version, how its C library was built, byte order and word
    size. Equal fingerprints on driver and workers mean equal results."""
    import seqfast
    from ._openmp import build_flags
    flags = build_flags()
    flags.pop("openmp", None)  # OpenMP changes speed, never results (thread-count independence is tested)
    return {"seqfast": seqfast.__version__, "build": " ".join(f"{k}={v}" for k, v in sorted(flags.items())),
            "byteorder": sys.byteorder, "bits": 64 if sys.maxsize > 2**32 else 32}


def check_cluster(client) -> dict:
    """Fingerprints of every worker of a ``dask.distributed.Client``; :class:`ClusterMismatchError` when one differs
    from the driver's, RuntimeError when the cluster has no worker. Returns ``{worker address: fingerprint}``."""
    infos = client.run(fingerprint)
    if not infos:
        raise RuntimeError("the Dask cluster has no workers: start some (e.g. LocalCluster(n_workers=2)) or "
                           "wait for them with client.wait_for_workers(n)")
    mine = fingerprint()
    bad = {}
    for addr, info in infos.items():
        diff = {k: (mine[k], info.get(k)) for k in mine if info.get(k) != mine[k]}
        if diff:
            bad[addr] = diff
    if bad:
        raise ClusterMismatchError(bad)
    return infos


# ----------------------------------------------------------------------------------------------------------
# Inputs: local paths or fsspec URLs, cut into byte ranges at line breaks
# ----------------------------------------------------------------------------------------------------------
def _is_url(p: str) -> bool:
    return "://" in p


def _open(url: str):
    """A seekable binary file object for a local path or an fsspec URL."""
    if _is_url(url):
        import fsspec
        return fsspec.open(url, "rb").open()
    return open(url, "rb")


def _size(url: str) -> int:
    if _is_url(url):
        import fsspec
        fs, p = fsspec.core.url_to_fs(url)
        return int(fs.size(p))
    return os.path.getsize(url)


def _check_input(p) -> str:
    from .ngram import check_path
    if isinstance(p, str) and _is_url(p):
        import fsspec
        fs, q = fsspec.core.url_to_fs(p)
        if not fs.exists(q):
            raise FileNotFoundError(f"{p}: no such file")
        return p
    p = check_path(p)
    if p == "-":
        raise ValueError("a Dask build cannot read standard input ('-'): workers read files; write the input "
                         "to a file every worker can read")
    return p


def _inputs(source) -> list:
    """The inputs of a distributed build as str paths/URLs: one str or PathLike, or a list of PathLike or URL
    str. Lines of text and id arrays are refused (they are already in the driver's memory)."""
    if isinstance(source, (str, os.PathLike)):
        return [_check_input(source)]
    if isinstance(source, (list, tuple)) and source and all(
            isinstance(x, os.PathLike) or (isinstance(x, str) and _is_url(x)) for x in source):
        return [_check_input(x) for x in source]
    raise TypeError("count_ngrams(client=...) reads files: pass a path or URL (str), or a list of paths "
                    "(pathlib.Path) or URLs ('s3://...'); lines of text and id arrays are counted without "
                    "client=")


def split_inputs(paths: list, range_bytes: int) -> list:
    """[(path, start, end), ...] covering every input in order; each range but a file's last ends just after a
    line break; a gzip file is one range (end None: read to its end)."""
    from .ngram import _next_line_start
    from .text import GZIP_MAGIC
    out = []
    for p in paths:
        size = _size(p)
        with _open(p) as f:
            if f.read(2) == GZIP_MAGIC:
                out.append((p, 0, None))
                continue
            bounds = [0]
            while size - bounds[-1] > range_bytes:
                pos = _next_line_start(f, bounds[-1] + range_bytes, size)
                if pos >= size:
                    break
                bounds.append(pos)
            bounds.append(size)
        out.extend((p, a, b) for a, b in zip(bounds[:-1], bounds[1:]))
    return out


class _Slice:
    """Bytes start..end of a binary file object (``read(n)`` as a file's)."""

    def __init__(self, f, start: int, end: int | None):
        self.f, self.left = f, (None if end is None else end - start)
        f.seek(start)

    def read(self, n: int = -1) -> bytes:
        if self.left is None:
            return self.f.read(n)
        if n < 0 or n > self.left:
            n = self.left
        data = self.f.read(n)
        self.left -= len(data)
        return data

    def close(self) -> None:
        self.f.close()


# ----------------------------------------------------------------------------------------------------------
# Files in the shared tmpdir (written under a temporary name and renamed, so a task Dask reruns after a worker
# died replaces its own partial output)
# ----------------------------------------------------------------------------------------------------------
def _write_arrays(path: str, arrays: list) -> int:
    """Write int arrays as one file: an int64 header (count, then dtype code and length of each), then the raw
    little-endian data. Returns the bytes written."""
    codes = {np.dtype("<i4"): 4, np.dtype("<i8"): 8}
    arrays = [np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("<")) for a in arrays]
    head = [len(arrays)]
    for a in arrays:
        head += [codes[a.dtype], a.size]
    tmp = f"{path}.{os.getpid()}.{uuid.uuid4().hex[:8]}.part"
    try:
        with open(tmp, "wb") as f:
            f.write(np.asarray(head, dtype="<i8").tobytes())
            for a in arrays:
                if a.size:
                    f.write(a)  # C-contiguous: its buffer is the raw data
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return 8 * len(head) + sum(a.nbytes for a in arrays)


def _read_arrays(path: str) -> list:
    """The arrays a :func:`_write_arrays` file holds (memory-mapped)."""
    mm = np.memmap(path, dtype=np.uint8, mode="r")
    k = int(mm[:8].view("<i8")[0])
    head = mm[8:8 + 16 * k].view("<i8").reshape(k, 2)
    pos, out = 8 + 16 * k, []
    for code, n in head.tolist():
        dt = "<i4" if code == 4 else "<i8"
        out.append(mm[pos:pos + code * n].view(dt))
        pos += code * n
    return out


def _worker_address() -> str:
    try:
        from distributed import get_worker
        return get_worker().address
    except (ImportError, ValueError):
        return "local"


# ----------------------------------------------------------------------------------------------------------
# Tasks (run on workers; pure functions of their arguments and the files they name)
# ----------------------------------------------------------------------------------------------------------
def vocab_task(rng: tuple, tokenizer, pad: bool, errors: str, out: str) -> dict:
    """Stage vocab: tokenize bytes ``rng = (path, start, end)`` as the single-machine reader does and write its
    ids (int32, -1 after each line; first-appearance ids of this range) to ``out``. Returns ``{"itos": tokens
    of the range by local id, "freq": int64 occurrences per local id, "tokens", "bytes", "seconds",
    "worker"}``."""
    from .ngram import _IdStream, _feed_fileobj, _input_name
    from .text import InvalidUTF8Error, TokenTooLongError
    t0 = time.perf_counter()
    path, start, end = rng
    stream = _IdStream(pad, "line", tokenizer)
    f = _open(path)
    if end is None:
        import gzip
        f = gzip.GzipFile(fileobj=f, mode="rb")
    src = _Slice(f, start, end)
    name = _input_name(path)
    try:
        _feed_fileobj(stream, src, name, errors, None)
    except InvalidUTF8Error as e:  # offsets within the range -> within the file
        raise InvalidUTF8Error(e.path, e.offset + start, e.byte) from None
    except TokenTooLongError as e:
        raise TokenTooLongError(e.path, e.offset + start) from None
    finally:
        src.close()
    ids, itos = stream.finish()
    nbytes = _write_arrays(out, [ids])
    freq = np.bincount(ids[ids >= 0], minlength=len(itos)).astype(np.int64)
    return {"itos": itos, "freq": freq, "tokens": int((ids >= 0).sum()), "bytes": nbytes,
            "read": (end if end is not None else _size(path)) - start,
            "seconds": time.perf_counter() - t0, "worker": _worker_address()}


def count_task(ids_path: str, remap: np.ndarray, V: int, order: int, bounds: np.ndarray, out_prefix: str,
               n_threads: int, method: str) -> dict:
    """Stage count: the ids of one range mapped through ``remap`` (local id -> final id, last element -1),
    every n-gram of orders 1..``order`` counted, and each order's sorted rows cut by first word at ``bounds``
    (partition p holds first ids bounds[p] .. bounds[p+1]-1) into files ``{out_prefix}-p{p}``. Returns
    ``{"rows": rows written per partition, "bytes", "seconds", "worker"}``."""
    from ._ngram import count as _c_count
    t0 = time.perf_counter()
    (ids,) = _read_arrays(ids_path)
    ids = np.ascontiguousarray(remap[ids], dtype=np.int32)
    grams, counts, _ = _c_count(ids, V, order, n_threads, method)
    del ids
    P = len(bounds) - 1
    cuts = [np.searchsorted(g[:, 0], bounds) if g.shape[0] else np.zeros(P + 1, np.int64) for g in grams]
    rows, nbytes = [], 0
    for p in range(P):
        parts = []
        for g, c, cut in zip(grams, counts, cuts):
            parts += [g[cut[p]:cut[p + 1]], c[cut[p]:cut[p + 1]]]
        rows.append(sum(int(cut[p + 1] - cut[p]) for cut in cuts))
        nbytes += _write_arrays(f"{out_prefix}-p{p}", parts)
    return {"rows": rows, "bytes": nbytes, "seconds": time.perf_counter() - t0, "worker": _worker_address()}


def reduce_task(paths: list, V: int, order: int, out: str) -> dict:
    """Stage reduce: the rows of one partition from every range (files of :func:`count_task`) combined per
    order (sorted, equal rows summed) into ``out``. Returns ``{"rows", "bytes", "seconds", "worker"}``."""
    from .ngram import _combine
    t0 = time.perf_counter()
    loaded = [_read_arrays(p) for p in paths]
    parts = []
    for n in range(1, order + 1):
        g = np.concatenate([a[2 * (n - 1)] for a in loaded]).reshape(-1, n)
        c = np.concatenate([a[2 * (n - 1) + 1] for a in loaded])
        g, c = _combine(g, c, V) if len(loaded) > 1 else (g, c)
        parts += [g, c]
    del loaded
    nbytes = _write_arrays(out, parts)
    return {"rows": sum(p.shape[0] for p in parts[1::2]), "bytes": nbytes, "seconds": time.perf_counter() - t0,
            "worker": _worker_address()}


# ----------------------------------------------------------------------------------------------------------
# Driver
# ----------------------------------------------------------------------------------------------------------
def _partition_bounds(freq: np.ndarray, parts: int) -> np.ndarray:
    """First-id boundaries [0, b1, ..., V] cutting ids 0..V-1 into at most ``parts`` contiguous ranges of about
    equal token mass (a word's n-grams starting with it occur about as often as the word)."""
    V = freq.shape[0]
    if V == 0:
        return np.array([0, 0], dtype=np.int64)
    cum = np.cumsum(freq, dtype=np.float64)
    total = cum[-1] if cum[-1] > 0 else 1.0
    b = np.searchsorted(cum, total * np.arange(1, parts) / parts, "left") + 1
    return np.unique(np.concatenate([[0], np.clip(b, 1, V), [V]])).astype(np.int64)


def _run(client, fn, args_list: list, stage: str, token: str) -> list:
    """client.map of fn over argument tuples, keyed by stage and build token; results in order."""
    keys = [f"seqfast-{stage}-{i}-{token}" for i in range(len(args_list))]
    futures = [client.submit(fn, *a, key=k, pure=False) for a, k in zip(args_list, keys)]
    try:
        return client.gather(futures)
    except BaseException:
        client.cancel(futures)
        raise


def count_ngrams_dask(client, paths, order: int, tokenizer, pad: bool = False, errors: str = "strict",
                      vocab=None, n_threads: int = 1, method: str = "sort", tmpdir: str | None = None,
                      range_bytes: int | None = None, partitions: int | None = None, progress: bool = False):
    """:func:`seqfast.count_ngrams` on a Dask cluster (``client``: a ``dask.distributed.Client``); the result
    equals the single-machine one. ``paths``: what :func:`_inputs` accepts. ``range_bytes``: bytes per
    vocabulary/count task (default: about ``RANGE_BYTES``, and at least TASKS_PER_WORKER ranges per worker);
    ``partitions``: reduce tasks (default TASKS_PER_WORKER per worker). ``n_threads``: C threads per task.
    ``result.stats`` reports per stage seconds, tasks per worker, bytes exchanged through ``tmpdir`` and the
    largest partition over the mean."""
    from .ngram import (PAD_SPECIALS, PLAIN_SPECIALS, NGramCounts, _check_pad_vocab, _encode_used,
                        _frequency_perm, _lower_remap, _merge_vocabs)
    from .text import Vocab
    t_start = time.perf_counter()
    paths = _inputs(paths)
    workers = check_cluster(client)
    nw = len(workers)
    specials = PAD_SPECIALS if pad else PLAIN_SPECIALS
    if vocab is not None and pad:
        _check_pad_vocab(vocab)
    stages, say = {}, (lambda msg: print(f"seqfast: {msg}", file=sys.stderr, flush=True)) if progress else (lambda m: None)
    total_bytes = sum(_size(p) for p in paths)
    if range_bytes is None:
        range_bytes = max(1 << 14, min(RANGE_BYTES, math.ceil(total_bytes / (TASKS_PER_WORKER * nw)) or 1))
    work = tempfile.mkdtemp(prefix="seqfast-dask-", dir=tmpdir)
    token = uuid.uuid4().hex[:12]
    try:
        t = time.perf_counter()
        ranges = split_inputs(paths, range_bytes)
        say(f"vocabulary: {len(ranges)} ranges of {total_bytes / 1e6:.1f} MB on {nw} workers")
        voc = _run(client, vocab_task, [(r, tokenizer, pad, errors, os.path.join(work, f"ids{i}"))
                                        for i, r in enumerate(ranges)], "vocab", token)
        stages["vocab"] = time.perf_counter() - t

        t = time.perf_counter()
        itos, remaps = _merge_vocabs([v["itos"] for v in voc])
        freq = np.zeros(len(itos), dtype=np.int64)
        for v, rm in zip(voc, remaps):
            np.add.at(freq, rm[:-1], v["freq"])
        if tokenizer.lower and tokenizer.level == "whitespace":  # C tokenizers intern the original case
            low, itos = _lower_remap(itos, len(specials))
            remaps = [low[rm] for rm in remaps]
            lfreq = np.zeros(len(itos), dtype=np.int64)
            np.add.at(lfreq, low[:-1], freq)
            freq = lfreq
        if vocab is None:
            perm, inv = _frequency_perm(freq, len(specials))
            vocab_out = Vocab.from_tokens([itos[i] for i in perm], specials=specials,
                                          freqs=freq[perm[len(specials):]].tolist())
            final = inv
            first = perm
            final_freq = freq[perm]
        else:
            final = np.append(_encode_used(vocab, itos, freq), -1).astype(np.int32)
            vocab_out = vocab
            first = None
            final_freq = np.zeros(len(vocab), dtype=np.int64)
            np.add.at(final_freq, final[:-1], freq)
        remaps = [final[rm] for rm in remaps]
        V = len(vocab_out)
        bounds = _partition_bounds(final_freq, partitions or TASKS_PER_WORKER * nw)
        P = len(bounds) - 1
        stages["merge"] = time.perf_counter() - t

        t = time.perf_counter()
        say(f"counting: orders 1..{order} of {sum(v['tokens'] for v in voc):,} tokens, {P} partitions")
        cnt = _run(client, count_task, [(os.path.join(work, f"ids{i}"), rm, V, order, bounds,
                                         os.path.join(work, f"c{i}"), n_threads, method)
                                        for i, rm in enumerate(remaps)], "count", token)
        for i in range(len(ranges)):
            os.unlink(os.path.join(work, f"ids{i}"))
        stages["count"] = time.perf_counter() - t

        t = time.perf_counter()
        say(f"merging: {P} partitions")
        red = _run(client, reduce_task, [([os.path.join(work, f"c{i}-p{p}") for i in range(len(ranges))], V,
                                          order, os.path.join(work, f"r{p}")) for p in range(P)], "reduce", token)
        stages["reduce"] = time.perf_counter() - t

        t = time.perf_counter()
        loaded = [_read_arrays(os.path.join(work, f"r{p}")) for p in range(P)]
        grams = [np.concatenate([a[2 * (n - 1)] for a in loaded]).reshape(-1, n).astype(np.int32)
                 for n in range(1, order + 1)]
        counts = [np.concatenate([a[2 * (n - 1) + 1] for a in loaded]).astype(np.int64)
                  for n in range(1, order + 1)]
        del loaded
        stages["collect"] = time.perf_counter() - t
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result = NGramCounts(vocab_out, grams, counts, first_seen=first)
    tasks: dict = {}
    for r in voc + cnt + red:
        tasks[r["worker"]] = tasks.get(r["worker"], 0) + 1
    rows = np.asarray([r["rows"] for r in red], dtype=np.float64)
    result.stats.update({
        "seconds": time.perf_counter() - t_start, "stages": stages, "workers": nw, "tasks_per_worker": tasks,
        "ranges": len(ranges), "partitions": P, "tokens": sum(v["tokens"] for v in voc),
        "task_seconds": {"vocab": sum(v["seconds"] for v in voc), "count": sum(r["seconds"] for r in cnt),
                         "reduce": sum(r["seconds"] for r in red)},
        "bytes_exchanged": {"ids": sum(v["bytes"] for v in voc), "count": sum(r["bytes"] for r in cnt),
                            "reduce": sum(r["bytes"] for r in red),
                            "remaps": sum(rm.nbytes for rm in remaps)},
        "largest_partition_ratio": float(rows.max() / rows.mean()) if rows.size and rows.mean() > 0 else 1.0,
        "threads": n_threads})
    return result
