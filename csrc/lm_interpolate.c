/* lm_interpolate.c: interpolated probabilities (stage 3 of estimation).
 * Input: adjusted counts, discounts, context/suffix links, the lower order's interpolated probabilities.
 * Output: p(w | h) = (a(hw) - D(a(hw))) / sum_x a(hx) + gamma(h) p(w | h[1:]), and gamma(h) per context,
 * interpolating down to 1/V below the unigrams. Doubles throughout (lmplz uses floats; the difference is
 * ~1e-7 in log10). */
#include "lm.h"

#include <math.h>
#include <stdlib.h>

static inline double disc(const float *D, int64_t a) { return (double)D[a < 3 ? a : 3]; }

int lm_interpolate_unigrams(double *prob, double *gamma, const int32_t *grams, const int64_t *adj, int64_t k,
                            const float *D, int32_t bos) {
    double den = 0.0, num = 0.0;
    int64_t V = 0;
    for (int64_t i = 0; i < k; i++) {
        den += (double)adj[i];
        if (adj[i] > 0) num += disc(D, adj[i]);
        if (grams[i] != bos) V++;
    }
    if (den <= 0.0 || V == 0) return SF_EVALUE;
    double g = num / den;
    for (int64_t i = 0; i < k; i++)
        prob[i] = grams[i] == bos ? 1.0 : ((double)adj[i] - disc(D, adj[i])) / den + g / (double)V;
    *gamma = g;
    return SF_OK;
}

/* The rows of one context, [i, e): its sums (in row order), its gamma, then their probabilities. */
static inline void context_run(double *prob, double *ctx_gamma, const int64_t *adj, const int64_t *suf, int64_t i,
                               int64_t e, int64_t c, const double *lower, const float *D, const uint8_t *keep) {
    double den = 0.0, g = 0.0;
    for (int64_t j = i; j < e; j++) {
        den += (double)adj[j];
        if (keep && !keep[j]) g += (double)adj[j]; /* pruned: all its mass backs off */
        else if (adj[j] > 0) g += disc(D, adj[j]);
    }
    if (den > 0.0) g /= den;
    ctx_gamma[c] = g;
    const double d = den > 0.0 ? den : 1.0; /* den == 0 only if every a(hx) is 0: then p = gamma * lower */
    for (int64_t j = i; j < e; j++) prob[j] = ((double)adj[j] - disc(D, adj[j])) / d + g * lower[suf[j]];
}

int lm_interpolate_order(double *prob, double *ctx_gamma, int64_t k_ctx, const int64_t *adj, const int64_t *ctx,
                         const int64_t *suf, int64_t k, const double *lower, int64_t k_lo, const float *D,
                         const uint8_t *keep, int n_threads) {
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
        /* the rows of a context are consecutive (sorted tables): each thread takes whole runs of them, and
         * their sums need no array (the same additions in the same order as below) */
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
                context_run(prob, ctx_gamma, adj, suf, r, e, ctx[r], lower, D, keep);
                r = e;
            }
        }
        return SF_OK;
    }
    double *den = (double *)calloc((size_t)(k_ctx > 0 ? k_ctx : 1), sizeof(double));
    if (!den) return SF_ENOMEM;
    /* serial scatter of the per-context sums: one pass, same result for any thread count */
    for (i = 0; i < k; i++) {
        int64_t c = ctx[i];
        den[c] += (double)adj[i];
        if (keep && !keep[i]) ctx_gamma[c] += (double)adj[i]; /* pruned: all its mass backs off */
        else if (adj[i] > 0) ctx_gamma[c] += disc(D, adj[i]);
    }
    for (int64_t j = 0; j < k_ctx; j++)
        if (den[j] > 0.0) ctx_gamma[j] /= den[j];
SF_OMP(parallel for schedule(static) num_threads(n_threads) if (k > 100000))
    for (i = 0; i < k; i++) {
        int64_t c = ctx[i];
        double d = den[c] > 0.0 ? den[c] : 1.0; /* den == 0 only if every a(hx) is 0: then p = gamma * lower */
        prob[i] = ((double)adj[i] - disc(D, adj[i])) / d + ctx_gamma[c] * lower[suf[i]];
    }
    free(den);
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
