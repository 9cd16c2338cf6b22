/* ngram_runs.c: partition, merge and join sorted runs of n-grams (out-of-core build).
 * Input: rows of one order, (k, n) int32. Output: permutations and positions (int64), never the rows
 * themselves, so callers gather whatever arrays travel with the rows (counts, probabilities). */
#include "ngram_runs.h"

#include <stdlib.h>

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

/* heap of run indices keyed by the run's current row (then the run index) */
typedef struct {
    const int32_t *rows;
    const int64_t *pos;
    int n;
} merge_ctx;

static inline int head_less(const merge_ctx *m, int a, int b) {
    int c = row_cmp(m->rows + m->pos[a] * m->n, m->rows + m->pos[b] * m->n, m->n);
    return c < 0 || (c == 0 && a < b);
}

static void sift_down(const merge_ctx *m, int *heap, int size, int i) {
    for (;;) {
        int l = 2 * i + 1, r = l + 1, s = i;
        if (l < size && head_less(m, heap[l], heap[s])) s = l;
        if (r < size && head_less(m, heap[r], heap[s])) s = r;
        if (s == i) return;
        int t = heap[i];
        heap[i] = heap[s];
        heap[s] = t;
        i = s;
    }
}

int sf_ngram_merge_runs(int64_t *perm, const int32_t *rows, int64_t k, int n, const int64_t *starts, int P) {
    if (P < 1 || n < 1 || starts[0] != 0 || starts[P] != k) return SF_EVALUE;
    for (int r = 0; r < P; r++) {
        if (starts[r + 1] < starts[r]) return SF_EVALUE;
        for (int64_t i = starts[r] + 1; i < starts[r + 1]; i++)
            if (row_cmp(rows + (i - 1) * n, rows + i * n, n) > 0) return SF_EFORMAT;
    }
    int64_t *pos = (int64_t *)malloc((size_t)P * sizeof(int64_t));
    int *heap = (int *)malloc((size_t)P * sizeof(int));
    if (!pos || !heap) {
        free(pos);
        free(heap);
        return SF_ENOMEM;
    }
    merge_ctx m = {rows, pos, n};
    int size = 0;
    for (int r = 0; r < P; r++) {
        pos[r] = starts[r];
        if (starts[r + 1] > starts[r]) heap[size++] = r;
    }
    for (int i = size / 2 - 1; i >= 0; i--) sift_down(&m, heap, size, i);
    for (int64_t out = 0; out < k; out++) {
        int r = heap[0];
        perm[out] = pos[r]++;
        if (pos[r] == starts[r + 1]) heap[0] = heap[--size];
        if (size > 0) sift_down(&m, heap, size, 0);
    }
    free(pos);
    free(heap);
    return SF_OK;
}

void sf_ngram_join_sorted(int64_t *pos, const int32_t *a, int64_t ka, const int32_t *b, int64_t kb, int n) {
    int64_t i = 0;
    for (int64_t j = 0; j < kb; j++) {
        const int32_t *row = b + j * n;
        while (i < ka && row_cmp(a + i * n, row, n) < 0) i++;
        pos[j] = (i < ka && row_cmp(a + i * n, row, n) == 0) ? i : -1;
    }
}
