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

int sf_gated_threads(int n_threads, int B) {
    int nth = sf_resolve_threads(n_threads);
    if (nth > B) nth = B;
    return nth < 1 ? 1 : nth;
}

void sf_gated_rows(int n, int tid, int nt, int *b0, int *b1) {
    *b0 = (int)((long long)n * tid / nt);
    *b1 = (int)((long long)n * (tid + 1) / nt);
}

/* db[r0:r1] += sum over the BT rows of dA (row stride GH) of their columns r0..r1, rows in order. Compiled per
 * instruction set (vectorizes along r without -march=native). */
#define DEFINE_COLSUM(NAME, R)                                                                              \
    static SF_CLONES void NAME(R *restrict db, const R *restrict dA, long BT, long GH, int r0, int r1) {    \
        for (long bt = 0; bt < BT; bt++) { /* row by row: dA is read in memory order */                     \
            const R *restrict a = dA + bt * GH;                                                            \
            for (int r = r0; r < r1; r++) db[r] += a[r];                                                   \
        }                                                                                                  \
    }

DEFINE_COLSUM(colsum_f32, float)
DEFINE_COLSUM(colsum_f64, double)

/* One body for both precisions: R is the real type, GEMM its sf_gemm, COLSUM the column sum above. */
#define DEFINE_WEIGHT_GRAD(NAME, R, GEMM, COLSUM)                                                           \
    int NAME(R *dW_hh, R *db_hh, const R *dA, const R *h_all, const R *h0, int B, int T, int H, int G,     \
             int n_threads) {                                                                              \
        const long GH = (long)G * H, BT = (long)B * T;                                                     \
        /* hprev (B*T, H): row (b, t) is h_{t-1}[b], so dW_hh = dA^T hprev is one product with K = B*T.   \
         * The threads copy their batch rows into it, then each owns rows [r0, r1) of dW_hh and those     \
         * entries of db_hh. */                                                                            \
        R *hprev = (R *)malloc((size_t)BT * H * sizeof(R));                                                \
        if (!hprev) return SF_ENOMEM;                                                                      \
        int nth = sf_resolve_threads(n_threads);                                                           \
        if (nth > GH) nth = (int)GH;                                                                       \
        SF_OMP_PARALLEL(nth)                                                                               \
        {                                                                                                  \
            int c0, c1, r0, r1;                                                                            \
            sf_gated_rows(B, SF_OMP_TID, SF_OMP_NT, &c0, &c1);                                             \
            for (long b = c0; b < c1; b++) {                                                               \
                memcpy(hprev + b * T * H, h0 + b * H, (size_t)H * sizeof(R));                              \
                if (T > 1)                                                                                 \
                    memcpy(hprev + (b * T + 1) * H, h_all + b * T * H, (size_t)(T - 1) * H * sizeof(R));   \
            }                                                                                              \
            SF_OMP_BARRIER                                                                                 \
            sf_gated_rows((int)GH, SF_OMP_TID, SF_OMP_NT, &r0, &r1);                                       \
            if (r1 > r0) {                                                                                 \
                /* dW_hh[r0:r1] += dA[:, r0:r1]^T hprev (A^T with A stored (B*T, GH)) */                   \
                GEMM(1, 0, r1 - r0, H, (int)BT, 1, dA + r0, (int)GH, hprev, H, 1, dW_hh + (long)r0 * H, H); \
                COLSUM(db_hh, dA, BT, GH, r0, r1);                                                         \
            }                                                                                              \
        }                                                                                                  \
        free(hprev);                                                                                       \
        return SF_OK;                                                                                      \
    }

DEFINE_WEIGHT_GRAD(sf_gated_weight_grad_f32, float, sf_sgemm, colsum_f32)
DEFINE_WEIGHT_GRAD(sf_gated_weight_grad_f64, double, sf_dgemm, colsum_f64)
