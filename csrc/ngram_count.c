/* ngram_count.c: all orders 1..N in one pass, OpenMP over shards (see ngram_count.h).
 * Input: ids (T,) int32 with -1 line breaks. Output: per order, sorted distinct n-grams and int64 counts. */
#include "ngram_count.h"

#include <stdlib.h>
#include <string.h>

/* Shard of an n-gram: a hash of its first id (multiplicative hash, high bits, scaled to nt). */
static inline int shard_of(int32_t w, int nt) {
    uint32_t h = (uint32_t)w * 2654435761u;
    h ^= h >> 15;
    h *= 0x2c1b3c6du;
    h ^= h >> 12;
    return (int)(((uint64_t)h * (uint64_t)nt) >> 32);
}

void sf_ngram_free(sf_ngcounter *c) {
    if (!c) return;
    if (c->tabs)
        for (int i = 0; i < c->nt * c->N; i++) sf_ngtab_free(&c->tabs[i]);
    free(c->tabs);
    free(c->uni);
    free(c->k);
    free(c->keys);
    free(c->kk);
    free(c->cb);
    free(c->start);
    free(c);
}

/* Keys of the n-grams of orders 2..nmax starting at i, into keys[(n-1)*MAX_WORDS ...]; returns nmax. */
static inline int keys_at(uint64_t *keys, const int32_t *ids, int64_t i, int64_t T, int N, int b) {
    uint64_t key[SF_NGRAM_MAX_WORDS];
    memset(key, 0, sizeof(key));
    sf_ngkey_put(key, 0, b, (uint32_t)ids[i]);
    int n = 2;
    for (; n <= N; n++) {
        int64_t j = i + n - 1;
        if (j >= T || ids[j] < 0) break;
        sf_ngkey_put(key, n - 1, b, (uint32_t)ids[j]);
        memcpy(keys + (size_t)(n - 1) * SF_NGRAM_MAX_WORDS, key, sizeof(key));
    }
    return n - 1;
}

#define LOOKAHEAD 8 /* positions whose slots are prefetched ahead of their insertion */

/* Count the n-grams of the positions in shard t (orders 2..N in its tables, unigrams in uni (V,)), then
 * compact and sort its tables. The table slots of position i + LOOKAHEAD are prefetched while position i is
 * inserted: the tables are far larger than the caches and each insertion is otherwise one memory stall. */
static int count_shard(sf_ngcounter *c, int t, int64_t *uni, const int32_t *ids, int64_t T) {
    const int N = c->N, b = c->b, nt = c->nt;
    sf_ngtab *tabs = c->tabs + (size_t)t * N;
    int W[SF_NGRAM_MAX_ORDER + 1];
    for (int n = 1; n <= N; n++) W[n] = sf_ngram_words(n, b);
    /* ring of pending positions: their keys, hashes and highest order */
    uint64_t keys[LOOKAHEAD][SF_NGRAM_MAX_ORDER * SF_NGRAM_MAX_WORDS];
    uint64_t hs[LOOKAHEAD][SF_NGRAM_MAX_ORDER + 1];
    int nmax[LOOKAHEAD];
    for (int s = 0; s < LOOKAHEAD; s++) nmax[s] = 0;
    for (int64_t i = 0; i < T + LOOKAHEAD; i++) {
        int s = (int)(i % LOOKAHEAD);
        /* insert the position that entered the ring LOOKAHEAD steps ago */
        for (int n = 2; n <= nmax[s]; n++)
            if (sf_ngtab_add_h(&tabs[n - 1], keys[s] + (size_t)(n - 1) * SF_NGRAM_MAX_WORDS, hs[s][n], 1) != SF_OK)
                return SF_ENOMEM;
        nmax[s] = 0;
        if (i >= T) continue;
        int32_t w = ids[i];
        if (w < 0 || (nt > 1 && shard_of(w, nt) != t)) continue;
        uni[w]++;
        int m = keys_at(keys[s], ids, i, T, N, b);
        for (int n = 2; n <= m; n++) {
            hs[s][n] = sf_ngkey_hash(keys[s] + (size_t)(n - 1) * SF_NGRAM_MAX_WORDS, W[n]);
            sf_ngtab_prefetch(&tabs[n - 1], hs[s][n]);
        }
        nmax[s] = m;
    }
    for (int n = 2; n <= N; n++) {
        sf_ngtab *tb = &tabs[n - 1];
        size_t k = sf_ngtab_compact(tb);
        if (sf_ngrec_sort(tb->slots, k, tb->W, n * b) != SF_OK) return SF_ENOMEM;
    }
    return SF_OK;
}

int sf_ngram_plan(const int32_t *const *seg, const int64_t *len, int nseg, int32_t V, int N, int n_threads,
                  int64_t min_per_thread, int *nt_out) {
    if (N < 1 || N > SF_NGRAM_MAX_ORDER || V < 1 || nseg < 0) return SF_EVALUE;
    int64_t T = 0;
    for (int s = 0; s < nseg; s++) {
        if (len[s] < 0) return SF_EVALUE;
        T += len[s];
    }
    int nt = sf_resolve_threads(n_threads);
    if (nt < 1) nt = 1;
    if (nt > 256) nt = 256; /* export merges at most 256 shards */
    if (min_per_thread < 1) min_per_thread = 1;
    if ((int64_t)nt > 1 + T / min_per_thread) nt = (int)(1 + T / min_per_thread);
    int bad = 0;
    for (int s = 0; s < nseg; s++) {
        const int32_t *ids = seg[s];
SF_OMP(parallel for num_threads(nt) schedule(static) reduction(| : bad))
        for (int64_t i = 0; i < len[s]; i++) bad |= ids[i] < -1 || ids[i] >= V;
    }
    if (bad) return SF_EINDEX;
    *nt_out = nt;
    return SF_OK;
}

int sf_ngram_count(sf_ngcounter **out, const int32_t *ids, int64_t T, int32_t V, int N, int n_threads,
                          int64_t min_per_thread) {
    *out = NULL;
    int nt, rc = sf_ngram_plan(&ids, &T, 1, V, N, n_threads, min_per_thread, &nt);
    if (rc != SF_OK) return rc;
    sf_ngcounter *c = (sf_ngcounter *)calloc(1, sizeof(*c));
    if (!c) return SF_ENOMEM;
    c->N = N;
    c->V = V;
    c->b = sf_ngram_bits(V);
    c->nt = nt;
    c->uni = (int64_t *)calloc((size_t)V, sizeof(int64_t));
    c->tabs = (sf_ngtab *)calloc((size_t)nt * N, sizeof(sf_ngtab));
    c->k = (size_t *)calloc((size_t)N, sizeof(size_t));
    if (!c->uni || !c->tabs || !c->k) {
        sf_ngram_free(c);
        return SF_ENOMEM;
    }
    for (int t = 0; t < nt && rc == SF_OK; t++)
        for (int n = 2; n <= N && rc == SF_OK; n++)
            rc = sf_ngtab_init(&c->tabs[(size_t)t * N + n - 1], sf_ngram_words(n, c->b), 1024);
    if (rc != SF_OK) {
        sf_ngram_free(c);
        return rc;
    }
    int64_t *unis = (int64_t *)calloc((size_t)nt * V, sizeof(int64_t)); /* per shard: no false sharing */
    if (!unis) {
        sf_ngram_free(c);
        return SF_ENOMEM;
    }
    int status = SF_OK;
SF_OMP(parallel for num_threads(nt) schedule(static, 1))
    for (int t = 0; t < nt; t++) {
        int r = count_shard(c, t, unis + (size_t)t * V, ids, T);
        if (r != SF_OK) {
SF_OMP(critical(sf_ngram_status))
            status = r;
        }
    }
    for (int t = 0; t < nt; t++)
        for (int32_t w = 0; w < V; w++) c->uni[w] += unis[(size_t)t * V + w];
    free(unis);
    if (status != SF_OK) {
        sf_ngram_free(c);
        return status;
    }
    for (int32_t w = 0; w < V; w++) c->k[0] += c->uni[w] > 0;
    c->table_bytes = (size_t)V * sizeof(int64_t);
    for (int t = 0; t < nt; t++)
        for (int n = 2; n <= N; n++) {
            sf_ngtab *tb = &c->tabs[(size_t)t * N + n - 1];
            c->k[n - 1] += tb->n;
            c->table_bytes += tb->cap * (size_t)(tb->W + 1) * sizeof(uint64_t);
        }
    *out = c;
    return SF_OK;
}

int64_t sf_ngram_unique(const sf_ngcounter *c, int n) {
    if (n < 1 || n > c->N) return -1;
    return (int64_t)c->k[n - 1];
}

static inline int key_cmp(const uint64_t *a, const uint64_t *b, int W) {
    for (int i = 0; i < W; i++)
        if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
    return 0;
}

int sf_ngram_export_all(sf_ngcounter *c, int32_t *const *grams, int64_t *const *counts, int consume) {
    if (c->keys) return sf_ngram_export_sorted_all(c, grams, counts, consume);
    for (int n = 1; n <= c->N; n++) {
        if (!grams[n] || !counts[n]) continue;
        int rc = sf_ngram_export(c, n, grams[n], counts[n]);
        if (rc != SF_OK) return rc;
    }
    return SF_OK;
}

int sf_ngram_export(const sf_ngcounter *c, int n, int32_t *grams, int64_t *counts) {
    if (n < 1 || n > c->N) return SF_EVALUE;
    if (c->keys) return sf_ngram_export_sorted(c, n, grams, counts);
    if (n == 1) {
        size_t k = 0;
        for (int32_t w = 0; w < c->V; w++)
            if (c->uni[w] > 0) {
                grams[k] = w;
                counts[k++] = c->uni[w];
            }
        return SF_OK;
    }
    /* merge the nt sorted shards (disjoint keys) */
    const int nt = c->nt, W = sf_ngram_words(n, c->b), S = W + 1;
    size_t pos[256];
    if (nt > 256) return SF_EVALUE;
    for (int t = 0; t < nt; t++) pos[t] = 0;
    size_t total = c->k[n - 1];
    for (size_t out = 0; out < total; out++) {
        int best = -1;
        const uint64_t *br = NULL;
        for (int t = 0; t < nt; t++) {
            const sf_ngtab *tb = &c->tabs[(size_t)t * c->N + n - 1];
            if (pos[t] >= tb->n) continue;
            const uint64_t *r = tb->slots + pos[t] * S;
            if (best < 0 || key_cmp(r, br, W) < 0) {
                best = t;
                br = r;
            }
        }
        if (best < 0) return SF_EVALUE; /* cannot happen: k counts every record */
        pos[best]++;
        sf_ngrec_unpack(grams + out * (size_t)n, br, n, c->b);
        counts[out] = (int64_t)br[W];
    }
    return SF_OK;
}
