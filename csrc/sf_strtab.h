/* sf_strtab.h: an interning table of byte strings (UTF-8 tokens) to dense int32 ids 0..n-1.
 *
 * Input: byte strings (pointer + length, need not be NUL-terminated). Output: ids in order of first
 * insertion. Open addressing with linear probing over a power-of-two slot array; each slot holds an id and
 * a string's slot is found from the low bits of its 64-bit hash. While the table is being filled the low 32
 * bits of each id's hash are kept beside its bytes (hashes32: growing never re-reads the strings and a probe
 * compares bytes only when they match); sf_strtab_shrink drops them (probes then compare lengths and bytes,
 * growing rehashes the strings). A view of a model file's arrays has the whole 64-bit hashes instead
 * (hashes; hashes32 NULL). The bytes of all strings live in one pool; a table built here keeps the start of
 * each string as a uint32 (offsets32) while the pool holds at most 4 GiB - 1 bytes and as an int64 (offsets)
 * beyond; a view of arrays held elsewhere (a model file) sets offsets and leaves offsets32 NULL.
 */
#ifndef SF_STRTAB_H
#define SF_STRTAB_H

#include "sf_common.h"

typedef struct sf_strtab {
    int32_t *slots;     /* (cap,) id or -1 for empty */
    size_t cap;         /* power of two */
    uint64_t *hashes;   /* (ids_cap,) hash of each id's bytes (a view of a file), or NULL */
    uint32_t *hashes32; /* (ids_cap,) the low 32 bits of each hash (a table filled here), or NULL: not kept */
    int64_t *offsets;   /* (ids_cap + 1,) start of each id's bytes in pool, offsets[n] = pool_len; or NULL */
    uint32_t *offsets32; /* the same as uint32 while pool_len < 2**32 (then offsets is NULL), or NULL */
    int32_t n;          /* number of strings */
    int32_t ids_cap;
    char *pool;
    size_t pool_len, pool_cap;
} sf_strtab;

/* Start of id's bytes in the pool (id 0..n; id n gives pool_len). */
static inline int64_t sf_strtab_off(const sf_strtab *t, int64_t id) {
    return t->offsets32 ? (int64_t)t->offsets32[id] : t->offsets[id];
}

/* 64-bit hash of len bytes (fast, not cryptographic). */
uint64_t sf_hash_bytes(const char *s, size_t len);

/* A new empty table sized for about `expected` strings; NULL when out of memory. */
sf_strtab *sf_strtab_new(size_t expected);
void sf_strtab_free(sf_strtab *t);

/* Id of the string, or -1 when absent. */
int32_t sf_strtab_find(const sf_strtab *t, const char *s, size_t len);
/* Same with the hash already computed by sf_hash_bytes. */
int32_t sf_strtab_find_h(const sf_strtab *t, const char *s, size_t len, uint64_t h);

/* Id of the string, adding it when absent; SF_ENOMEM or SF_EOVERFLOW (> INT32_MAX strings) on failure. */
int32_t sf_strtab_intern(sf_strtab *t, const char *s, size_t len);

/* Bytes of id (not NUL-terminated) and their length; NULL when id is out of range. */
const char *sf_strtab_get(const sf_strtab *t, int32_t id, size_t *len);

/* Room for n strings of pool_bytes bytes in all without reallocating (never shrinks). SF_ENOMEM. */
int sf_strtab_reserve(sf_strtab *t, int32_t n, size_t pool_bytes);
/* Give back the spare capacity of the id arrays and the pool and the stored hashes, and make the slots at
 * most 3/4 full (after the last insertion, when the table is kept for look-ups: about 5-11 bytes of slots,
 * 4 of offset (8 beyond a 4 GiB pool) and the bytes themselves per string). Later insertions still work. */
void sf_strtab_shrink(sf_strtab *t);
/* Bytes the table holds (slots, hashes when kept, offsets, pool: capacities, not sizes). */
size_t sf_strtab_bytes(const sf_strtab *t);
/* Keep the offsets as int64 from now on (done by itself when the pool passes 4 GiB - 1 bytes). SF_ENOMEM. */
int sf_strtab_widen(sf_strtab *t);
/* out (n,) = the 64-bit hash of each id (stored, or recomputed from the pool). */
void sf_strtab_hashes64(uint64_t *out, const sf_strtab *t);
/* out (n + 1,) = the offsets of the table as int64. */
void sf_strtab_offsets64(int64_t *out, const sf_strtab *t);

/* Renumber in place: new id i is old id perm[i], perm (n,) a permutation of 0..n-1 (SF_EVALUE otherwise,
 * the table unchanged). The slots keep their places (they depend on the hashes only) and are relabelled;
 * hashes, offsets and pool are rebuilt in the new order (the identity moves nothing). SF_ENOMEM. */
int sf_strtab_permute(sf_strtab *t, const int32_t *perm);

/* out[i] = id in t of string i of src (src->n of them), or unk when absent. Returns the index of the first
 * absent string when unk < 0 (out filled up to it), else -1. */
int64_t sf_strtab_lookup_tab(int32_t *out, const sf_strtab *t, const sf_strtab *src, int32_t unk);

#endif
