/* sf_strtab.h: an interning table of byte strings (UTF-8 tokens) to dense int32 ids 0..n-1.
 *
 * Input: byte strings (pointer + length, need not be NUL-terminated). Output: ids in order of first
 * insertion. Open addressing with linear probing over a power-of-two slot array; each slot holds an id and
 * a string's slot is found from the low bits of its 64-bit hash. While the table is being filled each id's
 * hash is kept beside its bytes (growing never re-reads the strings and a probe compares bytes only when the
 * hashes match); sf_strtab_shrink drops them (hashes = NULL: probes compare lengths and bytes, growing
 * rehashes the strings). The bytes of all strings live in one pool.
 */
#ifndef SF_STRTAB_H
#define SF_STRTAB_H

#include "sf_common.h"

typedef struct sf_strtab {
    int32_t *slots;     /* (cap,) id or -1 for empty */
    size_t cap;         /* power of two */
    uint64_t *hashes;   /* (ids_cap,) hash of each id's bytes, or NULL: not kept */
    int64_t *offsets;   /* (ids_cap + 1,) start of each id's bytes in pool; offsets[n] = pool_len */
    int32_t n;          /* number of strings */
    int32_t ids_cap;
    char *pool;
    size_t pool_len, pool_cap;
} sf_strtab;

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
 * 8 of offset and the bytes themselves per string). Later insertions still work. */
void sf_strtab_shrink(sf_strtab *t);
/* Bytes the table holds (slots, hashes when kept, offsets, pool: capacities, not sizes). */
size_t sf_strtab_bytes(const sf_strtab *t);

/* Renumber in place: new id i is old id perm[i], perm (n,) a permutation of 0..n-1 (SF_EVALUE otherwise,
 * the table unchanged). The slots keep their places (they depend on the hashes only) and are relabelled;
 * hashes, offsets and pool are rebuilt in the new order (the identity moves nothing). SF_ENOMEM. */
int sf_strtab_permute(sf_strtab *t, const int32_t *perm);

/* out[i] = id in t of string i of (pool, offsets) (n strings, string i at pool[offsets[i]..offsets[i+1])),
 * or unk when absent. Returns the index of the first absent string when unk < 0 (out filled up to it), else
 * -1. */
int64_t sf_strtab_lookup_pool(int32_t *out, const sf_strtab *t, const char *pool, const int64_t *offsets,
                              int64_t n, int32_t unk);

#endif
