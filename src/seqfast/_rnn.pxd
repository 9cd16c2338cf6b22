# Contract with csrc/rnn.h, csrc/sf_gemm.h and csrc/sf_math.h: declarations only.
from libc.stdint cimport int32_t

cdef extern from "rnn.h" nogil:
    int rnn_linear_forward_f32(float *out, const float *x, const float *W, const float *b, int N, int I, int O,
                               int n_threads)
    int rnn_linear_forward_f64(double *out, const double *x, const double *W, const double *b, int N, int I,
                               int O, int n_threads)
    int rnn_linear_backward_f32(float *dx, float *dW, float *db, const float *dout, const float *x,
                                const float *W, int N, int I, int O, int n_threads)
    int rnn_linear_backward_f64(double *dx, double *dW, double *db, const double *dout, const double *x,
                                const double *W, int N, int I, int O, int n_threads)
    int rnn_gather_f32(float *out, const float *table, long rs, long cs, const int32_t *ids, const float *bias,
                       int N, int D, int rows, int n_threads)
    int rnn_gather_f64(double *out, const double *table, long rs, long cs, const int32_t *ids,
                       const double *bias, int N, int D, int rows, int n_threads)
    int rnn_scatter_add_f32(float *dtable, float *dbias, long rs, long cs, const float *src, const int32_t *ids,
                            int N, int D, int rows, int n_threads)
    int rnn_scatter_add_f64(double *dtable, double *dbias, long rs, long cs, const double *src,
                            const int32_t *ids, int N, int D, int rows, int n_threads)
    int rnn_softmax_ce_f32(float *dlogits, double *loss_sum, const float *logits, const int32_t *targets,
                           float scale, int N, int V, int n_threads)
    int rnn_softmax_ce_f64(double *dlogits, double *loss_sum, const double *logits, const int32_t *targets,
                           double scale, int N, int V, int n_threads)
    void sf_sgd_step_f32(float *p, const float *g, float *mom, long n, double lr, double momentum,
                         double weight_decay, int n_threads)
    void sf_sgd_step_f64(double *p, const double *g, double *mom, long n, double lr, double momentum,
                         double weight_decay, int n_threads)
    void sf_adagrad_step_f32(float *p, const float *g, float *sum_sq, long n, double lr, double eps, int n_threads)
    void sf_adagrad_step_f64(double *p, const double *g, double *sum_sq, long n, double lr, double eps,
                             int n_threads)
    void sf_adam_step_f32(float *p, const float *g, float *m, float *v, long n, double lr, double beta1,
                          double beta2, double eps, double weight_decay, long step, int n_threads)
    void sf_adam_step_f64(double *p, const double *g, double *m, double *v, long n, double lr, double beta1,
                          double beta2, double eps, double weight_decay, long step, int n_threads)
    double sf_grad_norm_f32(const float *g, long n, int n_threads)
    double sf_grad_norm_f64(const double *g, long n, int n_threads)
    double sf_clip_norm_f32(float *g, long n, double max_norm, int n_threads)
    double sf_clip_norm_f64(double *g, long n, double max_norm, int n_threads)
    void sf_clip_value_f32(float *g, long n, double clip)
    void sf_clip_value_f64(double *g, long n, double clip)
    int sf_all_finite_f32(const float *x, long n)
    int sf_all_finite_f64(const double *x, long n)

cdef extern from "sf_gemm.h" nogil:
    ctypedef struct sf_sgemm_sums:
        float *db
        float *db2
        float *dtable
        int n2
        long ldt
        const int32_t *ids
    ctypedef struct sf_dgemm_sums:
        double *db
        double *db2
        double *dtable
        int n2
        long ldt
        const int32_t *ids
    int sf_sgemm_packed_init(int M, int N, int K, const float *A, int lda, const float *Bpk, const float **ci,
                             const float *bias, float *C, int ldc)
    int sf_dgemm_packed_init(int M, int N, int K, const double *A, int lda, const double *Bpk, const double **ci,
                             const double *bias, double *C, int ldc)
    void sf_sgemm_tn_sums(int M, int N, int K, const float *A, int lda, const float *B, int ldb, float *C, int ldc,
                          const sf_sgemm_sums *sums)
    void sf_dgemm_tn_sums(int M, int N, int K, const double *A, int lda, const double *B, int ldb, double *C,
                          int ldc, const sf_dgemm_sums *sums)
    int sf_gemm_isa()
    long sf_sgemm_packed_size(int K, int N)
    void sf_sgemm_pack(float *Bpk, int transB, int K, int N, const float *B, int ldb)
    int sf_sgemm_packed(int transA, int M, int N, int K, const float *A, int lda, const float *Bpk, float beta,
                        float *C, int ldc)
    long sf_dgemm_packed_size(int K, int N)
    void sf_dgemm_pack(double *Bpk, int transB, int K, int N, const double *B, int ldb)
    int sf_dgemm_packed(int transA, int M, int N, int K, const double *A, int lda, const double *Bpk,
                        double beta, double *C, int ldc)
    void sf_sgemm(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
                  const float *B, int ldb, float beta, float *C, int ldc)
    void sf_dgemm(int transA, int transB, int M, int N, int K, double alpha, const double *A, int lda,
                  const double *B, int ldb, double beta, double *C, int ldc)
    void sf_sgemm_naive(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
                        const float *B, int ldb, float beta, float *C, int ldc)
    void sf_dgemm_naive(int transA, int transB, int M, int N, int K, double alpha, const double *A, int lda,
                        const double *B, int ldb, double beta, double *C, int ldc)

cdef extern from "sf_math.h" nogil:
    void sf_exp_f32(float *x, long n)
    void sf_tanh_f32(float *x, long n)
