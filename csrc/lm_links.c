/* lm_links.c: suffix links between sorted orders by walking the context tree (no hashing).
 * Input: order n sorted lexicographically with its context links, the suffix links of order n - 1, and
 * where each order-(n-2) row's children start in order n - 1. Output: suf[i] = row in order n - 1 of the
 * last n - 1 words of row i. The suffix (w2..wn) of (w1..wn) is a child of j = suffix of the context
 * (w2..w[n-1]); children of j are contiguous in the sorted order n - 1, ordered by their last word, and
 * consecutive rows sharing a context share j with increasing wn: a forward scan, cache-friendly (the scan
 * restarts at each new context, since two contexts can share j). */
#include "lm.h"

int lm_suffix_rows(int64_t *suf, const int32_t *grams, int64_t k, int n, const int64_t *ctx,
                   const int64_t *ctx_suf, int64_t k_ctx, const int64_t *child_start, int64_t k_lolo,
                   const int32_t *lower, int64_t k_lo, int n_threads) {
    if (n < 3) return SF_EVALUE;
    const int m = n - 1; /* width of lower */
    int bad = 0;
    int64_t c, chunk = 1 << 14, nchunks = (k + chunk - 1) / chunk;
SF_OMP(parallel for schedule(dynamic, 1) num_threads(n_threads) reduction(|:bad))
    for (c = 0; c < nchunks; c++) {
        int64_t r1 = (c + 1) * chunk < k ? (c + 1) * chunk : k;
        int64_t prev_h = -1, pos = 0;
        for (int64_t r = c * chunk; r < r1; r++) {
            int64_t h = ctx[r];
            if (h < 0 || h >= k_ctx) { bad = 1; suf[r] = -1; continue; }
            int64_t j = ctx_suf[h];
            if (j < 0 || j >= k_lolo) { bad = 1; suf[r] = -1; continue; }
            int64_t a = child_start[j], b = child_start[j + 1];
            if (a < 0 || b > k_lo || a > b) { bad = 1; suf[r] = -1; continue; }
            if (h != prev_h) pos = a; /* a new context: its suffix family is scanned from the start */
            prev_h = h;
            int32_t w = grams[r * n + n - 1];
            if (b - pos > 8) { /* bisection on the last word for big families */
                int64_t lo = pos, hi = b;
                while (lo < hi) {
                    int64_t mid = lo + (hi - lo) / 2;
                    if (lower[mid * m + m - 1] < w) lo = mid + 1;
                    else hi = mid;
                }
                pos = lo;
            } else {
                while (pos < b && lower[pos * m + m - 1] < w) pos++;
            }
            if (pos == b || lower[pos * m + m - 1] != w) { bad = 1; suf[r] = -1; continue; }
            suf[r] = pos;
        }
    }
    return bad ? SF_EINDEX : SF_OK;
}
