/* sf_gated.h: pieces shared by the gated cells (lstm.c, gru.c): size checks, batch-row ownership per
 * thread, and the gradient of the recurrent weights.
 *
 * Letters: B batch, T time steps, H hidden size, G gates (4 for LSTM, 3 for GRU); GH = G * H.
 */
#ifndef SF_GATED_H
#define SF_GATED_H

#include "sf_common.h"

/* Ask for the n elements at p to be brought into L2 (one prefetch per 64-byte line). The gated kernels
 * prefetch the rows of the next time step before the current step's GEMM: every batch row of the caches
 * lives on its own pages, where the hardware prefetchers would restart at each row. */
#if defined(__GNUC__)
#define SF_PREFETCH_ROW(p, n)                                                                          \
    do {                                                                                               \
        const char *pf_ = (const char *)(p);                                                           \
        for (long o_ = 0; o_ < (long)(n) * (long)sizeof(*(p)); o_ += 64) __builtin_prefetch(pf_ + o_, 0, 2); \
    } while (0)
#else
#define SF_PREFETCH_ROW(p, n) ((void)(p), (void)(n))
#endif

/* SF_OK when B, T, H >= 1 and every stride and size the kernels use fits in an int / long,
 * else SF_EVALUE. */
int sf_gated_check(int B, int T, int H, int G);

/* sf_gated_check, and when ids is not NULL, every one of its B*T ids in [0, V) (else SF_EINDEX). */
int sf_gated_check_input(int B, int T, int H, int G, const int32_t *ids, int V);

/* Threads to use for a recurrence over B batch rows: sf_resolve_threads(n_threads), at most B. */
int sf_gated_threads(int n_threads, int B);

/* Gradient of the recurrent weights, given dA = dL/d(h_{t-1} W_hh^T + b_hh):
 *   dW_hh (GH, H) += sum_{b,t} dA[b, t]^T h_{t-1}[b]      h_{-1} = h0
 *   db_hh (GH)    += sum_{b,t} dA[b, t]
 * dA (B, T, GH), h_all (B, T, H), h0 (B, H). In the same pass over dA, when not NULL, with dA2 = dL/dxproj
 * (B, T, GH) (NULL: dA itself, as for the LSTM; its first same_cols columns equal dA's and are not read):
 *   db2 (GH)        += sum_{b,t} dA2[b, t]               (db_ih)
 *   dtable (V, GH)  : dtable[ids[b*T + t]] += dA2[b, t]  (the gradient of a gathered input table; ids checked
 *                     by the caller)
 * Threads own blocks of rows of dW_hh (and those columns of everything else); every element is summed over
 * (b, t) in the same order for any thread count. Returns SF_OK or SF_ENOMEM. */
int sf_gated_weight_grad_f32(float *dW_hh, float *db_hh, const float *dA, const float *h_all, const float *h0,
                             int B, int T, int H, int G, int n_threads, const float *dA2, int same_cols,
                             float *db2, float *dtable, const int32_t *ids);
int sf_gated_weight_grad_f64(double *dW_hh, double *db_hh, const double *dA, const double *h_all,
                             const double *h0, int B, int T, int H, int G, int n_threads,
                             const double *dA2, int same_cols, double *db2, double *dtable,
                             const int32_t *ids);

#endif
