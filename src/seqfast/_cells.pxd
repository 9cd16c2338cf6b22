# Contract with csrc/sf_cell.h: declarations only.
from libc.stdint cimport int32_t

cdef extern from "sf_cell.h" nogil:
    enum:
        SF_RNN_CACHE
        SF_LSTM_CACHE
        SF_GRU_CACHE
    int sf_rnn_tanh_forward_f32(float *h_all, float *stateT, float *cache, const float *x, const int32_t *ids,
                                int V, const int32_t *lengths, const float *state0, const float *W_hh,
                                const float *b_hh, int B, int T, int H, int n_threads)
    int sf_rnn_tanh_forward_f64(double *h_all, double *stateT, double *cache, const double *x, const int32_t *ids,
                                int V, const int32_t *lengths, const double *state0, const double *W_hh,
                                const double *b_hh, int B, int T, int H, int n_threads)
    int sf_rnn_relu_forward_f32(float *h_all, float *stateT, float *cache, const float *x, const int32_t *ids,
                                int V, const int32_t *lengths, const float *state0, const float *W_hh,
                                const float *b_hh, int B, int T, int H, int n_threads)
    int sf_rnn_relu_forward_f64(double *h_all, double *stateT, double *cache, const double *x, const int32_t *ids,
                                int V, const int32_t *lengths, const double *state0, const double *W_hh,
                                const double *b_hh, int B, int T, int H, int n_threads)
    int sf_lstm_forward_f32(float *h_all, float *stateT, float *cache, const float *x, const int32_t *ids, int V,
                            const int32_t *lengths, const float *state0, const float *W_hh, const float *b_hh,
                            int B, int T, int H, int n_threads)
    int sf_lstm_forward_f64(double *h_all, double *stateT, double *cache, const double *x, const int32_t *ids,
                            int V, const int32_t *lengths, const double *state0, const double *W_hh,
                            const double *b_hh, int B, int T, int H, int n_threads)
    int sf_gru_forward_f32(float *h_all, float *stateT, float *cache, const float *x, const int32_t *ids, int V,
                           const int32_t *lengths, const float *state0, const float *W_hh, const float *b_hh, int B,
                           int T, int H, int n_threads)
    int sf_gru_forward_f64(double *h_all, double *stateT, double *cache, const double *x, const int32_t *ids, int V,
                           const int32_t *lengths, const double *state0, const double *W_hh, const double *b_hh,
                           int B, int T, int H, int n_threads)
    int sf_rnn_tanh_backward_f32(float *dx, float *dstate0, float *dW_hh, float *db_hh, float *db_ih, float *dtable,
                                 const float *dh_all, const float *dstateT, float *cache, const float *h_all,
                                 const int32_t *ids, int V, const int32_t *lengths, const float *state0,
                                 const float *W_hh, int B, int T, int H, int n_threads)
    int sf_rnn_tanh_backward_f64(double *dx, double *dstate0, double *dW_hh, double *db_hh, double *db_ih,
                                 double *dtable, const double *dh_all, const double *dstateT, double *cache,
                                 const double *h_all, const int32_t *ids, int V, const int32_t *lengths,
                                 const double *state0, const double *W_hh, int B, int T, int H, int n_threads)
    int sf_rnn_relu_backward_f32(float *dx, float *dstate0, float *dW_hh, float *db_hh, float *db_ih, float *dtable,
                                 const float *dh_all, const float *dstateT, float *cache, const float *h_all,
                                 const int32_t *ids, int V, const int32_t *lengths, const float *state0,
                                 const float *W_hh, int B, int T, int H, int n_threads)
    int sf_rnn_relu_backward_f64(double *dx, double *dstate0, double *dW_hh, double *db_hh, double *db_ih,
                                 double *dtable, const double *dh_all, const double *dstateT, double *cache,
                                 const double *h_all, const int32_t *ids, int V, const int32_t *lengths,
                                 const double *state0, const double *W_hh, int B, int T, int H, int n_threads)
    int sf_lstm_backward_f32(float *dx, float *dstate0, float *dW_hh, float *db_hh, float *db_ih, float *dtable,
                             const float *dh_all, const float *dstateT, float *cache, const float *h_all,
                             const int32_t *ids, int V, const int32_t *lengths, const float *state0,
                             const float *W_hh, int B, int T, int H, int n_threads)
    int sf_lstm_backward_f64(double *dx, double *dstate0, double *dW_hh, double *db_hh, double *db_ih,
                             double *dtable, const double *dh_all, const double *dstateT, double *cache,
                             const double *h_all, const int32_t *ids, int V, const int32_t *lengths,
                             const double *state0, const double *W_hh, int B, int T, int H, int n_threads)
    int sf_gru_backward_f32(float *dx, float *dstate0, float *dW_hh, float *db_hh, float *db_ih, float *dtable,
                            const float *dh_all, const float *dstateT, float *cache, const float *h_all,
                            const int32_t *ids, int V, const int32_t *lengths, const float *state0,
                            const float *W_hh, int B, int T, int H, int n_threads)
    int sf_gru_backward_f64(double *dx, double *dstate0, double *dW_hh, double *db_hh, double *db_ih,
                            double *dtable, const double *dh_all, const double *dstateT, double *cache,
                            const double *h_all, const int32_t *ids, int V, const int32_t *lengths,
                            const double *state0, const double *W_hh, int B, int T, int H, int n_threads)
