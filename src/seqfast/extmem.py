"""The out-of-core (memory-capped) build of n-gram counts and Kneser-Ney models, as pure stages over files.

``count_ngrams(..., memory="2G", tmpdir=...)`` and ``NGramLM.fit(..., memory=..., tmpdir=...)`` run these
stages one after the other; a distributed engine can run the per-chunk and per-partition stages on workers
(every stage reads files and small arguments and writes files under the work directory ``wd``). The
results are byte for byte those of the in-memory build.

Stages (after KenLM's lm/builder; the C kernels are in csrc/ngram_runs.c, ngram_merge.c and lm_*.c)::

    tokenize_source   text -> ids file (first-appearance ids, -1 at line breaks), token frequencies
    (driver)          frequencies -> the vocabulary in frequency order, a remap of the ids (vocab_plan)
    count_chunk       a slice of the ids file -> a run file: the slice's n-grams of orders 2..N, sorted,
                      split into P partitions by the second-to-last word (id % P); unigram counts
    merge_partition   section p of every run -> part files of partition p (rows summed, sorted); before a
                      Kneser-Ney estimate also the partition's suffix links, adjusted counts and their
                      counts-of-counts (orders merged from the highest down)
    write_counts      unigrams + part files -> the .sfc file of NGramCounts.save (P-way merge per order)
    kn_stats          counts-of-counts per order, unigram continuation counts (summed over p): made by
                      merge_partition, or from the part files
    (driver)          discounts, unigram probabilities and backoffs (kn_globals)
    kn_estimate       part files + globals -> per order the kept rows with their probability, and the
                      gamma of the contexts ending in this partition's words
    write_model       estimate files -> ARPA text, or the arrays of an in-memory NGramLM

Partitioning by the second-to-last word keeps Kneser-Ney local: an n-gram, its suffix (adjusted counts,
interpolation with the lower order) and every n-gram sharing its context (the context's sums) have the same
second-to-last word. Only the unigram continuation counts, the counts-of-counts and the unigram
probabilities cross partitions. A context's backoff is computed in the partition of its last word and
joined to the context's own row when the orders are merged for writing.
"""
from __future__ import annotations

import bisect
import contextlib
import errno
import json
import math
import os
import shutil
import tempfile
from dataclasses import dataclass, field

import numpy as np

from ._checks import MemoryLimitError, parse_memory
from ._prefetch import prefetched

__all__ = ["Build", "TempSpaceError", "Plan", "plan", "workdir", "tokenize_source", "vocab_plan", "count_chunk",
           "chunk_bounds", "merge_partition", "merge_unigrams", "write_counts", "assemble_counts", "kn_stats",
           "kn_globals", "kn_split_stats", "kn_estimate", "model_blocks", "partition_map", "partition_keys",
           "partition_rows_by", "split_words"]

#: Bytes per token of the sort counting engine beyond its output (see count_ids) and of a run's rows
_SORT_BYTES = 12


class TempSpaceError(OSError):
    """The disk holding the temporary directory is full; the message names the directory and the space the
    build needs there."""


# ------------------------------------------------------------------------------------------------ planning
@dataclass
class Plan:
    """Sizes chosen from the memory budget (bytes): ids per counting chunk, partitions, rows per write block."""
    budget: int
    order: int
    chunk_ids: int
    partitions: int
    block_rows: int
    temp_bytes: int = 0  # disk the build needs under the work directory (an estimate, for error messages)


def _row_bytes(n: int) -> int:
    return 4 * n + 8


def plan(budget: int, order: int, n_tokens: int, vocab_size: int) -> Plan:
    """Sizes for counting ``n_tokens`` ids of a vocabulary of ``vocab_size`` with working memory ``budget``.

    A chunk of c ids needs the sort engine (~(12 + 8 words) bytes per id) and its output (at most one row per
    id and order, twice while partitioning); a partition holds its share of every run's rows, ~4.5 times
    while merging and estimating (packed records, the merged copy, links, probabilities)."""
    bits = max(1, (vocab_size - 1).bit_length())
    words = -(-(max(order, 2) - 1) * bits // 64)
    per_id = _SORT_BYTES + 8 * words + 2 * sum(_row_bytes(n) for n in range(1, order + 1))
    avail = max(budget - 300 * vocab_size - 16 * vocab_size, budget // 4)
    chunk_ids = max(1 << 12, avail // per_id)
    volume = n_tokens * sum(_row_bytes(n) for n in range(2, order + 1))
    partitions = max(1, min(512, math.ceil(4.5 * volume / avail))) if order > 1 else 1
    block_rows = max(1 << 12, avail // (3 * (_row_bytes(order) + 16) + 64))
    temp = 4 * n_tokens + 2 * volume
    return Plan(budget, order, int(chunk_ids), int(partitions), int(block_rows), int(temp))


@contextlib.contextmanager
def workdir(tmpdir=None):
    """A fresh directory under ``tmpdir`` (default: the system's temporary directory), removed with everything
    in it when the block ends: on success, on an error and on KeyboardInterrupt."""
    if tmpdir is not None:
        tmpdir = os.fspath(tmpdir)
        if not os.path.isdir(tmpdir):
            raise FileNotFoundError(f"{tmpdir}: the temporary directory does not exist (tmpdir= / -T)")
    wd = tempfile.mkdtemp(prefix="seqfast-", dir=tmpdir)
    try:
        yield wd
    finally:
        shutil.rmtree(wd, ignore_errors=True)


@contextlib.contextmanager
def _space(wd: str, need: int):
    """Turn a full disk (ENOSPC, EDQUOT) while writing under ``wd`` into a TempSpaceError naming it."""
    try:
        yield
    except OSError as e:
        if e.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)) and not isinstance(e, TempSpaceError):
            raise TempSpaceError(e.errno, f"{wd}: no space left on the device of the temporary directory; this "
                                          f"build needs about {need / 2**30:.2f} GiB there: free space or point "
                                          f"tmpdir= (-T/--temp-prefix) at a larger disk") from None
        raise


def _bytes(a: np.ndarray) -> np.ndarray:
    """The bytes of an array (C order) as a uint8 view, empty arrays included."""
    return np.ascontiguousarray(a).reshape(-1).view(np.uint8)


def _write(f, a: np.ndarray) -> None:
    f.write(_bytes(a))


# ------------------------------------------------------------------------------------------ tokenization
@dataclass
class TokPart:
    """What tokenize_source returns: the ids file, the interner's tokens (first-appearance order), their
    frequencies, the specials and the remap of the ids file's ids to those of ``itos`` (or None)."""
    path: str
    itos: list
    freq: np.ndarray
    specials: tuple
    remap: np.ndarray | None
    n_ids: int


def tokenize_source(kind, items, tokenizer, pad: bool, boundaries: str, errors: str, wd: str, name: str = "0",
                    progress=None, need: int = 0) -> TokPart:
    """Read a source (``kind``/``items`` as seqfast.ngram._classify gives them) into ``wd/ids-{name}.i32``:
    int32 ids in first-appearance order, -1 at line breaks, written piece by piece (memory: the vocabulary
    and ~4 MB of ids)."""
    from .ngram import _stream_ids
    path = os.path.join(wd, f"ids-{name}.i32")
    freq = [np.zeros(0, np.int64)]
    n = [0]
    with _space(wd, need), open(path, "wb") as f:
        def sink(ids):
            if ids.size:
                _write(f, ids)
                n[0] += ids.size
                c = np.bincount(ids[ids >= 0])
                if c.shape[0] > freq[0].shape[0]:
                    c[:freq[0].shape[0]] += freq[0]
                    freq[0] = c
                else:
                    freq[0][:c.shape[0]] += c

        ids, itos, specials, remap = _stream_ids(kind, items, tokenizer, pad, boundaries, errors, progress, 1, sink)
        sink(ids)
    fr = np.zeros(len(itos) if remap is None else remap.shape[0] - 1, np.int64)
    fr[:freq[0].shape[0]] += freq[0]
    return TokPart(path, itos, fr, tuple(specials), remap, n[0])


@dataclass
class VocabPlan:
    """The final vocabulary and how ids files map to it: ``remap`` int32 (V_file + 1,), last entry -1."""
    vocab: object
    remap: np.ndarray
    first_seen: np.ndarray


def vocab_plan(part: TokPart) -> VocabPlan:
    """The vocabulary of count_ngrams (specials, then descending frequency, ties by first appearance)."""
    from .text import Vocab
    from .ngram import frequency_order
    freq = part.freq
    lower = part.remap
    itos = part.itos
    if lower is not None:  # merge the frequencies of tokens that lower-case alike
        freq = np.bincount(lower[:-1], weights=freq, minlength=len(itos)).astype(np.int64)
    inv, new_itos, freqs, perm = frequency_order(freq, itos, len(part.specials))
    remap = inv if lower is None else np.append(inv[lower[:-1]], -1).astype(np.int32)
    vocab = Vocab.from_tokens(new_itos, specials=part.specials, freqs=freqs)
    return VocabPlan(vocab, remap.astype(np.int32), perm)


# ------------------------------------------------------------------------------------------------ counting
def chunk_bounds(ids_path: str, chunk_ids: int, line: bool) -> list:
    """Start offsets (ids) of the chunks of an ids file, each chunk ending just after a line break (-1) when
    ``line`` (so that no n-gram crosses chunks), the last offset the file's length."""
    T = os.path.getsize(ids_path) // 4
    bounds = [0]
    while bounds[-1] < T:
        ids = np.memmap(ids_path, dtype=np.int32, mode="r")  # mapped per chunk: mapped pages count as resident
        end = min(T, bounds[-1] + chunk_ids)
        if line and end < T:
            back = np.flatnonzero(ids[bounds[-1]:end] < 0)
            if back.size:
                end = bounds[-1] + int(back[-1]) + 1
            else:  # a line longer than a chunk: extend to its end
                ahead = end
                while ahead < T:
                    nxt = np.flatnonzero(ids[ahead:ahead + chunk_ids] < 0)
                    if nxt.size:
                        end = ahead + int(nxt[0]) + 1
                        break
                    ahead += chunk_ids
                else:
                    end = T
        bounds.append(end)
        del ids
    return bounds


def partition_map(freq: np.ndarray, P: int, top: int = 64, split: float | None = None) -> np.ndarray | None:
    """A table sending the most frequent words to partitions so that their tokens balance over the P partitions
    (largest first into the least loaded partition, the other words' load from id % P counted first); words
    with ids >= M go to id % P. None when P == 1. ``freq``: tokens per word id.

    split: a word with more than ``split`` times a partition's mean load is split by the last word of its rows
    over S = ceil(freq / (split * mean)) partitions (each piece into the then least loaded one). Without
    split words the table is int16 (M,), the partition of each word; with them int16 (M, S_max), each word's
    partitions followed by -1 (see :func:`partition_keys`).
    Any map gives the same model (Kneser-Ney stays local for every partitioning by the second-to-last word,
    and the statistics of split contexts are summed exactly); a balanced one makes the partitions' work even."""
    if P <= 1 or freq.shape[0] == 0:
        return None
    k = min(freq.shape[0], top * P)
    heavy = np.argsort(-freq[:k], kind="stable")
    ids = np.arange(freq.shape[0])
    tail = ids >= k
    load = np.bincount(ids[tail] % P, weights=freq[tail], minlength=P).astype(np.float64)
    pieces = np.ones(k, dtype=np.int64)
    if split is not None:
        cap = split * float(freq.sum()) / P
        pieces = np.minimum(P, np.maximum(1, np.ceil(freq[:k] / cap))).astype(np.int64) if cap > 0 else pieces
    table = np.full((k, int(pieces.max())), -1, dtype=np.int16)
    table[:, 0] = np.arange(k) % P
    for w in heavy:
        for j in range(int(pieces[w])):
            p = int(np.argmin(np.where(np.isin(np.arange(P), table[w, :j]), np.inf, load)))
            table[w, j] = p
            load[p] += freq[w] / pieces[w]
    return table[:, 0].copy() if table.shape[1] == 1 else table


def partition_keys(g: np.ndarray, col: int, P: int, table: np.ndarray | None = None) -> np.ndarray:
    """int32 (k,): the partition of each row of g by its word in column ``col`` (id % P, or the
    :func:`partition_map` table); a split word's rows go by their word in column col + 1 (the last word)."""
    w = g[:, col]
    key = (w % P).astype(np.int32)
    if table is None:
        return key
    m = w < table.shape[0]
    if table.ndim == 1:
        key[m] = table[w[m]]
        return key
    tw = table[w[m]]
    pieces = (tw >= 0).sum(axis=1)
    j = g[m, col + 1] % pieces if col + 1 < g.shape[1] and table.shape[1] > 1 else np.zeros(tw.shape[0], np.int64)
    key[m] = tw[np.arange(tw.shape[0]), j]
    return key


def split_words(table: np.ndarray | None) -> np.ndarray:
    """bool (M,): the words of a :func:`partition_map` table split over several partitions (none: (0,))."""
    if table is None or table.ndim == 1 or table.shape[1] == 1:
        return np.zeros(0, dtype=bool)
    return table[:, 1] >= 0


def partition_rows_by(g: np.ndarray, col: int, P: int, table: np.ndarray | None = None):
    """(perm, starts (P + 1,)): rows of g grouped by the partition of their word in column ``col`` (id % P, or
    the :func:`partition_map` table, see :func:`partition_keys`), each group in the rows' order."""
    from ._ngram import partition_rows
    if table is None:
        return partition_rows(g, col, P)
    key = partition_keys(g, col, P, table)
    return partition_rows(key.reshape(-1, 1), 0, P)  # a stable counting sort of the partition numbers


@dataclass
class RunInfo:
    """A run file: ``index[n - 1, p] = (byte offset, rows)`` of order n's partition p (order 1: p = 0)."""
    path: str
    index: np.ndarray


def count_chunk(ids_path: str, start: int, end: int, remap: np.ndarray, vocab_size: int, order: int, P: int,
                wd: str, name: str, overlap: int = 0, n_threads: int = 1, need: int = 0,
                table: np.ndarray | None = None) -> RunInfo:
    """Count ids[start:end] of an ids file (mapped through ``remap``) and write the run file
    ``wd/run-{name}.bin``: per order n the rows sorted (grams int32 (k, n), then counts int64 (k,)), orders
    n >= 2 split into P partitions by grams[:, n - 2] % P (each stays sorted).

    overlap: with boundaries="none", the chunk is read from start - overlap (the previous chunk's last
    order - 1 ids) so that n-grams crossing the cut are counted, and the n-grams inside the overlap, which
    the previous chunk counted, are taken away again. table: the partition of the most frequent words
    (:func:`partition_map`; the others by id % P)."""
    from ._ngram import count as c_count, join_sorted, partition_scatter
    ids = np.memmap(ids_path, dtype=np.int32, mode="r")
    lo = max(0, start - overlap)
    x = remap[np.asarray(ids[lo:end])]
    head = remap[np.asarray(ids[lo:start])] if start > lo else None
    del ids
    grams, counts, _ = c_count(np.ascontiguousarray(x, dtype=np.int32), vocab_size, order, n_threads, "sort")
    del x
    if head is not None and head.size:
        hg, hc, _ = c_count(np.ascontiguousarray(head, dtype=np.int32), vocab_size, order, 1, "sort")
        for n in range(order):
            if hg[n].shape[0]:
                pos = join_sorted(grams[n], hg[n])
                c = counts[n].copy()
                c[pos] -= hc[n]
                keep = c > 0
                grams[n], counts[n] = np.ascontiguousarray(grams[n][keep]), c[keep]
    path = os.path.join(wd, f"run-{name}.bin")
    index = np.zeros((order, P, 2), dtype=np.int64)
    with _space(wd, need), open(path, "wb") as f:
        off = 0
        for n in range(1, order + 1):
            g, c = grams[n - 1], counts[n - 1]
            if n == 1:
                index[0, 0] = (off, g.shape[0])
                _write(f, g)
                _write(f, c)
                off += g.nbytes + c.nbytes
                continue
            grams[n - 1] = counts[n - 1] = None
            if table is None:
                g, c, starts = partition_scatter(g, c, n - 2, P)
            else:
                perm, starts = partition_rows_by(g, n - 2, P, table)
                g, c = g[perm], c[perm]
            for p in range(P):
                gp, cp = g[starts[p]:starts[p + 1]], c[starts[p]:starts[p + 1]]
                index[n - 1, p] = (off, gp.shape[0])
                _write(f, gp)
                _write(f, cp)
                off += gp.nbytes + cp.nbytes
            del g, c
    return RunInfo(path, index)


def _read_section(run: RunInfo, n: int, p: int, mapped: bool = False):
    """(grams (k, n) int32, counts (k,) int64) of order n's partition p of a run: read, or mapped read-only
    (``mapped``: no copy is made until the caller makes one; the mapping goes with the arrays)."""
    off, k = (int(x) for x in run.index[n - 1, p])
    if mapped:
        if k == 0:
            return np.zeros((0, n), np.int32), np.zeros(0, np.int64)
        g = np.memmap(run.path, dtype=np.int32, mode="r", offset=off, shape=(k, n))
        c = np.memmap(run.path, dtype=np.int64, mode="r", offset=off + 4 * k * n, shape=(k,))
        return g, c
    with open(run.path, "rb") as f:
        f.seek(off)
        g = np.fromfile(f, dtype=np.int32, count=k * n).reshape(k, n)
        c = np.fromfile(f, dtype=np.int64, count=k)
    return g, c


def merge_unigrams(runs: list, vocab_size: int) -> np.ndarray:
    """Unigram counts int64 (V,) summed over the runs."""
    total = np.zeros(vocab_size, dtype=np.int64)
    for r in runs:
        g, c = _read_section(r, 1, 0)
        np.add.at(total, g[:, 0], c)
    return total


@dataclass
class PartInfo:
    """Partition p's merged rows: files ``{prefix}-{n}.grams.npy`` / ``.counts.npy`` for n = 2..N, with
    ``rows[n]`` and ``first[n]`` = (distinct first words, rows per first word) for sizing write blocks."""
    p: int
    prefix: str
    rows: dict = field(default_factory=dict)
    first: dict = field(default_factory=dict)
    kn: tuple | None = None  # (counts-of-counts, unigram continuation counts) when merged for Kneser-Ney

    def path(self, n: int, what: str) -> str:
        return f"{self.prefix}-{n}.{what}.npy"

    def grams(self, n: int, mmap: bool = True):
        return _load(f"{self.prefix}-{n}.grams.npy", mmap)

    def counts(self, n: int, mmap: bool = True):
        return _load(f"{self.prefix}-{n}.counts.npy", mmap)


def merge_partition(runs: list, p: int, order: int, vocab_size: int, wd: str, need: int = 0, bos: int | None = None,
                    n_threads: int = 1) -> PartInfo:
    """Sum section p of every run, order by order (C: heap merge of the mapped sorted runs), into
    ``wd/part-{p:04d}-{n}.grams.npy`` / ``.counts.npy``.

    bos: the id of <s> when a Kneser-Ney estimate follows: the orders are then merged from the highest down
    and the partition's Kneser-Ney tables are made while its rows are in memory (see :func:`_kn_order`):
    suffix links ``-{n}.suf.npy`` (n >= 3), adjusted counts ``-{n}.adj.npy`` (n < N) and ``info.kn`` =
    (counts-of-counts, unigram continuation counts) as :func:`kn_stats` returns them."""
    from ._ngram import merge_sources
    info = PartInfo(p, os.path.join(wd, f"part-{p:04d}"))
    kn = bos is not None and order > 1
    if kn:
        info.kn = (np.zeros((order + 1, 5), dtype=np.int64), None)
    upper = None  # (grams, raw counts) of order n + 1 (Kneser-Ney, merged from the top down)
    for n in (range(order, 1, -1) if kn else range(2, order + 1)):
        gs, cs = [], []
        for r in runs:
            g, c = _read_section(r, n, p, mapped=True)
            if g.shape[0]:
                gs.append(g)
                cs.append(c)
        if len(gs) > 1:  # equal rows of different runs added
            g, c = merge_sources(gs, cs, True, vocab_size)
        elif gs:  # one run's section: already sorted and distinct
            g, c = np.array(gs[0]), np.array(cs[0])
        else:
            g, c = np.zeros((0, n), np.int32), np.zeros(0, np.int64)
        del gs, cs
        with _space(wd, need):
            np.save(f"{info.prefix}-{n}.grams.npy", g)
            np.save(f"{info.prefix}-{n}.counts.npy", c)
            if kn:
                upper = _kn_order(info, n, g, c, upper, order, bos, vocab_size, n_threads)
        info.rows[n] = int(g.shape[0])
        info.first[n] = np.unique(g[:, 0], return_counts=True) if g.shape[0] else (np.zeros(0, np.int32),
                                                                                     np.zeros(0, np.int64))
    return info


def _kn_order(info: PartInfo, n: int, g: np.ndarray, c: np.ndarray, upper, order: int, bos: int, vocab_size: int,
              n_threads: int):
    """Kneser-Ney tables of order n of a partition, the orders above already done (``upper`` = (grams, raw
    counts) of order n + 1, None at the top): the suffix links of order n + 1 into these rows, the adjusted
    counts of order n (raw counts at the top order), their counts-of-counts into info.kn[0][n] and, at
    n = 2, the unigram continuation counts. Returns (g, c) for order n - 1."""
    from . import _lm
    if upper is None:
        adj = c
    else:
        ug, uc = upper
        if ug.shape[0]:
            suf = _lm.Index(g, n_threads, True).lookup(ug, 1, n_threads)
            if (suf < 0).any():
                raise ValueError(f"partition {info.p}: some {n + 1}-grams have a suffix missing from the {n}-grams")
        else:
            suf = np.zeros(0, np.int64)
        np.save(info.path(n + 1, "suf"), suf)
        adj = _lm.adjust_counts(g, c, ug, suf, bos)
        np.save(info.path(n, "adj"), adj)
    coc, cont = info.kn
    coc[n] = _lm.counts_of_counts(adj)
    if n == 2:
        cont = np.bincount(g[:, 1], minlength=vocab_size).astype(np.int64) if g.shape[0] else \
            np.zeros(vocab_size, np.int64)
    info.kn = (coc, cont)
    return g, c


# ------------------------------------------------------------------------------------------ merged reading
def _blocks(parts: list, n: int, vocab_size: int, block_rows: int, rows_of=None):
    """First-word ranges [a, b) whose rows over all partitions number about block_rows (a word's rows are
    never split)."""
    hist = np.zeros(vocab_size + 1, dtype=np.int64)
    for part in parts:
        w, c = part.first[n]
        hist[w] += c
    cum = np.cumsum(hist)
    edges = [0]
    while edges[-1] < vocab_size:
        base = cum[edges[-1] - 1] if edges[-1] > 0 else 0
        b = int(np.searchsorted(cum, base + block_rows, side="right"))
        edges.append(min(vocab_size, max(b, edges[-1] + 1)))
    return list(zip(edges[:-1], edges[1:]))


def _slice(arrs: list, grams, a: int, b: int):
    """The rows of a mapped sorted (k, n) array whose first word is in [a, b), with the same rows of arrs,
    still mapped (binary searches touch ~log2(k) pages of the file, not the whole column)."""
    col = grams[:, 0]
    i, j = bisect.bisect_left(col, a), bisect.bisect_left(col, b)
    return grams[i:j], [x[i:j] for x in arrs]


def _load(path: str, mmap: bool = True):
    """np.load of a file written here, mapped (an empty array is read: there is nothing to map)."""
    try:
        return np.load(path, mmap_mode="r" if mmap else None)
    except ValueError:
        return np.load(path)


def _merged(sources, n: int, a: int, b: int, vocab_size: int | None = None):
    """(grams, values) of first words [a, b) merged over sources = [(grams path, values path), ...] (.npy
    files, each sorted; 8-byte values; ids below ``vocab_size`` when given), in lexicographic order: a C
    merge writing the rows straight from the mapped files. The files are mapped for this block only: pages
    of mapped files count in the resident size until they are unmapped."""
    from ._ngram import merge_sources
    gs, vs = [], []
    for gpath, vpath in sources:
        g, v = _load(gpath), _load(vpath)
        sg, (sv,) = _slice([v], g, a, b)
        gs.append(sg)
        vs.append(sv)
    if len(gs) == 1:
        return np.array(gs[0]), np.array(vs[0])
    return merge_sources(gs, vs, False, vocab_size)


# ------------------------------------------------------------------------------------------ counts output
def write_counts(path, vocab, first_seen, unigrams: np.ndarray, parts: list, order: int, block_rows: int,
                 wd: str, need: int = 0, compress: bool = False) -> None:
    """Write the file of NGramCounts.save from the merged partitions: each order is merged (P-way, in blocks)
    into raw files under wd, which the container writer then copies in pieces (atomically)."""
    from ._container import FileArray, write_container
    from .ngram import NGramCounts
    V = len(vocab)
    header, arrays = NGramCounts._container_head(vocab, first_seen, order)
    u = np.flatnonzero(unigrams > 0).astype(np.int32)
    arrays["grams1"], arrays["counts1"] = u.reshape(-1, 1), unigrams[u].astype(np.int64)
    for n in range(2, order + 1):
        gp, cp = os.path.join(wd, f"sfc-grams-{n}.bin"), os.path.join(wd, f"sfc-counts-{n}.bin")
        k = 0
        with _space(wd, need), open(gp, "wb") as gf, open(cp, "wb") as cf:
            src = [(p.path(n, "grams"), p.path(n, "counts")) for p in parts]
            for a, b in _blocks(parts, n, V, block_rows):
                g, c = _merged(src, n, a, b, V)
                _write(gf, g)
                _write(cf, c.astype(np.int64, copy=False))
                k += g.shape[0]
        arrays[f"grams{n}"] = FileArray(gp, np.int32, (k, n))
        arrays[f"counts{n}"] = FileArray(cp, np.int64, (k,))
    write_container(path, "ngramcounts", 2, header, arrays, compress=compress)


def assemble_counts(vocab, first_seen, unigrams: np.ndarray, parts: list, order: int):
    """The NGramCounts in memory (every order merged over the partitions)."""
    from .ngram import NGramCounts
    V = len(vocab)
    u = np.flatnonzero(unigrams > 0).astype(np.int32)
    grams, counts = [u.reshape(-1, 1)], [unigrams[u].astype(np.int64)]
    for n in range(2, order + 1):
        g, c = _merged([(p.path(n, "grams"), p.path(n, "counts")) for p in parts], n, 0, V, V)
        grams.append(g)
        counts.append(np.ascontiguousarray(c))
    return NGramCounts(vocab, grams, counts, first_seen=first_seen)


# ------------------------------------------------------------------------------------------ Kneser-Ney
def kn_stats(part: PartInfo, order: int, bos: int, vocab_size: int, n_threads: int = 1):
    """(counts-of-counts int64 (N + 1, 5): row n for order n >= 2 of this partition's adjusted counts,
    unigram continuation counts int64 (V,): distinct bigrams of this partition ending in each word).
    A partition merged with ``bos`` has them already; otherwise they are made from its files (with the
    suffix-link and adjusted-count files kn_estimate reads)."""
    if part.kn is None:
        part.kn = (np.zeros((order + 1, 5), dtype=np.int64), None)
        upper = None
        for n in range(order, 1, -1):
            upper = _kn_order(part, n, np.ascontiguousarray(part.grams(n, mmap=False)), part.counts(n, mmap=False),
                              upper, order, bos, vocab_size, n_threads)
    return part.kn


@dataclass
class KNGlobals:
    """What every partition needs: discounts (N, 4) float32, unigram table, probabilities and backoff."""
    D: list
    uni_ids: np.ndarray      # int32 (k1,) the unigram rows (sorted ids, <unk> included)
    uni_prob: np.ndarray     # float64 (V,) p(w) by id
    info: dict
    bos: int
    eos: int
    unk: int


def kn_globals(stats: list, unigrams: np.ndarray, order: int, bos: int, eos: int, unk: int, smoothing: str,
               fallback) -> KNGlobals:
    """Discounts from the summed counts-of-counts, and the unigram model (as estimate_kn)."""
    from . import _lm
    from .lm.estimate import discounts_from_coc
    V = unigrams.shape[0]
    ids = np.flatnonzero(unigrams > 0)
    if unk not in set(ids.tolist()):
        ids = np.sort(np.append(ids, unk))
    ids = ids.astype(np.int32)
    g1 = ids.reshape(-1, 1)
    if order == 1:
        adj1 = unigrams[ids].copy()
        adj1[ids == bos] = 0
    else:
        cont = np.zeros(V, np.int64)
        for _, c in stats:
            cont += c
        adj1 = cont[ids]
        adj1[ids == bos] = 0
    coc = np.zeros((order + 1, 5), dtype=np.int64)
    coc[1] = _lm.counts_of_counts(adj1)
    for s, _ in stats:
        coc[2:] += s[2:]
    Ds, fell = [], []
    for n in range(1, order + 1):
        D, _, f = discounts_from_coc(coc[n], n, smoothing, fallback)
        Ds.append(D)
        fell.append(f)
    prob1, g0 = _lm.interpolate_unigrams(g1, adj1, Ds[0], bos)
    p = np.zeros(V, dtype=np.float64)
    p[ids] = prob1
    info = {"discounts": np.stack(Ds)[:, 1:].astype(np.float64), "counts_of_counts": coc[1:, 1:],
            "discount_fallback_used": fell, "unigram_gamma": g0}
    return KNGlobals(Ds, ids, p, info, bos, eos, unk)


@dataclass
class EstInfo:
    """Partition p's estimate: files ``{prefix}-{n}.grams.npy`` (kept rows) / ``.prob.npy`` (float64) for
    n = 2..N, ``{prefix}-{n}.ctx.npy`` / ``.gamma.npy`` (contexts of order n ending in this partition's words,
    n = 2..N-1) and the unigram contexts' gamma (V,) in ``uni_gamma``."""
    p: int
    prefix: str
    rows: dict
    uni_gamma: np.ndarray

    def path(self, n: int, what: str) -> str:
        return f"{self.prefix}-{n}.{what}.npy"


def _contexts(g: np.ndarray):
    """(ctx int64 (k,): run number of each row's prefix, starts int64: first row of each run) of sorted rows."""
    k = g.shape[0]
    if k == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    new = np.ones(k, dtype=bool)
    new[1:] = (g[1:, :-1] != g[:-1, :-1]).any(axis=1)
    starts = np.flatnonzero(new)
    return np.cumsum(new) - 1, starts


def _split_contexts(g: np.ndarray, starts: np.ndarray, n: int, split: np.ndarray | None) -> np.ndarray:
    """Indexes of the contexts (first rows ``starts`` of order n's sorted rows g) whose last word is split over
    several partitions (``split``: bool (M,) of :func:`split_words`)."""
    if split is None or split.shape[0] == 0 or starts.shape[0] == 0:
        return np.zeros(0, np.int64)
    w = np.asarray(g[starts, n - 2])
    m = w < split.shape[0]
    m[m] = split[w[m]]
    return np.flatnonzero(m)


def _est_inputs(part: PartInfo, n: int, order: int, thresholds):
    """(grams, adjusted counts, keep or None) of order n of a partition, mapped."""
    g = part.grams(n)
    keep = part.counts(n) > thresholds[n - 1] if thresholds[n - 1] > 0 else None
    adj = part.counts(n) if n == order else _load(part.path(n, "adj"))
    return g, adj, keep


@dataclass
class SplitStats:
    """Partition p's statistics of the contexts ending in split words: files ``{prefix}-{n}.ctx.npy`` (int32
    (k, n - 1), sorted) / ``.stats.npy`` (int64 (k, 5), :func:`seqfast._lm.context_stats`) for n = 2..N."""
    p: int
    prefix: str

    def path(self, n: int, what: str) -> str:
        return f"{self.prefix}-{n}.{what}.npy"


def kn_split_stats(part: PartInfo, order: int, thresholds, table: np.ndarray, wd: str, need: int = 0) -> SplitStats:
    """The statistics of this partition's share of every context whose last word the partition table splits
    (its rows are spread over several partitions by their last word); kn_estimate sums them over the
    partitions sharing the word. Integers: the sum is exact in any order."""
    from . import _lm
    info = SplitStats(part.p, os.path.join(wd, f"cst-{part.p:04d}"))
    split = split_words(table)
    for n in range(2, order + 1):
        g, adj, keep = _est_inputs(part, n, order, thresholds)
        ctx, starts = _contexts(g)
        sel = _split_contexts(g, starts, n, split)
        stats = _lm.context_stats(adj, ctx, keep, starts.shape[0])[sel] if sel.shape[0] else \
            np.zeros((0, 5), np.int64)
        with _space(wd, need):
            np.save(info.path(n, "ctx"), np.ascontiguousarray(g[starts[sel], :-1]))
            np.save(info.path(n, "stats"), stats)
    return info


def _peers(p: int, table: np.ndarray) -> list:
    """The other partitions sharing a split word with partition p."""
    rows = table[split_words(table)]
    mine = rows[(rows == p).any(axis=1)]
    return sorted(set(int(q) for q in mine.ravel() if q >= 0) - {p})


def kn_estimate(part: PartInfo, glob: KNGlobals, order: int, thresholds, wd: str, n_threads: int = 1,
                need: int = 0, table: np.ndarray | None = None, shares: list | None = None) -> EstInfo:
    """Interpolate orders 2..N of one partition (lm_interpolate.c) and write the kept rows with their
    probabilities and the contexts' gammas (see EstInfo). thresholds: lmplz --prune count of order n at
    index n - 1 (seqfast.lm.estimate.prune_thresholds), 0 = keep all. table, shares: the partition table and
    every partition's :func:`kn_split_stats` when the table splits words: the statistics of the contexts
    ending in them are summed over the partitions sharing the word."""
    from . import _lm
    from ._ngram import join_sorted
    V = glob.uni_prob.shape[0]
    info = EstInfo(part.p, os.path.join(wd, f"est-{part.p:04d}"), {}, np.zeros(V, np.float64))
    split = split_words(table)
    peers = [shares[q] for q in _peers(part.p, table)] if shares and split.any() else []
    lower = glob.uni_prob
    for n in range(2, order + 1):  # the part files are mapped, not copied (their pages stay in the page cache)
        g, adj, keep = _est_inputs(part, n, order, thresholds)
        ctx, starts = _contexts(g)
        sel = _split_contexts(g, starts, n, split) if peers else np.zeros(0, np.int64)
        stats = None
        if sel.shape[0]:
            stats = _lm.context_stats(adj, ctx, keep, starts.shape[0])
            mine = np.ascontiguousarray(g[starts[sel], :-1])
            for q in peers:
                cq = _load(q.path(n, "ctx"))
                if cq.shape[0] == 0:
                    continue
                pos = join_sorted(np.ascontiguousarray(cq), mine)
                hit = pos >= 0
                stats[sel[hit]] += _load(q.path(n, "stats"))[pos[hit]]
        s = g[:, 1].astype(np.int64) if n == 2 else _load(part.path(n, "suf"))
        prob, gam = _lm.interpolate_order(adj, ctx, s, lower, glob.D[n - 1], keep, n_threads, k_ctx=starts.shape[0],
                                          stats=stats)
        del adj, s, ctx, stats
        crow = g[starts, :-1]
        with _space(wd, need):
            if n == 2:
                info.uni_gamma[crow[:, 0]] = gam
            else:
                np.save(f"{info.prefix}-{n - 1}.ctx.npy", np.ascontiguousarray(crow))
                np.save(f"{info.prefix}-{n - 1}.gamma.npy", gam)
            if keep is None:  # the kept rows are the part's rows: its file is linked, not copied
                _link_or_save(part.path(n, "grams"), f"{info.prefix}-{n}.grams.npy", g)
                kp = prob
            else:
                np.save(f"{info.prefix}-{n}.grams.npy", np.ascontiguousarray(g[keep]))
                kp = prob[keep]
            np.save(f"{info.prefix}-{n}.prob.npy", kp)
        info.rows[n] = int(kp.shape[0])
        lower = prob
    return info


def _link_or_save(src: str, dst: str, a: np.ndarray) -> None:
    """dst as a second name of the .npy file src (whose array is ``a``), or a copy of ``a`` where the file
    system has no hard links; a stale dst (a rerun task) is replaced."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(dst)
    try:
        os.link(src, dst)
    except OSError:
        np.save(dst, a)


def model_blocks(ests: list, parts: list, glob: KNGlobals, order: int, n: int, block_rows: int, n_threads: int = 1,
                 blocks: list | None = None, table: np.ndarray | None = None):
    """Blocks (grams, log10 p, log10 backoff or None at the top order) of order n >= 2 in lexicographic order:
    each partition's kept rows merged, joined with the gammas of the contexts among them. A row's gamma (as a
    context) is in the estimate of the partition of its last word, so the rows are grouped by that
    partition and each group joined with that partition's contexts (no merge of the contexts).
    blocks: the ranges [(a, b), ...] of first words to make (default: every word, ~block_rows rows each).
    table: the partition map the rows were counted with (:func:`partition_map`)."""
    from . import _lm
    from ._ngram import join_sorted
    V = glob.uni_prob.shape[0]
    P = len(ests)
    rows = [(e.path(n, "grams"), e.path(n, "prob")) for e in ests]
    ctxs = [(e.path(n, "ctx"), e.path(n, "gamma")) for e in ests] if n < order else None
    for a, b in (_blocks(parts, n, V, block_rows) if blocks is None else blocks):
        g, prob = _merged(rows, n, a, b, V)
        gamma = None
        if ctxs is not None:
            gamma = np.zeros(g.shape[0], np.float64)
            for sub, key in _context_keys(g, n - 1, P, table):
                perm, starts = partition_rows_by(key.reshape(-1, 1), 0, P)
                for p, (cpath, vpath) in enumerate(ctxs):
                    sel = sub[perm[starts[p]:starts[p + 1]]]
                    if sel.shape[0] == 0:
                        continue
                    cg, (cgam,) = _slice([_load(vpath)], _load(cpath), a, b)
                    if cg.shape[0] == 0:
                        continue
                    pos = join_sorted(np.ascontiguousarray(cg), np.ascontiguousarray(g[sel]))
                    hit = pos >= 0
                    gamma[sel[hit]] = cgam[pos[hit]]
        logp, bo = _lm.arpa_values(np.ascontiguousarray(prob), gamma, g, glob.unk, glob.eos, n_threads)
        yield g, logp, bo


def _context_keys(g: np.ndarray, col: int, P: int, table: np.ndarray | None):
    """[(rows, partitions int32), ...]: the partitions holding the gamma of each row of g as a context (its last
    word, column ``col``, as the second-to-last word of longer rows): every row with its word's partition,
    then the rows of split words again with each further partition of the word (each holds the same gamma
    for the contexts it has rows of)."""
    out = [(np.arange(g.shape[0]), partition_keys(g, col, P, table))]
    if table is not None and table.ndim == 2:
        w = g[:, col]
        m = w < table.shape[0]
        for j in range(1, table.shape[1]):
            rows = np.flatnonzero(m)
            t = table[w[rows], j]
            rows, t = rows[t >= 0], t[t >= 0]
            if rows.shape[0]:
                out.append((rows, t.astype(np.int32)))
    return out


def unigram_values(ests: list, glob: KNGlobals, n_threads: int = 1):
    """(grams (k1, 1), log10 p, log10 backoff) of the unigrams."""
    from . import _lm
    gamma = np.zeros(glob.uni_prob.shape[0], np.float64)
    for e in ests:  # a context's gamma is in every partition holding rows of it, the same value in each
        np.maximum(gamma, e.uni_gamma, out=gamma)
    g1 = glob.uni_ids.reshape(-1, 1)
    return (g1,) + tuple(_lm.arpa_values(glob.uni_prob[glob.uni_ids], gamma[glob.uni_ids] if ests else None, g1,
                                         glob.unk, glob.eos, n_threads))


def prefetched_sections(sections: list) -> list:
    """Per iterator of ``sections``, an iterator over its items, all of them made on one thread in section
    order, one item ahead of the caller, who consumes the sections in order: the first item of a section is
    made while the caller works on the last item of the section before (:func:`prefetched` of each section
    would start a section's thread only when the caller reaches it)."""
    shared = prefetched((i, item) for i, sec in enumerate(sections) for item in sec)
    ahead = []  # the item read last, while it belongs to a later section

    def section(i):
        while True:
            if not ahead:
                nxt = next(shared, None)
                if nxt is None:
                    return
                ahead.append(nxt)
            j, item = ahead[0]
            if j != i:
                return
            ahead.clear()
            yield item

    return [section(i) for i in range(len(sections))]


def memory_budget(memory) -> int:
    """Bytes of a memory= argument ("2G", "500M", "80%", a number of bytes)."""
    return parse_memory(memory, "memory")


__all__ += ["TokPart", "VocabPlan", "PartInfo", "KNGlobals", "EstInfo", "SplitStats", "unigram_values", "memory_budget", "prefetched",
            "prefetched_sections", "MemoryLimitError"]


# ------------------------------------------------------------------------------------------ the local driver
#: Stages with one task per partition (the local driver runs several at once)
_PARTITION_STAGES = (merge_partition, kn_stats, kn_split_stats, kn_estimate)


class Build:
    """The memory-capped build on one machine: the stages above run one after the other in ``wd``; files a
    stage no longer needs are removed as soon as the next stage has read them."""

    def __init__(self, wd: str, order: int, budget: int, n_threads: int = 1, progress: bool = False):
        from ._progress import Progress
        self.wd, self.order, self.budget, self.nt = wd, order, budget, n_threads
        self.bar = Progress(enabled=bool(progress))
        self.plan = None
        self.n_chunks = 0
        self.kn = False  # True: a Kneser-Ney estimate follows (merging makes the partitions' tables too)
        self.table = None  # partitions of the most frequent words (partition_map), None: id % P

    def _stage(self, text: str) -> None:
        self.bar.show(text)

    def _map(self, fn, args_list: list, stage: str) -> list:
        """[fn(*args) for args in args_list] with a progress line each (a distributed driver runs them as tasks
        instead: seqfast.cluster.DaskBuild). The per-partition stages run on :meth:`_lanes` threads at once
        (their C kernels release the GIL), the others one after the other."""
        lanes = self._lanes() if fn in _PARTITION_STAGES else 1
        if lanes <= 1 or len(args_list) <= 1:
            out = []
            for i, args in enumerate(args_list):
                self._stage(f"{stage} {i + 1}/{len(args_list)}")
                out.append(fn(*args))
            return out
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(lanes, thread_name_prefix="seqfast-extmem") as ex:
            futures = [ex.submit(fn, *args) for args in args_list]
            try:
                for i, fu in enumerate(futures):
                    fu.result()
                    self._stage(f"{stage} {i + 1}/{len(args_list)}")
            except BaseException:
                for fu in futures:
                    fu.cancel()
                raise
        return [fu.result() for fu in futures]

    def _lanes(self) -> int:
        """Partitions processed at once on this machine: one per thread (each with its own share of the
        budget: the plan makes that many times more partitions), at most 4."""
        return max(1, min(self.nt or 1, 4)) if self.order > 1 else 1

    def _task_threads(self) -> int:
        """C threads of one partition stage task (the threads shared by the lanes)."""
        return max(1, (self.nt or 1) // self._lanes())

    def _partition_map(self, P: int):
        """The partition table of count_chunk (None: id % P; a distributed driver balances the words)."""
        return None

    def _min_partitions(self) -> int:
        """Fewest partitions worth having (more than the plan asks for when workers run them in parallel)."""
        return 1

    def count(self, kind, items, tokenizer, pad, boundaries, errors, reading_bar=None, vocab=None) -> None:
        """Read, count in chunks, spill runs, merge partitions: self.vocab, .first_seen, .unigrams, .parts."""
        part = tokenize_source(kind, items, tokenizer, pad, boundaries, errors, self.wd, progress=reading_bar)
        remap = self._set_vocab(part, pad, vocab)
        self._count_files([(part.path, remap)], boundaries == "line")

    def _set_vocab(self, part: TokPart, pad: bool, vocab) -> np.ndarray:
        """self.vocab and self.first_seen from the tokens and frequencies of ``part`` (or the fixed ``vocab``);
        returns the remap of part's ids to the vocabulary's."""
        from .ngram import _check_pad_vocab, _encode_used
        if vocab is None:
            vp = vocab_plan(part)
            self.vocab, self.first_seen = vp.vocab, vp.first_seen
            return vp.remap
        if pad:
            _check_pad_vocab(vocab)
        used = part.freq > 0 if part.remap is None else np.bincount(part.remap[:-1], weights=part.freq,
                                                                    minlength=len(part.itos)) > 0
        enc = _encode_used(vocab, part.itos, np.flatnonzero(used)).astype(np.int32)
        self.vocab, self.first_seen = vocab, None
        return np.append(enc if part.remap is None else enc[part.remap[:-1]], -1).astype(np.int32)

    def _count_files(self, files: list, line: bool) -> None:
        """Count ids files [(path, remap to the vocabulary's ids), ...] in chunks into runs, merge the runs by
        partition (self.unigrams, self.parts, self.plan, self.n_chunks); the ids and run files are removed."""
        N, V = self.order, len(self.vocab)
        n_ids = sum(os.path.getsize(path) // 4 for path, _ in files)
        self.plan = pl = plan(self.budget, N, n_ids, V)
        if N > 1:
            pl.partitions = max(min(512, pl.partitions * self._lanes()), self._min_partitions())
        need = pl.temp_bytes
        self.table = self._partition_map(pl.partitions) if N > 1 else None
        jobs = []
        for f, (path, remap) in enumerate(files):
            bounds = chunk_bounds(path, pl.chunk_ids, line)
            for i in range(len(bounds) - 1):
                jobs.append((path, bounds[i], bounds[i + 1], remap, V, N, pl.partitions, self.wd,
                             f"{f:05d}-{i:05d}", 0 if line else N - 1, self.nt, need, self.table))
        self.n_chunks = len(jobs)
        runs = self._map(count_chunk, jobs, "counting: chunk")
        for path, _ in files:
            os.unlink(path)
        self.unigrams = merge_unigrams(runs, V)
        self.parts = []
        if N > 1:
            bos = self.vocab["<s>"] if self.kn and "<s>" in self.vocab else None
            self.parts = self._map(merge_partition, [(runs, p, N, V, self.wd, need, bos, self._task_threads())
                                                     for p in range(pl.partitions)], "merging: partition")
        for r in runs:
            os.unlink(r.path)
        self.bar.clear()

    def assemble_counts(self):
        return assemble_counts(self.vocab, self.first_seen, self.unigrams, self.parts, self.order)

    def write_counts(self, path, compress: bool = False) -> None:
        self._stage("writing the counts")
        write_counts(path, self.vocab, self.first_seen if self.first_seen is not None else
                     np.arange(len(self.vocab)), self.unigrams, self.parts, self.order, self.plan.block_rows,
                     self.wd, self.plan.temp_bytes, compress)
        self.bar.clear()

    def estimate_kn(self, smoothing: str, fallback, prune):
        """Kneser-Ney over the partitions: (KNGlobals, [EstInfo per partition])."""
        from .lm.estimate import prune_thresholds
        N, V = self.order, len(self.vocab)
        ids = {t: self.vocab[t] if t in self.vocab else -1 for t in ("<unk>", "<s>", "</s>")}
        if min(ids.values()) < 0:
            raise ValueError("the counts' vocabulary lacks <unk>, <s> or </s>: count with pad=True")
        if not self.unigrams.any():
            raise ValueError("the corpus is empty: no unigrams to estimate a model from")
        bos, eos, unk = ids["<s>"], ids["</s>"], ids["<unk>"]
        thr = prune_thresholds(prune, N)
        stats = [part.kn for part in self.parts]
        if any(st is None for st in stats):  # merged without bos (the tables are made now)
            stats = self._map(kn_stats, [(part, N, bos, V, self._task_threads()) for part in self.parts],
                              "estimating: adjusted counts, partition")
        glob = kn_globals(stats, self.unigrams, N, bos, eos, unk, smoothing, fallback)
        shares = None
        if split_words(self.table).any():
            shares = self._map(kn_split_stats, [(part, N, thr, self.table, self.wd, self.plan.temp_bytes)
                                                for part in self.parts], "estimating: split contexts, partition")
        ests = self._map(kn_estimate, [(part, glob, N, thr, self.wd, self._task_threads(), self.plan.temp_bytes,
                                        self.table, shares) for part in self.parts],
                         "estimating: interpolation, partition")
        self.bar.clear()
        return glob, ests

    def model_orders(self, glob, ests, block_rows: int | None = None):
        """Per order, an iterator of blocks (grams, log10 p, log10 backoff (zeros at the top order)) in the
        in-memory model's row order; ``block_rows`` (default: the plan's) rows per block at most."""
        rows = block_rows or self.plan.block_rows

        def uni():
            g, lp, bo = unigram_values(ests, glob, self.nt)
            yield g, lp, (bo if bo is not None else np.zeros_like(lp))

        def order(n):
            for g, lp, bo in model_blocks(ests, self.parts, glob, self.order, n, rows, self.nt, None, self.table):
                yield g, lp, (bo if bo is not None else np.zeros_like(lp))

        counts = [glob.uni_ids.shape[0]] + [sum(e.rows[n] for e in ests) for n in range(2, self.order + 1)]
        return counts, [uni()] + [order(n) for n in range(2, self.order + 1)]

    def arpa_sections(self, glob, ests, keep: bool = False):
        """(counts, sections) for :func:`seqfast.lm.arpa.write_arpa_blocks`: the blocks of model_orders, each
        made on a second thread while the writer formats the one before, across orders too (half the plan's
        block size, so that the blocks in flight fit the same memory); a distributed driver returns files
        its workers wrote. keep: the caller will also hold the model (the blocks it consumes here; a
        distributed driver keeps the arrays its workers wrote for model_orders)."""
        counts, sections = self.model_orders(glob, ests, max(1, self.plan.block_rows // 2))
        return counts, prefetched_sections(sections)

    def model_bytes(self, ests) -> int:
        """Bytes of the estimated model held in memory (grams, log10 p and backoff, hash indexes)."""
        return sum(self.unigrams.shape[0] * 40 for _ in [0]) + sum(
            e.rows[n] * (4 * n + 8 + 24) for e in ests for n in e.rows)
