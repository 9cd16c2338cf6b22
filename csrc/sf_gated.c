/* sf_gated.c: helpers shared by lstm.c and gru.c (see sf_gated.h). */
#include "sf_gated.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "sf_gemm.h"

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

/* One body for both precisions: R is the real type, GEMM its sf_gemm. */
#define DEFINE_TRANSPOSE(NAME, R)                                                                          \
    void NAME(R *dst, const R *src, int rows, int cols) {                                                 \
        /* 32 x 32 tiles: both the reads and the writes stay within a few cache lines per tile. */        \
        for (int i0 = 0; i0 < rows; i0 += 32)                                                             \
            for (int j0 = 0; j0 < cols; j0 += 32) {                                                       \
                int i1 = i0 + 32 < rows ? i0 + 32 : rows, j1 = j0 + 32 < cols ? j0 + 32 : cols;           \
                for (int i = i0; i < i1; i++)                                                             \
                    for (int j = j0; j < j1; j++) dst[(long)j * rows + i] = src[(long)i * cols + j];      \
            }                                                                                             \
    }

DEFINE_TRANSPOSE(sf_gated_transpose_f32, float)
DEFINE_TRANSPOSE(sf_gated_transpose_f64, double)

#define DEFINE_WEIGHT_GRAD(NAME, R, GEMM)                                                                   \
    int NAME(R *dW_hh, R *db_hh, const R *dA, const R *h_all, const R *h0, int B, int T, int H, int G,     \
             int n_threads) {                                                                              \
        const long GH = (long)G * H, BT = (long)B * T;                                                     \
        /* hprevT (H, B*T): column (b, t) is h_{t-1}[b]. Then dW_hh^T (H, GH) = hprevT dA is one product  \
         * with K = B*T and no transposed operand; each thread owns rows [j0, j1) of dW_hh^T, i.e.        \
         * columns of dW_hh, and adds them in. */                                                         \
        R *hprevT = (R *)malloc((size_t)BT * H * sizeof(R));                                               \
        R *dWT = (R *)malloc((size_t)GH * H * sizeof(R));                                                  \
        if (!hprevT || !dWT) {                                                                             \
            free(hprevT);                                                                                  \
            free(dWT);                                                                                     \
            return SF_ENOMEM;                                                                              \
        }                                                                                                  \
        for (long b = 0; b < B; b++)                                                                       \
            for (long t = 0; t < T; t++) {                                                                 \
                const R *hp = t == 0 ? h0 + b * H : h_all + (b * T + t - 1) * H;                           \
                for (long j = 0; j < H; j++) hprevT[j * BT + b * T + t] = hp[j];                           \
            }                                                                                              \
        int nth = sf_resolve_threads(n_threads);                                                           \
        if (nth > H) nth = H;                                                                              \
        SF_OMP_PARALLEL(nth)                                                                               \
        {                                                                                                  \
            int j0, j1, r0, r1;                                                                            \
            sf_gated_rows(H, SF_OMP_TID, SF_OMP_NT, &j0, &j1);                                             \
            if (j1 > j0) {                                                                                 \
                GEMM(0, 0, j1 - j0, (int)GH, (int)BT, 1, hprevT + (long)j0 * BT, (int)BT, dA, (int)GH, 0,  \
                     dWT + (long)j0 * GH, (int)GH);                                                        \
                for (long r = 0; r < GH; r++)                                                              \
                    for (long j = j0; j < j1; j++) dW_hh[r * H + j] += dWT[j * GH + r];                    \
            }                                                                                              \
            sf_gated_rows((int)GH, SF_OMP_TID, SF_OMP_NT, &r0, &r1);                                       \
            for (long bt = 0; bt < BT; bt++) {                                                             \
                const R *a = dA + bt * GH;                                                                 \
                for (int r = r0; r < r1; r++) db_hh[r] += a[r];                                            \
            }                                                                                              \
        }                                                                                                  \
        free(hprevT);                                                                                      \
        free(dWT);                                                                                         \
        return SF_OK;                                                                                      \
    }

DEFINE_WEIGHT_GRAD(sf_gated_weight_grad_f32, float, sf_sgemm)
DEFINE_WEIGHT_GRAD(sf_gated_weight_grad_f64, double, sf_dgemm)
