/* sf_gated.c: helpers shared by lstm.c and gru.c (see sf_gated.h). */
#include "sf_gated.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "sf_gemm.h"
#include "sf_math.h" /* SF_CLONES */

int sf_gated_check(int B, int T, int H, int G) {
    if (B < 1 || T < 1 || H < 1 || G < 1) return SF_EVALUE;
    /* GEMM sizes and strides are ints: T * G * H (a batch row of xproj) and B * T must fit;
     * element counts are longs. */
    if ((long long)T * G * H > INT_MAX) return SF_EVALUE;
    if ((long long)B * T > INT_MAX || (long long)B * T * G * H > (long long)LONG_MAX / 8) return SF_EVALUE;
    return SF_OK;
}

int sf_gated_check_input(int B, int T, int H, int G, const int32_t *ids, int V) {
    int rc = sf_gated_check(B, T, H, G);
    if (rc != SF_OK || !ids) return rc;
    if (V < 1) return SF_EVALUE;
    for (long n = 0; n < (long)B * T; n++)
        if (ids[n] < 0 || ids[n] >= V) return SF_EINDEX;
    return SF_OK;
}

int sf_gated_threads(int n_threads, int B) {
    int nth = sf_resolve_threads(n_threads);
    if (nth > B) nth = B;
    return nth < 1 ? 1 : nth;
}

/* For each of the BT rows a of dA and a2 of dA2 (row stride GH), in order, and each column r in [r0, r1):
 * db[r] += a[r]; db2[r] += a2[r] when db2; dtable[ids[bt]*GH + r] += a2[r] when dtable. One pass for the
 * bias gradient(s) and the scatter of a gathered input's gradient. Compiled per instruction set. */
#define DEFINE_COLSUM(NAME, R)                                                                              \
    static SF_CLONES void NAME(R *restrict db, R *restrict db2, R *restrict dtable, const int32_t *ids,    \
                               const R *dA, const R *dA2, long BT, long GH, int r0, int r1) {              \
        for (long bt = 0; bt < BT; bt++) { /* row by row: dA is read in memory order */                     \
            const R *a = dA + bt * GH, *a2 = dA2 + bt * GH;                                                \
            if (db)                                                                                        \
                for (int r = r0; r < r1; r++) db[r] += a[r];                                               \
            if (db2)                                                                                       \
                for (int r = r0; r < r1; r++) db2[r] += a2[r];                                             \
            if (dtable) {                                                                                  \
                R *restrict row = dtable + (long)ids[bt] * GH;                                             \
                for (int r = r0; r < r1; r++) row[r] += a2[r];                                             \
            }                                                                                              \
        }                                                                                                  \
    }

DEFINE_COLSUM(colsum_f32, float)
DEFINE_COLSUM(colsum_f64, double)

/* One body for both precisions: R is the real type, GEMM_SUMS / SUMS its sf_*gemm_tn_sums and their struct,
 * COLSUM the column sum above. */
#define DEFINE_WEIGHT_GRAD(NAME, R, GEMM_SUMS, SUMS, COLSUM)                                                           \
    int NAME(R *dW_hh, R *db_hh, const R *dA, const R *h_all, const R *h0, int B, int T, int H, int G,     \
             int n_threads, const R *dA2, int same_cols, R *db2, R *dtable, const int32_t *ids) {          \
        const long GH = (long)G * H, BT = (long)B * T;                                                     \
        /* hprev (B*T, H): row (b, t) is h_{t-1}[b], so dW_hh = dA^T hprev is one product with K = B*T.   \
         * The threads copy their batch rows into it, then each owns rows [r0, r1) of dW_hh and those     \
         * entries of db_hh. */                                                                            \
        R *hprev = (R *)malloc((size_t)BT * H * sizeof(R));                                                \
        if (!hprev) return SF_ENOMEM;                                                                      \
        int nth = sf_resolve_threads(n_threads);                                                           \
        if (nth > GH) nth = (int)GH;                                                                       \
        SF_PARALLEL(nth)                                                                               \
        {                                                                                                  \
            int c0, c1, r0, r1;                                                                            \
            sf_thread_rows(B, sf_thread_id(), sf_team_size(), &c0, &c1);                                             \
            for (long b = c0; b < c1; b++) {                                                               \
                memcpy(hprev + b * T * H, h0 + b * H, (size_t)H * sizeof(R));                              \
                if (T > 1)                                                                                 \
                    memcpy(hprev + (b * T + 1) * H, h_all + b * T * H, (size_t)(T - 1) * H * sizeof(R));   \
            }                                                                                              \
            SF_BARRIER                                                                                 \
            sf_thread_rows((int)GH, sf_thread_id(), sf_team_size(), &r0, &r1);                                       \
            if (r1 > r0) {                                                                                 \
                /* columns where dA2 equals dA (all of them when dA2 is NULL): db2 and dtable take their    \
                 * sums in the GEMM's own read of dA; the rest (the GRU's n gate) in a pass over dA2 */      \
                const int same = dA2 ? same_cols : (int)GH;                                                \
                const int m = same < r0 ? r0 : (same > r1 ? r1 : same);                                    \
                SUMS s = {db_hh + r0, db2 ? db2 + r0 : NULL, dtable ? dtable + r0 : NULL, m - r0, GH, ids}; \
                /* dW_hh[r0:r1] += dA[:, r0:r1]^T hprev (A^T with A stored (B*T, GH)); db_hh[r0:r1] and    \
                 * the columns [r0, m) of db2 and dtable in the same pass */                               \
                GEMM_SUMS(r1 - r0, H, (int)BT, dA + r0, (int)GH, hprev, H, dW_hh + (long)r0 * H, H, &s);    \
                if (r1 > m && (db2 || dtable)) COLSUM(NULL, db2, dtable, ids, dA, dA2, BT, GH, m, r1);      \
            }                                                                                              \
        }                                                                                                  \
        free(hprev);                                                                                       \
        return SF_OK;                                                                                      \
    }

DEFINE_WEIGHT_GRAD(sf_gated_weight_grad_f32, float, sf_sgemm_tn_sums, sf_sgemm_sums, colsum_f32)
DEFINE_WEIGHT_GRAD(sf_gated_weight_grad_f64, double, sf_dgemm_tn_sums, sf_dgemm_sums, colsum_f64)
