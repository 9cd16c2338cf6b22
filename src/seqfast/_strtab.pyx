# cython: boundscheck=False, wraparound=False, language_level=3
"""StrTable: a C hash table from token strings to int32 ids (csrc/sf_strtab.c).

Used by Vocab.encode so that mapping millions of tokens to ids is a C loop, not a Python one.
"""
from cpython.unicode cimport PyUnicode_Check
from cpython.list cimport PyList_GET_ITEM, PyList_GET_SIZE
from cpython.tuple cimport PyTuple_GET_ITEM, PyTuple_GET_SIZE
from cpython.ref cimport PyObject
from libc.stdint cimport int32_t

import numpy as np

cdef extern from "Python.h":
    bint PyUnicode_IS_COMPACT_ASCII(object o)
    Py_ssize_t PyUnicode_GET_LENGTH(object o)
    void *PyUnicode_DATA(object o)
    const char *PyUnicode_AsUTF8AndSize(object unicode, Py_ssize_t *size) except NULL
    Py_ssize_t PySequence_Fast_GET_SIZE(object o)
    PyObject **PySequence_Fast_ITEMS(object o)


cdef const char *_utf8(str token, Py_ssize_t *n, Py_ssize_t pos) except NULL:
    """The UTF-8 bytes of token; a ValueError naming its position when it holds a lone surrogate (a str that
    is not valid Unicode text, e.g. from bytes decoded with errors='surrogateescape')."""
    try:
        return PyUnicode_AsUTF8AndSize(token, n)
    except UnicodeEncodeError as e:
        from .text import surrogate_error
        raise surrogate_error(f"token {pos} {token!r:.60}" if pos >= 0 else f"token {token!r:.60}", token, e) from None


cdef class StrTable:
    """Interning table token (str) -> id (int32, in insertion order)."""
    cdef sf_strtab *tab

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
        return (StrTable, ([self.token(i) for i in range(self.tab.n)],))

    def __len__(self):
        return self.tab.n

    cpdef int add(self, str token) except -1:
        """Id of token, adding it when absent."""
        return self._add(token, -1)

    cdef int _add(self, str token, Py_ssize_t pos) except -1:
        cdef Py_ssize_t n
        cdef const char *s = _utf8(token, &n, pos)
        cdef int32_t r = sf_strtab_intern(self.tab, s, <size_t>n)
        if r < 0:
            raise MemoryError("StrTable: out of memory while adding a token")
        return r

    cpdef int find(self, str token) except -2:
        """Id of token, or -1 when absent."""
        cdef Py_ssize_t n
        cdef const char *s = _utf8(token, &n, -1)
        return sf_strtab_find(self.tab, s, <size_t>n)

    def token(self, int32_t i):
        cdef size_t n
        cdef const char *s = sf_strtab_get(self.tab, i, &n)
        if s is NULL:
            raise IndexError(f"id {i} out of range for a table of {self.tab.n} tokens")
        return s[:n].decode("utf-8")

    def encode(self, tokens, int32_t unk=-1):
        """int32 array of the ids of a list/tuple of str; absent tokens get `unk`.

        With unk = -1 an absent token raises KeyError naming it.
        """
        seq = tokens if isinstance(tokens, (list, tuple)) else list(tokens)
        cdef Py_ssize_t n = len(seq)
        out = np.empty(n, dtype=np.int32)
        cdef int32_t[::1] o = out
        cdef Py_ssize_t i, ln
        cdef const char *s
        cdef int32_t r
        cdef PyObject **items = PySequence_Fast_ITEMS(seq)
        cdef object tok
        for i in range(n):
            tok = <object>items[i]
            if not PyUnicode_Check(tok):
                raise TypeError(f"token {i} is {type(tok).__name__}, expected str: {tok!r}")
            if PyUnicode_IS_COMPACT_ASCII(tok):  # fast path: the str's own bytes are its UTF-8
                s = <const char *>PyUnicode_DATA(tok)
                ln = PyUnicode_GET_LENGTH(tok)
            else:
                s = _utf8(tok, &ln, i)
            r = sf_strtab_find(self.tab, s, <size_t>ln)
            if r < 0:
                if unk < 0:
                    raise KeyError(tok)
                r = unk
            o[i] = r
        return out
