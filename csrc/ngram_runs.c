/* ngram_runs.c: partition, merge and join sorted runs of n-grams (out-of-core build).
 * Input: rows of one order, (k, n) int32. Output: permutations and positions (int64), so callers gather
 * whatever arrays travel with the rows, or (sf_ngram_scatter, sf_ngram_merge_sources) the rows with one
 * 8-byte value each, written straight from the sources. */
#include "ngram_runs.h"

#include <stdlib.h>
#include <string.h>

static inline int row_cmp(const int32_t *a, const int32_t *b, int n) {
    for (int j = 0; j < n; j++)
        if (a[j] != b[j]) return a[j] < b[j] ? -1 : 1;
    return 0;
}

/* starts[p + 1] = rows of partition p, summed: starts[p] is the partition's first row once grouped */
static int partition_starts(int64_t *starts, const int32_t *grams, int64_t k, int n, int col, int P) {
    if (P < 1 || n < 1 || col < 0 || col >= n || k < 0) return SF_EVALUE;
    for (int p = 0; p <= P; p++) starts[p] = 0;
    for (int64_t i = 0; i < k; i++) {
        int32_t w = grams[i * n + col];
        if (w < 0) return SF_EINDEX;
        starts[w % P + 1]++;
    }
    for (int p = 0; p < P; p++) starts[p + 1] += starts[p];
    return SF_OK;
}

int sf_ngram_partition(int64_t *perm, int64_t *starts, const int32_t *grams, int64_t k, int n, int col, int P) {
    int rc = partition_starts(starts, grams, k, n, col, P);
    if (rc != SF_OK) return rc;
    int64_t *next = (int64_t *)malloc((size_t)P * sizeof(int64_t));
    if (!next) return SF_ENOMEM;
    for (int p = 0; p < P; p++) next[p] = starts[p];
    for (int64_t i = 0; i < k; i++) perm[next[grams[i * n + col] % P]++] = i;
    free(next);
    return SF_OK;
}

int sf_ngram_scatter(int32_t *rows, uint64_t *vals, int64_t *starts, const int32_t *grams, const uint64_t *src_vals,
                     int64_t k, int n, int col, int P) {
    int rc = partition_starts(starts, grams, k, n, col, P);
    if (rc != SF_OK) return rc;
    int64_t *next = (int64_t *)malloc((size_t)P * sizeof(int64_t));
    if (!next) return SF_ENOMEM;
    for (int p = 0; p < P; p++) next[p] = starts[p];
    const size_t rb = (size_t)n * sizeof(int32_t);
    for (int64_t i = 0; i < k; i++) {
        int64_t j = next[grams[i * n + col] % P]++;
        memcpy(rows + j * n, grams + i * n, rb);
        vals[j] = src_vals[i];
    }
    free(next);
    return SF_OK;
}

/* Loser tree over the sources (Knuth's tournament replacement): leaves K..2K-1 stand for the sources, node
 * i >= 1 holds the loser of the match played there and tree[0] the overall winner, so advancing the winner
 * costs one comparison per level. A source's current row is compared by a key packing its first m ids
 * (bits each, m * bits <= 64: one integer comparison decides most matches), then by the remaining ids. */
typedef struct {
    const int32_t **cur; /* (K,) the current row of each source */
    uint64_t *key;       /* (K,) the packed first m ids of cur; UINT64_MAX once a source is done */
    unsigned char *done; /* (K,) the source has no rows left */
    int m, rest;         /* ids in the key, ids compared after it (n - m) */
} lt_ctx;

static inline int lt_less(const lt_ctx *t, int a, int b) {
    if (t->key[a] != t->key[b]) return t->key[a] < t->key[b];
    if (t->done[a] != t->done[b]) return t->done[b];
    if (!t->done[a] && t->rest > 0) {
        int c = row_cmp(t->cur[a] + t->m, t->cur[b] + t->m, t->rest);
        if (c) return c < 0;
    }
    return a < b;
}

/* The key of a row: ids[0..m) packed, each as (uint32)id ^ flip (flip = sign bit when bits == 32, so that
 * unsigned order is the ids' signed order); -1 when an id does not fit in bits (bits < 32). */
static inline int row_key(uint64_t *key, const int32_t *row, int m, int bits) {
    uint64_t k = 0;
    if (bits >= 32) {
        for (int j = 0; j < m; j++) k = (k << 32) | ((uint32_t)row[j] ^ 0x80000000u);
    } else {
        for (int j = 0; j < m; j++) {
            uint32_t w = (uint32_t)row[j];
            if (w >> bits) return -1;
            k = (k << bits) | w;
        }
    }
    *key = k;
    return 0;
}

int sf_ngram_merge_sources(int32_t *rows, uint64_t *vals, int64_t *kout, const int32_t *const *src_rows,
                           const uint64_t *const *src_vals, const int64_t *k_src, int n, int P, int add, int bits) {
    *kout = 0;
    if (P < 1 || n < 1 || bits < 0 || bits > 32) return SF_EVALUE;
    for (int r = 0; r < P; r++)
        if (k_src[r] < 0) return SF_EVALUE;
    if (bits == 0) bits = 32;
    const int K = P;
    int m = 64 / bits;
    if (m > n) m = n;
    int *tree = (int *)malloc((size_t)2 * K * sizeof(int));
    int64_t *left = (int64_t *)malloc((size_t)K * sizeof(int64_t));
    const unsigned char **val = (const unsigned char **)malloc((size_t)K * sizeof(unsigned char *));
    lt_ctx t = {(const int32_t **)malloc((size_t)K * sizeof(int32_t *)), (uint64_t *)malloc((size_t)K * sizeof(uint64_t)),
                (unsigned char *)malloc((size_t)K), m, n - m};
    int rc = SF_OK;
    if (!tree || !left || !val || !t.cur || !t.key || !t.done) {
        rc = SF_ENOMEM;
        goto cleanup;
    }
    for (int r = 0; r < K; r++) {
        t.cur[r] = src_rows[r];
        val[r] = (const unsigned char *)src_vals[r];
        left[r] = k_src[r];
        t.done[r] = left[r] == 0;
        t.key[r] = UINT64_MAX;
        if (!t.done[r] && row_key(&t.key[r], t.cur[r], m, bits)) {
            rc = SF_EINDEX;
            goto cleanup;
        }
    }
    /* the first tournament: w[i] = the winner below node i, leaves K + r = the sources */
    {
        int *w = (int *)malloc((size_t)2 * K * sizeof(int));
        if (!w) {
            rc = SF_ENOMEM;
            goto cleanup;
        }
        for (int i = 0; i < K; i++) w[K + i] = i;
        for (int i = K - 1; i >= 1; i--) {
            int a = w[2 * i], b = w[2 * i + 1];
            if (lt_less(&t, a, b)) {
                w[i] = a;
                tree[i] = b;
            } else {
                w[i] = b;
                tree[i] = a;
            }
        }
        tree[0] = K == 1 ? 0 : w[1];
        free(w);
    }
    int64_t out = 0;
    uint64_t last_key = 0;
    const size_t rb = (size_t)n * sizeof(int32_t);
    for (;;) {
        int s = tree[0];
        if (t.done[s]) break;
        const int32_t *row = t.cur[s];
        uint64_t v; /* a mapped source's values need not be 8-byte aligned */
        memcpy(&v, val[s], sizeof v);
        if (add && out > 0 && t.key[s] == last_key &&
            (t.rest == 0 || row_cmp(rows + (out - 1) * n + m, row + m, t.rest) == 0)) {
            vals[out - 1] = (uint64_t)((int64_t)vals[out - 1] + (int64_t)v);
        } else {
            memcpy(rows + out * n, row, rb);
            vals[out++] = v;
            last_key = t.key[s];
        }
        if (--left[s] == 0) {
            t.done[s] = 1;
            t.key[s] = UINT64_MAX;
        } else {
            const int32_t *nx = row + n;
            if (row_cmp(row, nx, n) > 0) {
                rc = SF_EFORMAT; /* a source out of order */
                break;
            }
            t.cur[s] = nx;
            val[s] += sizeof(uint64_t);
            if (row_key(&t.key[s], nx, m, bits)) {
                rc = SF_EINDEX;
                break;
            }
        }
        /* replay the winner's path: it meets the losers stored on its way up */
        for (int i = (K + s) >> 1; i >= 1; i >>= 1) {
            if (lt_less(&t, tree[i], s)) {
                int x = tree[i];
                tree[i] = s;
                s = x;
            }
        }
        tree[0] = s;
    }
    *kout = out;
cleanup:
    free(tree);
    free(left);
    free(val);
    free(t.cur);
    free(t.key);
    free(t.done);
    return rc;
}

void sf_ngram_join_sorted(int64_t *pos, const int32_t *a, int64_t ka, const int32_t *b, int64_t kb, int n) {
    int64_t i = 0;
    for (int64_t j = 0; j < kb; j++) {
        const int32_t *row = b + j * n;
        while (i < ka && row_cmp(a + i * n, row, n) < 0) i++;
        pos[j] = (i < ka && row_cmp(a + i * n, row, n) == 0) ? i : -1;
    }
}
