/* ngram_runs.c: partition, merge and join sorted runs of n-grams (out-of-core build).
 * Input: rows of one order, (k, n) int32. Output: permutations and positions (int64), so callers gather
 * whatever arrays travel with the rows, or (sf_ngram_merge_sources) the merged rows with one 8-byte value
 * each, written straight from the sources. */
#include "ngram_runs.h"

#include <stdlib.h>
#include <string.h>

static inline int row_cmp(const int32_t *a, const int32_t *b, int n) {
    for (int j = 0; j < n; j++)
        if (a[j] != b[j]) return a[j] < b[j] ? -1 : 1;
    return 0;
}

int sf_ngram_partition(int64_t *perm, int64_t *starts, const int32_t *grams, int64_t k, int n, int col, int P) {
    if (P < 1 || n < 1 || col < 0 || col >= n || k < 0) return SF_EVALUE;
    for (int p = 0; p <= P; p++) starts[p] = 0;
    for (int64_t i = 0; i < k; i++) {
        int32_t w = grams[i * n + col];
        if (w < 0) return SF_EINDEX;
        starts[w % P + 1]++;
    }
    for (int p = 0; p < P; p++) starts[p + 1] += starts[p];
    int64_t *next = (int64_t *)malloc((size_t)P * sizeof(int64_t));
    if (!next) return SF_ENOMEM;
    for (int p = 0; p < P; p++) next[p] = starts[p];
    for (int64_t i = 0; i < k; i++) perm[next[grams[i * n + col] % P]++] = i;
    free(next);
    return SF_OK;
}

/* heap of source indices keyed by the source's current row (then the source index) */
typedef struct {
    const int32_t *const *rows;
    const int64_t *pos;
    int n;
} src_ctx;

static inline int src_less(const src_ctx *m, int a, int b) {
    int c = row_cmp(m->rows[a] + m->pos[a] * m->n, m->rows[b] + m->pos[b] * m->n, m->n);
    return c < 0 || (c == 0 && a < b);
}

static void src_sift_down(const src_ctx *m, int *heap, int size, int i) {
    for (;;) {
        int l = 2 * i + 1, r = l + 1, s = i;
        if (l < size && src_less(m, heap[l], heap[s])) s = l;
        if (r < size && src_less(m, heap[r], heap[s])) s = r;
        if (s == i) return;
        int t = heap[i];
        heap[i] = heap[s];
        heap[s] = t;
        i = s;
    }
}

int sf_ngram_merge_sources(int32_t *rows, uint64_t *vals, int64_t *kout, const int32_t *const *src_rows,
                           const uint64_t *const *src_vals, const int64_t *k_src, int n, int P, int add) {
    *kout = 0;
    if (P < 1 || n < 1) return SF_EVALUE;
    for (int r = 0; r < P; r++)
        if (k_src[r] < 0) return SF_EVALUE;
    int64_t *pos = (int64_t *)malloc((size_t)P * sizeof(int64_t));
    int *heap = (int *)malloc((size_t)P * sizeof(int));
    if (!pos || !heap) {
        free(pos);
        free(heap);
        return SF_ENOMEM;
    }
    src_ctx m = {src_rows, pos, n};
    int size = 0;
    for (int r = 0; r < P; r++) {
        pos[r] = 0;
        if (k_src[r] > 0) heap[size++] = r;
    }
    for (int i = size / 2 - 1; i >= 0; i--) src_sift_down(&m, heap, size, i);
    int64_t out = 0;
    int rc = SF_OK;
    const size_t rb = (size_t)n * sizeof(int32_t);
    while (size > 0) {
        int r = heap[0];
        const int32_t *row = src_rows[r] + pos[r] * n;
        uint64_t v; /* a mapped source's values need not be 8-byte aligned */
        memcpy(&v, (const unsigned char *)src_vals[r] + (size_t)pos[r] * sizeof(uint64_t), sizeof v);
        if (add && out > 0 && row_cmp(rows + (out - 1) * n, row, n) == 0) {
            vals[out - 1] = (uint64_t)((int64_t)vals[out - 1] + (int64_t)v);
        } else {
            memcpy(rows + out * n, row, rb);
            vals[out++] = v;
        }
        if (++pos[r] == k_src[r]) {
            heap[0] = heap[--size];
        } else if (row_cmp(row, row + n, n) > 0) {
            rc = SF_EFORMAT; /* a source out of order */
            break;
        }
        if (size > 0) src_sift_down(&m, heap, size, 0);
    }
    *kout = out;
    free(pos);
    free(heap);
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
