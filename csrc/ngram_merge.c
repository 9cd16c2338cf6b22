/* ngram_merge.c: combine rows of n-grams with counts into sorted distinct rows; check sorted arrays.
 * Input: grams (k, n) int32, counts (k,) int64. Output: sorted distinct grams with summed counts. */
#include "ngram_merge.h"

#include <stdlib.h>
#include <string.h>

#include "ngram_hash.h"

int sf_ngram_combine(int32_t *out_grams, int64_t *out_counts, int64_t *k_out,
                     const int32_t *grams, const int64_t *counts, int64_t k, int n, int32_t V) {
    *k_out = 0;
    if (n < 1 || n > SF_NGRAM_MAX_ORDER || V < 1 || k < 0) return SF_EVALUE;
    for (int64_t i = 0; i < k * n; i++)
        if (grams[i] < 0 || grams[i] >= V) return SF_EINDEX;
    for (int64_t i = 0; i < k; i++)
        if (counts[i] <= 0) return SF_EVALUE;
    if (k == 0) return SF_OK;
    const int b = sf_ngram_bits(V), W = sf_ngram_words(n, b), S = W + 1;
    uint64_t *recs = (uint64_t *)malloc((size_t)k * S * sizeof(uint64_t));
    if (!recs) return SF_ENOMEM;
    sf_ngrec_pack(recs, grams, counts, (size_t)k, n, b, W);
    if (sf_ngrec_sort(recs, (size_t)k, W, n * b) != SF_OK) {
        free(recs);
        return SF_ENOMEM;
    }
    int64_t m = 0;
    for (int64_t i = 0; i < k; i++) {
        const uint64_t *r = recs + (size_t)i * S;
        int64_t c = (int64_t)r[W];
        if (m > 0 && memcmp(recs + (size_t)(i - 1) * S, r, (size_t)W * sizeof(uint64_t)) == 0) {
            if (out_counts[m - 1] > INT64_MAX - c) {
                free(recs);
                return SF_EOVERFLOW;
            }
            out_counts[m - 1] += c;
            continue;
        }
        sf_ngrec_unpack(out_grams + (size_t)m * n, r, n, b);
        out_counts[m++] = c;
    }
    free(recs);
    *k_out = m;
    return SF_OK;
}

int sf_ngram_check_sorted(const int32_t *grams, const int64_t *counts, int64_t k, int n, int32_t V) {
    for (int64_t i = 0; i < k; i++) {
        const int32_t *row = grams + (size_t)i * n;
        for (int j = 0; j < n; j++)
            if (row[j] < 0 || row[j] >= V) return 1;
        if (counts[i] <= 0) return 2;
        if (i > 0) {
            const int32_t *prev = row - n;
            int j = 0;
            while (j < n && prev[j] == row[j]) j++;
            if (j == n || prev[j] > row[j]) return 3;
        }
    }
    return 0;
}

int64_t sf_ngram_format_tsv(char *buf, size_t cap, size_t *used, const char *pool, const int64_t *offs,
                            int32_t V, const int32_t *grams, const int64_t *counts, int64_t k, int n,
                            const int64_t *rows, int64_t m, int64_t start) {
    size_t u = 0;
    int64_t i = start;
    for (; i < m; i++) {
        int64_t r = rows[i];
        if (r < 0 || r >= k) return SF_EINDEX;
        const int32_t *g = grams + (size_t)r * n;
        size_t need = 22 + (size_t)n; /* count digits, tab, newline, spaces */
        for (int j = 0; j < n; j++) {
            if (g[j] < 0 || g[j] >= V) return SF_EINDEX;
            need += (size_t)(offs[g[j] + 1] - offs[g[j]]);
        }
        if (u + need > cap) break;
        for (int j = 0; j < n; j++) {
            size_t len = (size_t)(offs[g[j] + 1] - offs[g[j]]);
            if (j) buf[u++] = ' ';
            memcpy(buf + u, pool + offs[g[j]], len);
            u += len;
        }
        buf[u++] = '\t';
        char digits[24];
        int nd = 0;
        uint64_t c = counts[r] < 0 ? 0 : (uint64_t)counts[r];
        do {
            digits[nd++] = (char)('0' + c % 10);
            c /= 10;
        } while (c);
        while (nd) buf[u++] = digits[--nd];
        buf[u++] = '\n';
    }
    *used = u;
    return i;
}
