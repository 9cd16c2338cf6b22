/* lm_hash.c: n-gram -> row index (see lm_hash.h). */
#include "lm_hash.h"

#include <stdlib.h>
#include <string.h>

uint64_t lm_hash_words(const int32_t *w, int n) {
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ (uint64_t)n;
    for (int i = 0; i < n; i++) {
        h ^= (uint32_t)w[i];
        h *= 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    /* final avalanche (murmur3 fmix64) so the low bits used as the slot depend on every word */
    h ^= h >> 33; h *= 0xc4ceb9fe1a85ec53ULL; h ^= h >> 33;
    return h;
}

int lm_index_build(lm_index *ix, const int32_t *grams, int64_t k, int n) {
    memset(ix, 0, sizeof(*ix));
    if (n < 1 || k < 0 || (k > 0 && !grams)) return SF_EVALUE;
    if (k > INT32_MAX) return SF_EOVERFLOW;
    uint64_t cap = 16;
    while (cap < (uint64_t)k * 2) cap <<= 1;
    int32_t *slots = (int32_t *)malloc(cap * sizeof(int32_t));
    if (!slots) return SF_ENOMEM;
    memset(slots, 0xff, cap * sizeof(int32_t));
    uint64_t mask = cap - 1;
    for (int64_t r = 0; r < k; r++) {
        const int32_t *w = grams + r * n;
        uint64_t s = lm_hash_words(w, n) & mask;
        for (;;) {
            int32_t o = slots[s];
            if (o < 0) { slots[s] = (int32_t)r; break; }
            if (memcmp(grams + (int64_t)o * n, w, (size_t)n * sizeof(int32_t)) == 0) {
                free(slots);
                return SF_EVALUE; /* duplicate row */
            }
            s = (s + 1) & mask;
        }
    }
    ix->grams = grams; ix->k = k; ix->n = n; ix->slots = slots; ix->mask = mask;
    return SF_OK;
}

void lm_index_free(lm_index *ix) {
    if (!ix) return;
    free(ix->slots);
    memset(ix, 0, sizeof(*ix));
}

int64_t lm_index_find(const lm_index *ix, const int32_t *words) {
    if (!ix->slots) return -1;
    const int n = ix->n;
    uint64_t s = lm_hash_words(words, n) & ix->mask;
    for (;;) {
        int32_t o = ix->slots[s];
        if (o < 0) return -1;
        if (memcmp(ix->grams + (int64_t)o * n, words, (size_t)n * sizeof(int32_t)) == 0) return o;
        s = (s + 1) & ix->mask;
    }
}

int lm_index_lookup_rows(int64_t *out, const lm_index *ix, const int32_t *rows, int64_t k, int stride,
                         int offset, int n_threads) {
    if (offset < 0 || offset + ix->n > stride) return SF_EVALUE;
    int64_t i;
#if SEQFAST_HAVE_OPENMP
#pragma omp parallel for schedule(static) num_threads(n_threads) if (k > 100000)
#endif
    for (i = 0; i < k; i++) out[i] = lm_index_find(ix, rows + i * stride + offset);
    return SF_OK;
}
