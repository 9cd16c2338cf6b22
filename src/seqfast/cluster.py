"""Builds on a Dask cluster: :func:`seqfast.count_ngrams` and :meth:`seqfast.NGramLM.fit` with ``client=`` run
the stages of the memory-capped build (:mod:`seqfast.extmem`) as tasks on ``dask.distributed`` workers, and give
exactly the single-machine result (the same ``.sfc``, ARPA and ``.sfl`` bytes).

Stages (the driver moves only small tables; bulk data goes through files in a shared temporary directory):
  split      driver: every input cut into byte ranges that end just after a line break (a gzip file is one range)
  tokenize   task per range (:func:`tokenize_range`): the range read by the single-machine reader, tokens
             interned in first-appearance order -> an ids file, the range's token list and frequencies
  vocabulary driver: the ranges' token lists united in range order, which gives the single-machine
             first-appearance ids; renumbered by frequency like :class:`seqfast.Vocab`; one remap table per range
             goes to the counting tasks
  counting   task per chunk of a range (extmem.count_chunk): n-grams counted, runs split into partitions by the
             second-to-last word
  merging    task per partition (extmem.merge_partition)
  Kneser-Ney task per partition (extmem.kn_stats), the discounts and unigrams on the driver (extmem.kn_globals),
             when words are split a task per partition (extmem.kn_split_stats: the integer statistics of its
             share of the split contexts), task per partition (extmem.kn_estimate, summing the shares)
  model      task per range of first words of an order (:func:`model_piece`): the partitions' estimates merged
             into that range's ARPA lines (and the model's arrays when fit returns the model); the driver
             appends each piece to the ARPA file as its task finishes. Counts: the driver merges the
             partitions' sorted files.

Partitions are by the second-to-last word, the most frequent words placed so that their tokens balance over
the partitions (:func:`seqfast.extmem.partition_map`); a word heavier than a partition's mean (``SPLIT``) is
split again by the last word over several partitions, its contexts' statistics summed exactly over them.

Requires the ``dask`` extra (``pip install "seqfast[dask]"``). Inputs are local paths (which every worker must
see at the same path) or fsspec URLs (``s3://bucket/corpus.txt``); ``tmpdir`` must be a directory every worker
and the driver can read and write (a shared file system on a real cluster; anything local with a
``LocalCluster``). Workers must run the same seqfast version and build (:func:`check_cluster`).
"""
from __future__ import annotations

import contextlib
import math
import os
import sys
import time
import uuid
from dataclasses import dataclass

import numpy as np

from .extmem import Build

__all__ = ["ClusterMismatchError", "DaskBuild", "check_cluster", "count_ngrams_dask", "fingerprint", "split_inputs",
           "tokenize_range"]

#: Target size of a byte range read by one vocabulary/count task: its ids take ~4 bytes per token and the sort
#: engine ~10 more, so a 32 MB range (~7M tokens) keeps a task near 100 MB.
RANGE_BYTES = 32 << 20
#: At least this many ranges and partitions per worker, so that work balances across workers.
TASKS_PER_WORKER = 4
#: A word with more tokens than this share of a partition's mean is split over partitions by the last word
SPLIT = 1.0


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
# Tasks and the driver
# ----------------------------------------------------------------------------------------------------------
def _worker_address() -> str:
    try:
        from distributed import get_worker
        return get_worker().address
    except (ImportError, ValueError):
        return "local"


def _timed(fn, *args):
    """(fn(*args), seconds, worker address): how a task reports where and how long it ran."""
    t0 = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t0, _worker_address()


def tokenize_range(rng: tuple, tokenizer, pad: bool, errors: str, wd: str, name: str):
    """Stage tokenize: bytes ``rng = (path, start, end)`` (end None: to the end, for a gzip file) read as the
    single-machine reader reads them into ``wd/ids-{name}.i32`` (int32, -1 after each line, this range's
    first-appearance ids), as :func:`seqfast.extmem.tokenize_source` does for a whole source. Returns its
    :class:`~seqfast.extmem.TokPart` (remap None: lower-casing merges are made on the united vocabulary)."""
    from .extmem import TokPart, _write
    from .ngram import _IdStream, _feed_fileobj, _input_name
    from .text import InvalidUTF8Error, TokenTooLongError, _line_at
    path, start, end = rng
    stream = _IdStream(pad, "line", tokenizer)
    f = _open(path)
    if end is None:
        import gzip
        f = gzip.GzipFile(fileobj=f, mode="rb")
    src = _Slice(f, start, end)
    name_in = _input_name(path)
    try:
        _feed_fileobj(stream, src, name_in, errors, None)
    except InvalidUTF8Error as e:  # offsets and lines within the range -> within the file
        line = None if e.line is None or end is None or _is_url(path) else e.line + _line_at(path, start) - 1
        raise InvalidUTF8Error(e.path, e.offset + start, e.byte, line) from None
    except TokenTooLongError as e:
        raise TokenTooLongError(e.path, e.offset + start) from None
    finally:
        src.close()
    ids, itos = stream.finish()
    out = os.path.join(wd, f"ids-{name}.i32")
    tmp = f"{out}.{os.getpid()}.{uuid.uuid4().hex[:8]}.part"  # a rerun (the worker died) replaces, never appends
    with open(tmp, "wb") as g:
        _write(g, ids)
    os.replace(tmp, out)
    freq = np.bincount(ids[ids >= 0], minlength=len(itos)).astype(np.int64)
    return TokPart(out, itos, freq, tuple(stream.specials), None, int(ids.shape[0]))


def _files_bytes(paths) -> int:
    total = 0
    for p in paths:
        try:
            total += os.path.getsize(p)
        except OSError:
            pass
    return total


class DaskBuild(Build):
    """:class:`seqfast.extmem.Build` whose stages run as tasks on a Dask cluster (``client``); ``wd`` must be a
    directory the driver and every worker share. ``stats`` collects seconds per stage, tasks per worker and
    bytes written to ``wd`` per stage."""

    def __init__(self, client, wd: str, order: int, budget: int, n_threads: int = 1, progress: bool = False,
                 range_bytes: int | None = None, partitions: int | None = None):
        super().__init__(wd, order, budget, n_threads, progress)
        self.client = client
        self.workers = check_cluster(client)
        self.range_bytes, self.partitions = range_bytes, partitions
        self.token = uuid.uuid4().hex[:12]
        self.stats = {"workers": len(self.workers), "stages": {}, "task_seconds": {}, "tasks_per_worker": {},
                      "bytes_exchanged": {}}

    def _min_partitions(self) -> int:
        return self.partitions or TASKS_PER_WORKER * len(self.workers)

    def _lanes(self) -> int:
        return 1  # a task has the whole budget and n_threads of its worker

    def _partition_map(self, P: int):
        """Balanced partitions (extmem.partition_map) from the corpus's token counts per word: the most
        frequent second-to-last words ("," ".", "the") are spread by weight rather than by id % P. ``</s>`` is never a
        second-to-last word and ``<s>`` only of bigrams: they weigh nothing (by their tokens, the two most
        frequent words would each take a partition holding almost no rows)."""
        from .extmem import partition_map
        if getattr(self, "_freq", None) is None:
            return None
        w = self._freq.copy()
        for t in ("<s>", "</s>"):
            if t in self.vocab:
                w[self.vocab[t]] = 0
        return partition_map(w, P, split=SPLIT)

    def _map(self, fn, args_list: list, stage: str) -> list:
        """fn over the argument tuples as Dask tasks (keys unique to this build), results in order."""
        return self._finish(fn, *self._submit(fn, args_list, stage))

    def _submit(self, fn, args_list: list, stage: str):
        """(futures of fn over the argument tuples, start time): tasks submitted in list order."""
        self._stage(f"{stage}s: {len(args_list)} tasks on {len(self.workers)} workers")
        t0 = time.perf_counter()
        keys = [f"seqfast-{fn.__name__}-{i}-{self.token}" for i in range(len(args_list))]
        return [self.client.submit(_timed, fn, *a, key=k, pure=False) for a, k in zip(args_list, keys)], t0

    def _finish(self, fn, futures: list, t0: float) -> list:
        """The results of _submit's futures in order, the stage's statistics recorded; on an error (or an
        interrupt) the stage's tasks are cancelled."""
        try:
            res = self.client.gather(futures)
        except BaseException:
            self.client.cancel(futures)
            raise
        st = self.stats
        st["stages"][fn.__name__] = st["stages"].get(fn.__name__, 0.0) + time.perf_counter() - t0
        st["task_seconds"][fn.__name__] = st["task_seconds"].get(fn.__name__, 0.0) + sum(r[1] for r in res)
        for r in res:
            st["tasks_per_worker"][r[2]] = st["tasks_per_worker"].get(r[2], 0) + 1
        out = [r[0] for r in res]
        st["bytes_exchanged"][fn.__name__] = _written(fn.__name__, out)
        return out

    #: arpa_sections keeps the model's arrays itself (the caller need not keep the blocks it writes)
    keeps_model = True

    def arpa_sections(self, glob, ests, keep: bool = False):
        """The model's ARPA lines written by tasks, each task a range of first words of one order (every order
        spreads over every worker); returns (counts, per order an iterator of the paths of its pieces in file
        order) for write_arpa_blocks: each path comes as soon as its task is done, so that the driver copies
        pieces while the workers make the next ones. keep: the tasks also write the model's arrays, read into
        the arrays :meth:`model_orders` then returns (the driver merges nothing)."""
        counts, sections = self._model_stage(glob, ests, True, keep)
        return counts, sections

    def model_orders(self, glob, ests, block_rows: int | None = None):
        """(counts, per order a list of one block (grams, log10 p, log10 backoff)) made by tasks: the arrays
        kept by :meth:`arpa_sections`, or read from new tasks that write only the arrays."""
        kept, self.kept = getattr(self, "kept", None), None
        if kept is not None:
            return self._counts(glob, ests), kept
        counts, sections = self._model_stage(glob, ests, False, True, block_rows)
        for sec in sections:
            for _ in sec:
                pass
        kept, self.kept = self.kept, None
        return counts, kept

    def _counts(self, glob, ests) -> list:
        return [glob.uni_ids.shape[0]] + [sum(e.rows[n] for e in ests) for n in range(2, self.order + 1)]

    def _model_stage(self, glob, ests, text: bool, arrays: bool, block_rows: int | None = None):
        """Tasks of :func:`model_piece` over every order cut into ranges of first words (about
        2 * TASKS_PER_WORKER tasks per worker over the orders), submitted in file order. Returns (counts, per
        order a generator of its pieces' ARPA paths as their tasks finish); with ``arrays`` the generators
        also read the pieces' arrays into self.kept (per order [(grams, log10 p, log10 backoff)])."""
        counts = self._counts(glob, ests)
        rows = block_rows or self.plan.block_rows
        V, N = len(self.vocab), self.order
        per_task = max(1, math.ceil(sum(counts[1:]) / (2 * TASKS_PER_WORKER * len(self.workers))))
        jobs = [(1, 0, None)] + [(n, i, group) for n in range(2, N + 1)
                                 for i, group in enumerate(_pieces(self.parts, n, V, per_task, min(rows, per_task)))]
        shared = self.client.scatter([(ests, self.parts, glob, self.vocab.itos if text else None, self.table)],
                                     broadcast=True)[0]
        futures, t0 = self._submit(model_piece, [(shared, N, n, blocks, rows,
                                                  os.path.join(self.wd, f"model-{n}-{i:05d}"), text, arrays, self.nt)
                                                 for n, i, blocks in jobs], "writing: model piece")
        self.kept = [[(np.empty((counts[n - 1], n), np.int32), np.empty(counts[n - 1], np.float32),
                       np.zeros(counts[n - 1], np.float32))] for n in range(1, N + 1)] if arrays else None
        done = [0]

        def section(n):
            try:
                at = 0
                for (m, _, _), fu in zip(jobs, futures):
                    if m != n:
                        continue
                    piece = fu.result()[0]
                    if arrays:
                        piece.read_into(self.kept[n - 1][0], at, n == N)
                        at += piece.rows
                    if text:
                        yield piece.prefix + ".arpa"
                        os.unlink(piece.prefix + ".arpa")  # copied: its pages freed while workers still run
            except BaseException:
                self.client.cancel(futures)
                raise
            done[0] += 1
            if done[0] == N:  # every piece read: the stage's statistics
                self._finish(model_piece, futures, t0)

        return counts, [section(n) for n in range(1, N + 1)]

    def count_source(self, source, tokenizer, pad: bool, errors: str, vocab=None) -> None:
        """Tokenize the inputs by byte ranges on the workers, unite the vocabularies in range order, then count
        and merge as :meth:`extmem.Build.count` does (self.vocab, .first_seen, .unigrams, .parts, .plan)."""
        from .extmem import TokPart
        from .ngram import _lower_vocab, _merge_vocabs
        paths = _inputs(source)
        total = sum(_size(p) for p in paths)
        rb = self.range_bytes or max(1 << 14, min(RANGE_BYTES, math.ceil(total / (TASKS_PER_WORKER * len(self.workers)))
                                                  or 1))
        ranges = split_inputs(paths, rb)
        self.stats.update(ranges=len(ranges), input_bytes=total)
        parts = self._map(tokenize_range, [(r, tokenizer, pad, errors, self.wd, f"{i:05d}")
                                           for i, r in enumerate(ranges)], "tokenizing: range")
        t0 = time.perf_counter()
        itos, remaps = _merge_vocabs([p.itos for p in parts])
        freq = np.zeros(len(itos), dtype=np.int64)
        for p, rm in zip(parts, remaps):
            np.add.at(freq, rm[:-1], p.freq)
        specials = parts[0].specials
        lower = None
        if tokenizer.lower and tokenizer.level == "whitespace":  # C tokenizers intern the original case
            lower, itos = _lower_vocab(itos, len(specials))
        final = self._set_vocab(TokPart("", itos, freq, specials, lower, 0), pad, vocab)
        files = [(p.path, np.append(final[rm[:-1]], -1).astype(np.int32)) for p, rm in zip(parts, remaps)]
        fin = final[:len(freq)]  # tokens per word of the final vocabulary (their loads as second-to-last words)
        ok = fin >= 0
        self._freq = np.bincount(fin[ok], weights=freq[ok], minlength=len(self.vocab)).astype(np.int64)
        self.stats["stages"]["vocabulary"] = time.perf_counter() - t0
        self.stats["tokens"] = int(sum(p.freq.sum() for p in parts))
        self._count_files(files, True)


def _pieces(parts, n: int, vocab_size: int, per_task: int, block_rows: int) -> list:
    """The blocks of first words of order n (extmem._blocks, ~block_rows rows each) grouped into consecutive
    runs of about per_task rows: [[(a, b), ...] per task]."""
    from .extmem import _blocks
    hist = np.zeros(vocab_size + 1, dtype=np.int64)
    for part in parts:
        w, c = part.first[n]
        hist[w] += c
    cum = np.concatenate([[0], np.cumsum(hist)])
    groups, cur, k = [], [], 0
    for a, b in _blocks(parts, n, vocab_size, block_rows):
        cur.append((a, b))
        k += int(cum[b] - cum[a])
        if k >= per_task:
            groups.append(cur)
            cur, k = [], 0
    if cur:
        groups.append(cur)
    return groups


@dataclass
class ModelPiece:
    """What :func:`model_piece` wrote: ``{prefix}.arpa`` (ARPA lines), ``{prefix}.grams`` / ``.logp`` / ``.bo``
    (raw int32 (rows, n), float32, float32; bo absent at the top order) and their rows."""
    prefix: str
    n: int
    rows: int
    arpa_bytes: int

    def read_into(self, arrays: tuple, at: int, top: bool) -> None:
        """Read the arrays into rows at..at + rows of (grams, log10 p, log10 backoff) and remove their files
        (the backoff stays as it is at the top order)."""
        for ext, a in zip((".grams", ".logp", ".bo"), arrays[:2 if top else 3]):
            with open(self.prefix + ext, "rb") as f:
                f.readinto(a[at:at + self.rows])
            os.unlink(self.prefix + ext)


def model_piece(shared, order: int, n: int, blocks, block_rows: int, prefix: str, text: bool, arrays: bool,
                n_threads: int = 1) -> ModelPiece:
    """Stage model: the rows of order ``n`` whose first word is in ``blocks`` ([(a, b), ...] ranges of first
    words; None: the unigrams), partitions merged and contexts' backoffs joined (extmem.model_blocks), written
    as ARPA lines to ``{prefix}.arpa`` (text) and as arrays (see :class:`ModelPiece`; arrays). ``shared`` =
    (estimates, partitions, globals, words (None without text), partition table), broadcast once to every
    worker."""
    from .extmem import _write, model_blocks, unigram_values
    from .lm.arpa import arpa_section
    ests, parts, glob, itos, table = shared
    it = iter([unigram_values(ests, glob, n_threads)]) if n == 1 else \
        model_blocks(ests, parts, glob, order, n, block_rows, n_threads, blocks, table)
    top = n == order
    rows = [0]
    with contextlib.ExitStack() as stack:
        files = [stack.enter_context(open(prefix + ext, "wb")) for ext in (".grams", ".logp", ".bo")[:2 if top else 3]] \
            if arrays else None

        def kept(it):
            for g, lp, bo in it:
                rows[0] += g.shape[0]
                if files is not None:
                    for f, x in zip(files, (g, lp, bo)):
                        _write(f, x)
                yield g, lp, bo

        if text:
            size = arpa_section(prefix + ".arpa", itos, kept(it), top, n_threads)
        else:
            size = 0
            for _ in kept(it):
                pass
    return ModelPiece(prefix, n, rows[0], size)


def _written(stage: str, out: list) -> int:
    """Bytes a stage's tasks wrote to the shared directory (what later tasks or the driver read back)."""
    import glob
    if stage == "tokenize_range":
        return _files_bytes(p.path for p in out)
    if stage == "count_chunk":
        return _files_bytes(r.path for r in out)
    if stage in ("merge_partition", "kn_split_stats", "kn_estimate"):
        return _files_bytes(f for r in out for f in glob.glob(r.prefix + "-*"))
    if stage == "model_piece":
        return int(sum(p.arpa_bytes + (p.rows * (4 * p.n + 8) if os.path.exists(p.prefix + ".logp") else 0)
                       for p in out))
    return 0


def _budget(memory) -> int:
    """Bytes of a task's working memory: memory= as lmplz -S, or 1 GiB."""
    from .extmem import memory_budget
    return memory_budget(memory) if memory is not None else 1 << 30


def _partition_ratio(parts) -> float:
    """Rows of the largest partition over the mean (1.0: perfectly even)."""
    rows = np.asarray([sum(p.rows.values()) for p in parts], dtype=np.float64)
    return float(rows.max() / rows.mean()) if rows.size and rows.mean() > 0 else 1.0


def count_ngrams_dask(client, source, order: int, tokenizer, pad: bool = False, errors: str = "strict",
                      vocab=None, n_threads: int = 1, memory=None, tmpdir: str | None = None,
                      range_bytes: int | None = None, partitions: int | None = None, progress: bool = False):
    """:func:`seqfast.count_ngrams` on a Dask cluster (``client``: a ``dask.distributed.Client``); the result
    equals the single-machine one. ``source``: a path or URL, or a list of paths (``pathlib.Path``) or URLs.
    ``memory``: each task's budget (default 1 GiB); ``tmpdir``: the shared directory of the exchanged files.
    ``range_bytes``: bytes per tokenizing task (default: about ``RANGE_BYTES``, and at least TASKS_PER_WORKER
    ranges per worker); ``partitions``: at least this many merging tasks (default TASKS_PER_WORKER per
    worker). ``n_threads``: C threads per task. ``result.stats`` reports seconds per stage, tasks per worker,
    bytes exchanged through ``tmpdir`` and the largest partition over the mean."""
    from .extmem import workdir
    t0 = time.perf_counter()
    with workdir(tmpdir) as wd:
        b = DaskBuild(client, wd, order, _budget(memory), n_threads, progress, range_bytes, partitions)
        b.count_source(source, tokenizer, pad, errors, vocab)
        t = time.perf_counter()
        result = b.assemble_counts()
        b.stats["stages"]["assemble"] = time.perf_counter() - t
    result.stats.update(b.stats)
    result.stats.update(seconds=time.perf_counter() - t0, partitions=len(b.parts), chunks=b.n_chunks,
                        largest_partition_ratio=_partition_ratio(b.parts), threads=n_threads)
    return result
