/* w2v.c: word2vec training (see w2v.h): input checks, blocks, threads, random streams, and the inner loops
 * instantiated from w2v_tmpl.h for AVX2+FMA and for portable C, picked at run time. */
#include "w2v.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sf_math.h" /* sf_expf1 */

#define W2V_ONE31 (1u << 31)

/* splitmix64: the random stream of a block (state advanced by the golden ratio, output mixed). */
static inline uint64_t w2v_next(uint64_t *s) {
    return sf_mix64(*s += 0x9E3779B97F4A7C15ull);
}

/* A word of the noise distribution by the alias method (one draw). */
static inline int32_t w2v_draw(uint64_t *s, uint32_t V, const uint32_t *prob, const int32_t *alias) {
    const uint64_t r = w2v_next(s);
    const uint32_t col = (uint32_t)(((r >> 32) * (uint64_t)V) >> 32);
    return ((uint32_t)(r & 0xffffffffu) >> 1) < prob[col] ? (int32_t)col : alias[col];
}

/* log(1 + exp(x)) in double, without overflow */
static inline double w2v_softplus(float x) {
    const double d = x;
    return d > 0 ? d + log1p(exp(-d)) : log1p(exp(d));
}

/* A thread's private copies of the rows of ids < H in syn0 (k = 0) and syn1neg (k = 1), used instead of the
 * shared rows while it trains. A row is copied from the shared array when the thread first uses it after a
 * merge (priv = base = shared), and each merge (w2v_hot_sync, every W2V_HOT_BLOCKS blocks) adds its change to
 * the shared row (shared += priv - base): a row moves between the cores at most twice per merge however often
 * the thread updates it, and rows it does not use cost nothing. H = 0: none (one thread). With the vocabulary in descending frequency these are the rows every thread updates all the time
 * (frequent contexts, targets and negatives); sharing them would move their cache lines between the cores at
 * every update. */
typedef struct w2v_hot {
    float *priv[2], *base[2]; /* (H, E) each */
    uint8_t *fresh[2];        /* (H,): 1 when the row was copied since the last merge */
    int32_t *used[2];         /* (H,): the rows copied since the last merge, n[k] of them */
    int32_t n[2];
    int32_t H;
} w2v_hot;

/* Row w of the (V, E) array k (0 syn0, 1 syn1neg) as the thread trains it: the private copy when w < H
 * (copied on its first use since the last merge), else the shared row. */
static inline float *w2v_row(float *shared, w2v_hot *h, int k, int32_t w, int E) {
    if (w >= h->H) return shared + (int64_t)w * E;
    float *r = h->priv[k] + (int64_t)w * E;
    if (!h->fresh[k][w]) {
        memcpy(r, shared + (int64_t)w * E, (size_t)E * sizeof(float));
        memcpy(h->base[k] + (int64_t)w * E, r, (size_t)E * sizeof(float));
        h->fresh[k][w] = 1;
        h->used[k][h->n[k]++] = w;
    }
    return r;
}

/* Where row w of array k will be read from (for prefetching; copies nothing). */
static inline const float *w2v_row_at(const float *shared, const w2v_hot *h, int k, int32_t w, int E) {
    return w < h->H && h->fresh[k][w] ? h->priv[k] + (int64_t)w * E : shared + (int64_t)w * E;
}

/* Per-thread workspace: separate allocations keep threads' hot buffers on separate cache lines. */
typedef struct w2v_work {
    w2v_hot hot;
    float **in;          /* skip-gram windows: the context rows (2 window,) */
    float *neu1, *neu1e; /* (E,), (2 window, E) */
    int32_t *sen, *negs, *ctx;
    int32_t *reduce, *negs_ahead; /* a piece's draws made ahead: (W2V_MAX_SENTENCE,), (W2V_MAX_SENTENCE, K) */
    float **rows, *labels, *gbuf; /* skip-gram windows: (R,), (R,), (2 window, R) */
} w2v_work;

/* centers ahead whose rows are prefetched */
#define W2V_AHEAD 2

/* Ask for the cache lines of a row (E floats) that is about to be read and written. */
static inline void w2v_prefetch_row(const float *row, int E) {
#if defined(__GNUC__)
    for (int b = 0; b < E * (int)sizeof(float); b += 64) __builtin_prefetch((const char *)row + b, 1, 3);
#else
    (void)row;
    (void)E;
#endif
}

/* ---- portable C ---- */
#define KTARGET
#define KSFX generic
#define W2V_DOT                                                        \
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;                              \
    int i = 0;                                                         \
    for (; i + 4 <= E; i += 4) {                                       \
        s0 += x[i] * y[i];                                             \
        s1 += x[i + 1] * y[i + 1];                                     \
        s2 += x[i + 2] * y[i + 2];                                     \
        s3 += x[i + 3] * y[i + 3];                                     \
    }                                                                  \
    for (; i < E; i++) s0 += x[i] * y[i];                              \
    return (s0 + s1) + (s2 + s3);
#define W2V_AXPY \
    for (int i = 0; i < E; i++) y[i] += a * x[i];
#include "w2v_tmpl.h"

/* ---- AVX2 + FMA ---- */
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define W2V_X86 1
#include <immintrin.h>
#define KTARGET __attribute__((target("avx2,fma")))
#define KSFX avx2
/* two 8-float accumulators (float32 sums of 100-ish products: error ~1e-7 relative, as a serial sum) */
#define W2V_DOT                                                                              \
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();                               \
    int i = 0;                                                                               \
    for (; i + 16 <= E; i += 16) {                                                           \
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), a0);            \
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 8), _mm256_loadu_ps(y + i + 8), a1);    \
    }                                                                                        \
    if (i + 8 <= E) {                                                                        \
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), a0);            \
        i += 8;                                                                              \
    }                                                                                        \
    a0 = _mm256_add_ps(a0, a1);                                                              \
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(a0), _mm256_extractf128_ps(a0, 1));         \
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));                                                  \
    h = _mm_add_ss(h, _mm_shuffle_ps(h, h, 1));                                              \
    float s = _mm_cvtss_f32(h);                                                              \
    for (; i < E; i++) s += x[i] * y[i];                                                     \
    return s;
#define W2V_AXPY                                                                             \
    const __m256 va = _mm256_set1_ps(a);                                                     \
    int i = 0;                                                                               \
    for (; i + 8 <= E; i += 8)                                                               \
        _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i))); \
    for (; i < E; i++) y[i] += a * x[i];
#include "w2v_tmpl.h"
#endif

int w2v_isa(void) {
#ifdef W2V_X86
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 1;
#endif
    return 0;
}

static int check_params(const w2v_params *p, const w2v_tables *t) {
    if (p->V < 1 || p->E < 1 || p->window < 1 || p->negative < 0 || (p->negative == 0 && !p->hs))
        return SF_EVALUE;
    if (p->negative > 0 && (!t->alias_prob || !t->alias)) return SF_EVALUE;
    if (p->hs && (!t->code_off || !t->points || !t->codes)) return SF_EVALUE;
    return SF_OK;
}

double w2v_sg_step(float *syn0, float *syn1neg, float *syn1, const w2v_params *p, const w2v_tables *t,
                   int32_t in, int32_t target, const int32_t *negs, int K, float alpha, float *neu1e) {
#ifdef W2V_X86
    w2v_hot none = {0};
    if (w2v_isa()) return sg_step_avx2(syn0, syn1neg, syn1, p, t, &none, in, target, negs, K, alpha, neu1e, 1);
#endif
    w2v_hot no_hot = {0};
    return sg_step_generic(syn0, syn1neg, syn1, p, t, &no_hot, in, target, negs, K, alpha, neu1e, 1);
}

double w2v_cbow_step(float *syn0, float *syn1neg, float *syn1, const w2v_params *p, const w2v_tables *t,
                     const int32_t *ctx, int C, int32_t target, const int32_t *negs, int K, float alpha,
                     float *neu1, float *neu1e) {
#ifdef W2V_X86
    w2v_hot none = {0};
    if (w2v_isa())
        return cbow_step_avx2(syn0, syn1neg, syn1, p, t, &none, ctx, C, target, negs, K, alpha, neu1, neu1e, 1);
#endif
    w2v_hot no_hot = {0};
    return cbow_step_generic(syn0, syn1neg, syn1, p, t, &no_hot, ctx, C, target, negs, K, alpha, neu1, neu1e, 1);
}

static void *w2v_alloc(size_t bytes) {
    void *q = NULL;
    bytes = (bytes + 63) & ~(size_t)63;
    if (posix_memalign(&q, 64, bytes ? bytes : 64) != 0) return NULL;
    return q;
}

double w2v_sg_window_step(float *syn0, float *syn1neg, float *syn1, const w2v_params *p, const w2v_tables *t,
                          const int32_t *ctx, int C, int32_t target, const int32_t *negs, int K, float alpha) {
    int64_t R = (int64_t)K + 1 + (p->hs ? t->code_off[target + 1] - t->code_off[target] : 0);
    w2v_work ws = {0};
    ws.in = (float **)w2v_alloc((size_t)C * sizeof(float *));
    ws.neu1e = (float *)w2v_alloc((size_t)C * p->E * sizeof(float));
    ws.rows = (float **)w2v_alloc((size_t)R * sizeof(float *));
    ws.labels = (float *)w2v_alloc((size_t)R * sizeof(float));
    ws.gbuf = (float *)w2v_alloc((size_t)C * R * sizeof(float));
    double loss = NAN;
    if (ws.in && ws.neu1e && ws.rows && ws.labels && ws.gbuf) {
#ifdef W2V_X86
        if (w2v_isa())
            loss = sg_window_avx2(syn0, syn1neg, syn1, p, t, ctx, C, target, negs, K, alpha, &ws, 1);
        else
#endif
            loss = sg_window_generic(syn0, syn1neg, syn1, p, t, ctx, C, target, negs, K, alpha, &ws, 1);
    }
    free(ws.in); free(ws.neu1e); free(ws.rows); free(ws.labels); free(ws.gbuf);
    return loss;
}

/* Merge: add the change of each private row of array k used since the last merge to the shared row, without
 * locks (as every update here), and forget the copies. */
static void w2v_hot_sync(float *shared, w2v_hot *h, int k, int E) {
    for (int32_t j = 0; j < h->n[k]; j++) {
        const int64_t o = (int64_t)h->used[k][j] * E;
        float *s = shared + o;
        const float *q = h->priv[k] + o, *b = h->base[k] + o;
        for (int e = 0; e < E; e++) s[e] += q[e] - b[e];
        h->fresh[k][h->used[k][j]] = 0;
    }
    h->n[k] = 0;
}

int w2v_train(float *syn0, float *syn1neg, float *syn1, const w2v_params *p, const w2v_tables *t,
              const int32_t *ids, int64_t n, int64_t words_before, int64_t block_base, int n_threads,
              int compute_loss, w2v_stats *stats, int64_t *n_blocks) {
    int rc = check_params(p, t);
    if (rc != SF_OK) return rc;
    *n_blocks = 0;
    /* pieces: runs of ids >= 0 between -1s, cut every W2V_MAX_SENTENCE ids */
    int64_t np_ = 0;
    for (int64_t i = 0; i < n; i++) {
        if (ids[i] < -1 || ids[i] >= p->V) return SF_EINDEX;
        if (ids[i] >= 0 && (i == 0 || ids[i - 1] < 0)) np_++;
    }
    np_ += n / W2V_MAX_SENTENCE + 1;
    int64_t *starts = (int64_t *)malloc((size_t)np_ * sizeof(int64_t));
    int64_t *ends = (int64_t *)malloc((size_t)np_ * sizeof(int64_t));
    int64_t *bpiece = (int64_t *)malloc((size_t)(np_ + 1) * sizeof(int64_t)); /* block b: pieces bpiece[b].. */
    int64_t *bpos = (int64_t *)malloc((size_t)(np_ + 1) * sizeof(int64_t));   /* run position of its first id */
    if (!starts || !ends || !bpiece || !bpos) {
        free(starts); free(ends); free(bpiece); free(bpos);
        return SF_ENOMEM;
    }
    int64_t npieces = 0, nb = 0, inblock = 0, pos = words_before;
    for (int64_t i = 0; i < n;) {
        if (ids[i] < 0) { i++; continue; }
        int64_t j = i;
        while (j < n && ids[j] >= 0 && j - i < W2V_MAX_SENTENCE) j++;
        if (inblock == 0) {
            bpiece[nb] = npieces;
            bpos[nb] = pos;
            nb++;
        }
        starts[npieces] = i;
        ends[npieces] = j;
        npieces++;
        inblock += j - i;
        pos += j - i;
        if (inblock >= W2V_BLOCK_WORDS) inblock = 0;
        i = j;
    }
    bpiece[nb] = npieces;
    *n_blocks = nb;
    /* rows a skip-gram window predicts: the longest Huffman path, the target and K negatives */
    int64_t R = (int64_t)p->negative + 1;
    if (p->hs) {
        int64_t longest = 0;
        for (int32_t w = 0; w < p->V; w++)
            if (t->code_off[w + 1] - t->code_off[w] > longest) longest = t->code_off[w + 1] - t->code_off[w];
        R += longest;
    }
    int nt = sf_resolve_threads(n_threads);
    if (nt > nb) nt = nb > 0 ? (int)nb : 1;
#ifdef W2V_X86
    const int avx2 = w2v_isa();
#endif
    int fail = 0;
    w2v_stats total = {0, 0, 0, 0.0};
    /* private copies of the most frequent rows when threads share the arrays */
    const int32_t H = nt > 1 ? (p->V < W2V_HOT_ROWS ? p->V : W2V_HOT_ROWS) : 0;
    SF_PARALLEL_OR(nt, fail)
    {
        w2v_work ws;
        memset(&ws.hot, 0, sizeof ws.hot);
        ws.hot.H = H;
        int hot_bad = 0;
        for (int k = 0; k < (syn1neg ? 2 : 1) && H > 0; k++) {
            ws.hot.priv[k] = (float *)w2v_alloc((size_t)H * p->E * sizeof(float));
            ws.hot.base[k] = (float *)w2v_alloc((size_t)H * p->E * sizeof(float));
            ws.hot.fresh[k] = (uint8_t *)calloc((size_t)H, 1);
            ws.hot.used[k] = (int32_t *)w2v_alloc((size_t)H * sizeof(int32_t));
            hot_bad |= !ws.hot.priv[k] || !ws.hot.base[k] || !ws.hot.fresh[k] || !ws.hot.used[k];
        }
        ws.in = (float **)w2v_alloc(((size_t)2 * p->window + 1) * sizeof(float *));
        ws.neu1 = (float *)w2v_alloc((size_t)p->E * sizeof(float));
        ws.neu1e = (float *)w2v_alloc((size_t)2 * p->window * p->E * sizeof(float));
        ws.rows = (float **)w2v_alloc((size_t)R * sizeof(float *));
        ws.labels = (float *)w2v_alloc((size_t)R * sizeof(float));
        ws.gbuf = (float *)w2v_alloc((size_t)2 * p->window * R * sizeof(float));
        ws.sen = (int32_t *)w2v_alloc(W2V_MAX_SENTENCE * sizeof(int32_t));
        ws.negs = (int32_t *)w2v_alloc(((size_t)p->negative + 1) * sizeof(int32_t));
        ws.ctx = (int32_t *)w2v_alloc(((size_t)2 * p->window + 1) * sizeof(int32_t));
        ws.reduce = (int32_t *)w2v_alloc(W2V_MAX_SENTENCE * sizeof(int32_t));
        ws.negs_ahead =
            (int32_t *)w2v_alloc((size_t)W2V_MAX_SENTENCE * ((size_t)p->negative + 1) * sizeof(int32_t));
        w2v_stats st = {0, 0, 0, 0.0};
        const int bad =
            !ws.neu1 || !ws.neu1e || !ws.sen || !ws.negs || !ws.ctx || !ws.rows || !ws.labels || !ws.gbuf ||
            !ws.reduce || !ws.negs_ahead || !ws.in || hot_bad;
        int since = 0; /* blocks trained since the private rows were last merged */
        SF_OMP(for schedule(dynamic, 1) nowait)
        for (int64_t b = 0; b < nb; b++) {
            if (bad) {
                fail = 1;
                continue;
            }
            /* the block's random stream: the run seed mixed with its index in the run */
            uint64_t s = p->seed ^ ((uint64_t)(block_base + b) * 0xD1B54A32D192ED03ull);
            (void)w2v_next(&s);
#ifdef W2V_X86
            if (avx2)
                train_block_avx2(syn0, syn1neg, syn1, p, t, ids, starts, ends, bpiece[b], bpiece[b + 1],
                                 bpos[b], s, &ws, compute_loss, &st);
            else
#endif
                train_block_generic(syn0, syn1neg, syn1, p, t, ids, starts, ends, bpiece[b], bpiece[b + 1],
                                    bpos[b], s, &ws, compute_loss, &st);
            if (H > 0 && ++since >= W2V_HOT_BLOCKS) {
                w2v_hot_sync(syn0, &ws.hot, 0, p->E);
                if (syn1neg) w2v_hot_sync(syn1neg, &ws.hot, 1, p->E);
                since = 0;
            }
        }
        if (H > 0 && !bad) {
            w2v_hot_sync(syn0, &ws.hot, 0, p->E);
            if (syn1neg) w2v_hot_sync(syn1neg, &ws.hot, 1, p->E);
        }
        SF_OMP(critical(w2v_stats))
        {
            total.words += st.words;
            total.effective += st.effective;
            total.examples += st.examples;
            total.loss += st.loss;
        }
        free(ws.neu1); free(ws.neu1e); free(ws.sen); free(ws.negs); free(ws.ctx);
        free(ws.rows); free(ws.labels); free(ws.gbuf); free(ws.reduce); free(ws.negs_ahead); free(ws.in);
        for (int k = 0; k < 2; k++) {
            free(ws.hot.priv[k]); free(ws.hot.base[k]); free(ws.hot.fresh[k]); free(ws.hot.used[k]);
        }
    }
    free(starts); free(ends); free(bpiece); free(bpos);
    if (fail) return SF_ENOMEM;
    stats->words += total.words;
    stats->effective += total.effective;
    stats->examples += total.examples;
    stats->loss += total.loss;
    return SF_OK;
}
