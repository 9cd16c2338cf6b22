# cython: boundscheck=False, wraparound=False, language_level=3
"""Thin wrappers over csrc/lm_*.c: n-gram index, Kneser-Ney estimation stages, batched scoring, ARPA output.

The Python layer (seqfast.lm) owns names, defaults and messages; this layer checks dtypes and shapes,
then makes one nogil call into C.
"""
from libc.stdint cimport int8_t, int32_t, int64_t, uint8_t
from libc.stdlib cimport malloc, free

import numpy as np

from seqfast._status cimport SF_EFORMAT, SF_OK, check

from ._checks import score_buffers


def _grams(a, str name):
    a = np.ascontiguousarray(a, dtype=np.int32)
    if a.ndim != 2 or a.shape[1] < 1:
        raise ValueError(f"{name} must be a 2-D array of n-grams (k, n) with n >= 1, got shape {a.shape}")
    return a


def rows_sorted(grams, int n_threads=1):
    """True when the rows of grams (k, n) are strictly increasing (sorted and distinct)."""
    g = _grams(grams, "grams")
    cdef const int32_t[:, ::1] gv = g
    cdef int64_t k = g.shape[0]
    cdef int n = g.shape[1], r
    if k < 2:
        return True
    with nogil:
        r = lm_rows_sorted(&gv[0, 0], k, n, n_threads)
    return bool(r)


def prefix_rows(grams, lower, int n_threads=1):
    """int64 (k,): row in lower (k_lo, n-1) of each row's first n-1 words; both strictly sorted."""
    g = _grams(grams, "grams")
    lo = _grams(lower, "lower")
    if lo.shape[1] != g.shape[1] - 1:
        raise ValueError(f"prefix_rows: lower must have {g.shape[1] - 1} columns, got {lo.shape[1]}")
    out = np.empty(g.shape[0], dtype=np.int64)
    if g.shape[0] == 0:
        return out
    if lo.shape[0] == 0:
        raise ValueError("prefix_rows: the lower order is empty")
    cdef int64_t[::1] ov = out
    cdef const int32_t[:, ::1] gv = g
    cdef const int32_t[:, ::1] lv = lo
    cdef int64_t k = g.shape[0], klo = lo.shape[0]
    cdef int n = g.shape[1], rc
    with nogil:
        rc = lm_prefix_rows(&ov[0], &gv[0, 0], k, n, &lv[0, 0], klo, n_threads)
    check(rc, f"linking the {n}-grams to their prefixes (each must be one of the {n - 1}-grams)")
    return out


def suffix_rows(grams, ctx, ctx_suf, child_start, lower, int n_threads=1):
    """int64 (k,): row in lower (order n-1) of each row's last n-1 words, walking the context tree of sorted
    tables (see lm_links.c); n >= 3."""
    g = _grams(grams, "grams")
    lo = _grams(lower, "lower")
    c = np.ascontiguousarray(ctx, dtype=np.int64)
    cs = np.ascontiguousarray(ctx_suf, dtype=np.int64)
    st = np.ascontiguousarray(child_start, dtype=np.int64)
    if g.shape[1] < 3 or lo.shape[1] != g.shape[1] - 1 or c.shape != (g.shape[0],) or st.ndim != 1 or st.shape[0] < 1:
        raise ValueError("suffix_rows: shapes disagree")
    out = np.empty(g.shape[0], dtype=np.int64)
    if g.shape[0] == 0:
        return out
    if cs.shape[0] == 0 or lo.shape[0] == 0:
        raise ValueError("suffix_rows: empty lower orders")
    cdef int64_t[::1] ov = out
    cdef const int32_t[:, ::1] gv = g
    cdef const int32_t[:, ::1] lv = lo
    cdef const int64_t[::1] cv = c
    cdef const int64_t[::1] csv = cs
    cdef const int64_t[::1] stv = st
    cdef int64_t k = g.shape[0], kc = cs.shape[0], kll = st.shape[0] - 1, klo = lo.shape[0]
    cdef int n = g.shape[1], rc
    with nogil:
        rc = lm_suffix_rows(&ov[0], &gv[0, 0], k, n, &cv[0], &csv[0], kc, &stv[0], kll, &lv[0, 0], klo, n_threads)
    check(rc, f"linking the {n}-grams to their suffixes (each must be one of the {n - 1}-grams)")
    return out


cdef class Index:
    """Hash index of a table of distinct n-grams (k, n) int32: find(row) -> row number or -1.

    distinct=True: the caller guarantees distinct rows (e.g. rows_sorted), so the build skips the duplicate
    check and runs on n_threads threads.
    """
    cdef lm_index ix
    cdef readonly object grams

    def __reduce__(self):
        # the rows were checked distinct when this index was built, so the copy skips the check
        return (Index, (self.grams, 1, True))

    def __cinit__(self, grams, int n_threads=1, bint distinct=False):
        g = _grams(grams, "grams")
        self.grams = g
        cdef const int32_t[:, ::1] gv = g
        cdef int rc
        cdef int64_t k = g.shape[0]
        cdef int n = g.shape[1]
        cdef const int32_t *p = &gv[0, 0] if k > 0 else NULL
        with nogil:
            if distinct:
                rc = lm_index_build_distinct(&self.ix, p, k, n, n_threads)
            else:
                rc = lm_index_build(&self.ix, p, k, n)
        check(rc, "building the n-gram index (every n-gram must appear once: sum the counts of repeated rows)")

    def __dealloc__(self):
        lm_index_free(&self.ix)

    @property
    def order(self):
        return self.ix.n

    def __len__(self):
        return self.ix.k

    def lookup(self, rows, int offset=0, int n_threads=1):
        """int64 (k,): the row of rows[i, offset:offset + order] in this table, or -1."""
        r = _grams(rows, "rows")
        if offset < 0 or offset + self.ix.n > r.shape[1]:
            raise ValueError(f"rows of width {r.shape[1]} have no {self.ix.n} columns from offset {offset}")
        out = np.empty(r.shape[0], dtype=np.int64)
        if r.shape[0] == 0:
            return out
        cdef int64_t[::1] o = out
        cdef const int32_t[:, ::1] rv = r
        cdef int64_t k = r.shape[0]
        cdef int stride = r.shape[1]
        cdef int rc
        with nogil:
            rc = lm_index_lookup_rows(&o[0], &self.ix, &rv[0, 0], k, stride, offset, n_threads)
        check(rc, "looking n-grams up")
        return out


def adjust_counts(grams, raw, next_grams, next_suf, int bos):
    """Adjusted counts (k,) int64 of order n from order n + 1 (see lm_adjust.c)."""
    g = _grams(grams, "grams")
    ng = _grams(next_grams, "next_grams")
    rw = np.ascontiguousarray(raw, dtype=np.int64)
    ns = np.ascontiguousarray(next_suf, dtype=np.int64)
    if rw.shape != (g.shape[0],) or ns.shape != (ng.shape[0],) or ng.shape[1] != g.shape[1] + 1:
        raise ValueError("adjust_counts: shapes disagree: grams (k, n), raw (k,), next_grams (k1, n+1), "
                         f"next_suf (k1,); got {g.shape}, {rw.shape}, {ng.shape}, {ns.shape}")
    adj = np.zeros(g.shape[0], dtype=np.int64)
    cdef int64_t[::1] av = adj
    cdef const int32_t[:, ::1] gv = g
    cdef const int32_t[:, ::1] ngv = ng
    cdef const int64_t[::1] rv = rw
    cdef const int64_t[::1] nsv = ns
    cdef int64_t k = g.shape[0], k1 = ng.shape[0]
    cdef int n = g.shape[1], rc
    if k == 0:
        return adj
    cdef const int32_t *ngp = &ngv[0, 0] if k1 > 0 else NULL
    cdef const int64_t *nsp = &nsv[0] if k1 > 0 else NULL
    with nogil:
        rc = lm_adjust_counts(&av[0], &gv[0, 0], &rv[0], k, n, ngp, nsp, k1, bos)
    check(rc, f"adjusting the {n}-gram counts (each {n + 1}-gram's suffix must be one of the {n}-grams: use "
              "count_ngrams(..., pad=True) output)")
    return adj


def counts_of_counts(adj):
    a = np.ascontiguousarray(adj, dtype=np.int64)
    t = np.zeros(5, dtype=np.int64)
    cdef int64_t[::1] tv = t
    cdef const int64_t[::1] av = a
    cdef int64_t k = a.shape[0]
    if k:
        with nogil:
            lm_counts_of_counts(&tv[0], &av[0], k)
    return t


def mkn_discounts(t):
    """(D float32 (4,), ok): ok is False when some t[c] (c = 1..3) is 0 or some D[c] falls outside [0, c]."""
    tt = np.ascontiguousarray(t, dtype=np.int64)
    if tt.shape != (5,):
        raise ValueError("counts-of-counts must have shape (5,)")
    D = np.zeros(4, dtype=np.float32)
    cdef float[::1] dv = D
    cdef const int64_t[::1] tv = tt
    cdef int rc = lm_mkn_discounts(&dv[0], &tv[0])
    return D, rc == SF_OK


def _disc(D):
    d = np.ascontiguousarray(D, dtype=np.float32)
    if d.shape != (4,):
        raise ValueError("discounts must have shape (4,): D0 = 0, D1, D2, D3+")
    return d


def interpolate_unigrams(grams, adj, D, int bos):
    g = _grams(grams, "grams")
    a = np.ascontiguousarray(adj, dtype=np.int64)
    d = _disc(D)
    if g.shape[1] != 1 or a.shape != (g.shape[0],) or g.shape[0] == 0:
        raise ValueError("interpolate_unigrams: need grams (k, 1), adj (k,), k >= 1")
    prob = np.empty(g.shape[0], dtype=np.float64)
    cdef double[::1] pv = prob
    cdef const int32_t[:, ::1] gv = g
    cdef const int64_t[::1] av = a
    cdef const float[::1] dv = d
    cdef double gamma = 0
    cdef int rc
    cdef int64_t k = g.shape[0]
    with nogil:
        rc = lm_interpolate_unigrams(&pv[0], &gamma, &gv[0, 0], &av[0], k, &dv[0], bos)
    check(rc, "interpolating the unigrams (none has a positive adjusted count: is the corpus empty?)")
    return prob, gamma


def _keep_bytes(keep, int64_t k, str what):
    kp = None if keep is None else np.ascontiguousarray(keep, dtype=np.uint8)
    if kp is not None and kp.shape != (k,):
        raise ValueError(f"{what}: keep must be (k,)")
    return kp


def context_stats(adj, ctx, keep=None, k_ctx=None):
    """Statistics int64 (k_ctx, 5) of the contexts ctx numbers (see lm_context_stats): sum a(hx), kept rows
    with a(hx) = 1, 2, >= 3, adjusted count of the pruned rows. Integers: the statistics of the parts of a
    context's rows add up to the context's. k_ctx: default max(ctx) + 1."""
    a = np.ascontiguousarray(adj, dtype=np.int64)
    c = np.ascontiguousarray(ctx, dtype=np.int64)
    cdef int64_t k = a.shape[0]
    if c.shape != (k,):
        raise ValueError("context_stats: adj and ctx must both be (k,)")
    kp = _keep_bytes(keep, k, "context_stats")
    cdef int64_t kc = (int(c.max()) + 1 if k else 0) if k_ctx is None else k_ctx
    stats = np.zeros((kc, 5), dtype=np.int64)
    if k == 0:
        return stats
    cdef int64_t[:, ::1] st = stats
    cdef const int64_t[::1] av = a
    cdef const int64_t[::1] cv = c
    cdef const uint8_t[::1] kv
    cdef const uint8_t *kptr = NULL
    cdef int64_t *sptr = &st[0, 0] if kc else NULL
    if kp is not None:
        kv = kp
        kptr = &kv[0]
    cdef int rc
    with nogil:
        rc = lm_context_stats(sptr, kc, &av[0], &cv[0], k, kptr)
    check(rc, "context statistics (each row's context must be in [0, k_ctx))")
    return stats


def interpolate_order(adj, ctx, suf, lower, D, keep=None, int n_threads=1, k_ctx=None, stats=None):
    """(prob (k,), ctx_gamma (k_ctx,)) for one order n >= 2 (see lm_interpolate.c); keep: bool (k,) or None;
    k_ctx: number of contexts ctx indexes (default: len(lower), the rows of order n - 1); stats: int64
    (k_ctx, 5) statistics of the contexts (:func:`context_stats`, summed over every part of a context's rows)
    or None: counted from these rows."""
    a = np.ascontiguousarray(adj, dtype=np.int64)
    c = np.ascontiguousarray(ctx, dtype=np.int64)
    s = np.ascontiguousarray(suf, dtype=np.int64)
    lo = np.ascontiguousarray(lower, dtype=np.float64)
    d = _disc(D)
    k = a.shape[0]
    if c.shape != (k,) or s.shape != (k,) or lo.ndim != 1:
        raise ValueError("interpolate_order: adj, ctx, suf must all be (k,) and lower 1-D")
    kp = _keep_bytes(keep, k, "interpolate_order")
    cdef int64_t kc = lo.shape[0] if k_ctx is None else k_ctx
    st = None if stats is None else np.ascontiguousarray(stats, dtype=np.int64)
    if st is not None and st.shape != (kc, 5):
        raise ValueError(f"interpolate_order: stats must be (k_ctx, 5) = ({kc}, 5), not {st.shape}")
    prob = np.empty(k, dtype=np.float64)
    gam = np.zeros(kc, dtype=np.float64)
    if k == 0 or lo.shape[0] == 0 or kc == 0:
        return prob, gam
    cdef double[::1] pv = prob
    cdef double[::1] gv = gam
    cdef const int64_t[::1] av = a
    cdef const int64_t[::1] cv = c
    cdef const int64_t[::1] sv = s
    cdef const double[::1] lv = lo
    cdef const float[::1] dv = d
    cdef int64_t kk = k, klo = lo.shape[0]
    cdef int rc
    cdef const uint8_t[::1] kv
    cdef const uint8_t *kptr = NULL
    cdef const int64_t[:, ::1] stv
    cdef const int64_t *sptr = NULL
    if kp is not None:
        kv = kp
        kptr = &kv[0]
    if st is not None:
        stv = st
        sptr = &stv[0, 0]
    with nogil:
        rc = lm_interpolate_order(&pv[0], &gv[0], kc, &av[0], &cv[0], &sv[0], kk, &lv[0], klo, &dv[0], kptr,
                                  sptr, n_threads)
    check(rc, "interpolating an order (each n-gram's context and suffix must be in the lower order)")
    return prob, gam


def arpa_values(prob, gamma, grams, int unk, int eos, int n_threads=1):
    """(log10 p float32 (k,), log10 backoff float32 (k,) or None when gamma is None)."""
    g = _grams(grams, "grams")
    p = np.ascontiguousarray(prob, dtype=np.float64)
    k = g.shape[0]
    if p.shape != (k,):
        raise ValueError("arpa_values: prob must be (k,)")
    logp = np.empty(k, dtype=np.float32)
    bo = None
    if gamma is not None:
        gm = np.ascontiguousarray(gamma, dtype=np.float64)
        if gm.shape != (k,):
            raise ValueError("arpa_values: gamma must be (k,)")
        bo = np.empty(k, dtype=np.float32)
    if k == 0:
        return logp, bo
    cdef float[::1] lv = logp
    cdef float[::1] bv
    cdef const double[::1] gmv
    cdef float *bp = NULL
    cdef const double *gp = NULL
    if bo is not None:
        bv = bo
        gmv = gm
        bp = &bv[0]
        gp = &gmv[0]
    cdef const double[::1] pv = p
    cdef const int32_t[:, ::1] grv = g
    cdef int64_t kk = k
    cdef int n = g.shape[1]
    with nogil:
        lm_arpa_values(&lv[0], bp, &pv[0], gp, &grv[0, 0], kk, n, unk, eos, n_threads)
    return logp, bo


cdef class Scorer:
    """Backoff scorer over per-order Index, log10 p and log10 backoff arrays (all kept alive here)."""
    cdef lm_model m
    cdef lm_index *ixs
    cdef const float **lp
    cdef const float **bp
    cdef readonly list _keep
    cdef tuple _args

    def __reduce__(self):
        return (Scorer, self._args)

    def __cinit__(self, list indexes, list logp, list backoff, int bos, int eos, int unk, int mode=0,
                  float floor=0.0, bint closed=False):
        self._args = (indexes, logp, backoff, bos, eos, unk, mode, floor, closed)
        cdef int N = len(indexes)
        if N < 1 or len(logp) != N or len(backoff) != N:
            raise ValueError("Scorer needs one index, logp and backoff array per order")
        self.ixs = <lm_index *>malloc(N * sizeof(lm_index))
        self.lp = <const float **>malloc(N * sizeof(float *))
        self.bp = <const float **>malloc(N * sizeof(float *))
        if self.ixs is NULL or self.lp is NULL or self.bp is NULL:
            raise MemoryError()
        self._keep = []
        cdef Index ix
        cdef const float[::1] fv
        cdef int i
        for i in range(N):
            ix = indexes[i]
            if ix.ix.n != i + 1:
                raise ValueError(f"index {i} has order {ix.ix.n}, expected {i + 1}")
            self.ixs[i] = ix.ix
            l = np.ascontiguousarray(logp[i], dtype=np.float32)
            b = np.ascontiguousarray(backoff[i] if backoff[i] is not None else np.zeros(len(ix), np.float32),
                                     dtype=np.float32)
            if l.shape != (len(ix),) or b.shape != (len(ix),):
                raise ValueError(f"order {i + 1}: logp/backoff must have one value per n-gram ({len(ix)})")
            if len(ix) == 0:
                if i == 0:
                    raise ValueError("the model has no unigrams")
                # an empty higher order (a corpus too small for it, or pruned away): lookups there find
                # nothing and scoring backs off, so its value arrays are never read
                l = b = np.zeros(1, dtype=np.float32)
            self._keep.extend([ix, l, b])
            fv = l
            self.lp[i] = &fv[0]
            fv = b
            self.bp[i] = &fv[0]
        self.m.order = N
        self.m.ix = self.ixs
        self.m.logp = self.lp
        self.m.bo = self.bp
        self.m.bos = bos
        self.m.eos = eos
        self.m.unk = unk
        if mode not in (LM_BACKOFF, LM_ADDK, LM_STUPID):
            raise ValueError(f"unknown scoring mode {mode}")
        self.m.mode = mode
        self.m.floor = floor
        self.m.closed = closed

    def __dealloc__(self):
        free(self.ixs)
        free(<void *>self.lp)
        free(<void *>self.bp)

    def score(self, ids, offsets, bint bos=True, bint eos=True, int n_threads=1, bint want_len=False):
        """log10 p (T + L * eos,) float32 of each token (and each line's </s>) (see lm_score.c)."""
        i, o, out, nl = score_buffers(ids, offsets, eos, want_len)
        L = o.shape[0] - 1
        if out.shape[0] == 0:
            return (out, nl) if want_len else out
        cdef float[::1] ov = out
        cdef int8_t[::1] nv
        cdef int8_t *np_ = NULL
        if want_len:
            nv = nl
            np_ = &nv[0]
        cdef int32_t dummy = 0
        cdef const int32_t[::1] iv
        cdef const int32_t *ip = &dummy
        if i.shape[0]:
            iv = i
            ip = &iv[0]
        cdef const int64_t[::1] offv = o
        cdef int64_t LL = L
        cdef int rc
        with nogil:
            rc = lm_score_forward(&ov[0], np_, ip, &offv[0], LL, bos, eos, &self.m, n_threads)
        check(rc, "scoring (the model needs an <unk> unigram to score unknown words with)")
        return (out, nl) if want_len else out


def arpa_chunks(grams, logp, backoff, pool, offs, int n_threads=1, int64_t rows=1 << 18):
    """Yield chunks of one ARPA section's lines (see lm_arpa.c), formatted on n_threads threads: memoryviews
    of one reused buffer, each valid until the next chunk is asked for (write it, or copy it with bytes())."""
    g = _grams(grams, "grams")
    l = np.ascontiguousarray(logp, dtype=np.float32)
    b = None if backoff is None else np.ascontiguousarray(backoff, dtype=np.float32)
    of = np.ascontiguousarray(offs, dtype=np.int64)
    cdef int64_t k = g.shape[0]
    if l.shape != (k,) or (b is not None and b.shape != (k,)):
        raise ValueError("arpa_chunks: logp and backoff must have one value per n-gram")
    if k == 0:
        return
    if g.min() < 0 or g.max() >= of.shape[0] - 1:
        raise IndexError("an n-gram holds a word id outside the vocabulary")
    wl = np.diff(of)
    cdef bytes pl = bytes(pool)
    cdef const int32_t[:, ::1] gv = g
    cdef const float[::1] lv = l
    cdef const float[::1] bv
    cdef const float *bp = NULL
    if b is not None:
        bv = b
        bp = &bv[0]
    cdef const int64_t[::1] ofv = of
    cdef const char *pp = pl
    cdef int64_t V = of.shape[0] - 1, used = 0, r0 = 0, r1, cap
    cdef int n = g.shape[1], rc
    buf = bytearray(0)
    cdef char *bufp
    while r0 < k:
        r1 = min(k, r0 + rows)
        cap = (48 + n) * (r1 - r0) + int(wl[g[r0:r1]].sum())
        if len(buf) < cap:
            buf = bytearray(cap)
        bufp = buf
        with nogil:
            rc = lm_arpa_format_rows(bufp, cap, &used, &gv[0, 0], r0, r1, n, &lv[0], bp, pp, &ofv[0], V, n_threads)
        check(rc, "formatting ARPA lines")
        view = memoryview(buf)[:used]
        yield view
        view.release()
        r0 = r1


#: scoring modes of lm_model (csrc/lm.h)
MODE_BACKOFF = LM_BACKOFF
MODE_ADDK = LM_ADDK
MODE_STUPID = LM_STUPID


class ARPAParseError(ValueError):
    """lm_arpa_read.c stopped: ``why`` (the LM_ARPA_* code's name, lower case), ``line``, ``order``, ``rows``,
    ``offset`` as in csrc/lm.h; seqfast.lm.arpa words the message."""

    def __init__(self, why, line, order, rows, offset, expected):
        super().__init__(f"ARPA {why} at line {line}")
        self.why, self.line, self.order, self.rows, self.offset, self.expected = (why, line, order, rows, offset,
                                                                                   expected)


_ARPA_WHY = ("ok", "no_data", "bad_count_line", "wrong_order", "too_many_orders", "no_counts", "zero_unigrams",
             "counts_do_not_fit", "eof_before_section", "expected_section", "fields", "too_many_rows", "bad_logp",
             "positive_logp", "dup_unigram", "not_unigram", "bad_backoff", "too_few_rows", "no_end",
             "expected_end")


cdef _arpa_error(lm_arpa_error *e):
    why = _ARPA_WHY[e.why] if 0 <= e.why < len(_ARPA_WHY) else f"code {e.why}"
    return ARPAParseError(why, e.line, e.order, e.rows, e.offset, e.expected)


def arpa_parse(const unsigned char[::1] data, int max_order):
    """Parse a whole ARPA file (see lm_arpa_read.c): (grams, logp, backoff, uni_spans).

    grams[n-1] (k_n, n) int32, logp/backoff[n-1] (k_n,) float32, uni_spans (k_1, 2) int64 (offset, length of
    each unigram's word in data). ARPAParseError says what is wrong and where; MemoryError."""
    cdef int64_t n_bytes = data.shape[0]
    cdef const char *buf = <const char *>&data[0] if n_bytes else <const char *>""
    cdef int64_t counts_c[64]
    cdef int N = 0, rc, i
    cdef int64_t pos = 0, lineno = 0
    cdef lm_arpa_error err
    if max_order < 1 or max_order > 64:
        raise ValueError("arpa_parse: max_order must be in 1..64")
    with nogil:
        rc = lm_arpa_header(buf, n_bytes, max_order, counts_c, &N, &pos, &lineno, &err)
    if rc != 0:
        raise _arpa_error(&err)
    cts = np.array([counts_c[i] for i in range(N)], dtype=np.int64)
    grams = [np.zeros((int(cts[n]), n + 1), dtype=np.int32) for n in range(N)]
    logp = [np.zeros(int(cts[n]), dtype=np.float32) for n in range(N)]
    bo = [np.zeros(int(cts[n]), dtype=np.float32) for n in range(N)]
    spans = np.zeros((int(cts[0]), 2), dtype=np.int64)
    cdef int32_t **gp = <int32_t **>malloc(N * sizeof(int32_t *))
    cdef float **lp = <float **>malloc(N * sizeof(float *))
    cdef float **bp = <float **>malloc(N * sizeof(float *))
    cdef int32_t dummy_i = 0
    cdef float dummy_f = 0
    cdef int64_t dummy_s[2]
    cdef int32_t[:, ::1] gv
    cdef float[::1] fv
    cdef int64_t[:, ::1] sv
    cdef const int64_t[::1] cv = cts
    cdef int64_t *spp = dummy_s
    if gp is NULL or lp is NULL or bp is NULL:
        free(gp); free(lp); free(bp)
        raise MemoryError()
    try:
        for i in range(N):
            if cts[i] == 0:
                gp[i] = &dummy_i; lp[i] = &dummy_f; bp[i] = &dummy_f
                continue
            gv = grams[i]
            gp[i] = &gv[0, 0]
            fv = logp[i]
            lp[i] = &fv[0]
            fv = bo[i]
            bp[i] = &fv[0]
        if cts[0] > 0:
            sv = spans
            spp = &sv[0, 0]
        with nogil:
            rc = lm_arpa_parse(buf, n_bytes, pos, lineno, N, &cv[0], gp, lp, bp, spp, &err)
    finally:
        free(gp); free(lp); free(bp)
    if rc == SF_EFORMAT:
        raise _arpa_error(&err)
    check(rc, "reading an ARPA file")
    return grams, logp, bo, spans
