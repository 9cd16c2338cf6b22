/* ngram_count.h: count every n-gram of orders 1..N of an id stream in one pass (two engines: hash tables,
 * ngram_count.c, described here; sorting, ngram_sortcount.c, described at sf_ngram_count_sorted).
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

/* Default min_per_thread: with fewer tokens per thread, threads cost more (wake-ups, barriers) than they save. */
#define SF_NGRAM_MIN_PER_THREAD (1 << 19)

typedef struct sf_ngcounter {
    int N;               /* highest order */
    int32_t V;           /* vocabulary size */
    int b;               /* bits per id in keys */
    int nt;              /* shards = threads used */
    int64_t *uni;        /* (V,) unigram counts */
    sf_ngtab *tabs;      /* (nt, N) tables; [t*N + n-1] holds order n >= 2 of shard t, sorted records */
    size_t *k;           /* (N,) distinct n-grams per order */
    size_t table_bytes;  /* bytes of all tables at their largest (for bytes per stored n-gram) */
    /* sort engine (sf_ngram_count_sorted) */
    uint64_t *keys;      /* (K, Wk) sorted rest keys: the up to N-1 ids after each position's first, ids + 1 */
    int64_t *start;      /* (V + 1,) where the keys of the positions whose first id is v start */
    int64_t K;           /* positions with a token */
    int Wk, bk;          /* rest key words, bits per id + 1 */
    int nc;              /* chunks: runs of whole buckets of about K / nc keys, the unit of work of the threads */
    int32_t *cb;         /* (nc + 1,) first bucket of each chunk; cb[nc] = V */
    int64_t *kk;         /* (nc, N + 1) n-grams starting in each chunk, per order */
    int consumed;        /* the keys were given back by a consuming export: no other export can follow */
} sf_ngcounter;

/* Count with at most n_threads threads and at least min_per_thread ids per thread (the result does not
 * depend on either); *out is NULL on failure. SF_EINDEX when an id is outside [-1, V), SF_EVALUE for a bad N or V,
 * SF_ENOMEM. */
int sf_ngram_count(sf_ngcounter **out, const int32_t *ids, int64_t T, int32_t V, int N, int n_threads,
                   int64_t min_per_thread);

/* The same result by sorting instead of hashing (ngram_sortcount.c): positions are bucketed by their first
 * id; each stores the next N-1 ids (+ 1, 0 when absent, so a shorter n-gram sorts before its extensions)
 * packed in a key of Wk words; every bucket is radix sorted (buckets in parallel, in cache but for the most
 * frequent ids), and the n-grams of order n are the runs of keys sharing their first n-1 ids. Sorting
 * streams memory where hashing stalls on it: several times faster, at 8 * Wk bytes per token (plus the
 * largest bucket's scratch per thread) of working memory. */
int sf_ngram_count_sorted(sf_ngcounter **out, const int32_t *ids, int64_t T, int32_t V, int N, int n_threads,
                          int64_t min_per_thread);
/* The same for a stream in nseg pieces: ids seg[s] (len[s],), s < nseg, with a line break between two pieces
 * (no n-gram spans two; pieces that end with -1 count as their concatenation), read in place (e.g. each
 * reader's own ids). */
int sf_ngram_count_sorted_segs(sf_ngcounter **out, const int32_t *const *seg, const int64_t *len, int nseg,
                               int32_t V, int N, int n_threads, int64_t min_per_thread);

/* Shared by both engines: check N, V and every id of the nseg pieces (SF_EVALUE, SF_EINDEX), then the threads
 * to use: n_threads resolved, at most 256 (the export merges at most 256 shards) and at most
 * 1 + T / min_per_thread for T ids in all. */
int sf_ngram_plan(const int32_t *const *seg, const int64_t *len, int nseg, int32_t V, int N, int n_threads,
                  int64_t min_per_thread, int *nt_out);

/* Distinct n-grams of order n (1..N), or -1 when n is out of range. */
int64_t sf_ngram_unique(const sf_ngcounter *c, int n);

/* Write order n: grams (k_n, n) int32, counts (k_n,) int64 (sizes from sf_ngram_unique). */
int sf_ngram_export(const sf_ngcounter *c, int n, int32_t *grams, int64_t *counts);

/* Every order at once: grams[n], counts[n] for n in 1..N as in sf_ngram_export (both NULL: order n is not
 * written). The sort engine writes them all in one pass over its keys; with consume = 1 it gives the keys'
 * memory back to the system as it passes them (on Linux), so that the outputs' pages are the keys' pages and
 * the peak is about the outputs alone; the counter can then only be freed (another export: SF_EVALUE). */
int sf_ngram_export_all(sf_ngcounter *c, int32_t *const *grams, int64_t *const *counts, int consume);

/* The most frequent n-grams of each order without exporting the others (counters of sf_ngram_count_sorted
 * only; SF_EVALUE for another counter or after a consuming export). For each order n with grams[n] not NULL:
 * the at most k n-grams of count >= min_count first by count descending, then by the tuple of their ids'
 * ranks ascending (rank (V,), or NULL for the ids themselves: the export's row order), written best first as
 * grams[n] (kout[n], n) and counts[n] (kout[n],); every output has room for min(k, sf_ngram_unique(c, n)).
 * Each bucket's keys are walked as a trie of runs (an n-gram's extensions are the runs inside its run), a
 * run skipped when it is rarer than every heap it could enter: with a small k only the frequent n-grams are
 * visited. Chunks in parallel, a bounded heap per thread and order merged at the end: the result does not
 * depend on the threads. */
int sf_ngram_top_sorted(const sf_ngcounter *c, int64_t k, int64_t min_count, const int64_t *rank,
                        int32_t *const *grams, int64_t *const *counts, int64_t *kout);

/* sf_ngram_export and sf_ngram_export_all for counters made by sf_ngram_count_sorted. */
int sf_ngram_export_sorted(const sf_ngcounter *c, int n, int32_t *grams, int64_t *counts);
int sf_ngram_export_sorted_all(sf_ngcounter *c, int32_t *const *grams, int64_t *const *counts, int consume);

void sf_ngram_free(sf_ngcounter *c);

#endif
