/* lm_interpolate.c: interpolated probabilities (stage 3 of estimation).
 * Input: adjusted counts, discounts, context/suffix links, the lower order's interpolated probabilities.
 * Output: p(w | h) = (a(hw) - D(a(hw))) / sum_x a(hx) + gamma(h) p(w | h[1:]), and gamma(h) per context,
 * interpolating down to 1/V below the unigrams. Doubles throughout (lmplz uses floats; the difference is
 * ~1e-7 in log10). */
#include "lm.h"

#include <math.h>
#include <stdlib.h>

static inline double disc(const float *D, int64_t a) { return (double)D[a < 3 ? a : 3]; }

/* One row's share of its context's statistics (LM_CTX_STATS int64 per context): sum a(hx), kept rows with
 * a = 1, 2, >= 3, and the adjusted count of the pruned rows (all their mass backs off). */
static inline void stats_add(int64_t *s, int64_t a, int pruned) {
    s[0] += a;
    if (pruned) s[4] += a;
    else if (a > 0) s[a < 3 ? a : 3] += 1;
}

/* gamma(h) * sum a(hx) from the context's statistics: the one formula of every build path, so that
 * statistics summed over any split of a context's rows give the same gamma. */
static inline double gamma_num(const int64_t *s, const float *D) {
    return (double)D[1] * (double)s[1] + (double)D[2] * (double)s[2] + (double)D[3] * (double)s[3] +
           (double)s[4];
}

int lm_interpolate_unigrams(double *prob, double *gamma, const int32_t *grams, const int64_t *adj, int64_t k,
                            const float *D, int32_t bos) {
    int64_t s[LM_CTX_STATS] = {0, 0, 0, 0, 0};
    int64_t V = 0;
    for (int64_t i = 0; i < k; i++) {
        stats_add(s, adj[i], 0);
        if (grams[i] != bos) V++;
    }
    if (s[0] <= 0 || V == 0) return SF_EVALUE;
    double den = (double)s[0];
    double g = gamma_num(s, D) / den;
    for (int64_t i = 0; i < k; i++)
        prob[i] = grams[i] == bos ? 1.0 : ((double)adj[i] - disc(D, adj[i])) / den + g / (double)V;
    *gamma = g;
    return SF_OK;
}

int lm_context_stats(int64_t *stats, int64_t k_ctx, const int64_t *adj, const int64_t *ctx, int64_t k,
                     const uint8_t *keep) {
    for (int64_t j = 0; j < k_ctx * LM_CTX_STATS; j++) stats[j] = 0;
    for (int64_t i = 0; i < k; i++) {
        if (ctx[i] < 0 || ctx[i] >= k_ctx) return SF_EFORMAT;
        stats_add(stats + ctx[i] * LM_CTX_STATS, adj[i], keep && !keep[i]);
    }
    return SF_OK;
}

/* The rows of one context c, [i, e): its statistics (given, or counted from the rows), its gamma, then the
 * rows' probabilities. */
static inline void context_run(double *prob, double *ctx_gamma, const int64_t *adj, const int64_t *suf, int64_t i,
                               int64_t e, int64_t c, const double *lower, const float *D, const uint8_t *keep,
                               const int64_t *stats) {
    int64_t own[LM_CTX_STATS] = {0, 0, 0, 0, 0};
    const int64_t *s = own;
    if (stats) s = stats + c * LM_CTX_STATS;
    else
        for (int64_t j = i; j < e; j++) stats_add(own, adj[j], keep && !keep[j]);
    double g = s[0] > 0 ? gamma_num(s, D) / (double)s[0] : gamma_num(s, D);
    ctx_gamma[c] = g;
    const double d = s[0] > 0 ? (double)s[0] : 1.0; /* sum a(hx) == 0 only if every a(hx) is 0: p = gamma * lower */
    for (int64_t j = i; j < e; j++) prob[j] = ((double)adj[j] - disc(D, adj[j])) / d + g * lower[suf[j]];
}

int lm_interpolate_order(double *prob, double *ctx_gamma, int64_t k_ctx, const int64_t *adj, const int64_t *ctx,
                         const int64_t *suf, int64_t k, const double *lower, int64_t k_lo, const float *D,
                         const uint8_t *keep, const int64_t *stats, int n_threads) {
    int bad = 0, unsorted = 0;
    int64_t i;
SF_OMP(parallel for schedule(static) num_threads(n_threads) reduction(| : bad, unsorted) if (k > 100000))
    for (i = 0; i < k; i++) {
        bad |= ctx[i] < 0 || ctx[i] >= k_ctx || suf[i] < 0 || suf[i] >= k_lo;
        unsorted |= i > 0 && ctx[i] < ctx[i - 1];
    }
    if (bad) return SF_EFORMAT;
    for (int64_t j = 0; j < k_ctx; j++) ctx_gamma[j] = 0.0;
    if (!unsorted) {
        /* the rows of a context are consecutive (sorted tables): each thread takes whole runs of them and
         * counts their statistics with no array */
        int nt = n_threads < 1 ? 1 : n_threads;
        if (k <= 100000) nt = 1;
SF_OMP(parallel num_threads(nt))
        {
            int64_t lo, hi;
            sf_thread_rows64(k, sf_thread_id(), sf_team_size(), &lo, &hi);
            while (lo > 0 && lo < k && ctx[lo] == ctx[lo - 1]) lo++; /* a run starting before lo is the thread's before */
            while (hi < k && hi > 0 && ctx[hi] == ctx[hi - 1]) hi++;
            for (int64_t r = lo; r < hi;) {
                int64_t e = r + 1;
                while (e < hi && ctx[e] == ctx[r]) e++;
                context_run(prob, ctx_gamma, adj, suf, r, e, ctx[r], lower, D, keep, stats);
                r = e;
            }
        }
        return SF_OK;
    }
    int64_t *own = NULL;
    if (!stats) {
        own = (int64_t *)malloc((size_t)(k_ctx > 0 ? k_ctx : 1) * LM_CTX_STATS * sizeof(int64_t));
        if (!own) return SF_ENOMEM;
        lm_context_stats(own, k_ctx, adj, ctx, k, keep); /* ctx checked above */
        stats = own;
    }
    for (int64_t j = 0; j < k_ctx; j++) {
        const int64_t *s = stats + j * LM_CTX_STATS;
        ctx_gamma[j] = s[0] > 0 ? gamma_num(s, D) / (double)s[0] : gamma_num(s, D);
    }
SF_OMP(parallel for schedule(static) num_threads(n_threads) if (k > 100000))
    for (i = 0; i < k; i++) {
        int64_t c = ctx[i];
        int64_t den = stats[c * LM_CTX_STATS];
        double d = den > 0 ? (double)den : 1.0; /* sum a(hx) == 0 only if every a(hx) is 0: p = gamma * lower */
        prob[i] = ((double)adj[i] - disc(D, adj[i])) / d + ctx_gamma[c] * lower[suf[i]];
    }
    free(own);
    return SF_OK;
}

void lm_arpa_values(float *logp, float *backoff, const double *prob, const double *gamma, const int32_t *grams,
                    int64_t k, int n, int32_t unk, int32_t eos, int n_threads) {
    int64_t i;
SF_OMP(parallel for schedule(static) num_threads(n_threads) if (k > 100000))
    for (i = 0; i < k; i++) {
        double lp = log10(prob[i]); /* prob 0 -> -inf, the ARPA writer prints -99 */
        logp[i] = (float)(lp > 0.0 ? 0.0 : lp);
        if (backoff) {
            int32_t last = grams[i * n + n - 1];
            backoff[i] = (gamma && gamma[i] > 0.0 && last != unk && last != eos) ? (float)log10(gamma[i]) : 0.0f;
        }
    }
}
