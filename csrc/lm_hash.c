/* lm_hash.c: n-gram -> row index (see lm_hash.h). */
#include "lm_hash.h"

#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#define LM_PREFETCH(p) __builtin_prefetch(p)
#define LM_HAVE_CAS 1
#else
#define LM_PREFETCH(p) ((void)0)
#define LM_HAVE_CAS 0
#endif

uint64_t lm_hash_words(const int32_t *w, int n) {
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ (uint64_t)n;
    for (int i = 0; i < n; i++) {
        h ^= (uint32_t)w[i];
        h *= 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    return sf_mix64(h); /* the low bits used as the slot depend on every word */
}

/* Empty slot array for k rows (at most half full); SF_* code on bad sizes or no memory. */
static int alloc_slots(lm_index *ix, const int32_t *grams, int64_t k, int n, int32_t **slots, uint64_t *mask) {
    memset(ix, 0, sizeof(*ix));
    if (n < 1 || k < 0 || (k > 0 && !grams)) return SF_EVALUE;
    if (k > INT32_MAX) return SF_EOVERFLOW;
    uint64_t cap = 16;
    while (cap < (uint64_t)k * 2) cap <<= 1;
    *slots = (int32_t *)malloc(cap * sizeof(int32_t));
    if (!*slots) return SF_ENOMEM;
    memset(*slots, 0xff, cap * sizeof(int32_t));
    *mask = cap - 1;
    return SF_OK;
}

int lm_index_build(lm_index *ix, const int32_t *grams, int64_t k, int n) {
    int32_t *slots;
    uint64_t mask;
    int rc = alloc_slots(ix, grams, k, n, &slots, &mask);
    if (rc != SF_OK) return rc;
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

static int cmp_words(const int32_t *a, const int32_t *b, int n) {
    for (int j = 0; j < n; j++)
        if (a[j] != b[j]) return a[j] < b[j] ? -1 : 1;
    return 0;
}

int lm_rows_sorted(const int32_t *grams, int64_t k, int n, int n_threads) {
    int bad = 0;
    int64_t r;
SF_OMP(parallel for schedule(static) num_threads(n_threads) reduction(|:bad) if (k > 1000000))
    for (r = 1; r < k; r++)
        if (cmp_words(grams + (r - 1) * n, grams + r * n, n) >= 0) bad = 1;
    return !bad;
}

int lm_prefix_rows(int64_t *out, const int32_t *grams, int64_t k, int n, const int32_t *lower, int64_t k_lo,
                   int n_threads) {
    if (n < 2) return SF_EVALUE;
    const int m = n - 1;
    int bad = 0;
    int64_t c, chunk = 1 << 16, nchunks = (k + chunk - 1) / chunk;
    /* chunks of rows merge independently: each finds its start in lower by bisection */
SF_OMP(parallel for schedule(dynamic, 1) num_threads(n_threads) reduction(|:bad))
    for (c = 0; c < nchunks; c++) {
        int64_t r0 = c * chunk, r1 = r0 + chunk < k ? r0 + chunk : k;
        int64_t lo = 0, hi = k_lo;
        while (lo < hi) {
            int64_t mid = lo + (hi - lo) / 2;
            if (cmp_words(lower + mid * m, grams + r0 * n, m) < 0) lo = mid + 1;
            else hi = mid;
        }
        int64_t j = lo;
        for (int64_t r = r0; r < r1; r++) {
            const int32_t *p = grams + r * n;
            while (j < k_lo && cmp_words(lower + j * m, p, m) < 0) j++;
            if (j == k_lo || cmp_words(lower + j * m, p, m) != 0) { bad = 1; out[r] = -1; continue; }
            out[r] = j;
        }
    }
    return bad ? SF_EFORMAT : SF_OK;
}

int lm_index_build_distinct(lm_index *ix, const int32_t *grams, int64_t k, int n, int n_threads) {
#if !LM_HAVE_CAS
    return lm_index_build(ix, grams, k, n);
#endif
    int32_t *slots;
    uint64_t mask;
    int rc = alloc_slots(ix, grams, k, n, &slots, &mask);
    if (rc != SF_OK) return rc;
    int64_t r;
SF_OMP(parallel for schedule(static) num_threads(n_threads) if (k > 100000))
    for (r = 0; r < k; r++) {
        uint64_t s = lm_hash_words(grams + r * n, n) & mask;
        for (;;) {
            int32_t expected = -1;
            if (__atomic_load_n(&slots[s], __ATOMIC_RELAXED) < 0 &&
                __atomic_compare_exchange_n(&slots[s], &expected, (int32_t)r, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
                break;
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
    if (!ix->slots) {
        for (int64_t i = 0; i < k; i++) out[i] = -1;
        return SF_OK;
    }
    const int n = ix->n;
    int64_t b;
    /* blocks of 16 rows: hash all, prefetch their slots, then probe; hides most of the cache misses */
SF_OMP(parallel for schedule(static) num_threads(n_threads) if (k > 100000))
    for (b = 0; b < (k + 15) / 16; b++) {
        uint64_t h[16];
        int64_t i0 = b * 16, i1 = i0 + 16 < k ? i0 + 16 : k;
        for (int64_t i = i0; i < i1; i++) {
            h[i - i0] = lm_hash_words(rows + i * stride + offset, n) & ix->mask;
            LM_PREFETCH(&ix->slots[h[i - i0]]);
        }
        for (int64_t i = i0; i < i1; i++) {
            const int32_t *w = rows + i * stride + offset;
            uint64_t s = h[i - i0];
            int64_t found = -1;
            for (;;) {
                int32_t o = ix->slots[s];
                if (o < 0) break;
                if (memcmp(ix->grams + (int64_t)o * n, w, (size_t)n * sizeof(int32_t)) == 0) { found = o; break; }
                s = (s + 1) & ix->mask;
            }
            out[i] = found;
        }
    }
    return SF_OK;
}
