/* lm_discount.c: counts-of-counts and modified Kneser-Ney discounts (stage 2 of estimation).
 * Input: adjusted counts of one order. Output: D1, D2, D3+ (Chen & Goodman 1998, eq. 26), computed in
 * float32 in the same operation order as lmplz so the printed values agree digit for digit. */
#include "lm.h"

void lm_counts_of_counts(int64_t *t, const int64_t *adj, int64_t k) {
    for (int c = 0; c < 5; c++) t[c] = 0;
    for (int64_t i = 0; i < k; i++)
        if (adj[i] >= 1 && adj[i] <= 4) t[adj[i]]++;
}

int lm_mkn_discounts(float *D, const int64_t *t) {
    D[0] = 0.0f;
    for (int c = 1; c <= 3; c++)
        if (t[c] == 0) return SF_EVALUE;
    float y = (float)t[1] / (float)((double)t[1] + 2.0 * (double)t[2]);
    for (int c = 1; c <= 3; c++) {
        D[c] = (float)c - (float)(c + 1) * y * (float)t[c + 1] / (float)t[c];
        if (D[c] < 0.0f || D[c] > (float)c) return SF_EVALUE;
    }
    return SF_OK;
}
