/* lm_hash.h: an index from n-grams (rows of an int32 table) to their row numbers.
 *
 * Input: grams (k, n) int32, row-major, rows distinct. Output: lm_index_find(words) = the row whose n words
 * equal words[0..n-1], or -1. Open addressing, linear probing, int32 slots holding row numbers, at most
 * half full; the table does not copy the grams, so they must outlive the index.
 */
#ifndef LM_HASH_H
#define LM_HASH_H

#include "sf_common.h"

typedef struct lm_index {
    const int32_t *grams; /* (k, n) borrowed */
    int64_t k;
    int n;
    int32_t *slots;       /* (mask + 1,) row or -1 */
    uint64_t mask;
} lm_index;

/* 64-bit hash of n int32 words. */
uint64_t lm_hash_words(const int32_t *w, int n);

/* Build the index of grams (k, n). SF_EVALUE if two rows are equal or n < 1, SF_EOVERFLOW if k > INT32_MAX,
 * SF_ENOMEM. On failure ix holds nothing to free. */
int lm_index_build(lm_index *ix, const int32_t *grams, int64_t k, int n);
/* Same for rows the caller knows to be distinct (e.g. strictly sorted, see lm_rows_sorted): no duplicate
 * check, rows inserted by n_threads threads with compare-and-swap (lookups give the same rows whatever the
 * thread count; only slot positions may differ). */
int lm_index_build_distinct(lm_index *ix, const int32_t *grams, int64_t k, int n, int n_threads);
void lm_index_free(lm_index *ix);

/* 1 when the rows of grams (k, n) are strictly increasing in lexicographic order, else 0. */
int lm_rows_sorted(const int32_t *grams, int64_t k, int n, int n_threads);

/* Rows of the (n-1)-word prefixes by a merge walk. out: (k,); grams: (k, n) strictly sorted; lower:
 * (k_lo, n - 1) strictly sorted. SF_EFORMAT if some prefix is not in lower. */
int lm_prefix_rows(int64_t *out, const int32_t *grams, int64_t k, int n, const int32_t *lower, int64_t k_lo,
                   int n_threads);

/* Row of the n-gram words[0..ix->n - 1], or -1. */
int64_t lm_index_find(const lm_index *ix, const int32_t *words);

/* out[i] = row in ix of rows[i * stride + offset .. + ix->n - 1], or -1, for i < k. rows: (k, stride).
 * SF_EVALUE if offset + ix->n > stride. */
int lm_index_lookup_rows(int64_t *out, const lm_index *ix, const int32_t *rows, int64_t k, int stride,
                         int offset, int n_threads);

#endif
