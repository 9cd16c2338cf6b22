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

int lm_interpolate_order(double *prob, double *ctx_gamma, int64_t k_ctx, const int64_t *adj, const int64_t *ctx,
                         const int64_t *suf, int64_t k, const double *lower, int64_t k_lo, const float *D,
                         const uint8_t *keep, int n_threads) {
    double *den = (double *)calloc((size_t)(k_ctx > 0 ? k_ctx : 1), sizeof(double));
    if (!den) return SF_ENOMEM;
    for (int64_t j = 0; j < k_ctx; j++) ctx_gamma[j] = 0.0;
    /* serial scatter of the per-context sums: one pass, same result for any thread count */
    for (int64_t i = 0; i < k; i++) {
        int64_t c = ctx[i];
        if (c < 0 || c >= k_ctx || suf[i] < 0 || suf[i] >= k_lo) { free(den); return SF_EFORMAT; }
        den[c] += (double)adj[i];
        if (keep && !keep[i]) ctx_gamma[c] += (double)adj[i]; /* pruned: all its mass backs off */
        else if (adj[i] > 0) ctx_gamma[c] += disc(D, adj[i]);
    }
    for (int64_t j = 0; j < k_ctx; j++)
        if (den[j] > 0.0) ctx_gamma[j] /= den[j];
    int64_t i;
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
