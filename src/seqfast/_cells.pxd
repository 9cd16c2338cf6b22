# Contract with csrc/sf_cell.h: declarations only.
from libc.stdint cimport int32_t

cdef extern from "sf_cell.h" nogil:
    enum:
        SF_RNN_CACHE
        SF_LSTM_CACHE
        SF_GRU_CACHE
    enum:
        SF_N_CELLS
    ctypedef int (*sf_cell_forward_f32_fn)(float *h_all, float *stateT, float *cache, const float *x,
                                           const int32_t *ids, int V, const int32_t *lengths, const float *state0,
                                           const float *W_hh, const float *b_hh, int B, int T, int H, int n_threads)
    ctypedef int (*sf_cell_forward_f64_fn)(double *h_all, double *stateT, double *cache, const double *x,
                                           const int32_t *ids, int V, const int32_t *lengths, const double *state0,
                                           const double *W_hh, const double *b_hh, int B, int T, int H,
                                           int n_threads)
    ctypedef int (*sf_cell_backward_f32_fn)(float *dx, float *dstate0, float *dW_hh, float *db_hh, float *db_ih,
                                            float *dtable, const float *dh_all, const float *dstateT, float *cache,
                                            const float *h_all, const int32_t *ids, int V, const int32_t *lengths,
                                            const float *state0, const float *W_hh, int B, int T, int H,
                                            int n_threads)
    ctypedef int (*sf_cell_backward_f64_fn)(double *dx, double *dstate0, double *dW_hh, double *db_hh,
                                            double *db_ih, double *dtable, const double *dh_all,
                                            const double *dstateT, double *cache, const double *h_all,
                                            const int32_t *ids, int V, const int32_t *lengths, const double *state0,
                                            const double *W_hh, int B, int T, int H, int n_threads)
    # indexed by cell, in the order rnn_tanh, rnn_relu, lstm, gru
    const sf_cell_forward_f32_fn sf_cell_forward_f32[]
    const sf_cell_forward_f64_fn sf_cell_forward_f64[]
    const sf_cell_backward_f32_fn sf_cell_backward_f32[]
    const sf_cell_backward_f64_fn sf_cell_backward_f64[]
