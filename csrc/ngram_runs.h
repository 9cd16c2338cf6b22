/* ngram_runs.h: sorted runs of n-grams for the out-of-core (memory-capped) build, see src/seqfast/extmem.py.
 *
 *   ngram_runs.c  sf_ngram_partition: rows of one order -> a stable grouping by partition (a permutation)
 *                 sf_ngram_scatter: rows with one 8-byte value each -> the same grouped (spilling runs)
 *                 sf_ngram_merge_sources: P sorted sources of rows with one 8-byte value each -> the merged
 *                 rows and values (equal rows' int64 values added, optionally)
 *                 sf_ngram_join_sorted: two sorted row lists -> where each row of one is in the other
 *
 * Rows are (k, n) int32 word ids, row-major; "sorted" is lexicographic, first id major, as count_ngrams
 * returns them.
 */
#ifndef NGRAM_RUNS_H
#define NGRAM_RUNS_H

#include "sf_common.h"

/* perm: (k,) out, starts: (P + 1,) out; grams: (k, n). Row i goes to partition grams[i][col] % P; perm lists
 * the rows of partition 0, then 1, ..., each in their original order; partition p is perm[starts[p] ..
 * starts[p + 1]). SF_EVALUE for P < 1 or col outside [0, n), SF_EINDEX for a negative id, SF_ENOMEM. */
int sf_ngram_partition(int64_t *perm, int64_t *starts, const int32_t *grams, int64_t k, int n, int col, int P);

/* rows: (k, n) out, vals: (k,) out, starts: (P + 1,) out; grams: (k, n), src_vals: (k,) 8-byte values.
 * rows/vals = grams/src_vals with the rows of partition 0 (grams[i][col] % P == 0) first, then 1, ..., each in
 * their original order: partition p is rows[starts[p] .. starts[p + 1]). One counting pass and one copying
 * pass (sf_ngram_partition followed by a gather of both arrays). Errors as sf_ngram_partition. */
int sf_ngram_scatter(int32_t *rows, uint64_t *vals, int64_t *starts, const int32_t *grams, const uint64_t *src_vals,
                     int64_t k, int n, int col, int P);

/* rows: (k, n) out, vals: (k,) out, kout: rows written, k <= sum(k_src); source r: src_rows[r] (k_src[r], n)
 * sorted, src_vals[r] (k_src[r],) 8-byte values (int64 or float64, copied as bits; need not be aligned).
 * The rows of every source in lexicographic order (equal rows: lower source first), each with its value;
 * add != 0: equal rows are written once with their values added as int64 (counts). bits: every id is in
 * [0, 2^bits) (1..31; SF_EINDEX otherwise), or 0 (any int32): ids are compared 64 / bits at a time. A
 * loser-tree merge in O(k log P), reading each source once. SF_EFORMAT if a source is not sorted, SF_EVALUE
 * for P < 1, n < 1, bits outside 0..32 or a negative k_src, SF_ENOMEM. */
int sf_ngram_merge_sources(int32_t *rows, uint64_t *vals, int64_t *kout, const int32_t *const *src_rows,
                           const uint64_t *const *src_vals, const int64_t *k_src, int n, int P, int add, int bits);

/* pos: (kb,) out; a: (ka, n) sorted distinct; b: (kb, n) sorted. pos[j] = row of a equal to b[j], or -1.
 * One linear merge. */
void sf_ngram_join_sorted(int64_t *pos, const int32_t *a, int64_t ka, const int32_t *b, int64_t kb, int n);

#endif
