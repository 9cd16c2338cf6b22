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
 * Interface, threads and status: sf_cell.h (S = 1 state). The cache holds, back to back, gates (B, T, 3H)
 * (r, z, n), hn_all (B, T, H) (u_n = W_hn h_{t-1} + b_hn), and backward's scratch du (B, T, 3H) =
 * dL/d(h_{t-1} W_hh^T + b_hh) and hprev (B, T, H).
 */
#ifndef SF_GRU_H
#define SF_GRU_H

#include "sf_cell.h"

#endif
