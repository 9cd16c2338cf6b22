from libc.stdint cimport int32_t

# Contract with csrc/gru.h: declarations only.
cdef extern from "gru.h" nogil:
    int sf_gru_forward_f32(float *h_all, float *hT, float *gates, float *hn_all, const float *xproj,
                           const float *h0, const float *W_hh, const float *b_hh, int B, int T, int H,
                           int n_threads, const int32_t *ids, int V)
    int sf_gru_forward_f64(double *h_all, double *hT, double *gates, double *hn_all, const double *xproj,
                           const double *h0, const double *W_hh, const double *b_hh, int B, int T, int H,
                           int n_threads, const int32_t *ids, int V)
    int sf_gru_backward_f32(float *dxproj, float *dh0, float *dW_hh, float *db_hh, const float *dh_all,
                            const float *dhT, const float *gates, const float *hn_all, const float *h_all,
                            const float *h0, const float *W_hh, int B, int T, int H, int n_threads,
                            float *db_ih, float *dtable, const int32_t *ids, int V)
    int sf_gru_backward_f64(double *dxproj, double *dh0, double *dW_hh, double *db_hh, const double *dh_all,
                            const double *dhT, const double *gates, const double *hn_all, const double *h_all,
                            const double *h0, const double *W_hh, int B, int T, int H, int n_threads,
                            double *db_ih, double *dtable, const int32_t *ids, int V)
