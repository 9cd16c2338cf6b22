/* ngram_ingest.h: the parallel end of ingestion: per-thread readers -> one id stream -> vocabulary order.
 *
 * Input: nr readers (ngram_reader.h) that tokenized consecutive parts of one corpus in parallel, each with its
 * own interning table in first-appearance order and the same specials first. Output: each reader's ids, in
 * place, in the ids of ONE table: reader 0's, extended by every other reader's tokens in their order of first
 * appearance, so that the readers' ids end to end equal those one reader would give the whole corpus.
 * -1 (line break) stays -1. Then the counts of each id and a renumbering (the vocabulary's frequency order).
 *
 * Threads: the merge of the tables is serial (V strings); the renumbering of the ids and the counts are split
 * into equal row ranges (sf_thread_rows), so results are identical for any thread count.
 */
#ifndef NGRAM_INGEST_H
#define NGRAM_INGEST_H

#include "ngram_reader.h"

/* Reader 0's table gains the other readers' tokens (its n grows to the merged V) and their ids are rewritten
 * in its ids (their tables are left as they were). SF_ENOMEM, SF_EOVERFLOW. */
int sf_ngreader_merge(sf_ngreader **rs, int nr, int nt);

/* freq: (V,) occurrences of each id in ids (T,), -1 skipped. SF_EVALUE when an id is >= V; SF_ENOMEM. */
int sf_ids_count(int64_t *freq, const int32_t *ids, int64_t T, int32_t V, int nt);

/* ids[i] = map[ids[i]] for every ids[i] >= 0, in place; map: (V,). SF_EVALUE when an id is >= V. */
int sf_ids_remap(int32_t *ids, int64_t T, const int32_t *map, int32_t V, int nt);

#endif
