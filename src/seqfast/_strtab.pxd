# Contract with csrc/sf_strtab.h: declarations only.
from libc.stdint cimport int32_t, int64_t, uint32_t, uint64_t

cdef extern from "sf_strtab.h" nogil:
    ctypedef struct sf_strtab:
        int32_t *slots
        size_t cap
        uint64_t *hashes
        uint32_t *hashes32
        int64_t *offsets
        uint32_t *offsets32
        int32_t n
        int32_t ids_cap
        char *pool
        size_t pool_len, pool_cap
    uint64_t sf_hash_bytes(const char *s, size_t len)
    sf_strtab *sf_strtab_new(size_t expected)
    void sf_strtab_free(sf_strtab *t)
    int32_t sf_strtab_find(const sf_strtab *t, const char *s, size_t len)
    int32_t sf_strtab_intern(sf_strtab *t, const char *s, size_t len)
    const char *sf_strtab_get(const sf_strtab *t, int32_t id, size_t *len)
    int sf_strtab_reserve(sf_strtab *t, int32_t n, size_t pool_bytes)
    void sf_strtab_shrink(sf_strtab *t)
    size_t sf_strtab_bytes(const sf_strtab *t)
    int sf_strtab_permute(sf_strtab *t, const int32_t *perm)
    int sf_strtab_widen(sf_strtab *t)
    void sf_strtab_hashes64(uint64_t *out, const sf_strtab *t)
    void sf_strtab_offsets64(int64_t *out, const sf_strtab *t)
    int64_t sf_strtab_lookup_tab(int32_t *out, const sf_strtab *t, const sf_strtab *src, int32_t unk)


cdef class StrTable:
    cdef sf_strtab *tab
    cpdef int add(self, str token) except -1
    cdef int _add(self, str token, Py_ssize_t pos) except -1
    cpdef int find(self, str token) except -2
    cdef object _decode(self, int32_t i)

# The UTF-8 bytes of tok (*n of them; a str's own buffer, not a copy): TypeError when tok is not a str,
# ValueError when it holds a lone surrogate; pos >= 0 is its position, named in the error.
cdef const char *token_utf8(object tok, Py_ssize_t *n, Py_ssize_t pos) except NULL

# A StrTable owning the table *slot points to; *slot gets a new empty table (NULL: MemoryError).
cdef StrTable take_table(void **slot)
