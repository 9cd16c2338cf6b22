/* ngram_sortcount.c: all orders 1..N in one pass by sorting (see sf_ngram_count_sorted in ngram_count.h).
 * Input: ids (T,) int32 with -1 line breaks. Output: per order, sorted distinct n-grams and int64 counts.
 *
 * Layout: the positions are bucketed by their first id (a counting sort: bucket v holds the positions whose
 * id is v, in stream order), and each position stores only its "rest" key: the next N-1 ids (+ 1, 0 when
 * absent) packed in Wr words. Each bucket is then radix sorted (in cache for all but the most frequent ids,
 * buckets in parallel), and the n-grams of order n are the runs of keys that share their first n-1 rest ids
 * within a bucket. An n-gram never spans buckets, so the work is cut into chunks of whole buckets (about K / nc
 * keys each) that threads take one at a time (frequent ids' buckets cost more per key to sort, rare ones more
 * per key to export); each chunk's n-gram counts per order place its rows in the export, so the result does
 * not depend on the chunks or the threads. */
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "ngram_count.h"

/* Number of ids in a rest key, from the position of its last set bit (0 for an all-zero key);
 * ceil_div[p] = ceil(p / bk) (a table: an integer division per key costs more than the rest of the scan). */
static inline int key_len(const uint64_t *key, int W, const uint8_t *ceil_div) {
    int w = W - 1;
    while (w > 0 && !key[w]) w--;
    if (!key[w]) return 0;
    return ceil_div[64 * w + (64 - __builtin_ctzll(key[w]))];
}

/* Leading ids two rest keys share (R = N - 1 when equal); floor_div[p] = min(p / bk, R). */
static inline int key_lcp(const uint64_t *a, const uint64_t *b, int W, const uint8_t *floor_div, int R) {
    for (int w = 0; w < W; w++) {
        uint64_t d = a[w] ^ b[w];
        if (d) return floor_div[64 * w + __builtin_clzll(d)];
    }
    return R;
}

/* malloc for the keys: on Linux, 2 MB aligned and advised onto transparent huge pages (the scatter writes them
 * in random order: with 4 KB pages nearly every store would also miss the TLB, and fault a page in). free()
 * releases it. */
static void *keys_alloc(size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (bytes >= ((size_t)4 << 20)) {
        void *p = NULL;
        if (posix_memalign(&p, (size_t)2 << 20, bytes) != 0) return NULL;
        (void)madvise(p, bytes, MADV_HUGEPAGE); /* advice only: without huge pages the keys work all the same */
        return p;
    }
#endif
    return malloc(bytes);
}

/* Give the whole 2 MB pages inside keys [a, e) (words) back to the system: they read as zeros afterwards. Only
 * for keys from keys_alloc's huge-page path (2 MB aligned); elsewhere a no-op. */
static void keys_release(uint64_t *keys, size_t total_words, size_t a, size_t e) {
#if defined(__linux__) && defined(MADV_DONTNEED)
    const uintptr_t huge = (uintptr_t)2 << 20;
    if (total_words * sizeof(uint64_t) < ((size_t)4 << 20) || ((uintptr_t)keys & (huge - 1))) return;
    uintptr_t lo = ((uintptr_t)(keys + a) + huge - 1) & ~(huge - 1), hi = (uintptr_t)(keys + e) & ~(huge - 1);
    if (lo < hi) (void)madvise((void *)lo, hi - lo, MADV_DONTNEED);
#else
    (void)keys;
    (void)total_words;
    (void)a;
    (void)e;
#endif
}

/* Key j of a bucket (first: the bucket's first key): *m = ids of the longest n-gram starting there (1 + its
 * rest ids; at most hi), *l = leading ids it shares with the key before it (0 for the first); returns the key. */
static inline const uint64_t *key_run(const uint64_t *keys, int64_t j, int first, int W, int R, int hi,
                                      const uint8_t *ceil_div, const uint8_t *floor_div, int *m, int *l) {
    const uint64_t *key = keys + (size_t)j * W;
    *m = 1 + (R > 0 ? key_len(key, W, ceil_div) : 0);
    if (*m > hi) *m = hi;
    *l = first ? 0 : 1 + (R > 0 ? key_lcp(key, key - W, W, floor_div, R) : 0);
    return key;
}

/* Chunks per thread: enough for the threads that take them one at a time to finish together. */
#define CHUNKS_PER_THREAD 8
/* Fewest keys in a chunk (smaller chunks cost more to schedule than they balance; 8 MB of one-word keys). */
#define CHUNK_MIN_KEYS ((int64_t)1 << 20)

/* The tables of key_len and key_lcp for ids of bk bits and rest keys of R ids. */
static void div_tables(uint8_t *ceil_div, uint8_t *floor_div, int bk, int R) {
    for (int p = 0; p <= 64 * SF_NGRAM_MAX_WORDS; p++) {
        int f = p / bk;
        floor_div[p] = (uint8_t)(f < R ? f : R);
        ceil_div[p] = (uint8_t)((p + bk - 1) / bk);
    }
}

/* Sort k one-word keys by their top nbits bits (the rest are zero), ascending. tmp: k words of scratch; hist:
 * SORT64_HIST counters. Ranges of more than SORT64_MSD keys are split by their top SORT64_BITS bits and the parts
 * sorted alone (in cache); smaller ones get LSD passes of SORT64_BITS bits whose histograms are all counted in
 * one read of the keys, digits every key shares skipped; the smallest, insertion sort. */
#define SORT64_BITS 8
#define SORT64_RADIX (1 << SORT64_BITS)
#define SORT64_DIGITS (64 / SORT64_BITS)
#define SORT64_HIST (SORT64_DIGITS * SORT64_RADIX)
#define SORT64_MSD (1 << 16)
#define SORT64_SMALL 48
static void sort64(uint64_t *a, uint64_t *tmp, size_t k, int top, int nbits, uint32_t *hist) {
    if (k < 2 || nbits <= top) return;
    if (k <= SORT64_SMALL) {
        for (size_t i = 1; i < k; i++) {
            const uint64_t x = a[i];
            size_t j = i;
            for (; j > 0 && a[j - 1] > x; j--) a[j] = a[j - 1];
            a[j] = x;
        }
        return;
    }
    if (k > SORT64_MSD && nbits - top > SORT64_BITS) {
        size_t start[SORT64_RADIX + 1] = {0}, pos[SORT64_RADIX];
        const int sh = 64 - top - SORT64_BITS;
        for (size_t i = 0; i < k; i++) start[((a[i] >> sh) & (SORT64_RADIX - 1)) + 1]++;
        for (int d = 0; d < SORT64_RADIX; d++) start[d + 1] += start[d];
        memcpy(pos, start, sizeof(pos));
        for (size_t i = 0; i < k; i++) tmp[pos[(a[i] >> sh) & (SORT64_RADIX - 1)]++] = a[i];
        memcpy(a, tmp, k * sizeof(uint64_t));
        for (int d = 0; d < SORT64_RADIX; d++)
            sort64(a + start[d], tmp + start[d], start[d + 1] - start[d], top + SORT64_BITS, nbits, hist);
        return;
    }
    /* digits of bits [top, nbits): digit q covers shifts sh(q) = 64 - top - (q + 1) * SORT64_BITS (clamped) */
    const int nd = (nbits - top + SORT64_BITS - 1) / SORT64_BITS;
    memset(hist, 0, (size_t)nd * SORT64_RADIX * sizeof(uint32_t));
    const int low = 64 - nbits; /* bits below the key: zero */
    for (size_t i = 0; i < k; i++) {
        const uint64_t x = a[i] >> low;
        for (int q = 0; q < nd; q++) hist[q * SORT64_RADIX + ((x >> (q * SORT64_BITS)) & (SORT64_RADIX - 1))]++;
    }
    uint64_t *src = a, *dst = tmp;
    for (int q = 0; q < nd; q++) { /* least significant digit first */
        uint32_t *h = hist + q * SORT64_RADIX;
        const int sh = low + q * SORT64_BITS;
        if (h[(src[0] >> sh) & (SORT64_RADIX - 1)] == k) continue; /* every key has this digit */
        uint32_t sum = 0;
        for (int d = 0; d < SORT64_RADIX; d++) {
            uint32_t c = h[d];
            h[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < k; i++) dst[h[(src[i] >> sh) & (SORT64_RADIX - 1)]++] = src[i];
        uint64_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != a) memcpy(a, src, k * sizeof(uint64_t));
}

static inline int64_t slice(int64_t K, int t, int nt) { return K / nt * t + K % nt * t / nt; } /* = floor(K*t/nt) */

/* First bucket whose start is >= pos (buckets [b0, b1) then start inside a key slice). */
static int32_t bucket_at(const int64_t *start, int32_t V, int64_t pos) {
    int32_t lo = 0, hi = V;
    while (lo < hi) {
        int32_t mid = lo + (hi - lo) / 2;
        if (start[mid] < pos) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* The part of stream positions [lo, hi) in piece s, which starts at position base[s]: [*a, *e) in the piece. */
static inline void seg_part(const int64_t *base, int s, int64_t lo, int64_t hi, int64_t *a, int64_t *e) {
    *a = (lo > base[s] ? lo : base[s]) - base[s];
    *e = (hi < base[s + 1] ? hi : base[s + 1]) - base[s];
}

int sf_ngram_count_sorted(sf_ngcounter **out, const int32_t *ids, int64_t T, int32_t V, int N, int n_threads,
                          int64_t min_per_thread) {
    return sf_ngram_count_sorted_segs(out, &ids, &T, 1, V, N, n_threads, min_per_thread);
}

int sf_ngram_count_sorted_segs(sf_ngcounter **out, const int32_t *const *seg, const int64_t *len, int nseg,
                               int32_t V, int N, int n_threads, int64_t min_per_thread) {
    *out = NULL;
    if (V == INT32_MAX) return SF_EVALUE; /* ids are stored + 1 */
    int nt, rc = sf_ngram_plan(seg, len, nseg, V, N, n_threads, min_per_thread, &nt);
    if (rc != SF_OK) return rc;
    /* base[s]: the stream position where piece s starts; T: positions in all */
    int64_t *base = (int64_t *)malloc((size_t)(nseg + 1) * sizeof(int64_t));
    sf_ngcounter *c = base ? (sf_ngcounter *)calloc(1, sizeof(*c)) : NULL;
    if (!c) {
        free(base);
        return SF_ENOMEM;
    }
    base[0] = 0;
    for (int s = 0; s < nseg; s++) base[s + 1] = base[s] + len[s];
    const int64_t T = base[nseg];
    c->N = N;
    c->V = V;
    c->nt = nt;
    c->bk = sf_ngram_bits(V + 1);
    c->b = c->bk;
    const int R = N - 1, bk = c->bk, rbits = R * bk;
    const int W = c->Wk = R > 0 ? sf_ngram_words(R, bk) : 1;
    c->k = (size_t *)calloc((size_t)N, sizeof(size_t));
    c->start = (int64_t *)calloc((size_t)V + 1, sizeof(int64_t));
    int64_t *off = (int64_t *)calloc((size_t)nt * V, sizeof(int64_t)); /* (nt, V) per-slice bucket counts */
    if (!c->k || !c->start || !off) {
        free(off);
        free(base);
        sf_ngram_free(c);
        return SF_ENOMEM;
    }
    /* 1. bucket sizes per stream slice */
SF_OMP(parallel for num_threads(nt) schedule(static, 1))
    for (int t = 0; t < nt; t++) {
        int64_t *h = off + (size_t)t * V;
        for (int s = 0; s < nseg; s++) {
            const int32_t *ids = seg[s];
            int64_t a, e;
            seg_part(base, s, slice(T, t, nt), slice(T, t + 1, nt), &a, &e);
            for (int64_t i = a; i < e; i++)
                if (ids[i] >= 0) h[ids[i]]++;
        }
    }
    int64_t K = 0, maxb = 0;
    for (int32_t v = 0; v < V; v++) {
        c->start[v] = K;
        for (int t = 0; t < nt; t++) {
            int64_t h = off[(size_t)t * V + v];
            off[(size_t)t * V + v] = K;
            K += h;
        }
        if (K - c->start[v] > maxb) maxb = K - c->start[v];
    }
    c->start[V] = c->K = K;
    c->keys = (uint64_t *)keys_alloc((size_t)(K ? K : 1) * W * sizeof(uint64_t));
    if (!c->keys) {
        free(off);
        free(base);
        sf_ngram_free(c);
        return SF_ENOMEM;
    }
    /* 2. rest keys scattered into the buckets of their first id, stream order within a bucket (a piece's end
     * ends every n-gram: Ts is the piece's length) */
SF_OMP(parallel for num_threads(nt) schedule(static, 1))
    for (int t = 0; t < nt; t++) {
        int64_t *o = off + (size_t)t * V;
        for (int s = 0; s < nseg; s++) {
            const int32_t *ids = seg[s];
            const int64_t Ts = len[s];
            int64_t a, e;
            seg_part(base, s, slice(T, t, nt), slice(T, t + 1, nt), &a, &e);
            if (W == 1) { /* the key built in a register, one store (the scatter's cost is that store's miss) */
                for (int64_t i = a; i < e; i++) {
                    if (ids[i] < 0) continue;
                    uint64_t kv = 0;
                    for (int j = 1; j < N && i + j < Ts && ids[i + j] >= 0; j++)
                        kv |= (uint64_t)((uint32_t)ids[i + j] + 1u) << (64 - j * bk);
                    c->keys[o[ids[i]]++] = kv;
                }
                continue;
            }
            for (int64_t i = a; i < e; i++) {
                if (ids[i] < 0) continue;
                uint64_t *key = c->keys + (size_t)W * o[ids[i]]++;
                for (int w = 0; w < W; w++) key[w] = 0;
                for (int j = 1; j < N && i + j < Ts && ids[i + j] >= 0; j++)
                    sf_ngkey_put(key, j - 1, bk, (uint32_t)ids[i + j] + 1u);
            }
        }
    }
    free(off);
    free(base);
    c->table_bytes = (size_t)K * W * sizeof(uint64_t) + (size_t)nt * maxb * W * sizeof(uint64_t);
    uint8_t ceil_div[64 * SF_NGRAM_MAX_WORDS + 1], floor_div[64 * SF_NGRAM_MAX_WORDS + 1];
    div_tables(ceil_div, floor_div, bk, R);
    /* 3. chunks of whole buckets, about K / nc keys each (chunk q starts at the first bucket starting at or after
     * key q K / nc); a thread at a time sorts a chunk's buckets and counts per order the n-grams that start
     * there: a key holds m = 1 + rest ids and shares l ids with the key before it (0 at a bucket start); it
     * starts a new n-gram of every order n with l < n <= m (the export recomputes m and l) */
    int64_t nc = (int64_t)nt * CHUNKS_PER_THREAD;
    if (nc > 1 + K / CHUNK_MIN_KEYS) nc = 1 + K / CHUNK_MIN_KEYS;
    if (nc < nt) nc = nt;
    c->nc = (int)nc;
    c->cb = (int32_t *)malloc((size_t)(nc + 1) * sizeof(int32_t));
    c->kk = (int64_t *)calloc((size_t)nc * (N + 1), sizeof(int64_t));
    if (!c->cb || !c->kk) {
        sf_ngram_free(c);
        return SF_ENOMEM;
    }
    for (int64_t q = 0; q < nc; q++) c->cb[q] = bucket_at(c->start, V, slice(K, (int)q, (int)nc));
    c->cb[0] = 0;
    c->cb[nc] = V;
    int status = SF_OK;
SF_OMP(parallel num_threads(nt))
    {
        uint64_t *tmp = (uint64_t *)malloc((size_t)(maxb ? maxb : 1) * W * sizeof(uint64_t));
        size_t *hist = (size_t *)malloc(((size_t)1 << SF_RADIX_BITS) * sizeof(size_t));
        uint32_t *hist32 = (uint32_t *)malloc(SORT64_HIST * sizeof(uint32_t));
        const int ok = tmp && hist && hist32;
        if (!ok) {
SF_OMP(critical(sf_ngram_status))
            status = SF_ENOMEM;
        }
SF_OMP(for schedule(dynamic, 1))
        for (int64_t q = 0; q < nc; q++) {
            if (!ok) continue;
            int64_t *kk = c->kk + (size_t)q * (N + 1);
            for (int32_t v = c->cb[q]; v < c->cb[q + 1]; v++) {
                int64_t a = c->start[v], e = c->start[v + 1];
                if (rbits > 0 && e - a > 1) {
                    if (W == 1) sort64(c->keys + a, tmp, (size_t)(e - a), 0, rbits, hist32);
                    else sf_ngrec_sort_bits(c->keys + (size_t)a * W, tmp, hist, (size_t)(e - a), W, 0, rbits);
                }
                for (int64_t j = a; j < e; j++) {
                    int m, l;
                    key_run(c->keys, j, j == a, W, R, N, ceil_div, floor_div, &m, &l);
                    for (int n = l + 1; n <= m; n++) kk[n]++;
                }
            }
        }
        free(tmp);
        free(hist);
        free(hist32);
    }
    if (status != SF_OK) {
        sf_ngram_free(c);
        return status;
    }
    for (int64_t q = 0; q < nc; q++)
        for (int n = 1; n <= N; n++) c->k[n - 1] += (size_t)c->kk[(size_t)q * (N + 1) + n];
    *out = c;
    return SF_OK;
}

/* Top-n-gram heaps: an entry of order n is S = 1 + 2n int64: count, the n ids' ranks, the n ids. A heap holds
 * at most k entries with the worst at its root, so that a candidate is compared with the root only. */
typedef struct top_heap {
    int64_t *e;
    int64_t size, k;
    int n, S;
} top_heap;

/* a ranks before b: count descending, then ranks ascending, then ids (distinct n-grams: a total order) */
static inline int top_better(const int64_t *a, const int64_t *b, int n) {
    if (a[0] != b[0]) return a[0] > b[0];
    for (int i = 1; i < 1 + 2 * n; i++)
        if (a[i] != b[i]) return a[i] < b[i];
    return 0;
}

static void top_swap(top_heap *h, int64_t i, int64_t j) {
    int64_t *a = h->e + i * h->S, *b = h->e + j * h->S;
    for (int w = 0; w < h->S; w++) {
        int64_t t = a[w];
        a[w] = b[w];
        b[w] = t;
    }
}

/* restore the heap below i (the worst of i and its children goes up) */
static void top_sift_down(top_heap *h, int64_t i) {
    for (;;) {
        int64_t w = i, l = 2 * i + 1, r = l + 1;
        if (l < h->size && top_better(h->e + w * h->S, h->e + l * h->S, h->n)) w = l;
        if (r < h->size && top_better(h->e + w * h->S, h->e + r * h->S, h->n)) w = r;
        if (w == i) return;
        top_swap(h, i, w);
        i = w;
    }
}

/* Offer an entry: kept when the heap has room or it ranks before the root (which it then replaces). */
static void top_offer(top_heap *h, const int64_t *cand) {
    int64_t i;
    if (h->size < h->k) {
        i = h->size++;
        memcpy(h->e + i * h->S, cand, (size_t)h->S * sizeof(int64_t));
        while (i > 0 && top_better(h->e + ((i - 1) / 2) * h->S, h->e + i * h->S, h->n)) {
            top_swap(h, i, (i - 1) / 2);
            i = (i - 1) / 2;
        }
        return;
    }
    if (h->k == 0 || !top_better(cand, h->e, h->n)) return;
    memcpy(h->e, cand, (size_t)h->S * sizeof(int64_t));
    top_sift_down(h, 0);
}

/* Fewest occurrences an n-gram needs to enter h: min_count while it has room, then its root's count (a tie
 * may still enter by its ranks); INT64_MAX when h takes nothing. */
static inline int64_t top_floor(const top_heap *h, int64_t min_count) {
    if (h->k == 0) return INT64_MAX;
    if (h->size < h->k) return min_count;
    return h->e[0] > min_count ? h->e[0] : min_count;
}

typedef struct top_walk_ctx {
    const uint64_t *keys; /* the bucket's sorted rest keys */
    int W, bk, lo, hi;
    const int64_t *rank;
    int64_t min_count;
    top_heap *hs;         /* (hi + 1,) this thread's heaps by order */
    int32_t ids[SF_NGRAM_MAX_ORDER];
} top_walk_ctx;

/* Keys [a, e) of a bucket share their first d rest ids (x->ids[1..d]; ids[0] is the bucket's id): the
 * (d + 1)-gram they make occurs e - a times. Offer it, then walk the runs of its extensions (keys sorted:
 * each run is contiguous, found by galloping on rest id d; 0 = no id there, not an n-gram), unless it is too
 * rare for every higher order's heap (an extension occurs at most as often as its prefix). */
static void top_walk(top_walk_ctx *x, int64_t a, int64_t e, int d) {
    const int n = d + 1;
    const int64_t cnt = e - a;
    if (n >= x->lo && cnt >= top_floor(&x->hs[n], x->min_count)) {
        int64_t cand[1 + 2 * SF_NGRAM_MAX_ORDER];
        cand[0] = cnt;
        for (int i = 0; i < n; i++) {
            cand[1 + n + i] = x->ids[i];
            cand[1 + i] = x->rank ? x->rank[x->ids[i]] : x->ids[i];
        }
        top_offer(&x->hs[n], cand);
    }
    if (n >= x->hi) return;
    int64_t need = INT64_MAX;
    for (int m = n + 1; m <= x->hi; m++) {
        int64_t f = top_floor(&x->hs[m], x->min_count);
        if (f < need) need = f;
    }
    if (cnt < need) return;
    const int W = x->W, bk = x->bk;
    for (int64_t i = a; i < e;) {
        const uint32_t id = sf_ngkey_get(x->keys + (size_t)i * W, d, bk);
        /* j: the first key after i whose rest id d is larger (galloping, then bisection) */
        int64_t lo = i, step = 1, hi = i + 1;
        while (hi < e && sf_ngkey_get(x->keys + (size_t)hi * W, d, bk) == id) {
            lo = hi;
            step *= 2;
            hi = lo + step < e ? lo + step : e;
        }
        while (hi - lo > 1) { /* rest id d at lo is id, at hi (or e) larger */
            int64_t mid = lo + (hi - lo) / 2;
            if (sf_ngkey_get(x->keys + (size_t)mid * W, d, bk) == id) lo = mid;
            else hi = mid;
        }
        if (id) {
            x->ids[d + 1] = (int32_t)id - 1;
            top_walk(x, i, hi, d + 1);
        }
        i = hi;
    }
}

int sf_ngram_top_sorted(const sf_ngcounter *c, int64_t k, int64_t min_count, const int64_t *rank,
                        int32_t *const *grams, int64_t *const *counts, int64_t *kout) {
    if (!c->keys || c->consumed || k < 0) return SF_EVALUE;
    const int N = c->N, nt = c->nt;
    const int64_t nc = c->nc;
    int lo = N + 1, hi = 0;
    for (int n = 1; n <= N; n++) {
        kout[n] = 0;
        if (grams[n]) {
            if (n < lo) lo = n;
            hi = n;
        }
    }
    if (hi == 0) return SF_OK;
    /* heaps[t * (N + 1) + n]: thread t's order n (team members are numbered 0..nt-1) */
    top_heap *heaps = (top_heap *)calloc((size_t)nt * (N + 1), sizeof(top_heap));
    int status = heaps ? SF_OK : SF_ENOMEM;
    for (int t = 0; t < nt && status == SF_OK; t++)
        for (int n = 1; n <= N; n++) {
            top_heap *h = heaps + (size_t)t * (N + 1) + n;
            int64_t kn = (int64_t)c->k[n - 1];
            h->k = grams[n] ? (k < kn ? k : kn) : 0;
            h->n = n;
            h->S = 1 + 2 * n;
            if (h->k && !(h->e = (int64_t *)malloc((size_t)h->k * h->S * sizeof(int64_t)))) status = SF_ENOMEM;
        }
    if (status == SF_OK) {
SF_OMP(parallel num_threads(nt))
        {
            top_walk_ctx x;
            x.W = c->Wk;
            x.bk = c->bk;
            x.lo = lo;
            x.hi = hi;
            x.rank = rank;
            x.min_count = min_count;
            x.hs = heaps + (size_t)sf_thread_id() * (N + 1);
SF_OMP(for schedule(dynamic, 1))
            for (int64_t q = 0; q < nc; q++)
                for (int32_t v = c->cb[q]; v < c->cb[q + 1]; v++) {
                    const int64_t a = c->start[v], e = c->start[v + 1];
                    if (a == e) continue;
                    x.keys = c->keys + (size_t)a * x.W;
                    x.ids[0] = v;
                    top_walk(&x, 0, e - a, 0);
                }
        }
        /* every thread's heap into thread 0's, then thread 0's sorted best first by taking its root (the
         * worst) to the end */
        for (int n = lo; n <= hi; n++) {
            top_heap *h = heaps + n;
            for (int t = 1; t < nt; t++) {
                const top_heap *o = heaps + (size_t)t * (N + 1) + n;
                for (int64_t i = 0; i < o->size; i++) top_offer(h, o->e + i * o->S);
            }
            const int64_t m = h->size;
            while (h->size > 1) {
                top_swap(h, 0, h->size - 1);
                h->size--;
                top_sift_down(h, 0);
            }
            kout[n] = m;
            for (int64_t i = 0; i < m; i++) {
                const int64_t *e = h->e + i * h->S;
                counts[n][i] = e[0];
                for (int j = 0; j < n; j++) grams[n][i * n + j] = (int32_t)e[1 + n + j];
            }
        }
    }
    if (heaps)
        for (int i = 0; i < nt * (N + 1); i++) free(heaps[i].e);
    free(heaps);
    return status;
}

int sf_ngram_export_sorted(const sf_ngcounter *c, int n, int32_t *grams, int64_t *counts) {
    int32_t *g[SF_NGRAM_MAX_ORDER + 1] = {0};
    int64_t *k[SF_NGRAM_MAX_ORDER + 1] = {0};
    g[n] = grams;
    k[n] = counts;
    return sf_ngram_export_sorted_all((sf_ngcounter *)c, g, k, 0);
}

int sf_ngram_export_sorted_all(sf_ngcounter *c, int32_t *const *grams, int64_t *const *counts, int consume) {
    const int W = c->Wk, bk = c->bk, N = c->N, R = N - 1;
    const int64_t nc = c->nc;
    if (c->consumed) return SF_EVALUE;
    uint8_t ceil_div[64 * SF_NGRAM_MAX_WORDS + 1], floor_div[64 * SF_NGRAM_MAX_WORDS + 1];
    div_tables(ceil_div, floor_div, bk, R);
    /* orders asked for: [lo, hi] (grams[n] NULL skips order n inside it) */
    int lo = N + 1, hi = 0;
    for (int n = 1; n <= N; n++)
        if (grams[n]) {
            if (n < lo) lo = n;
            hi = n;
        }
    if (hi == 0) return SF_OK;
    /* first[q][n]: the row of order n where chunk q's n-grams start (the sums of kk over the chunks before q) */
    int64_t *first = (int64_t *)malloc((size_t)nc * (N + 1) * sizeof(int64_t));
    if (!first) return SF_ENOMEM;
    for (int n = 0; n <= N; n++) {
        int64_t sum = 0;
        for (int64_t q = 0; q < nc; q++) {
            first[(size_t)q * (N + 1) + n] = sum;
            sum += c->kk[(size_t)q * (N + 1) + n];
        }
    }
    if (consume) c->consumed = 1;
SF_OMP(parallel for num_threads(c->nt) schedule(dynamic, 1))
    for (int64_t q = 0; q < nc; q++) {
        int64_t out[SF_NGRAM_MAX_ORDER + 1];
        for (int n = 1; n <= N; n++) out[n] = first[(size_t)q * (N + 1) + n] - 1;
        for (int32_t v = c->cb[q]; v < c->cb[q + 1]; v++) {
            const int64_t a = c->start[v];
            for (int64_t j = a; j < c->start[v + 1]; j++) {
                int m, l;
                const uint64_t *key = key_run(c->keys, j, j == a, W, R, hi, ceil_div, floor_div, &m, &l);
                /* orders lo..l continue an n-gram of the key before; l+1..m start one here */
                for (int n = lo; n <= l && n <= m; n++)
                    if (grams[n]) counts[n][out[n]]++;
                for (int n = l + 1 > lo ? l + 1 : lo; n <= m; n++) {
                    out[n]++;
                    if (!grams[n]) continue;
                    int32_t *row = grams[n] + (size_t)out[n] * n;
                    row[0] = v;
                    for (int i = 1; i < n; i++) row[i] = (int32_t)sf_ngkey_get(key, i - 1, bk) - 1;
                    counts[n][out[n]] = 1;
                }
            }
        }
        if (consume) /* this chunk's keys are read: their pages can hold the outputs of the chunks after it */
            keys_release(c->keys, (size_t)c->K * W, (size_t)c->start[c->cb[q]] * W,
                         (size_t)c->start[c->cb[q + 1]] * W);
    }
    free(first);
    return SF_OK;
}
