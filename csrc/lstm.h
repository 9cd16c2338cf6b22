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
 * Interface, threads and status: sf_cell.h (S = 2 states: a state (2, B, H) is [h; c]). The cache holds, back to
 * back, gates (B, T, 4H) (activated i, f, g, o), c_all (B, T, H) (c_t), tc_all (B, T, H) (tanh(c_t)) and
 * hprev (B, T, H) (backward's scratch).
 */
#ifndef SF_LSTM_H
#define SF_LSTM_H

#include "sf_cell.h"

#endif
