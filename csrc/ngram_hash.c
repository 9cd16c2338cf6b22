/* ngram_hash.c: packed-key count tables and the radix sort of records (see ngram_hash.h).
 * Input: packed keys and counts. Output: a table of distinct keys with summed counts; sorted record arrays. */
#include "ngram_hash.h"

#include <stdlib.h>
#include <string.h>

int sf_ngram_bits(int32_t V) {
    int b = 1;
    while (b < 31 && ((int64_t)1 << b) < (int64_t)V) b++;
    return b;
}

static inline uint64_t key_hash(const uint64_t *key, int W) {
    uint64_t h = key[0];
    for (int i = 1; i < W; i++) h = sf_mix64(h) ^ key[i];
    return sf_mix64(h);
}

uint64_t sf_ngkey_hash(const uint64_t *key, int W) { return key_hash(key, W); }

static inline int key_eq(const uint64_t *a, const uint64_t *b, int W) {
    for (int i = 0; i < W; i++)
        if (a[i] != b[i]) return 0;
    return 1;
}

int sf_ngtab_init(sf_ngtab *t, int W, size_t cap_hint) {
    size_t cap = 256;
    while (cap < cap_hint) cap <<= 1;
    t->W = W;
    t->cap = cap;
    t->n = 0;
    t->slots = (uint64_t *)calloc(cap * (size_t)(W + 1), sizeof(uint64_t));
    return t->slots ? SF_OK : SF_ENOMEM;
}

void sf_ngtab_free(sf_ngtab *t) {
    free(t->slots);
    t->slots = NULL;
    t->cap = t->n = 0;
}

static int grow(sf_ngtab *t) {
    const int W = t->W, S = W + 1;
    size_t cap = t->cap * 2, mask = cap - 1;
    uint64_t *slots = (uint64_t *)calloc(cap * (size_t)S, sizeof(uint64_t));
    if (!slots) return SF_ENOMEM;
    for (size_t i = 0; i < t->cap; i++) {
        const uint64_t *r = t->slots + i * S;
        if (!r[W]) continue;
        size_t j = key_hash(r, W) & mask;
        while (slots[j * S + W]) j = (j + 1) & mask;
        memcpy(slots + j * S, r, (size_t)S * sizeof(uint64_t));
    }
    free(t->slots);
    t->slots = slots;
    t->cap = cap;
    return SF_OK;
}

int sf_ngtab_add(sf_ngtab *t, const uint64_t *key, int64_t c) { return sf_ngtab_add_h(t, key, key_hash(key, t->W), c); }

int sf_ngtab_add_h(sf_ngtab *t, const uint64_t *key, uint64_t h, int64_t c) {
    const int W = t->W, S = W + 1;
    if ((t->n + 1) * 4 > t->cap * 3 && grow(t) != SF_OK) return SF_ENOMEM;
    size_t mask = t->cap - 1;
    size_t i = h & mask;
    for (;;) {
        uint64_t *r = t->slots + i * S;
        if (!r[W]) {
            memcpy(r, key, (size_t)W * sizeof(uint64_t));
            r[W] = (uint64_t)c;
            t->n++;
            return SF_OK;
        }
        if (key_eq(r, key, W)) {
            r[W] += (uint64_t)c;
            return SF_OK;
        }
        i = (i + 1) & mask;
    }
}

size_t sf_ngtab_compact(sf_ngtab *t) {
    const int S = t->W + 1;
    size_t k = 0;
    for (size_t i = 0; i < t->cap; i++) {
        uint64_t *r = t->slots + i * S;
        if (!r[t->W]) continue;
        if (k != i) memcpy(t->slots + k * S, r, (size_t)S * sizeof(uint64_t)); /* k < i: no overlap */
        k++;
    }
    return k;
}

#define RADIX_BITS 11
#define RADIX (1 << RADIX_BITS)
#define MSD_MIN (1 << 15) /* records: above this a range is split MSD-first (LSD passes stay in cache) */

static inline int rec_less(const uint64_t *a, const uint64_t *b, int W) {
    for (int w = 0; w < W; w++)
        if (a[w] != b[w]) return a[w] < b[w];
    return 0;
}

/* Copy one record of S words (inline: a libc memcpy call per 16-byte record costs more than the copy). */
static inline void rec_copy(uint64_t *dst, const uint64_t *src, int S) {
    for (int w = 0; w < S; w++) dst[w] = src[w];
}

/* Insertion sort of k records (small k), tmp holds one record. */
static void insertion_sort(uint64_t *recs, uint64_t *tmp, size_t k, int S, int W) {
    for (size_t i = 1; i < k; i++) {
        rec_copy(tmp, recs + i * S, S);
        size_t j = i;
        while (j > 0 && rec_less(tmp, recs + (j - 1) * S, W)) {
            rec_copy(recs + j * S, recs + (j - 1) * S, S);
            j--;
        }
        rec_copy(recs + j * S, tmp, S);
    }
}

/* Stable merge sort for mid-sized ranges, where the 2^11-entry histograms of radix passes cost more than
 * the records themselves; tmp holds k records. */
static void merge_sort(uint64_t *recs, uint64_t *tmp, size_t k, int S, int W) {
    if (k <= 16) {
        insertion_sort(recs, tmp, k, S, W);
        return;
    }
    size_t h = k / 2;
    merge_sort(recs, tmp, h, S, W);
    merge_sort(recs + h * S, tmp, k - h, S, W);
    if (!rec_less(recs + h * S, recs + (h - 1) * S, W)) return; /* already in order */
    memcpy(tmp, recs, k * (size_t)S * sizeof(uint64_t));
    size_t i = 0, j = h, o = 0;
    while (i < h && j < k) {
        const uint64_t *x = tmp + i * S, *y = tmp + j * S;
        if (rec_less(y, x, W)) { rec_copy(recs + o * S, y, S); j++; }
        else { rec_copy(recs + o * S, x, S); i++; }
        o++;
    }
    if (i < h) memcpy(recs + o * S, tmp + i * S, (h - i) * (size_t)S * sizeof(uint64_t));
    else if (j < k) memcpy(recs + o * S, tmp + j * S, (k - j) * (size_t)S * sizeof(uint64_t));
}

void sf_ngrec_sort_bits(uint64_t *recs, uint64_t *tmp, size_t *hist, size_t k, int S, int top, int nbits) {
    if (k < 2) return;
    if (k <= 1024) {
        merge_sort(recs, tmp, k, S, nbits > 0 ? (nbits + 63) / 64 : 1);
        return;
    }
    if (k > MSD_MIN && nbits - top > RADIX_BITS) {
        /* too big for the cache: split by the most significant remaining digit and recurse */
        size_t *start = (size_t *)malloc((RADIX + 1) * sizeof(size_t));
        if (start) {
            memset(start, 0, (RADIX + 1) * sizeof(size_t));
            for (size_t i = 0; i < k; i++) start[sf_ngkey_bits(recs + i * S, top, RADIX_BITS) + 1]++;
            for (int d = 0; d < RADIX; d++) start[d + 1] += start[d];
            memcpy(hist, start, RADIX * sizeof(size_t));
            for (size_t i = 0; i < k; i++) {
                const uint64_t *r = recs + i * S;
                rec_copy(tmp + (size_t)S * hist[sf_ngkey_bits(r, top, RADIX_BITS)]++, r, S);
            }
            for (int d = 0; d < RADIX; d++) {
                size_t a = start[d], kd = start[d + 1] - a;
                sf_ngrec_sort_bits(tmp + a * S, recs + a * S, hist, kd, S, top + RADIX_BITS, nbits);
            }
            memcpy(recs, tmp, k * (size_t)S * sizeof(uint64_t));
            free(start);
            return;
        } /* out of memory for the offsets: fall through to the LSD passes, which need none */
    }
    uint64_t *src = recs, *dst = tmp;
    /* least significant digit first: a digit covers bits [end - len, end) counted from the top */
    for (int end = nbits; end > top; end -= RADIX_BITS) {
        int len = end - top < RADIX_BITS ? end - top : RADIX_BITS, start = end - len;
        memset(hist, 0, RADIX * sizeof(size_t));
        for (size_t i = 0; i < k; i++) hist[sf_ngkey_bits(src + i * S, start, len)]++;
        int trivial = 0;
        for (int d = 0; d < RADIX; d++)
            if (hist[d] == k) trivial = 1;
        if (trivial) continue; /* every key has the same digit here */
        size_t sum = 0;
        for (int d = 0; d < RADIX; d++) {
            size_t h = hist[d];
            hist[d] = sum;
            sum += h;
        }
        if (S == 2) {
            for (size_t i = 0; i < k; i++) {
                const uint64_t *r = src + 2 * i;
                uint64_t *o = dst + 2 * hist[sf_ngkey_bits(r, start, len)]++;
                o[0] = r[0];
                o[1] = r[1];
            }
        } else if (S == 1) {
            for (size_t i = 0; i < k; i++) dst[hist[sf_ngkey_bits(src + i, start, len)]++] = src[i];
        } else {
            for (size_t i = 0; i < k; i++) {
                const uint64_t *r = src + i * S;
                rec_copy(dst + (size_t)S * hist[sf_ngkey_bits(r, start, len)]++, r, S);
            }
        }
        uint64_t *x = src;
        src = dst;
        dst = x;
    }
    if (src != recs) memcpy(recs, src, k * (size_t)S * sizeof(uint64_t));
}

int sf_ngrec_sort(uint64_t *recs, size_t k, int W, int nbits) {
    if (k < 2) return SF_OK;
    const int S = W + 1;
    uint64_t *tmp = (uint64_t *)malloc(k * (size_t)S * sizeof(uint64_t));
    size_t *hist = (size_t *)malloc(RADIX * sizeof(size_t));
    if (!tmp || !hist) {
        free(tmp);
        free(hist);
        return SF_ENOMEM;
    }
    sf_ngrec_sort_bits(recs, tmp, hist, k, S, 0, nbits);
    free(tmp);
    free(hist);
    return SF_OK;
}

void sf_ngrec_pack(uint64_t *recs, const int32_t *grams, const int64_t *counts, size_t k, int n, int b, int W) {
    const int S = W + 1;
    for (size_t i = 0; i < k; i++) {
        uint64_t *r = recs + i * S;
        memset(r, 0, (size_t)W * sizeof(uint64_t));
        for (int j = 0; j < n; j++) sf_ngkey_put(r, j, b, (uint32_t)grams[i * (size_t)n + j]);
        r[W] = (uint64_t)counts[i];
    }
}
