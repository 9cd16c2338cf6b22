/* lm_adjust.c: adjusted counts of one lower order (stage 1 of estimation).
 * Input: raw counts of orders n and n + 1, suffix links of order n + 1. Output: adjusted counts of order n:
 * the continuation count N1+(. g) = number of distinct words seen before g (the rows of order n + 1 ending
 * in g), except for n-grams starting with <s>, which nothing can precede: they keep their raw count. */
#include "lm.h"

int lm_adjust_counts(int64_t *adj, const int32_t *grams, const int64_t *raw, int64_t k, int n,
                     const int32_t *next_grams, const int64_t *next_suf, int64_t k1, int32_t bos) {
    if (n < 1 || k < 0 || k1 < 0) return SF_EVALUE;
    for (int64_t i = 0; i < k; i++)
        adj[i] = grams[i * n] == bos ? (n == 1 ? 0 : raw[i]) : 0;
    /* serial scatter: cheap (one add per row) and identical for any thread count */
    for (int64_t j = 0; j < k1; j++) {
        int64_t s = next_suf[j];
        if (s < 0 || s >= k) return SF_EFORMAT;
        if (next_grams[j * (n + 1) + 1] == bos) continue; /* x <s> .. cannot occur with one <s> of padding */
        if (grams[s * n] == bos) continue;                 /* <s>-initial: raw count already */
        adj[s] += 1;
    }
    return SF_OK;
}
