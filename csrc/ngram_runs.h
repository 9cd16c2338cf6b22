/* ngram_runs.h: sorted runs of n-grams for the out-of-core (memory-capped) build, see src/seqfast/extmem.py.
 *
 *   ngram_runs.c  sf_ngram_partition: rows of one order -> a stable grouping by partition (spilling runs)
 *                 sf_ngram_merge_runs: P lexicographically sorted runs -> the order of their merge (writing)
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

/* perm: (k,) out; rows: (k, n), the concatenation of P runs, run r = rows[starts[r] .. starts[r + 1]),
 * each sorted. perm lists every row in lexicographic order (equal rows: lower run first), a heap merge in
 * O(k log P). SF_EVALUE for bad starts, SF_EFORMAT if a run is not sorted, SF_ENOMEM. */
int sf_ngram_merge_runs(int64_t *perm, const int32_t *rows, int64_t k, int n, const int64_t *starts, int P);

/* pos: (kb,) out; a: (ka, n) sorted distinct; b: (kb, n) sorted. pos[j] = row of a equal to b[j], or -1.
 * One linear merge. */
void sf_ngram_join_sorted(int64_t *pos, const int32_t *a, int64_t ka, const int32_t *b, int64_t kb, int n);

#endif
