/* ngram_sortcount.c: all orders 1..N in one pass by sorting (see sf_ngram_count_sorted in ngram_count.h).
 * Input: ids (T,) int32 with -1 line breaks. Output: per order, sorted distinct n-grams and int64 counts. */
#include <stdlib.h>
#include <string.h>

#include "ngram_count.h"

/* Number of ids in a key (ids + 1 are never 0, absent ones are), from the position of its last set bit;
 * ceil_div[p] = ceil(p / bk) (a table: an integer division per key per order costs more than the scan). */
static inline int key_len(const uint64_t *key, int W, const uint8_t *ceil_div) {
    int w = W - 1;
    while (w > 0 && !key[w]) w--;
    return ceil_div[64 * w + (64 - __builtin_ctzll(key[w]))]; /* key[0] != 0: the first id is always there */
}

/* Leading ids two keys share (N when equal); floor_div[p] = min(p / bk, N). */
static inline int key_lcp(const uint64_t *a, const uint64_t *b, int W, const uint8_t *floor_div, int N) {
    for (int w = 0; w < W; w++) {
        uint64_t d = a[w] ^ b[w];
        if (d) return floor_div[64 * w + __builtin_clzll(d)];
    }
    return N;
}

static inline int64_t slice(int64_t K, int t, int nt) { return (int64_t)((__int128)K * t / nt); }

int sf_ngram_count_sorted(sf_ngcounter **out, const int32_t *ids, int64_t T, int32_t V, int N, int n_threads,
                          int64_t min_per_thread) {
    *out = NULL;
    if (N < 1 || N > SF_NGRAM_MAX_ORDER || V < 1 || V == INT32_MAX || T < 0) return SF_EVALUE;
    for (int64_t i = 0; i < T; i++)
        if (ids[i] < -1 || ids[i] >= V) return SF_EINDEX;
    int nt = sf_resolve_threads(n_threads);
    if (nt < 1) nt = 1;
    if (nt > 256) nt = 256;
    if (min_per_thread < 1) min_per_thread = 1;
    if ((int64_t)nt > 1 + T / min_per_thread) nt = (int)(1 + T / min_per_thread);
    sf_ngcounter *c = (sf_ngcounter *)calloc(1, sizeof(*c));
    if (!c) return SF_ENOMEM;
    c->N = N;
    c->V = V;
    c->nt = nt;
    c->bk = sf_ngram_bits(V + 1);
    c->b = c->bk;
    const int W = c->Wk = sf_ngram_words(N, c->bk), bk = c->bk, nbits = N * bk;
    c->k = (size_t *)calloc((size_t)N, sizeof(size_t));
    c->kk = (int64_t *)calloc((size_t)nt * (N + 1), sizeof(int64_t));
    int64_t *cnt = (int64_t *)calloc((size_t)nt + 1, sizeof(int64_t));
    if (!c->k || !c->kk || !cnt) {
        free(cnt);
        sf_ngram_free(c);
        return SF_ENOMEM;
    }
    /* 1. keys of every position holding a token, in parallel slices of the stream */
#if SEQFAST_HAVE_OPENMP
#pragma omp parallel for num_threads(nt) schedule(static, 1)
#endif
    for (int t = 0; t < nt; t++) {
        int64_t a = slice(T, t, nt), b = slice(T, t + 1, nt), n = 0;
        for (int64_t i = a; i < b; i++) n += ids[i] >= 0;
        cnt[t + 1] = n;
    }
    for (int t = 0; t < nt; t++) cnt[t + 1] += cnt[t];
    const int64_t K = c->K = cnt[nt];
    uint64_t *keys = (uint64_t *)malloc((size_t)(K ? K : 1) * W * sizeof(uint64_t));
    uint64_t *tmp = (uint64_t *)malloc((size_t)(K ? K : 1) * W * sizeof(uint64_t));
    const int top = nbits < SF_RADIX_BITS ? nbits : SF_RADIX_BITS, R = 1 << top;
    size_t *hist = (size_t *)calloc((size_t)nt * R + R + 1, sizeof(size_t));
    if (!keys || !tmp || !hist) {
        free(keys);
        free(tmp);
        free(hist);
        free(cnt);
        sf_ngram_free(c);
        return SF_ENOMEM;
    }
    c->table_bytes = 2 * (size_t)K * W * sizeof(uint64_t);
#if SEQFAST_HAVE_OPENMP
#pragma omp parallel for num_threads(nt) schedule(static, 1)
#endif
    for (int t = 0; t < nt; t++) {
        int64_t a = slice(T, t, nt), b = slice(T, t + 1, nt), o = cnt[t];
        size_t *h = hist + (size_t)t * R;
        for (int64_t i = a; i < b; i++) {
            if (ids[i] < 0) continue;
            uint64_t *key = keys + (size_t)o * W;
            for (int w = 0; w < W; w++) key[w] = 0;
            for (int j = 0; j < N && i + j < T && ids[i + j] >= 0; j++)
                sf_ngkey_put(key, j, bk, (uint32_t)ids[i + j] + 1u);
            h[sf_ngkey_bits(key, 0, top)]++;
            o++;
        }
    }
    /* 2. MSD pass on the top bits into tmp: bucket-major, slice-minor offsets keep it stable */
    size_t *start = hist + (size_t)nt * R; /* (R + 1,) bucket starts */
    size_t sum = 0;
    for (int d = 0; d < R; d++) {
        start[d] = sum;
        for (int t = 0; t < nt; t++) {
            size_t h = hist[(size_t)t * R + d];
            hist[(size_t)t * R + d] = sum;
            sum += h;
        }
    }
    start[R] = sum;
#if SEQFAST_HAVE_OPENMP
#pragma omp parallel for num_threads(nt) schedule(static, 1)
#endif
    for (int t = 0; t < nt; t++) {
        size_t *h = hist + (size_t)t * R;
        for (int64_t j = cnt[t]; j < cnt[t + 1]; j++) {
            const uint64_t *key = keys + (size_t)j * W;
            uint64_t *o = tmp + (size_t)W * h[sf_ngkey_bits(key, 0, top)]++;
            for (int w = 0; w < W; w++) o[w] = key[w];
        }
    }
    free(cnt);
    /* 3. each bucket sorted by the remaining bits (in cache for all but huge buckets), keys as scratch */
    int status = SF_OK;
#if SEQFAST_HAVE_OPENMP
#pragma omp parallel num_threads(nt)
#endif
    {
        size_t *h = (size_t *)malloc((1u << SF_RADIX_BITS) * sizeof(size_t));
        if (!h) {
#if SEQFAST_HAVE_OPENMP
#pragma omp critical(sf_ngram_status)
#endif
            status = SF_ENOMEM;
        }
#if SEQFAST_HAVE_OPENMP
#pragma omp for schedule(dynamic, 8)
#endif
        for (int d = 0; d < R; d++) {
            size_t a = start[d], k = start[d + 1] - a;
            if (h && k > 1) sf_ngrec_sort_bits(tmp + a * W, keys + a * W, h, k, W, top, nbits);
        }
        free(h);
    }
    free(hist);
    free(keys);
    if (status != SF_OK) {
        free(tmp);
        sf_ngram_free(c);
        return status;
    }
    c->keys = tmp;
    /* 4. per key: its length and the ids it shares with the key before it; a key starts a new n-gram of
     * order n when it has n ids and shares fewer than n (equal n-prefixes are contiguous in sorted order) */
    c->len = (uint8_t *)malloc((size_t)(K ? K : 1));
    c->lcp = (uint8_t *)malloc((size_t)(K ? K : 1));
    if (!c->len || !c->lcp) {
        sf_ngram_free(c);
        return SF_ENOMEM;
    }
    uint8_t ceil_div[64 * SF_NGRAM_MAX_WORDS + 1], floor_div[64 * SF_NGRAM_MAX_WORDS + 1];
    for (int p = 0; p <= 64 * SF_NGRAM_MAX_WORDS; p++) {
        int f = p / bk;
        floor_div[p] = (uint8_t)(f < N ? f : N);
        ceil_div[p] = (uint8_t)((p + bk - 1) / bk);
    }
#if SEQFAST_HAVE_OPENMP
#pragma omp parallel for num_threads(nt) schedule(static, 1)
#endif
    for (int t = 0; t < nt; t++) {
        int64_t *kk = c->kk + (size_t)t * (N + 1);
        for (int64_t j = slice(K, t, nt); j < slice(K, t + 1, nt); j++) {
            const uint64_t *key = c->keys + (size_t)j * W;
            int m = key_len(key, W, ceil_div), l = j ? key_lcp(key, key - W, W, floor_div, N) : 0;
            c->len[j] = (uint8_t)m;
            c->lcp[j] = (uint8_t)l;
            for (int n = l + 1; n <= m; n++) kk[n]++;
        }
    }
    for (int t = 0; t < nt; t++)
        for (int n = 1; n <= N; n++) c->k[n - 1] += (size_t)c->kk[(size_t)t * (N + 1) + n];
    *out = c;
    return SF_OK;
}

int sf_ngram_export_sorted(const sf_ngcounter *c, int n, int32_t *grams, int64_t *counts) {
    const int nt = c->nt, W = c->Wk, bk = c->bk, N = c->N;
    const int64_t K = c->K;
#if SEQFAST_HAVE_OPENMP
#pragma omp parallel for num_threads(nt) schedule(static, 1)
#endif
    for (int t = 0; t < nt; t++) {
        int64_t out = 0, b = slice(K, t + 1, nt);
        for (int u = 0; u < t; u++) out += c->kk[(size_t)u * (N + 1) + n];
        int started = 0;
        /* n-grams starting in our slice; the last one may run on past its end */
        for (int64_t j = slice(K, t, nt); j < K; j++) {
            int m = c->len[j], l = c->lcp[j];
            int cont = m >= n && l >= n;
            if (j >= b && !cont) break;
            if (m < n) continue;
            if (cont) {
                if (started) counts[out]++; /* else: the previous slice's n-gram */
                continue;
            }
            if (started) out++;
            started = 1;
            const uint64_t *key = c->keys + (size_t)j * W;
            int32_t *row = grams + (size_t)out * n;
            for (int i = 0; i < n; i++) row[i] = (int32_t)sf_ngkey_get(key, i, bk) - 1;
            counts[out] = 1;
        }
    }
    return SF_OK;
}
