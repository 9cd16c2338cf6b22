from libc.stdint cimport int32_t

# Contract with csrc/lstm.h: declarations only.
cdef extern from "lstm.h" nogil:
    int sf_lstm_forward_f32(float *h_all, float *hT, float *cT, float *gates, float *c_all, float *tc_all,
                            const float *xproj, const float *h0, const float *c0, const float *W_hh,
                            const float *b_hh, int B, int T, int H, int n_threads, const int32_t *ids, int V)
    int sf_lstm_forward_f64(double *h_all, double *hT, double *cT, double *gates, double *c_all,
                            double *tc_all, const double *xproj, const double *h0, const double *c0,
                            const double *W_hh, const double *b_hh, int B, int T, int H, int n_threads,
                            const int32_t *ids, int V)
    int sf_lstm_backward_f32(float *dxproj, float *dh0, float *dc0, float *dW_hh, float *db_hh,
                             const float *dh_all, const float *dhT, const float *dcT, const float *gates,
                             const float *c_all, const float *tc_all, const float *h_all, const float *h0,
                             const float *c0, const float *W_hh, int B, int T, int H, int n_threads,
                             float *db_ih, float *dtable, const int32_t *ids, int V)
    int sf_lstm_backward_f64(double *dxproj, double *dh0, double *dc0, double *dW_hh, double *db_hh,
                             const double *dh_all, const double *dhT, const double *dcT, const double *gates,
                             const double *c_all, const double *tc_all, const double *h_all, const double *h0,
                             const double *c0, const double *W_hh, int B, int T, int H, int n_threads,
                             double *db_ih, double *dtable, const int32_t *ids, int V)
