/* lstm.h: LSTM cell recurrence, forward and backward (PyTorch's equations and gate order i, f, g, o).
 *
 * The input projection is done by the caller for the whole window, so the kernels only see
 *   xproj[b, t] = W_ih x[b, t] + b_ih                                        (B, T, 4H)
 * and compute, for t = 0 .. T-1 with h_{-1} = h0, c_{-1} = c0:
 *   a_t = xproj[:, t] + h_{t-1} W_hh^T + b_hh                               (B, 4H), blocks [i | f | g | o]
 *   i = sigmoid(a_i), f = sigmoid(a_f), g = tanh(a_g), o = sigmoid(a_o)
 *   c_t = f * c_{t-1} + i * g
 *   h_t = o * tanh(c_t)
 *
 * Shapes (row-major, contiguous):
 *   xproj (B, T, 4H)   h0, c0, hT, cT (B, H)   W_hh (4H, H)   b_hh (4H)
 *   h_all (B, T, H)    the h_t of every step (the layer's output)
 *   gates (B, T, 4H)   cache: the activated gates i, f, g, o
 *   c_all (B, T, H)    cache: c_t
 *   tc_all (B, T, H)   cache: tanh(c_t)
 * Gathered input: when ids is not NULL, xproj is a table (V, 4H) and step t of batch row b reads its row
 * ids[b*T + t] (ids (B, T), every id in [0, V), else SF_EINDEX): the one-hot or embedding input of a first
 * layer, without materializing (B, T, 4H).
 * In place: gates may be xproj itself (xproj is then overwritten by the gates), and dxproj may be the gates
 * cache itself (overwritten by dxproj): the model does both, saving two (B, T, 4H) arrays per layer.
 * Backward takes dL/dh_t from above (dh_all), the gradients flowing into the final state (dhT, dcT; either
 * may be NULL for zero), and writes dxproj (B, T, 4H) (which is also dL/da_t), dh0 and dc0 (B, H);
 * it accumulates (+=) dW_hh (4H, H) and db_hh (4H), and in the same pass, when not NULL, db_ih (4H) (the same
 * sum) and dtable (V, 4H): dtable[ids[b*T + t]] += dxproj[b, t] (the table gradient of a gathered input).
 *
 * Threads: OpenMP over the batch for the recurrence (each thread owns a block of batch rows for all T steps,
 * so no barrier is needed between steps), and over rows of W_hh for dW_hh / db_hh (each thread owns what it
 * writes; the sums run over b then t in a fixed order). Results are identical for any thread count.
 * Returns SF_OK, SF_EVALUE (a size < 1 or too large), SF_EINDEX (an id out of range) or SF_ENOMEM.
 */
#ifndef SF_LSTM_H
#define SF_LSTM_H

#include "sf_common.h"

int sf_lstm_forward_f32(float *h_all, float *hT, float *cT, float *gates, float *c_all, float *tc_all,
                        const float *xproj, const float *h0, const float *c0, const float *W_hh,
                        const float *b_hh, int B, int T, int H, int n_threads, const int32_t *ids, int V);
int sf_lstm_forward_f64(double *h_all, double *hT, double *cT, double *gates, double *c_all, double *tc_all,
                        const double *xproj, const double *h0, const double *c0, const double *W_hh,
                        const double *b_hh, int B, int T, int H, int n_threads, const int32_t *ids, int V);

int sf_lstm_backward_f32(float *dxproj, float *dh0, float *dc0, float *dW_hh, float *db_hh,
                         const float *dh_all, const float *dhT, const float *dcT, const float *gates,
                         const float *c_all, const float *tc_all, const float *h_all, const float *h0,
                         const float *c0, const float *W_hh, int B, int T, int H, int n_threads,
                         float *db_ih, float *dtable, const int32_t *ids, int V);
int sf_lstm_backward_f64(double *dxproj, double *dh0, double *dc0, double *dW_hh, double *db_hh,
                         const double *dh_all, const double *dhT, const double *dcT, const double *gates,
                         const double *c_all, const double *tc_all, const double *h_all, const double *h0,
                         const double *c0, const double *W_hh, int B, int T, int H, int n_threads,
                         double *db_ih, double *dtable, const int32_t *ids, int V);

#endif
