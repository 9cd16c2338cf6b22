# cython: boundscheck=False, wraparound=False, language_level=3
"""StrTable: token strings <-> int32 ids in a C interning table (csrc/sf_strtab.c).

The tokens live as UTF-8 bytes in one pool with uint32 offsets (int64 once the pool passes 4 GiB) and a hash
table of ids: once shrunk (as a Vocab's is), 9-15 bytes per token plus its UTF-8 bytes (a Python list of str
costs 60-80). ``table[i]`` makes the str of id i on demand.
Vocab keeps its tokens here, and the n-gram reader's interning table is handed over without making a str per
token (:func:`take_table`).
"""
from cpython.unicode cimport PyUnicode_Check, PyUnicode_DecodeUTF8
from cpython.ref cimport PyObject
from libc.stdint cimport int32_t, int64_t, uint8_t
from libc.string cimport memcpy

import numpy as np

from seqfast._status cimport SF_OK, SF_EVALUE, check

cdef extern from "Python.h":
    bint PyUnicode_IS_COMPACT_ASCII(object o)
    Py_ssize_t PyUnicode_GET_LENGTH(object o)
    void *PyUnicode_DATA(object o)
    const char *PyUnicode_AsUTF8AndSize(object unicode, Py_ssize_t *size) except NULL
    Py_ssize_t PySequence_Fast_GET_SIZE(object o)
    PyObject **PySequence_Fast_ITEMS(object o)


cdef const char *token_utf8(object tok, Py_ssize_t *n, Py_ssize_t pos) except NULL:
    """The UTF-8 bytes of tok; TypeError when it is not a str, ValueError naming its position when it holds a
    lone surrogate (a str that is not valid Unicode text, e.g. from bytes decoded with
    errors='surrogateescape')."""
    if not PyUnicode_Check(tok):
        where = f"token {pos}" if pos >= 0 else "a token"
        raise TypeError(f"{where} is {type(tok).__name__}, expected str: {tok!r:.60}")
    if PyUnicode_IS_COMPACT_ASCII(tok):  # the str's own bytes are its UTF-8
        n[0] = PyUnicode_GET_LENGTH(tok)
        return <const char *>PyUnicode_DATA(tok)
    try:
        return PyUnicode_AsUTF8AndSize(tok, n)
    except UnicodeEncodeError as e:
        from .text import surrogate_error
        raise surrogate_error(f"token {pos} {tok!r:.60}" if pos >= 0 else f"token {tok!r:.60}", tok, e) from None


cdef StrTable take_table(void **slot):
    cdef sf_strtab *fresh = sf_strtab_new(0)
    if fresh is NULL:
        raise MemoryError("StrTable: out of memory")
    cdef StrTable t = StrTable.__new__(StrTable)
    sf_strtab_free(t.tab)
    t.tab = <sf_strtab *>slot[0]
    slot[0] = <void *>fresh
    sf_strtab_shrink(t.tab)
    return t


def from_pool(pool, offsets):
    """A StrTable of the strings packed as :func:`seqfast._container.pack_strings` does (pool uint8 (bytes,),
    offsets int64 (n + 1,), already checked), in that order. ValueError naming the first duplicate."""
    cdef const uint8_t[::1] p = np.ascontiguousarray(pool, dtype=np.uint8)
    cdef const int64_t[::1] o = np.ascontiguousarray(offsets, dtype=np.int64)
    cdef int64_t n = o.shape[0] - 1, i
    cdef const char *base = <const char *>&p[0] if p.shape[0] else <const char *>""
    cdef StrTable t = StrTable.__new__(StrTable)
    cdef int32_t r
    if n > 2147483647:
        raise ValueError(f"{n} strings: a table holds at most 2**31 - 1")
    if sf_strtab_reserve(t.tab, <int32_t>n, <size_t>p.shape[0]) != SF_OK:
        raise MemoryError(f"StrTable: out of memory for {n} strings")
    for i in range(n):
        r = sf_strtab_intern(t.tab, base + o[i], <size_t>(o[i + 1] - o[i]))
        if r < 0:
            raise MemoryError("StrTable: out of memory while adding a token")
        if r != i:
            raise ValueError(f"duplicate token {t._decode(r)!r:.60} (ids {r} and {i})")
    sf_strtab_shrink(t.tab)
    return t


cdef class StrTable:
    """Interning table token (str) <-> id (int32, in insertion order); a read-only sequence of the tokens.

    ``len(t)``, ``t[i]`` (str), ``t[a:b]`` (list), ``iter(t)``, ``token in t``, :meth:`find`, :meth:`encode`,
    :meth:`pack` (the tokens as one UTF-8 pool and offsets), :meth:`permute`.
    """

    def __cinit__(self, tokens=(), Py_ssize_t expected=0):
        self.tab = sf_strtab_new(<size_t>max(expected, len(tokens) if hasattr(tokens, "__len__") else 0))
        if self.tab is NULL:
            raise MemoryError("StrTable: out of memory")
        cdef Py_ssize_t i = 0
        for t in tokens:
            self._add(t, i)
            i += 1

    def __dealloc__(self):
        if self.tab is not NULL:
            sf_strtab_free(self.tab)

    def __reduce__(self):
        pool, offsets = self.pack()
        return (from_pool, (pool, offsets))

    def __len__(self):
        return self.tab.n

    def shrink(self):
        """Make the table compact for look-ups once it holds all its tokens: spare capacity given back, the
        stored hashes dropped, the hash slots at most 3/4 full. Adding tokens afterwards still works."""
        sf_strtab_shrink(self.tab)

    @property
    def nbytes(self) -> int:
        """Bytes the table holds (hash slots, hashes while kept, offsets and the UTF-8 pool)."""
        return sf_strtab_bytes(self.tab)

    cpdef int add(self, str token) except -1:
        """Id of token, adding it when absent."""
        return self._add(token, -1)

    cdef int _add(self, str token, Py_ssize_t pos) except -1:
        cdef Py_ssize_t n
        cdef const char *s = token_utf8(token, &n, pos)
        cdef int32_t r = sf_strtab_intern(self.tab, s, <size_t>n)
        if r < 0:
            raise MemoryError("StrTable: out of memory while adding a token")
        return r

    cpdef int find(self, str token) except -2:
        """Id of token, or -1 when absent."""
        cdef Py_ssize_t n
        cdef const char *s = token_utf8(token, &n, -1)
        return sf_strtab_find(self.tab, s, <size_t>n)

    def __contains__(self, token):
        if not isinstance(token, str):
            return False
        try:
            return self.find(token) >= 0
        except ValueError:  # not valid Unicode text: never interned
            return False

    cdef object _decode(self, int32_t i):
        cdef size_t n
        cdef const char *s = sf_strtab_get(self.tab, i, &n)
        return PyUnicode_DecodeUTF8(s, <Py_ssize_t>n, "replace")

    def token(self, int32_t i):
        """The str of id i (IndexError out of range)."""
        if i < 0 or i >= self.tab.n:
            raise IndexError(f"id {i} out of range for a table of {self.tab.n} tokens")
        return self._decode(i)

    def __getitem__(self, i):
        """``t[i]``: the str of id i (negative from the end); ``t[a:b:c]``: a list of str."""
        cdef Py_ssize_t j, n = self.tab.n
        if isinstance(i, slice):
            return [self._decode(<int32_t>j) for j in range(*i.indices(n))]
        j = i
        if j < 0:
            j += n
        if j < 0 or j >= n:
            raise IndexError(f"id {i} out of range for a table of {n} tokens")
        return self._decode(<int32_t>j)

    def __iter__(self):
        cdef int32_t j
        for j in range(self.tab.n):
            yield self._decode(j)

    def tokens(self, int32_t start=0):
        """The tokens with ids start, start + 1, ... (list of str)."""
        return [self._decode(j) for j in range(max(start, 0), self.tab.n)]

    def decode(self, const int64_t[::1] ids):
        """list of the str of each id in ids (int64 (n,), each already checked to be in range); repeated ids
        share one str object."""
        cdef Py_ssize_t i, n = ids.shape[0]
        out = [None] * n
        seen = {}
        cdef int64_t k
        for i in range(n):
            k = ids[i]
            s = seen.get(k)
            if s is None:
                s = seen[k] = self._decode(<int32_t>k)
            out[i] = s
        return out

    def pack(self):
        """(pool uint8 (bytes,), offsets int64 (n + 1,)): the UTF-8 bytes of the tokens end to end in id order,
        token i at ``pool[offsets[i]:offsets[i + 1]]`` (the layout of :func:`seqfast._container.pack_strings`)."""
        cdef int32_t n = self.tab.n
        offs = np.empty(n + 1, dtype=np.int64)
        cdef int64_t[::1] o = offs
        sf_strtab_offsets64(&o[0], self.tab)
        pool = np.empty(o[n], dtype=np.uint8)
        cdef uint8_t[::1] p = pool
        if o[n]:
            memcpy(&p[0], self.tab.pool, <size_t>o[n])
        return pool, offs

    @property
    def offset_bytes(self) -> int:
        """Bytes per token offset: 4 while the pool holds less than 4 GiB, else 8."""
        return 4 if self.tab.offsets32 is not NULL else 8

    def _widen(self):
        """Keep the offsets as int64 from now on, as the table does by itself past a 4 GiB pool (for tests)."""
        check(sf_strtab_widen(self.tab), "widening a string table")

    def permute(self, perm):
        """Renumber in place: new id i is old id perm[i] (perm: a permutation of 0..len-1)."""
        cdef const int32_t[::1] p = np.ascontiguousarray(perm, dtype=np.int32)
        if p.shape[0] != self.tab.n:
            raise ValueError(f"permute: perm has {p.shape[0]} entries for {self.tab.n} tokens")
        cdef int rc = SF_OK
        if self.tab.n:
            with nogil:
                rc = sf_strtab_permute(self.tab, &p[0])
        if rc == SF_EVALUE:
            raise ValueError("permute: perm is not a permutation of the ids")
        check(rc, "renumbering a string table")

    def equals(self, StrTable other):
        """True when both hold the same tokens in the same order."""
        if other.tab.n != self.tab.n:
            return False
        a, oa = self.pack()
        b, ob = other.pack()
        return np.array_equal(oa, ob) and np.array_equal(a, b)

    def add_all(self, list tokens):
        """int32 (len(tokens),): the id of each str of a list, adding the new ones in order of first
        appearance. TypeError for a token that is not a str, ValueError for one that is not valid Unicode."""
        cdef Py_ssize_t n = len(tokens), i, ln
        out = np.empty(n, dtype=np.int32)
        cdef int32_t[::1] o = out
        cdef PyObject **items = PySequence_Fast_ITEMS(tokens)
        cdef const char *s
        cdef int32_t r
        for i in range(n):
            s = token_utf8(<object>items[i], &ln, i)
            r = sf_strtab_intern(self.tab, s, <size_t>ln)
            if r < 0:
                raise MemoryError("StrTable: out of memory while adding a token")
            o[i] = r
        return out

    def select(self, ids):
        """A new StrTable of the tokens with these ids (int32 (m,), distinct, in range), in that order."""
        cdef const int32_t[::1] p = np.ascontiguousarray(ids, dtype=np.int32)
        cdef Py_ssize_t i, m = p.shape[0]
        cdef StrTable t = StrTable.__new__(StrTable)
        cdef size_t ln
        cdef const char *s
        for i in range(m):
            s = sf_strtab_get(self.tab, p[i], &ln)
            if s is NULL:
                raise IndexError(f"id {p[i]} out of range for a table of {self.tab.n} tokens")
            if sf_strtab_intern(t.tab, s, ln) < 0:
                raise MemoryError("StrTable: out of memory while adding a token")
        if len(t) != m:
            raise ValueError("select: the ids are not distinct")
        sf_strtab_shrink(t.tab)
        return t

    def encode(self, tokens, int32_t unk=-1):
        """int32 array of the ids of a list/tuple of str or of another StrTable's tokens; absent tokens get
        `unk`.

        With unk = -1 an absent token raises KeyError naming it.
        """
        cdef StrTable other
        cdef int64_t bad
        cdef int32_t[::1] ov
        if isinstance(tokens, StrTable):
            other = tokens
            out = np.empty(other.tab.n, dtype=np.int32)
            if other.tab.n:
                ov = out
                bad = sf_strtab_lookup_tab(&ov[0], self.tab, other.tab, unk)
                if bad >= 0:
                    raise KeyError(other._decode(<int32_t>bad))
            return out
        seq = tokens if isinstance(tokens, (list, tuple)) else list(tokens)
        cdef Py_ssize_t n = len(seq)
        out = np.empty(n, dtype=np.int32)
        cdef int32_t[::1] o = out
        cdef Py_ssize_t i, ln
        cdef const char *s
        cdef int32_t r
        cdef PyObject **items = PySequence_Fast_ITEMS(seq)
        for i in range(n):
            s = token_utf8(<object>items[i], &ln, i)
            r = sf_strtab_find(self.tab, s, <size_t>ln)
            if r < 0:
                if unk < 0:
                    raise KeyError(<object>items[i])
                r = unk
            o[i] = r
        return out

