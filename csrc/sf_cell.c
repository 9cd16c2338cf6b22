/* sf_cell.c: what the recurrent cells share (see sf_cell.h): size checks, threads, and the weight gradient
 * (body sf_cell_tmpl.h, once per dtype). */
#include "sf_cell.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "sf_gemm.h"
#include "sf_math.h" /* SF_CLONES */

int sf_cell_check(int B, int T, int H, int G, const int32_t *ids, int V, const int32_t *lengths) {
    if (B < 1 || T < 1 || H < 1 || G < 1) return SF_EVALUE;
    /* GEMM sizes and strides are ints: T * G * H (a batch row of xproj) and B * T must fit; element counts
     * (the cache is at most 8 H per step) are longs. */
    if ((long long)T * G * H > INT_MAX) return SF_EVALUE;
    if ((long long)B * T > INT_MAX || (long long)B * T * 8 * H > (long long)LONG_MAX / 8) return SF_EVALUE;
    if (lengths)
        for (int b = 0; b < B; b++)
            if (lengths[b] < 1 || lengths[b] > T) return SF_EVALUE;
    if (!ids) return SF_OK;
    if (V < 1) return SF_EVALUE;
    for (long n = 0; n < (long)B * T; n++)
        if (ids[n] < 0 || ids[n] >= V) return SF_EINDEX;
    return SF_OK;
}

int sf_cell_threads(int n_threads, int B) {
    int nth = sf_resolve_threads(n_threads);
    if (nth > B) nth = B;
    return nth < 1 ? 1 : nth;
}

const sf_cell_forward_f32_fn sf_cell_forward_f32[SF_N_CELLS] = {sf_rnn_tanh_forward_f32, sf_rnn_relu_forward_f32,
                                                                 sf_lstm_forward_f32, sf_gru_forward_f32};
const sf_cell_forward_f64_fn sf_cell_forward_f64[SF_N_CELLS] = {sf_rnn_tanh_forward_f64, sf_rnn_relu_forward_f64,
                                                                 sf_lstm_forward_f64, sf_gru_forward_f64};
const sf_cell_backward_f32_fn sf_cell_backward_f32[SF_N_CELLS] = {sf_rnn_tanh_backward_f32, sf_rnn_relu_backward_f32,
                                                                   sf_lstm_backward_f32, sf_gru_backward_f32};
const sf_cell_backward_f64_fn sf_cell_backward_f64[SF_N_CELLS] = {sf_rnn_tanh_backward_f64, sf_rnn_relu_backward_f64,
                                                                   sf_lstm_backward_f64, sf_gru_backward_f64};

#define SF_F64 0
#include "sf_real_tmpl.h"
#include "sf_cell_tmpl.h"
#include "sf_real_undef.h"

#define SF_F64 1
#include "sf_real_tmpl.h"
#include "sf_cell_tmpl.h"
#include "sf_real_undef.h"
