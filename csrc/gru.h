/* gru.h: GRU cell recurrence, forward and backward (PyTorch's equations and gate order r, z, n).
 *
 * The input projection is done by the caller for the whole window, so the kernels only see
 *   xproj[b, t] = W_ih x[b, t] + b_ih                                        (B, T, 3H), blocks [r | z | n]
 * and compute, for t = 0 .. T-1 with h_{-1} = h0:
 *   u_t = h_{t-1} W_hh^T + b_hh                                              (B, 3H), blocks [r | z | n]
 *   r = sigmoid(xproj_r + u_r), z = sigmoid(xproj_z + u_z)
 *   n = tanh(xproj_n + r * u_n)          (the reset gate multiplies W_hn h + b_hn, as in PyTorch)
 *   h_t = (1 - z) * n + z * h_{t-1}
 *
 * Shapes (row-major, contiguous):
 *   xproj (B, T, 3H)   h0, hT (B, H)   W_hh (3H, H)   b_hh (3H)
 *   h_all (B, T, H)    the h_t of every step (the layer's output)
 *   gates (B, T, 3H)   cache: r, z, n
 *   hn_all (B, T, H)   cache: u_n = W_hn h_{t-1} + b_hn
 * Gathered input (ids not NULL: xproj is a table (V, 3H) indexed by ids (B, T)) and in place (gates may be
 * xproj, dxproj may be gates): as in lstm.h.
 * Backward takes dL/dh_t from above (dh_all) and into the final state (dhT, NULL for zero), writes dxproj
 * (B, T, 3H) and dh0 (B, H), and accumulates (+=) dW_hh (3H, H) and db_hh (3H), and when not NULL db_ih (3H)
 * and the table gradient dtable (V, 3H) (dxproj's column sums and its rows scattered by ids, as in lstm.h).
 *
 * Threads: as lstm.h (batch rows for the recurrence, rows of W_hh for its gradient); results are identical
 * for any thread count. Returns SF_OK, SF_EVALUE (a size < 1 or too large), SF_EINDEX or SF_ENOMEM.
 */
#ifndef SF_GRU_H
#define SF_GRU_H

#include "sf_common.h"

int sf_gru_forward_f32(float *h_all, float *hT, float *gates, float *hn_all, const float *xproj,
                       const float *h0, const float *W_hh, const float *b_hh, int B, int T, int H, int n_threads,
                       const int32_t *ids, int V);
int sf_gru_forward_f64(double *h_all, double *hT, double *gates, double *hn_all, const double *xproj,
                       const double *h0, const double *W_hh, const double *b_hh, int B, int T, int H,
                       int n_threads, const int32_t *ids, int V);

int sf_gru_backward_f32(float *dxproj, float *dh0, float *dW_hh, float *db_hh, const float *dh_all,
                        const float *dhT, const float *gates, const float *hn_all, const float *h_all,
                        const float *h0, const float *W_hh, int B, int T, int H, int n_threads,
                        float *db_ih, float *dtable, const int32_t *ids, int V);
int sf_gru_backward_f64(double *dxproj, double *dh0, double *dW_hh, double *db_hh, const double *dh_all,
                        const double *dhT, const double *gates, const double *hn_all, const double *h_all,
                        const double *h0, const double *W_hh, int B, int T, int H, int n_threads,
                        double *db_ih, double *dtable, const int32_t *ids, int V);

#endif
