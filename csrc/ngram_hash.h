/* ngram_hash.h: packed n-gram keys, an open-addressing count table over them, and a radix sort of records.
 *
 * Key: the N ids of an n-gram, b bits each (b = bits needed for V-1), packed into W = ceil(N*b/64) uint64
 * words with the first id in the most significant bits of word 0 ("left-aligned"). Comparing keys word by
 * word as unsigned integers is then comparing n-grams lexicographically by ids, so sorting keys sorts rows.
 * Record: W key words followed by one count word (int64 stored as uint64): (W+1) words, 8*(W+1) bytes.
 *
 * Table: power-of-two array of records, linear probing, count 0 marks an empty slot, load kept <= 3/4
 * (doubling: amortized O(1), one rehash pause per doubling).
 */
#ifndef NGRAM_HASH_H
#define NGRAM_HASH_H

#include "sf_common.h"

#define SF_NGRAM_MAX_ORDER 16
#define SF_NGRAM_MAX_WORDS 8 /* ceil(16 * 31 / 64) */

/* Bits per id for a vocabulary of V ids (>= 1). */
int sf_ngram_bits(int32_t V);
/* Key words for an n-gram of n ids of b bits. */
static inline int sf_ngram_words(int n, int b) { return (n * b + 63) / 64; }

/* key |= id at position j (0 = first). key must have been zeroed. */
static inline void sf_ngkey_put(uint64_t *key, int j, int b, uint32_t id) {
    int s = j * b, wi = s >> 6, off = s & 63;
    if (off + b <= 64) {
        key[wi] |= (uint64_t)id << (64 - off - b);
    } else {
        int r = off + b - 64; /* bits spilling into the next word, 1..b-1 */
        key[wi] |= (uint64_t)id >> r;
        key[wi + 1] |= (uint64_t)id << (64 - r);
    }
}

/* len (1..32) bits starting at bit `start` counted from the most significant bit of key[0]. */
static inline uint32_t sf_ngkey_bits(const uint64_t *key, int start, int len) {
    int wi = start >> 6, off = start & 63;
    uint64_t v = key[wi] << off;
    if (off + len > 64) v |= key[wi + 1] >> (64 - off);
    return (uint32_t)(v >> (64 - len));
}

static inline uint32_t sf_ngkey_get(const uint64_t *key, int j, int b) { return sf_ngkey_bits(key, j * b, b); }

typedef struct sf_ngtab {
    uint64_t *slots; /* (cap, W+1) records */
    size_t cap;      /* power of two */
    size_t n;        /* used slots */
    int W;           /* key words */
} sf_ngtab;

/* An empty table of W-word keys; SF_ENOMEM. */
int sf_ngtab_init(sf_ngtab *t, int W, size_t cap_hint);
void sf_ngtab_free(sf_ngtab *t);
/* Hash of a W-word key (the table's slot is hash & (cap - 1)). */
uint64_t sf_ngkey_hash(const uint64_t *key, int W);
/* count[key] += c (c > 0); SF_OK or SF_ENOMEM (the table is unchanged then). */
int sf_ngtab_add(sf_ngtab *t, const uint64_t *key, int64_t c);
/* Same with h = sf_ngkey_hash(key, W) already computed. */
int sf_ngtab_add_h(sf_ngtab *t, const uint64_t *key, uint64_t h, int64_t c);
/* Hint the cache to fetch the slot of hash h (count loops prefetch a few positions ahead). */
static inline void sf_ngtab_prefetch(const sf_ngtab *t, uint64_t h) {
#if defined(__GNUC__) || defined(__clang__)
    __builtin_prefetch(t->slots + (h & (t->cap - 1)) * (size_t)(t->W + 1), 1, 1);
#else
    (void)t; (void)h;
#endif
}
/* Move the used records to the front (slots[0 .. n*(W+1))); the table is a plain record array afterwards. */
size_t sf_ngtab_compact(sf_ngtab *t);

/* Sort k records of W key words (+1 count word) by key, ascending, where only the top nbits bits of a key
 * can be non-zero: LSD radix sort, 11-bit digits, stable. SF_ENOMEM. */
int sf_ngrec_sort(uint64_t *recs, size_t k, int W, int nbits);

#define SF_RADIX_BITS 11
/* The workhorse of sf_ngrec_sort: sort k records of stride S words whose keys (the first words) are already
 * equal in bits [0, top), by bits [top, nbits); tmp holds k*S words and hist 2^SF_RADIX_BITS sizes. */
void sf_ngrec_sort_bits(uint64_t *recs, uint64_t *tmp, size_t *hist, size_t k, int S, int top, int nbits);

/* Pack rows of ids into records: grams (k, n) int32, counts (k,) -> recs (k, W+1). */
void sf_ngrec_pack(uint64_t *recs, const int32_t *grams, const int64_t *counts, size_t k, int n, int b, int W);
/* Unpack one record's key into n ids. */
static inline void sf_ngrec_unpack(int32_t *row, const uint64_t *rec, int n, int b) {
    for (int j = 0; j < n; j++) row[j] = (int32_t)sf_ngkey_get(rec, j, b);
}

#endif
