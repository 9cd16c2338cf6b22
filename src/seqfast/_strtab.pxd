# Contract with csrc/sf_strtab.h: declarations only.
from libc.stdint cimport int32_t, int64_t, uint64_t

cdef extern from "sf_strtab.h" nogil:
    ctypedef struct sf_strtab:
        int32_t *slots
        size_t cap
        uint64_t *hashes
        int64_t *offsets
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
