/* lm_score.c: scoring of many lines at once (query side).
 * Input: a model (log10 p and backoff per n-gram, indexed by lm_hash), token ids of L lines.
 * Output: log10 p(w | up to N-1 previous words) of every token (and of each line's </s>). In LM_BACKOFF mode
 * the longest n-gram of the model ending in w gives its log10 p, plus the log10 backoffs of every longer
 * context of w that is in the model (standard ARPA semantics; KenLM's query gives the same numbers). */
#include "lm.h"

#include <math.h>
#include <string.h>

#define LM_MAX_ORDER 64

static float score_one(const lm_model *m, const int32_t *buf, int len, int8_t *matched) {
    /* buf: (len,) = context words then w, 1 <= len <= N */
    float s = 0.0f;
    *matched = 0;
    if (m->mode == LM_ADDK && len >= 2) {
        int64_t r = lm_index_find(&m->ix[len - 1], buf);
        if (r >= 0) { *matched = (int8_t)len; return m->logp[len - 1][r]; }
        int64_t c = lm_index_find(&m->ix[len - 2], buf);
        return c >= 0 ? m->bo[len - 2][c] : m->floor;
    }
    for (int L = len; L >= 1; L--) {
        const int32_t *g = buf + (len - L);
        int64_t r = lm_index_find(&m->ix[L - 1], g);
        if (r >= 0) {
            *matched = (int8_t)L;
            return s + m->logp[L - 1][r];
        }
        if (L >= 2) {
            if (m->mode == LM_STUPID) {
                s += m->floor;
            } else {
                int64_t c = lm_index_find(&m->ix[L - 2], g);
                if (c >= 0) s += m->bo[L - 2][c];
            }
        }
    }
    return -INFINITY; /* unreachable when w is a unigram */
}

/* One line in LM_BACKOFF mode for a closed model. State: L = length of the longest history suffix in the
 * model (by closure, all shorter suffixes are in it and no longer one is) and rowL = its row (-1: not yet
 * looked up). The search
 * for the next word's match starts at length L + 1, not N (no longer n-gram can exist), and contexts longer
 * than L are known absent (backoff 0): the lookups the generic search spends on them are skipped. */
static void score_line_closed(float *out, int8_t *ngram_len, const int32_t *ids, int64_t T, int bos_ctx,
                              int add_eos, const lm_model *m) {
    const int N = m->order;
    int32_t buf[LM_MAX_ORDER]; /* last N - 1 history words then w */
    int len = 0, L = 0;
    int64_t rowL = -1;
    if (bos_ctx && N > 1) {
        buf[len++] = m->bos;
        rowL = lm_index_find(&m->ix[0], &m->bos);
        L = rowL >= 0 ? 1 : 0;
    }
    for (int64_t t = 0; t < T + (add_eos ? 1 : 0); t++) {
        int32_t w = t < T ? ids[t] : m->eos;
        int64_t r1 = lm_index_find(&m->ix[0], &w);
        if (r1 < 0) { w = m->unk; r1 = lm_index_find(&m->ix[0], &w); }
        if (len == N) {
            memmove(buf, buf + 1, (size_t)(N - 1) * sizeof(int32_t));
            len = N - 1;
        }
        buf[len++] = w;
        int c = L + 1 < len ? L + 1 : len, M = 1;
        int64_t r = r1;
        float bo = 0.0f;
        for (; c >= 2; c--) {
            int64_t q = lm_index_find(&m->ix[c - 1], buf + (len - c));
            if (q >= 0) { r = q; M = c; break; }
            /* context of length c - 1 <= L: in the model */
            int64_t h = c - 1 == L && rowL >= 0 ? rowL : lm_index_find(&m->ix[c - 2], buf + (len - c));
            if (h >= 0) bo += m->bo[c - 2][h];
        }
        out[t] = bo + m->logp[M - 1][r];
        if (ngram_len) ngram_len[t] = (int8_t)M;
        if (M <= N - 1) {
            L = M;
            rowL = r;
        } else { /* a full-order match: the longest usable context is its last N - 1 words, looked up only
                  * if the next word misses at length N */
            L = N - 1;
            rowL = -1;
        }
    }
}

int lm_score_forward(float *out, int8_t *ngram_len, const int32_t *ids, const int64_t *offsets, int64_t L,
                     int bos_ctx, int add_eos, const lm_model *m, int n_threads) {
    const int N = m->order;
    if (N < 1 || N > LM_MAX_ORDER || L < 0) return SF_EVALUE;
    if (offsets[0] != 0) return SF_EVALUE;
    for (int64_t l = 0; l < L; l++)
        if (offsets[l + 1] < offsets[l]) return SF_EVALUE;
    if (lm_index_find(&m->ix[0], &m->unk) < 0) return SF_EVALUE;
    const int eos1 = add_eos ? 1 : 0;
    int64_t l;
SF_OMP(parallel for schedule(dynamic, 64) num_threads(n_threads))
    for (l = 0; l < L; l++) {
        if (m->mode == LM_BACKOFF && m->closed) {
            int64_t o = offsets[l] + l * eos1;
            score_line_closed(out + o, ngram_len ? ngram_len + o : NULL, ids + offsets[l], offsets[l + 1] - offsets[l],
                              bos_ctx, add_eos, m);
            continue;
        }
        int32_t buf[LM_MAX_ORDER];
        int len = 0;
        if (bos_ctx && N > 1) buf[len++] = m->bos;
        int64_t a = offsets[l], b = offsets[l + 1];
        for (int64_t t = a; t < b + eos1; t++) {
            int32_t w = t < b ? ids[t] : m->eos;
            if (t < b && lm_index_find(&m->ix[0], &w) < 0) w = m->unk;
            if (len == N) { /* keep the last N - 1 words of context */
                memmove(buf, buf + 1, (size_t)(N - 1) * sizeof(int32_t));
                len = N - 1;
            }
            buf[len++] = w;
            int64_t o = t + l * eos1;
            int8_t matched;
            out[o] = score_one(m, buf, len, &matched);
            if (ngram_len) ngram_len[o] = matched;
        }
    }
    return SF_OK;
}
