# Contract with csrc/charcnn.h: declarations only.
from libc.stdint cimport int32_t

cdef extern from "charcnn.h" nogil:
    enum:
        SF_ACT_IDENTITY
        SF_ACT_TANH
        SF_ACT_RELU
    int charcnn_forward_f32(float *out, int32_t *argmax, const int32_t *chars, const int32_t *lengths,
                            const float *emb, const float *weight, const float *bias, int W, int L, int C, int E,
                            int F, int K, int P, int act, int n_threads)
    int charcnn_forward_f64(double *out, int32_t *argmax, const int32_t *chars, const int32_t *lengths,
                            const double *emb, const double *weight, const double *bias, int W, int L, int C,
                            int E, int F, int K, int P, int act, int n_threads)
    int charcnn_backward_f32(float *demb, float *dweight, float *dbias, const float *dout, const float *out,
                             const int32_t *argmax, const int32_t *chars, const int32_t *lengths, const float *emb,
                             const float *weight, int W, int L, int C, int E, int F, int K, int P, int act,
                             int n_threads)
    int charcnn_backward_f64(double *demb, double *dweight, double *dbias, const double *dout, const double *out,
                             const int32_t *argmax, const int32_t *chars, const int32_t *lengths,
                             const double *emb, const double *weight, int W, int L, int C, int E, int F, int K,
                             int P, int act, int n_threads)
