# cython: boundscheck=False, wraparound=False, language_level=3
"""Thin wrappers over csrc/lm_query.c: the hash layout of a stored n-gram model, and the kenlm-compatible
Model and State (seqfast.kenlm re-exports them).

The arrays come from seqfast.lm.binary (mapped from a file or built in memory); this layer checks their types
and shapes, keeps them alive, and makes the C calls.
"""
from cpython.unicode cimport PyUnicode_Check
from cpython.bytes cimport PyBytes_Check, PyBytes_AS_STRING, PyBytes_GET_SIZE
from libc.stdint cimport int8_t, int32_t, int64_t, uint8_t, uint32_t, uint64_t
from libc.string cimport memcpy, memcmp
from cpython.mem cimport PyMem_Malloc, PyMem_Free
from cpython.ref cimport PyObject
from seqfast._status cimport check, SF_EVALUE
from seqfast._strtab cimport sf_strtab, sf_strtab_new, sf_strtab_free, sf_strtab_intern, sf_strtab_offsets64, \
    sf_strtab_hashes64

import numpy as np

from ._checks import score_buffers

cdef extern from "Python.h":
    const char *PyUnicode_AsUTF8AndSize(object unicode, Py_ssize_t *size) except NULL
    bint PyUnicode_IS_ASCII(object o)
    int PyUnicode_KIND(object o)
    void *PyUnicode_DATA(object o)
    Py_ssize_t PyUnicode_GET_LENGTH(object o)
    PyObject *PyTuple_GET_ITEM(object t, Py_ssize_t i)

cdef extern from *:
    """
    #if PY_VERSION_HEX >= 0x030C0000
    #define SF_UNICODE_READY(o) 0
    #else
    #define SF_UNICODE_READY(o) PyUnicode_READY(o)
    #endif
    """
    int SF_UNICODE_READY(object o) except -1

cdef inline const char *_bytes_of(object word, Py_ssize_t *n) except NULL:
    """UTF-8 bytes of a str (no copy for ASCII) or the bytes of a bytes object."""
    if PyBytes_Check(word):
        n[0] = PyBytes_GET_SIZE(word)
        return PyBytes_AS_STRING(word)
    if PyUnicode_Check(word):
        return PyUnicode_AsUTF8AndSize(word, n)
    raise TypeError(f"expected a str (or UTF-8 bytes), got {type(word).__name__}")


cdef inline void *_ptr(a):
    """Address of the first byte of a non-empty writable contiguous array."""
    cdef uint8_t[::1] v = a.view(np.uint8).reshape(-1)
    return <void *>&v[0]


cdef inline const void *_cptr(a):
    cdef const uint8_t[::1] v
    if a.nbytes == 0:
        return NULL
    v = a.reshape(-1).view(np.uint8)
    return <const void *>&v[0]


def strtab_arrays(list words):
    """(slots int32, hashes uint64, offsets int64, pool uint8) of an sf_strtab holding words in order (ids =
    list positions); ValueError naming a repeated word."""
    cdef sf_strtab *t = sf_strtab_new(len(words))
    if t is NULL:
        raise MemoryError()
    cdef Py_ssize_t n, i
    cdef const char *s
    cdef int32_t r
    try:
        for i, w in enumerate(words):
            s = _bytes_of(w, &n)
            r = sf_strtab_intern(t, s, <size_t>n)
            if r < 0:
                raise MemoryError("out of memory building the word table")
            if r != i:
                raise ValueError(f"the vocabulary holds {w!r} twice")
        slots = np.empty(t.cap, dtype=np.int32)
        hashes = np.empty(t.n, dtype=np.uint64)
        offsets = np.empty(t.n + 1, dtype=np.int64)
        pool = np.empty(t.pool_len, dtype=np.uint8)
        if t.cap:
            memcpy(_ptr(slots), t.slots, t.cap * 4)
        if t.n:
            sf_strtab_hashes64(<uint64_t *>_ptr(hashes), t)
        sf_strtab_offsets64(<int64_t *>_ptr(offsets), t)
        if t.pool_len:
            memcpy(_ptr(pool), t.pool, t.pool_len)
        return slots, hashes, offsets, pool
    finally:
        sf_strtab_free(t)


def build_table(grams, logp, backoff, int stride, double multiplier=1.45):
    """The key table (buckets, stride) uint32 of one order's n-grams (see lm_query.h): buckets =
    max(k + 1, multiplier * k) (KenLM's probing uses 1.5). ValueError on a repeated n-gram (or a key collision)."""
    g = np.ascontiguousarray(grams, dtype=np.int32)
    lp = np.ascontiguousarray(logp, dtype=np.float32)
    b = np.ascontiguousarray(backoff if backoff is not None else np.zeros(g.shape[0], np.float32), dtype=np.float32)
    if g.ndim != 2 or g.shape[1] < 2 or lp.shape != (g.shape[0],) or b.shape != (g.shape[0],):
        raise ValueError("build_table: grams (k, n >= 2), logp (k,), backoff (k,)")
    cdef int64_t k = g.shape[0]
    cdef int n = g.shape[1], rc
    cdef uint64_t buckets = max(k + 1, int(multiplier * k))
    out = np.empty((buckets, stride), dtype=np.uint32)
    cdef uint32_t[:, ::1] ov = out
    cdef const int32_t[:, ::1] gv = g
    cdef const float[::1] lv = lp
    cdef const float[::1] bv = b
    cdef const int32_t *gp = &gv[0, 0] if k else NULL
    cdef const float *lpp = &lv[0] if k else NULL
    cdef const float *bp = &bv[0] if k else NULL
    with nogil:
        rc = lm_qtable_build(&ov[0, 0], buckets, stride, gp, lpp, bp, k, n)
    if rc == SF_EVALUE:
        raise ValueError(f"two {n}-grams have the same 64-bit key (a repeated n-gram, or a hash collision)")
    check(rc, "building the key table failed")
    return out


def pack_records(list fields, list widths):
    """Bit array (uint8, 8 bytes of padding at the end) of k records whose field f is fields[f] (uint64 (k,))
    in widths[f] bits, fields from the low bits up (see lm_qtrie in lm_query.h). ValueError if a value does not
    fit its width."""
    cdef int nf = len(fields), f, rc
    if nf != len(widths) or nf < 1 or nf > 4:
        raise ValueError("pack_records: 1 to 4 fields, one width each")
    vals = [np.ascontiguousarray(x, dtype=np.uint64) for x in fields]
    cdef int64_t k = vals[0].shape[0]
    if any(v.shape != (k,) for v in vals):
        raise ValueError("pack_records: fields must have one value per record")
    cdef int w[4]
    cdef const uint64_t *vp[4]
    cdef int64_t rb = 0
    for f in range(nf):
        w[f] = widths[f]
        rb += widths[f]
        vp[f] = <const uint64_t *>_cptr(vals[f]) if k else NULL
    cdef int64_t nwords = (k * rb + 63) // 64 + 1
    out = np.zeros(nwords, dtype=np.uint64)
    cdef uint64_t *op = <uint64_t *>_ptr(out)
    if k:
        with nogil:
            rc = lm_qpack(op, k, nf, w, vp)
        if rc == SF_EVALUE:
            raise ValueError("pack_records: a value does not fit its field width")
        check(rc, "packing records failed")
    return out.view(np.uint8)


cdef class QueryModel:
    """An n-gram model in the hash layout over arrays (mapped or in memory), kept alive here.

    arrays: "unigrams" float32 (V, 2); "words_slots" int32, "words_hashes" uint64 (V,), "words_offsets" int64
    (V + 1,), "words_pool" uint8; "table{n}" uint32 (buckets, 4) for 2 <= n < N and (buckets, 3) for n = N.
    """
    cdef lm_qmodel m
    cdef readonly dict arrays

    def __cinit__(self, dict arrays, int order, int mode, float floor, int bos, int eos, int unk, str layout="hash",
                  list trie=None):
        if not 1 <= order <= LM_QMAX_ORDER:
            raise ValueError(f"order {order} is not in 1..{LM_QMAX_ORDER}")
        self.arrays = arrays
        uni = self._arr("unigrams", np.float32, 2)
        if uni.shape[1] != 2 or uni.shape[0] < 1:
            raise ValueError("unigrams must be (V, 2) with V >= 1")
        slots = self._arr("words_slots", np.int32, 1)
        hashes = self._arr("words_hashes", np.uint64, 1)
        offs = self._arr("words_offsets", np.int64, 1)
        pool = self._arr("words_pool", np.uint8, 1)
        V = uni.shape[0]
        if hashes.shape[0] != V or offs.shape[0] != V + 1 or slots.shape[0] < 2:
            raise ValueError("the word table's arrays do not match the number of unigrams")
        self.m.order = order
        self.m.mode = mode
        self.m.floor = floor
        self.m.V = V
        self.m.bos = bos
        self.m.eos = eos
        self.m.unk = unk
        self.m.uni = <const float *>_cptr(uni)
        self.m.words.slots = <int32_t *>_cptr(slots)
        self.m.words.cap = slots.shape[0]
        self.m.words.hashes = <uint64_t *>_cptr(hashes)
        self.m.words.offsets = <int64_t *>_cptr(offs)
        self.m.words.n = V
        self.m.words.pool = <char *>_cptr(pool) if pool.shape[0] else <char *>"" 
        self.m.words.pool_len = pool.shape[0]
        cdef int n
        self.m.layout = LM_Q_TRIE if layout == "trie" else LM_Q_HASH
        if layout == "trie":
            nxt = self._arr("uni_next", np.int64, 1)
            if nxt.shape[0] != V + 1 or trie is None or len(trie) != order - 1:
                raise ValueError("the trie needs uni_next (V + 1,) and the fields of every order above 1")
            if any(len(f) != 9 for f in trie):
                raise ValueError("each order's trie fields are [k, wb, pb, bb, nb, pe0, peb, be0, beb]")
            self.m.uni_next = <const int64_t *>_cptr(nxt)
            for n in range(2, order + 1):
                k, wb, pb, bb, nb, pe0, peb, be0, beb = (int(x) for x in trie[n - 2])
                bits = self._arr(f"trie{n}", np.uint8, 1)
                rb = wb + pb + bb + nb
                if k < 0 or bits.shape[0] < ((k + 1) * rb + 7) // 8 + 8:
                    raise ValueError(f"trie{n} is smaller than its {k} records")
                self.m.trie[n - 1].bits = <const uint8_t *>_cptr(bits)
                self.m.trie[n - 1].k = k
                self.m.trie[n - 1].wb = wb
                self.m.trie[n - 1].pb = pb
                self.m.trie[n - 1].bb = bb
                self.m.trie[n - 1].nb = nb
                self.m.trie[n - 1].rb = rb
                self.m.trie[n - 1].pe0 = pe0
                self.m.trie[n - 1].peb = peb
                self.m.trie[n - 1].be0 = be0
                self.m.trie[n - 1].beb = beb
                self.m.trie[n - 1].pq = NULL
                self.m.trie[n - 1].bq = NULL
                if f"pq{n}" in self.arrays:
                    pq = self._arr(f"pq{n}", np.float32, 1)
                    if not 1 <= pb <= 16 or pq.shape[0] != 1 << pb:
                        raise ValueError(f"pq{n} must hold 2 ** {pb} bin centres")
                    self.m.trie[n - 1].pq = <const float *>_cptr(pq)
                if f"bq{n}" in self.arrays:
                    bq = self._arr(f"bq{n}", np.float32, 1)
                    if not 1 <= bb <= 16 or bq.shape[0] != 1 << bb:
                        raise ValueError(f"bq{n} must hold 2 ** {bb} bin centres")
                    self.m.trie[n - 1].bq = <const float *>_cptr(bq)
            if lm_qmodel_check(&self.m, <size_t>pool.shape[0]) != 0:
                raise ValueError("inconsistent arrays (word table, special word ids or trie fields)")
            return
        for n in range(2, order + 1):
            t = self._arr(f"table{n}", np.uint32, 2)
            if t.shape[1] != (4 if n < order else 3):
                raise ValueError(f"table{n} must have {4 if n < order else 3} columns, got {t.shape[1]}")
            self.m.tab[n - 1].entries = <const uint32_t *>_cptr(t) if t.shape[0] else NULL
            self.m.tab[n - 1].buckets = t.shape[0]
            self.m.tab[n - 1].stride = t.shape[1]
        if lm_qmodel_check(&self.m, <size_t>pool.shape[0]) != 0:
            raise ValueError("inconsistent arrays (word table or special word ids)")

    def populate(self):
        """Map every page of the model's arrays into the page tables now (a mapped file's pages otherwise come
        in one page fault at a time as queries touch them); pages of the file not yet in the page cache come in
        as 2 MiB folios (:meth:`advise_whole`). The GIL is released meanwhile."""
        self._each_array(True)

    def advise_whole(self):
        """Tell the kernel that the model's arrays will be read nearly whole (e.g. before scoring a whole file):
        pages of a mapped file not yet in the page cache then come in as 2 MiB folios, one TLB entry each, rather
        than as the 4 KiB pages that random faults bring in, which leave every later run on the file ~1.5x slower
        while it stays cached. Pages already cached are not changed; only Linux takes the hint."""
        self._each_array(False)

    cdef _each_array(self, bint populate):
        arrs = [a for a in self.arrays.values() if a.nbytes]
        cdef Py_ssize_t k = len(arrs), i
        if k == 0:
            return
        cdef const void **ptrs = <const void **>PyMem_Malloc(k * sizeof(void *))
        cdef size_t *sizes = <size_t *>PyMem_Malloc(k * sizeof(size_t))
        try:
            if ptrs is NULL or sizes is NULL:
                raise MemoryError()
            for i in range(k):
                ptrs[i] = _cptr(arrs[i])
                sizes[i] = arrs[i].nbytes
            with nogil:
                for i in range(k):
                    lm_qadvise_whole(ptrs[i], sizes[i])
                    if populate:
                        lm_qpopulate(ptrs[i], sizes[i])
        finally:
            PyMem_Free(ptrs)
            PyMem_Free(sizes)

    def _arr(self, str name, dtype, int ndim):
        a = self.arrays.get(name)
        if a is None:
            raise ValueError(f"missing array {name!r}")
        if a.dtype != dtype or a.ndim != ndim or not a.flags.c_contiguous:
            raise ValueError(f"array {name!r} must be a contiguous {ndim}-D {np.dtype(dtype)} array, got "
                             f"{a.dtype} {a.shape}")
        return a

    @property
    def order(self):
        return self.m.order

    @property
    def mode(self):
        return self.m.mode

    @property
    def V(self):
        return self.m.V

    @property
    def bos(self):
        return self.m.bos

    @property
    def eos(self):
        return self.m.eos

    @property
    def unk(self):
        return self.m.unk

    cpdef int find(self, word) except -2:
        """Id of a word (str or UTF-8 bytes), or -1."""
        cdef Py_ssize_t n
        cdef const char *s = _bytes_of(word, &n)
        return lm_qword(&self.m, s, <size_t>n)

    def word(self, int32_t i):
        """The word of id i."""
        if not 0 <= i < self.m.V:
            raise IndexError(f"id {i} out of range for {self.m.V} words")
        return bytes(self.arrays["words_pool"][self.m.words.offsets[i]:self.m.words.offsets[i + 1]]).decode("utf-8")

    def itos(self):
        """Every word, by id."""
        pool = bytes(self.arrays["words_pool"])
        o = self.arrays["words_offsets"].tolist()
        return [pool[o[i]:o[i + 1]].decode("utf-8") for i in range(self.m.V)]

    def encode(self, tokens, int32_t absent):
        """int32 ids of a sequence of str tokens; words not in the model get `absent`."""
        seq = tokens if isinstance(tokens, (list, tuple)) else list(tokens)
        out = np.empty(len(seq), dtype=np.int32)
        cdef int32_t[::1] o = out
        cdef Py_ssize_t i, n
        cdef const char *s
        cdef int32_t r
        for i in range(len(seq)):
            s = _bytes_of(seq[i], &n)
            r = lm_qword(&self.m, s, <size_t>n)
            o[i] = r if r >= 0 else absent
        return out

    def score(self, ids, offsets, bint bos=True, bint eos=True, int n_threads=1, bint want_len=False):
        """log10 p (T + L * eos,) float32 of each token (and each line's </s>); the contract of
        seqfast._lm.Scorer.score."""
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
            rc = lm_qscore_ids(&ov[0], np_, ip, &offv[0], LL, bos, eos, &self.m, n_threads)
        check(rc, "scoring failed")
        return (out, nl) if want_len else out

    def score_line(self, sentence, bint bos=True, bint eos=True):
        """Total log10 p of one sentence (str or UTF-8 bytes) split at ASCII whitespace; one C call."""
        cdef Py_ssize_t n
        cdef const char *s = _bytes_of(sentence, &n)
        cdef int64_t offs[2]
        cdef double total
        if self.m.mode != 0:
            raise ValueError("score_line scores back-off models only")
        offs[0] = 0
        offs[1] = n
        check(lm_qscore_text(&total, NULL, NULL, NULL, s, offs, 1, bos, eos, &self.m, 1), "scoring failed")
        return total

    def score_buffer(self, const unsigned char[::1] data, bint bos=True, bint eos=True, int n_threads=1):
        """Totals of the lines of data ('\\n'-terminated; a last unterminated line counts), words split at ASCII
        whitespace: (log10 sum, its OOV part, tokens with </s>, OOV words, lines, offset of the first invalid
        UTF-8 byte or -1). Threads take fixed byte ranges; the sums do not depend on n_threads."""
        if self.m.mode != 0:
            raise ValueError("score_buffer scores back-off models only")
        cdef int64_t n = data.shape[0], bad
        cdef const char *p = <const char *>&data[0] if n else <const char *>""
        cdef lm_qtotals t
        cdef int rc
        with nogil:
            rc = lm_qscore_buffer(&t, &bad, p, n, bos, eos, &self.m, n_threads)
        check(rc, "scoring failed")
        return t.log10_sum, t.oov_log10_sum, t.tokens, t.oovs, t.lines, bad

    def score_strs(self, sentences, bint bos=True, bint eos=True, int n_threads=1):
        """(log10 score float64, tokens int64 with </s>), each (L,), of a sequence of str sentences, words split
        at ASCII whitespace; None when an item is not a str. The strs are read in place by the threads (each
        line encoded to UTF-8 by the thread that scores it), so only a pass over the item pointers is serial.
        ValueError naming the first sentence holding a lone surrogate."""
        if self.m.mode != 0:
            raise ValueError("score_strs scores back-off models only")
        cdef tuple t = sentences if type(sentences) is tuple else tuple(sentences)  # keeps every str alive
        cdef Py_ssize_t L = len(t), i = 0
        s = np.empty(L, dtype=np.float64)
        nt = np.empty(L, dtype=np.int64)
        if L == 0:
            return s, nt
        cdef lm_qstr *x = <lm_qstr *>PyMem_Malloc(L * sizeof(lm_qstr))
        if x is NULL:
            raise MemoryError()
        cdef double *sp = <double *>_ptr(s)
        cdef int64_t *ntp = <int64_t *>_ptr(nt)
        cdef int64_t bad = -1, LL = L
        cdef int rc
        cdef PyObject *o
        try:
            for i in range(L):  # borrowed references: no reference count written, so no str's cache line is dirtied
                o = PyTuple_GET_ITEM(t, i)
                if not PyUnicode_Check(<object>o):
                    return None
                SF_UNICODE_READY(<object>o)
                x[i].data = PyUnicode_DATA(<object>o)
                x[i].n = PyUnicode_GET_LENGTH(<object>o)
                x[i].kind = PyUnicode_KIND(<object>o)
                x[i].ascii = PyUnicode_IS_ASCII(<object>o)
            with nogil:
                rc = lm_qscore_strs(sp, NULL, ntp, NULL, &bad, x, LL, bos, eos, &self.m, n_threads)
        finally:
            PyMem_Free(x)
        check(rc, "scoring failed")
        if bad >= 0:
            from .text import surrogate_error
            try:
                t[bad].encode("utf-8")
            except UnicodeEncodeError as e:
                raise surrogate_error(f"sentence {bad}", t[bad], e) from None
        return s, nt

    def score_text(self, const unsigned char[::1] data, offsets, bint bos=True, bint eos=True, int n_threads=1):
        """Per line of data (lines at offsets (L + 1,)), words split at ASCII whitespace: (log10 score float64,
        its OOV part float64, tokens int64 with </s>, OOV words int64), each (L,)."""
        o = np.ascontiguousarray(offsets, dtype=np.int64)
        cdef int64_t n = data.shape[0]
        if o.ndim != 1 or o.shape[0] < 1 or o[0] < 0 or o[-1] > n or np.any(np.diff(o) < 0):
            raise ValueError("score_text: offsets must be (L + 1,) non-decreasing inside the data")
        cdef int64_t L = o.shape[0] - 1
        s = np.zeros(L, dtype=np.float64)
        so = np.zeros(L, dtype=np.float64)
        nt = np.zeros(L, dtype=np.int64)
        no = np.zeros(L, dtype=np.int64)
        if L == 0:
            return s, so, nt, no
        if self.m.mode != 0:
            raise ValueError("score_text scores back-off models only")
        cdef double *sp = <double *>_ptr(s)
        cdef double *sop = <double *>_ptr(so)
        cdef int64_t *ntp = <int64_t *>_ptr(nt)
        cdef int64_t *nop = <int64_t *>_ptr(no)
        cdef const int64_t *op = <const int64_t *>_cptr(o)
        cdef const char *p = <const char *>&data[0] if n else <const char *>""
        cdef int rc
        with nogil:
            rc = lm_qscore_text(sp, sop, ntp, nop, p, op, L, bos, eos, &self.m, n_threads)
        check(rc, "scoring failed")
        return s, so, nt, no


# ---------------------------------------------------------------------------------------------- kenlm API
cdef class State:
    """What a language model needs to score the next word (the last words and their backoffs), as
    ``kenlm.State``: hashable, comparable, copyable; equal states score every continuation equally."""
    cdef lm_qstate st

    def __cinit__(self):
        self.st.length = 0

    cdef int _cmp(self, State other):
        cdef int i
        if self.st.length != other.st.length:
            return -1 if self.st.length < other.st.length else 1
        for i in range(self.st.length):
            if self.st.words[i] != other.st.words[i]:
                return -1 if self.st.words[i] < other.st.words[i] else 1
        return 0

    def __richcmp__(State self, other, int op):
        if not isinstance(other, State):
            return NotImplemented
        cdef int r = self._cmp(<State>other)
        if op == 0: return r < 0
        if op == 1: return r <= 0
        if op == 2: return r == 0
        if op == 3: return r != 0
        if op == 4: return r > 0
        return r >= 0

    def __hash__(self):
        cdef uint64_t h = 0xcbf29ce484222325ULL ^ self.st.length
        cdef int i
        for i in range(self.st.length):
            h = (h ^ <uint32_t>self.st.words[i]) * 0x100000001b3ULL
        return <Py_ssize_t>(h >> 2)

    def __copy__(self):
        cdef State s = State.__new__(State)
        s.st = self.st
        return s

    def __deepcopy__(self, memo):
        return self.__copy__()

    def __len__(self):
        return self.st.length

    def __repr__(self):
        return f"State(length={self.st.length}, words={[self.st.words[i] for i in range(self.st.length)]})"


class FullScoreReturn:
    """What BaseFullScore returns: log_prob (log10), ngram_length (of the matched n-gram) and oov."""
    __slots__ = ("log_prob", "ngram_length", "oov")

    def __init__(self, log_prob, ngram_length, oov):
        self.log_prob, self.ngram_length, self.oov = log_prob, ngram_length, oov

    def __repr__(self):
        return f"FullScoreReturn(log_prob={self.log_prob}, ngram_length={self.ngram_length}, oov={self.oov})"


cdef class Model:
    """A language model opened for queries, as ``kenlm.Model(path, config)``: a seqfast binary (.sfl: mapped,
    opens in constant time) or an ARPA file (read and indexed in memory). Scores are log10; a sentence is split
    at ASCII whitespace, words not in the model are scored as <unk>.

    Without ``config`` the file's pages come in as queries touch them (one page fault per 64 KiB or so on
    Linux). With a ``config`` (``seqfast.kenlm.Config`` or kenlm's own) whose ``load_method`` is not LAZY (0),
    e.g. kenlm's default POPULATE_OR_READ, the constructor maps every page in first
    (:meth:`QueryModel.populate`), as kenlm does: it then takes time in proportion to the file, and the first
    queries take no page faults."""
    cdef QueryModel q
    cdef readonly object path
    cdef readonly int order

    def __init__(self, path, config=None):
        from .lm.binary import open_query_model
        self.q = open_query_model(path)
        self.path = path
        self.order = self.q.m.order
        if config is not None and getattr(config, "load_method", 0) != 0:
            self.q.populate()

    def __reduce__(self):
        return (type(self), (self.path,))

    def __repr__(self):
        return f"<seqfast.kenlm.Model from {self.path!r}>"

    cdef inline int32_t _id(self, word, bint *oov) except -2:
        cdef Py_ssize_t n
        cdef const char *s = _bytes_of(word, &n)
        cdef int32_t w = lm_qword(&self.q.m, s, <size_t>n)
        if w < 0:
            w = self.q.m.unk
        oov[0] = w == self.q.m.unk  # as kenlm: <unk> itself is an OOV
        return w

    def score(self, sentence, bint bos=True, bint eos=True):
        """log10 p of the sentence's words (and </s> when eos), from <s> when bos."""
        cdef Py_ssize_t n
        cdef const char *s = _bytes_of(sentence, &n)
        cdef int64_t offs[2]
        cdef double total
        offs[0] = 0
        offs[1] = n
        check(lm_qscore_text(&total, NULL, NULL, NULL, s, offs, 1, bos, eos, &self.q.m, 1), "scoring failed")
        return total

    def full_scores(self, sentence, bint bos=True, bint eos=True):
        """Yield (log10 p, length of the matched n-gram, oov) per word (and for </s>)."""
        cdef lm_qstate st[2]
        cdef int cur = 0, nl
        cdef bint oov
        cdef float p
        words = (sentence.encode("utf-8") if isinstance(sentence, str) else sentence).split()
        if bos:
            lm_qstate_begin(&self.q.m, &st[0])
        else:
            lm_qstate_null(&st[0])
        out = []
        for w in words:
            p = lm_qscore(&self.q.m, &st[cur], self._id(w, &oov), &st[cur ^ 1], &nl)
            cur ^= 1
            out.append((p, nl, bool(oov)))
        if eos:
            p = lm_qscore(&self.q.m, &st[cur], self.q.m.eos, &st[cur ^ 1], &nl)
            out.append((p, nl, False))
        return iter(out)

    def perplexity(self, sentence):
        """10 ** (-score / (words + 1)): the sentence's perplexity with </s> counted."""
        words = len((sentence.encode("utf-8") if isinstance(sentence, str) else sentence).split()) + 1
        return 10.0 ** (-self.score(sentence) / words)

    def __contains__(self, word):
        cdef bint oov
        return self._id(word, &oov) != self.q.m.unk

    def BeginSentenceWrite(self, State state):
        """Set state to the start of a sentence (<s> as context)."""
        lm_qstate_begin(&self.q.m, &state.st)

    def NullContextWrite(self, State state):
        """Set state to the empty context."""
        lm_qstate_null(&state.st)

    def BaseScore(self, State in_state, word, State out_state):
        """log10 p(word | in_state); out_state becomes the state after word."""
        cdef bint oov
        cdef int nl
        cdef lm_qstate tmp
        cdef int32_t w = self._id(word, &oov)
        if in_state is out_state:
            tmp = in_state.st
            return lm_qscore(&self.q.m, &tmp, w, &out_state.st, &nl)
        return lm_qscore(&self.q.m, &in_state.st, w, &out_state.st, &nl)

    def BaseFullScore(self, State in_state, word, State out_state):
        """FullScoreReturn(log_prob, ngram_length, oov) of word after in_state; out_state as BaseScore."""
        cdef bint oov
        cdef int nl
        cdef lm_qstate tmp
        cdef int32_t w = self._id(word, &oov)
        cdef float p
        if in_state is out_state:
            tmp = in_state.st
            p = lm_qscore(&self.q.m, &tmp, w, &out_state.st, &nl)
        else:
            p = lm_qscore(&self.q.m, &in_state.st, w, &out_state.st, &nl)
        return FullScoreReturn(p, nl, bool(oov))
