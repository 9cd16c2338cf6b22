# cython: boundscheck=False, wraparound=False, language_level=3
"""Thin wrapper over csrc/ngram_*.c: the streaming reader/interner, the counter, combine and checks.

The Python layer (seqfast.ngram) owns names, defaults and docs; this layer checks buffers, releases the GIL
around C calls and turns SF_E* codes into Python exceptions (seqfast._status.check).
"""
from cpython.ref cimport PyObject
from libc.stdint cimport int32_t, int64_t, uint64_t, uintptr_t
from libc.stdlib cimport malloc, free
from cython.view cimport array as cvarray

import numpy as np

from ._checks import MemoryLimitError, memory_limit
from .text import InvalidUTF8Error, TokenTooLongError

from seqfast._status cimport SF_EFORMAT, SF_ENOMEM, SF_EVALUE, SF_OK, check
from seqfast._strtab cimport StrTable, take_table, token_utf8

cdef extern from "Python.h":
    PyObject **PySequence_Fast_ITEMS(object o)

MAX_ORDER = SF_NGRAM_MAX_ORDER
cdef size_t CHUNK = 1 << 22

_LEVEL = {"whitespace": SF_TOK_WHITESPACE, "char": SF_TOK_CHAR}
_ERRORS = {"strict": SF_UTF8_STRICT, "replace": SF_UTF8_REPLACE, "ignore": SF_UTF8_IGNORE}


cdef class Interner:
    """Token stream -> int32 ids (first-appearance order, specials first), -1 after each line."""
    cdef sf_ngreader *r
    cdef int pad

    def __cinit__(self, specials, bint pad, bint lines):
        cdef list enc = [s.encode("utf-8") for s in specials]
        cdef int n = len(enc)
        cdef const char **ptrs = <const char **>malloc(n * sizeof(char *))
        cdef size_t *lens = <size_t *>malloc(n * sizeof(size_t))
        if ptrs is NULL or lens is NULL:
            free(ptrs); free(lens)
            raise MemoryError("Interner: out of memory")
        for i in range(n):
            ptrs[i] = <const char *>enc[i]
            lens[i] = len(enc[i])
        bos = specials.index("<s>") if pad else -1
        eos = specials.index("</s>") if pad else -1
        self.r = sf_ngreader_new(ptrs, lens, n, lines, pad, bos, eos)
        free(ptrs); free(lens)
        if self.r is NULL:
            raise MemoryError("Interner: out of memory")
        self.r.max_bytes = memory_limit()
        self.pad = pad

    def __dealloc__(self):
        if self.r is not NULL:
            sf_ngreader_free(self.r)

    def add_tokens(self, list tokens, str name="the lines of text"):
        """Intern a list of str tokens; the token "\\n" ends a line."""
        cdef Py_ssize_t i, n = len(tokens), ln
        cdef PyObject **items = PySequence_Fast_ITEMS(tokens)
        cdef const char *s
        cdef int rc
        for i in range(n):
            s = token_utf8(<object>items[i], &ln, i)
            if ln == 1 and s[0] == b'\n':
                rc = sf_ngreader_end_line(self.r)
            else:
                rc = sf_ngreader_token(self.r, s, <size_t>ln)
            if rc != SF_OK:
                self._check(rc, name)

    def feed_word_piece(self, bytes piece, int64_t base, str name, str errors, bint lower, findall):
        """Word-level tokens of a piece of a file that ends at a line break or whitespace: ASCII lines in C,
        lines holding other bytes decoded (errors) and tokenized in Python by findall (the word regex that
        also matches "\\n")."""
        cdef const char *p = piece
        cdef size_t n = len(piece), pos = 0, stop = 0, stop_end = 0
        cdef int rc
        while pos < n:
            with nogil:
                rc = sf_ngreader_feed_words(self.r, p + pos, n - pos, lower, &stop, &stop_end)
            if rc == SF_EVALUE and self.r.long_offset >= 0:
                raise TokenTooLongError(name, base + pos + self.r.long_offset)
            if rc != SF_OK:
                self._check(rc, name)
            if pos + stop >= n:
                break
            seg = piece[pos + stop: pos + stop_end]
            try:
                text = seg.decode("utf-8", errors)
            except UnicodeDecodeError as e:
                raise InvalidUTF8Error(name, base + pos + stop + e.start, seg[e.start]) from None
            if lower:
                text = text.lower()
            toks = findall(text)
            if 4 * len(text) > SF_MAX_TOKEN_BYTES and toks and 4 * max(map(len, toks)) > SF_MAX_TOKEN_BYTES:
                if max(len(t.encode("utf-8", "surrogateescape")) for t in toks) > SF_MAX_TOKEN_BYTES:
                    raise TokenTooLongError(name, base + pos + stop)
            self.add_tokens(toks, name)
            pos += stop_end

    def line_break(self):
        cdef int rc = sf_ngreader_end_line(self.r)
        if rc != SF_OK:
            check(rc, "interning tokens")

    cdef _check(self, int rc, str name):
        if rc == SF_EFORMAT and self.r.bad_offset >= 0:
            raise InvalidUTF8Error(name, self.r.bad_offset, self.r.bad_byte)
        if rc == SF_EVALUE and self.r.long_offset >= 0:
            raise TokenTooLongError(name, self.r.long_offset)
        if rc == SF_ENOMEM and self.r.need_bytes > 0:
            raise MemoryLimitError(name, self.r.need_bytes, self.r.max_bytes)
        if rc != SF_OK:
            check(rc, name)

    def feed_bytes(self, bytes data, str level, str errors, str name="<text>", bint flush=True):
        """Tokenize bytes at level 'whitespace' or 'char'; flush=True ends a pending token and the line."""
        cdef int lv = _LEVEL[level], er = _ERRORS[errors], rc
        cdef const char *p = data
        cdef size_t n = len(data)
        with nogil:
            rc = sf_ngreader_feed(self.r, p, n, lv, er)
            if rc == SF_OK and flush:
                rc = sf_ngreader_flush(self.r, lv, er)
        self._check(rc, name)

    def feed_path(self, str path, str level, str errors, progress=None):
        """Read a file (plain or .gz) in chunks and tokenize it in C."""
        cdef int lv = _LEVEL[level], er = _ERRORS[errors], rc = SF_OK, err = 0
        cdef bytes bpath = path.encode("utf-8", "surrogateescape")
        cdef const char *cpath = bpath
        cdef sf_file *f
        cdef int64_t got
        cdef char *buf = <char *>malloc(CHUNK)
        if buf is NULL:
            raise MemoryError("out of memory")
        try:
            with nogil:
                f = sf_file_open(cpath, &err)
            if f is NULL:
                if err == SF_ENOMEM:
                    raise MemoryError("out of memory")
                raise OSError(f"{path}: cannot open the file (missing or unreadable)")
            try:
                while True:
                    with nogil:
                        got = sf_file_read(f, buf, CHUNK)
                        if got > 0:
                            rc = sf_ngreader_feed(self.r, buf, <size_t>got, lv, er)
                    if got < 0:
                        if got == SF_EFORMAT:
                            raise ValueError(f"{path}: corrupt or truncated gzip data")
                        raise OSError(f"{path}: read error")
                    self._check(rc, path)
                    if progress is not None:
                        progress(got)
                    if got == 0:
                        break
                with nogil:
                    rc = sf_ngreader_flush(self.r, lv, er)
                self._check(rc, path)
            finally:
                sf_file_close(f)
        finally:
            free(buf)

    def feed_fileobj(self, fobj, str name, str level, str errors, progress=None):
        """Read a binary file object (e.g. stdin) in chunks and tokenize it in C."""
        cdef int lv = _LEVEL[level], er = _ERRORS[errors], rc
        cdef const char *p
        cdef size_t n
        cdef bytes data
        while True:
            data = fobj.read(CHUNK)
            if not data:
                break
            p = data
            n = len(data)
            with nogil:
                rc = sf_ngreader_feed(self.r, p, n, lv, er)
            self._check(rc, name)
            if progress is not None:
                progress(n)
        with nogil:
            rc = sf_ngreader_flush(self.r, lv, er)
        self._check(rc, name)

    def finish(self):
        """(ids int32 (T,), itos): itos is the interning table itself as a StrTable (a sequence of str made on
        access: no str per token is made here); the reader is left with an empty table."""
        cdef int rc = sf_ngreader_finish(self.r)
        if rc != SF_OK:
            check(rc, "finishing the token stream")
        ids = self.take()
        return ids, take_table(<void **>&self.r.tab)

    @property
    def pending(self):
        """Ids emitted and not yet taken."""
        return self.r.n_ids

    def __len__(self):
        """Tokens interned so far, specials included."""
        return self.r.tab.n

    def take(self):
        """The ids emitted since the last take() as int32 (T,); the interning table and any pending token stay,
        so a stream can be read in pieces."""
        cdef int64_t T = self.r.n_ids
        ids = np.empty(T, dtype=np.int32)
        cdef int32_t[::1] o = ids
        cdef int64_t i
        for i in range(T):
            o[i] = self.r.ids[i]
        self.r.n_ids = 0
        return ids

    def tokens(self, int32_t start=0):
        """The interned tokens with ids start, start + 1, ... (list of str)."""
        cdef int32_t V = self.r.tab.n, j
        cdef size_t ln
        cdef const char *s
        itos = []
        for j in range(start, V):
            s = sf_strtab_get(self.r.tab, j, &ln)
            itos.append(s[:ln].decode("utf-8", "replace"))
        return itos


def read_ranges(list interners, str path, const int64_t[::1] bounds, str level, str errors, int n_threads):
    """Tokenize byte ranges of a plain file in parallel, range i with interners[i] (Interner objects)."""
    cdef int nr = len(interners), rc, i
    if bounds.shape[0] != nr + 1:
        raise ValueError("read_ranges: need len(interners) + 1 bounds")
    cdef sf_ngreader **rs = <sf_ngreader **>malloc(nr * sizeof(sf_ngreader *))
    cdef int *rcs = <int *>malloc(nr * sizeof(int))
    if rs is NULL or rcs is NULL:
        free(rs); free(rcs)
        raise MemoryError("out of memory")
    for i in range(nr):
        rs[i] = (<Interner>interners[i]).r
    cdef int lv = _LEVEL[level], er = _ERRORS[errors]
    cdef bytes bpath = path.encode("utf-8", "surrogateescape")
    cdef const char *cpath = bpath
    try:
        with nogil:
            rc = sf_ngreader_read_ranges(rs, nr, cpath, &bounds[0], lv, er, n_threads, rcs)
        for i in range(nr):
            if rcs[i] != SF_OK:
                (<Interner>interners[i])._check(rcs[i], path)
    finally:
        free(rs); free(rcs)


cdef take_ids(sf_ngreader *r):
    """The reader's ids as an int32 (n_ids,) array that owns its buffer (no copy; freed with the array); the
    reader starts a new buffer when it emits more."""
    cdef cvarray buf = cvarray(shape=(max(r.n_ids, 1),), itemsize=sizeof(int32_t), format="i", mode="c",
                               allocate_buffer=False)
    buf.data = <char *>r.ids
    buf.callback_free_data = free
    cdef int64_t n = r.n_ids
    r.ids = NULL
    r.n_ids = 0
    r.cap_ids = 0
    return np.asarray(buf)[:n]


def merge_readers(list interners, int n_threads):
    """The ids of Interner objects that read consecutive parts of one corpus (e.g. with read_ranges), in the
    first-appearance ids of the whole corpus (ngram_ingest.h): a list of int32 arrays, the readers' own ids
    buffers renumbered in place and taken from them (readers without ids left out); end to end they are the
    corpus's ids. interners[0]'s table grows to the merged vocabulary (its tokens() name the ids) and reads on
    in those ids; the other tables are left as they were."""
    cdef int nr = len(interners), i, rc
    if nr == 0:
        raise ValueError("merge_readers: no readers")
    cdef sf_ngreader **rs = <sf_ngreader **>malloc(nr * sizeof(sf_ngreader *))
    if rs is NULL:
        raise MemoryError("out of memory")
    for i in range(nr):
        rs[i] = (<Interner>interners[i]).r
    try:
        with nogil:
            rc = sf_ngreader_merge(rs, nr, n_threads)
        check(rc, "merging the readers' vocabularies")
        return [take_ids(rs[i]) for i in range(nr) if rs[i].n_ids > 0]
    finally:
        free(rs)


def id_counts(const int32_t[::1] ids, int32_t V, int n_threads):
    """Occurrences of each id 0..V-1 in ids (-1 skipped) as int64 (V,); ValueError for an id >= V."""
    freq = np.zeros(max(V, 0), dtype=np.int64)
    cdef int64_t T = ids.shape[0]
    if V <= 0 or T == 0:
        return freq
    cdef int64_t[::1] f = freq
    cdef int rc
    with nogil:
        rc = sf_ids_count(&f[0], &ids[0], T, V, n_threads)
    check(rc, f"counting ids (an id is >= {V})")
    return freq


def remap_ids(int32_t[::1] ids, const int32_t[::1] mapping, int n_threads):
    """ids[i] = mapping[ids[i]] for every ids[i] >= 0, in place (-1 stays); ValueError for an id outside
    mapping."""
    cdef int64_t T = ids.shape[0]
    cdef int32_t V = mapping.shape[0]
    if T == 0:
        return
    if V == 0:
        mapping = np.zeros(1, dtype=np.int32)
    cdef int rc
    with nogil:
        rc = sf_ids_remap(&ids[0], T, &mapping[0], V, n_threads)
    check(rc, f"renumbering ids (an id is >= {V})")


cdef class Counter:
    """The n-grams of orders 1..N of an id stream as the counting engine holds them (csrc/ngram_count.h):
    unique(n), tokens and top() read them in place (top: the sort engine); export() hands them over as arrays,
    once (the engine's memory goes back as the arrays are written)."""
    cdef sf_ngcounter *c
    cdef readonly int order
    cdef readonly str method
    cdef readonly dict stats

    def __dealloc__(self):
        sf_ngram_free(self.c)

    cdef _need(self):
        if self.c is NULL:
            raise ValueError("these counts were exported already")

    def unique(self, int n):
        """Distinct n-grams of order n."""
        self._need()
        return sf_ngram_unique(self.c, n)

    @property
    def can_top(self):
        """top() works (a sort-engine count not exported yet)."""
        return self.c is not NULL and self.c.keys is not NULL

    @property
    def tokens(self):
        """Unigram occurrences (positions with a token) of a sort-engine count."""
        self._need()
        if self.c.keys is NULL:
            raise ValueError("tokens: a sort-engine count only")
        return self.c.K

    def top(self, int64_t k, int64_t min_count=1, rank=None):
        """The at most k most frequent n-grams of each order with count >= min_count, by count descending,
        ties by the tuple of rank[id] ascending (rank int64 (V,); None: by ids): per order n, (grams int32
        (m, n), counts int64 (m,)) best first (sf_ngram_top_sorted)."""
        if not self.can_top:
            raise ValueError("top: a sort-engine count not exported yet")
        if k < 0:
            raise ValueError(f"top: k must be >= 0, got {k}")
        cdef int N = self.order, n, rc
        cdef int32_t *gp[SF_NGRAM_MAX_ORDER + 1]
        cdef int64_t *cp[SF_NGRAM_MAX_ORDER + 1]
        cdef int64_t kout[SF_NGRAM_MAX_ORDER + 1]
        cdef int64_t m
        cdef int32_t[:, ::1] g
        cdef int64_t[::1] cc
        cdef const int64_t[::1] rk
        cdef const int64_t *rankp = NULL
        cdef int32_t dummy_g = 0
        cdef int64_t dummy_c = 0
        if rank is not None:
            rk = np.ascontiguousarray(rank, dtype=np.int64)
            if rk.shape[0] < self.c.V:
                raise ValueError(f"top: rank needs {self.c.V} entries, got {rk.shape[0]}")
            rankp = &rk[0]
        out = []
        gp[0] = NULL
        for n in range(1, N + 1):
            m = min(k, sf_ngram_unique(self.c, n))
            ga = np.empty((m, n), dtype=np.int32)
            ca = np.empty(m, dtype=np.int64)
            gp[n], cp[n] = &dummy_g, &dummy_c
            if m > 0:
                g, cc = ga, ca
                gp[n], cp[n] = &g[0, 0], &cc[0]
            out.append((ga, ca))
        with nogil:
            rc = sf_ngram_top_sorted(self.c, k, min_count, rankp, gp, cp, kout)
        check(rc, "selecting the most frequent n-grams")
        return [(ga[:kout[n + 1]], ca[:kout[n + 1]]) for n, (ga, ca) in enumerate(out)]

    def export(self):
        """([grams (k_n, n) int32 for n = 1..N], [counts (k_n,) int64]), rows sorted; the engine is freed."""
        self._need()
        grams, counts = [], []
        cdef int32_t *gp[SF_NGRAM_MAX_ORDER + 1]
        cdef int64_t *cp[SF_NGRAM_MAX_ORDER + 1]
        cdef int64_t k
        cdef int32_t[:, ::1] g
        cdef int64_t[::1] cc
        cdef int n, rc
        gp[0] = NULL
        cp[0] = NULL
        for n in range(1, self.order + 1):
            k = sf_ngram_unique(self.c, n)
            ga = np.empty((k, n), dtype=np.int32)
            ca = np.empty(k, dtype=np.int64)
            gp[n] = NULL
            cp[n] = NULL
            if k > 0:
                g = ga
                cc = ca
                gp[n] = &g[0, 0]
                cp[n] = &cc[0]
            grams.append(ga)
            counts.append(ca)
        with nogil:
            rc = sf_ngram_export_all(self.c, gp, cp, 1)
        sf_ngram_free(self.c)
        self.c = NULL
        check(rc, "count_ngrams export")
        return grams, counts


def counter(ids_in, int32_t V, int N, int n_threads, str method="sort",
            int64_t min_per_thread=SF_NGRAM_MIN_PER_THREAD):
    """Count orders 1..N of ids (-1 = line break) into a Counter.

    ids_in: int32 (T,), or a list of such pieces, emptied as soon as the counter no longer needs them, so that
    their memory can go back; the stream is the pieces end to end with a line break between two (pieces that
    end with -1, such as merge_readers' arrays, count as their concatenation).
    method: "sort" (sf_ngram_count_sorted) or "hash" (sf_ngram_count); fewer threads are used when there are
    fewer than min_per_thread ids per thread (the result is the same)."""
    if method not in ("sort", "hash"):
        raise ValueError(f"method must be 'sort' or 'hash', got {method!r}")
    cdef bint use_sort = method == "sort"
    if N < 1 or N > SF_NGRAM_MAX_ORDER:
        raise ValueError(f"order must be between 1 and {SF_NGRAM_MAX_ORDER}, got {N}")
    if V < 1:
        raise ValueError("the vocabulary is empty")
    cdef bint owned = isinstance(ids_in, list)
    pieces = [np.ascontiguousarray(x) for x in (ids_in if owned else [ids_in])]
    if owned:
        ids_in.clear()
    for x in pieces:
        if x.dtype != np.int32 or x.ndim != 1:
            raise ValueError(f"count: ids must be int32 of shape (T,), got {x.dtype} of shape {x.shape}")
    if not use_sort and len(pieces) != 1:  # the hash engine reads one stream: pieces joined by line breaks
        sep = np.full(1, -1, dtype=np.int32)
        joined = [np.zeros(0, np.int32)]
        for x in pieces:
            joined += [sep, x] if len(joined) > 1 else [x]
        pieces = [np.concatenate(joined)]
    cdef int nseg = len(pieces), i
    cdef const int32_t **segs = <const int32_t **>malloc(max(nseg, 1) * sizeof(int32_t *))
    cdef int64_t *lens = <int64_t *>malloc(max(nseg, 1) * sizeof(int64_t))
    if segs is NULL or lens is NULL:
        free(segs); free(lens)
        raise MemoryError("out of memory")
    for i in range(nseg):
        segs[i] = <const int32_t *><uintptr_t>pieces[i].__array_interface__["data"][0]
        lens[i] = pieces[i].shape[0]
    cdef sf_ngcounter *c = NULL
    cdef int rc
    with nogil:
        if use_sort:
            rc = sf_ngram_count_sorted_segs(&c, segs, lens, nseg, V, N, n_threads, min_per_thread)
        else:
            rc = sf_ngram_count(&c, segs[0], lens[0], V, N, n_threads, min_per_thread)
    free(segs); free(lens)
    del pieces
    if rc != SF_OK:
        check(rc, "count_ngrams")
    cdef Counter out = Counter.__new__(Counter)
    out.c = c
    out.order = N
    out.method = method
    stored = sum(sf_ngram_unique(c, n) for n in range(1, N + 1))
    out.stats = {"method": method, "table_bytes": int(c.table_bytes), "shards": c.nt,
                 "bytes_per_ngram": (c.table_bytes / stored) if stored else 0.0}
    return out


def count(ids_in, int32_t V, int N, int n_threads, str method="sort",
          int64_t min_per_thread=SF_NGRAM_MIN_PER_THREAD):
    """Count orders 1..N of ids (-1 = line break): ([grams (k,n) int32], [counts (k,) int64], stats); ids_in,
    method and min_per_thread as in counter()."""
    cdef Counter c = counter(ids_in, V, N, n_threads, method, min_per_thread)
    grams, counts = c.export()
    return grams, counts, c.stats


def combine(const int32_t[:, ::1] grams, const int64_t[::1] counts, int32_t V):
    """Sorted distinct rows of grams with the counts of equal rows added."""
    cdef int64_t k = grams.shape[0], kout = 0
    cdef int n = grams.shape[1]
    if counts.shape[0] != k:
        raise ValueError(f"grams has {k} rows but counts has {counts.shape[0]}")
    og = np.empty((k, n), dtype=np.int32)
    oc = np.empty(k, dtype=np.int64)
    if k == 0:
        return og, oc
    cdef int32_t[:, ::1] g = og
    cdef int64_t[::1] c = oc
    cdef int rc
    with nogil:
        rc = sf_ngram_combine(&g[0, 0], &c[0], &kout, &grams[0, 0], &counts[0], k, n, V)
    if rc != SF_OK:
        check(rc, "merging n-gram counts")
    return og[:kout].copy(), oc[:kout].copy()


def check_sorted(const int32_t[:, ::1] grams, const int64_t[::1] counts, int32_t V):
    """'' when rows are strictly increasing with ids < V and counts > 0, else what is wrong."""
    cdef int64_t k = grams.shape[0]
    if k == 0:
        return ""
    cdef int rc
    with nogil:
        rc = sf_ngram_check_sorted(&grams[0, 0], &counts[0], k, grams.shape[1], V)
    return ["", "an id is out of range", "a count is not positive", "rows are not strictly increasing"][rc]


def write_tsv(write, bytes pool, const int64_t[::1] offs, const int32_t[:, ::1] grams, const int64_t[::1] counts,
              const int64_t[::1] rows):
    """write(bytes) the TSV lines of rows (see sf_ngram_format_tsv), 1 MB at a time."""
    cdef int64_t m = rows.shape[0], k = grams.shape[0], i = 0, nxt
    cdef int n = grams.shape[1]
    cdef int32_t V = offs.shape[0] - 1
    cdef size_t cap = 1 << 20, used = 0
    if m == 0:
        return
    if counts.shape[0] != k:
        raise ValueError("grams and counts disagree")
    cdef bytearray buf = bytearray(cap)
    cdef char *b = buf
    cdef const char *p = pool
    while i < m:
        with nogil:
            nxt = sf_ngram_format_tsv(b, cap, &used, p, &offs[0], V, &grams[0, 0], &counts[0], k, n, &rows[0], m, i)
        if nxt < 0:
            check(<int>nxt, "writing TSV")
        if nxt == i:  # one row longer than the buffer
            cap *= 2
            buf = bytearray(cap)
            b = buf
            continue
        write(bytes(buf[:used]))
        i = nxt


def partition_rows(const int32_t[:, ::1] grams, int col, int P):
    """(perm int64 (k,), starts int64 (P + 1,)): rows grouped by grams[:, col] % P, stable (ngram_runs.h)."""
    cdef int64_t k = grams.shape[0]
    cdef int n = grams.shape[1], rc
    perm = np.empty(k, dtype=np.int64)
    starts = np.zeros(P + 1, dtype=np.int64)
    if P < 1 or not 0 <= col < n:
        raise ValueError(f"partition_rows: need P >= 1 and 0 <= col < {n}, got P={P}, col={col}")
    if k == 0:
        return perm, starts
    cdef int64_t[::1] pv = perm
    cdef int64_t[::1] sv = starts
    with nogil:
        rc = sf_ngram_partition(&pv[0], &sv[0], &grams[0, 0], k, n, col, P)
    check(rc, "partitioning n-grams")
    return perm, starts


def partition_scatter(const int32_t[:, ::1] grams, values, int col, int P):
    """(rows int32 (k, n), values (k,), starts int64 (P + 1,)): grams and their 8-byte values grouped by
    grams[:, col] % P, stable; group p is rows[starts[p]:starts[p + 1]] (ngram_runs.h)."""
    cdef int64_t k = grams.shape[0]
    cdef int n = grams.shape[1], rc
    if P < 1 or not 0 <= col < n:
        raise ValueError(f"partition_scatter: need P >= 1 and 0 <= col < {n}, got P={P}, col={col}")
    v = np.ascontiguousarray(values)
    if v.dtype.itemsize != 8 or v.shape != (k,):
        raise ValueError(f"partition_scatter: values must be 8-byte with shape ({k},), got {v.dtype} {v.shape}")
    rows = np.empty((k, n), dtype=np.int32)
    vals = np.empty(k, dtype=v.dtype)
    starts = np.zeros(P + 1, dtype=np.int64)
    if k == 0:
        return rows, vals, starts
    cdef int32_t[:, ::1] ov = rows
    cdef int64_t[::1] sv = starts
    cdef uint64_t *vo = <uint64_t *><uintptr_t>vals.__array_interface__["data"][0]
    cdef const uint64_t *vi = <const uint64_t *><uintptr_t>v.__array_interface__["data"][0]
    with nogil:
        rc = sf_ngram_scatter(&ov[0, 0], vo, &sv[0], &grams[0, 0], vi, k, n, col, P)
    check(rc, "partitioning n-grams")
    return rows, vals, starts


def merge_sources(list grams, list values, bint add=False, vocab_size=None):
    """(rows int32 (k, n), values (k,)): the rows of sorted sources grams[r] (k_r, n) with their values[r]
    (k_r,) (8-byte: int64 or float64), merged in lexicographic order (equal rows: lower source first); add:
    equal rows once, their int64 values added (ngram_runs.h). Sources may be read-only (mapped files).
    vocab_size: every id is below it (faster: several ids compared at once; an id outside [0, vocab_size)
    raises IndexError), or None (any int32)."""
    cdef int P = len(grams), n, r, rc, bits = 0
    cdef int64_t total = 0, kout = 0
    if P < 1 or len(values) != P:
        raise ValueError("merge_sources: give one values array per grams array, at least one")
    if vocab_size is not None:
        if vocab_size < 1:
            raise ValueError(f"merge_sources: vocab_size must be >= 1, got {vocab_size}")
        bits = max(1, int(vocab_size - 1).bit_length())
        if bits >= 32:
            bits = 0
    n = grams[0].shape[1]
    dt = np.dtype(values[0].dtype)
    if dt.itemsize != 8 or (add and dt != np.int64):
        raise ValueError(f"merge_sources: values must be 8-byte (int64 when adding), got {dt}")
    gs, vs = [], []
    for r in range(P):
        g = np.ascontiguousarray(grams[r], dtype=np.int32)
        v = np.ascontiguousarray(values[r], dtype=dt)
        if g.ndim != 2 or g.shape[1] != n or v.shape != (g.shape[0],):
            raise ValueError(f"merge_sources: source {r} has grams {g.shape} and values {v.shape}; expected "
                             f"(k, {n}) and (k,)")
        gs.append(g)
        vs.append(v)
        total += g.shape[0]
    orows = np.empty((total, n), dtype=np.int32)
    ovals = np.empty(total, dtype=dt)
    if total == 0:
        return orows, ovals
    cdef const int32_t **rp = <const int32_t **>malloc(P * sizeof(int32_t *))
    cdef const uint64_t **vp = <const uint64_t **>malloc(P * sizeof(uint64_t *))
    cdef int64_t *kp = <int64_t *>malloc(P * sizeof(int64_t))
    if not rp or not vp or not kp:
        free(rp); free(vp); free(kp)
        raise MemoryError("merge_sources")
    for r in range(P):
        rp[r] = <const int32_t *><uintptr_t>gs[r].__array_interface__["data"][0]
        vp[r] = <const uint64_t *><uintptr_t>vs[r].__array_interface__["data"][0]
        kp[r] = gs[r].shape[0]
    cdef int32_t[:, ::1] ov = orows
    cdef uint64_t *vo = <uint64_t *><uintptr_t>ovals.__array_interface__["data"][0]
    with nogil:
        rc = sf_ngram_merge_sources(&ov[0, 0], vo, &kout, rp, vp, kp, n, P, add, bits)
    free(rp); free(vp); free(kp)
    check(rc, "merging sorted sources of n-grams (is a source not sorted?)")
    if kout < total:
        return orows[:kout], ovals[:kout]
    return orows, ovals


def join_sorted(const int32_t[:, ::1] a, const int32_t[:, ::1] b):
    """pos int64 (kb,): row of a (sorted, distinct) equal to each row of b (sorted), or -1."""
    cdef int64_t ka = a.shape[0], kb = b.shape[0]
    cdef int n = a.shape[1]
    if b.shape[1] != n:
        raise ValueError("join_sorted: a and b must have the same number of columns")
    pos = np.full(kb, -1, dtype=np.int64)
    if kb == 0 or ka == 0:
        return pos
    cdef int64_t[::1] pv = pos
    with nogil:
        sf_ngram_join_sorted(&pv[0], &a[0, 0], ka, &b[0, 0], kb, n)
    return pos
