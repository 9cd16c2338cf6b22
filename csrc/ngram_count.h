/* ngram_count.h: count every n-gram of orders 1..N of an id stream in one pass.
 *
 * Input: ids (T,) int32, each in [0, V) or -1 for a line break (no n-gram spans a -1).
 * Output, per order n: k_n distinct n-grams as grams (k_n, n) int32 sorted lexicographically (rows of ids)
 * and counts (k_n,) int64, identical for any thread count.
 *
 * Parallelism: shards partitioned by the hash of an n-gram's first id. Thread t scans the whole stream and
 * counts the n-grams starting at positions whose id falls in shard t, in its own tables (one per order), so
 * no two threads touch the same n-gram and nothing has to be merged; each thread then sorts its tables and
 * the export merges the nt sorted shards. Unigrams use a dense (V,) array (shards own disjoint entries).
 */
#ifndef NGRAM_COUNT_H
#define NGRAM_COUNT_H

#include "ngram_hash.h"

typedef struct sf_ngcounter {
    int N;               /* highest order */
    int32_t V;           /* vocabulary size */
    int b;               /* bits per id in keys */
    int nt;              /* shards = threads used */
    int64_t *uni;        /* (V,) unigram counts */
    sf_ngtab *tabs;      /* (nt, N) tables; [t*N + n-1] holds order n >= 2 of shard t, sorted records */
    size_t *k;           /* (N,) distinct n-grams per order */
    size_t table_bytes;  /* bytes of all tables at their largest (for bytes per stored n-gram) */
} sf_ngcounter;

/* Count; *out is NULL on failure. SF_EINDEX when an id is outside [-1, V), SF_EVALUE for a bad N or V,
 * SF_ENOMEM. */
int sf_ngram_count(sf_ngcounter **out, const int32_t *ids, int64_t T, int32_t V, int N, int n_threads);

/* Distinct n-grams of order n (1..N), or -1 when n is out of range. */
int64_t sf_ngram_unique(const sf_ngcounter *c, int n);

/* Write order n: grams (k_n, n) int32, counts (k_n,) int64 (sizes from sf_ngram_unique). */
int sf_ngram_export(const sf_ngcounter *c, int n, int32_t *grams, int64_t *counts);

void sf_ngram_free(sf_ngcounter *c);

#endif
