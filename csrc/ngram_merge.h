/* ngram_merge.h: combining and checking sorted count arrays (merge of shards, loading saved counts).
 *
 * Input: rows of n ids (k, n) int32 with int64 counts (k,), in any order, ids in [0, V).
 * Output: the distinct rows sorted lexicographically, counts of equal rows added.
 */
#ifndef NGRAM_MERGE_H
#define NGRAM_MERGE_H

#include "sf_common.h"

/* grams (k, n), counts (k,) -> out_grams (k_out, n), out_counts (k_out,) with k_out <= k written to *k_out.
 * The outputs must have room for k rows. SF_EINDEX for an id outside [0, V), SF_EVALUE for a count <= 0 or
 * a bad n/V, SF_EOVERFLOW when a sum overflows int64, SF_ENOMEM. */
int sf_ngram_combine(int32_t *out_grams, int64_t *out_counts, int64_t *k_out,
                     const int32_t *grams, const int64_t *counts, int64_t k, int n, int32_t V);

/* 0 when rows are strictly increasing, ids in [0, V) and counts > 0; else 1 (id out of range),
 * 2 (count <= 0) or 3 (rows not strictly increasing). */
int sf_ngram_check_sorted(const int32_t *grams, const int64_t *counts, int64_t k, int n, int32_t V);

/* TSV text of rows: for r = rows[start], rows[start+1], ...: the tokens of grams[r] joined by spaces, a tab,
 * counts[r], a newline, appended to buf while they fit in cap bytes. Tokens are pool[offs[id] .. offs[id+1]).
 * Returns the index after the last row written (start when not even one row fits: grow buf), the bytes
 * written in *used; SF_EINDEX when a row or id is out of range. */
int64_t sf_ngram_format_tsv(char *buf, size_t cap, size_t *used, const char *pool, const int64_t *offs,
                            int32_t V, const int32_t *grams, const int64_t *counts, int64_t k, int n,
                            const int64_t *rows, int64_t m, int64_t start);

#endif
