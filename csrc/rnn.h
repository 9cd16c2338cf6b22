/* rnn.h: the recurrent language model's kernels around the cells, float32 (_f32) and float64 (_f64): dense
 * layers, gathers, the fused softmax cross-entropy and the optimizers. The cells are in sf_cell.h.
 *
 * Letters: B batch, T time steps, H hidden, V vocabulary, E embedding/input size, N = B*T rows,
 * G gates per hidden unit. All arrays row-major and contiguous unless a stride is passed.
 *
 * The model (see src/seqfast/nn/model.py) runs, for one (B, T) window:
 *   x       = input: embedding rows gathered by id (rnn_gather) or one-hot (a column gather of W_ih)
 *   xproj   = x W_ih^T + b_ih                     (rnn_linear_forward, one GEMM for the whole window)
 *   h_all   = recurrence over t                   (sf_<cell>_forward, sf_cell.h)
 *   logits  = h_all W_dec^T + b_dec               (rnn_linear_forward)
 *   loss    = mean_n -log softmax(logits_n)[y_n]  (rnn_softmax_ce, fused with its gradient)
 * and backward in reverse order. Backward kernels accumulate (+=) into weight gradients.
 *
 * Every kernel returns SF_OK or an SF_E* code (sf_common.h). OpenMP over rows of the batch (or rows of a
 * weight gradient); each thread owns what it writes, so results are bitwise identical for any n_threads.
 */
#ifndef SF_RNN_H
#define SF_RNN_H

#include <stdint.h>
#include "sf_common.h"

#define SF_RNN_DECLARE(REAL, S)                                                                          \
    /* out (N,O) = x (N,I) W^T + b; W (O,I), b (O) or NULL. */                                           \
    int rnn_linear_forward_##S(REAL *out, const REAL *x, const REAL *W, const REAL *b, int N, int I,     \
                               int O, int n_threads);                                                    \
    /* dx (N,I) = dout W (skipped when dx is NULL); dW (O,I) += dout^T x; db (O) += sum_n dout. */        \
    int rnn_linear_backward_##S(REAL *dx, REAL *dW, REAL *db, const REAL *dout, const REAL *x,          \
                                const REAL *W, int N, int I, int O, int n_threads);                      \
    /* out (N,D): out[n,d] = table[ids[n]*rs + d*cs] (+ bias[d] when bias is not NULL); ids in [0,rows). \
     * Embedding rows: rs=E, cs=1. One-hot input (columns of W_ih (GH,V)): rs=1, cs=V. */                \
    int rnn_gather_##S(REAL *out, const REAL *table, long rs, long cs, const int32_t *ids,               \
                       const REAL *bias, int N, int D, int rows, int n_threads);                         \
    /* The adjoint of rnn_gather: dtable[ids[n]*rs + d*cs] += src[n,d]; and dbias[d] += sum_n src[n,d]  \
     * when dbias is not NULL (the bias gradient of the same gather, in the same pass over src). */      \
    int rnn_scatter_add_##S(REAL *dtable, REAL *dbias, long rs, long cs, const REAL *src,                \
                            const int32_t *ids, int N, int D, int rows, int n_threads);                  \
    /* Fused softmax cross-entropy over rows of logits (N,V), targets (N) in [0,V).                      \
     * *loss_sum = sum_n (logsumexp(logits_n) - logits_n[y_n]) (natural log, stable).                      \
     * When dlogits (N,V) is not NULL (it may equal logits: in place), dlogits = scale*(softmax - onehot). \
     * Returns SF_ENAN when a row's loss is not finite (the sum is still written). */                   \
    int rnn_softmax_ce_##S(REAL *dlogits, double *loss_sum, const REAL *logits, const int32_t *targets,  \
                           REAL scale, int N, int V, int n_threads);                                     \
    /* Optimizers over a flat parameter buffer p (n) with gradient g (n); state buffers of n. Elementwise, \
     * over fixed chunks spread on n_threads threads (results do not depend on the thread count). */     \
    void sf_sgd_step_##S(REAL *p, const REAL *g, REAL *mom, long n, double lr, double momentum,          \
                         double weight_decay, int n_threads);                                            \
    void sf_adagrad_step_##S(REAL *p, const REAL *g, REAL *sum_sq, long n, double lr, double eps,        \
                             int n_threads);                                                             \
    void sf_adam_step_##S(REAL *p, const REAL *g, REAL *m, REAL *v, long n, double lr, double beta1,     \
                          double beta2, double eps, double weight_decay, long step, int n_threads);      \
    /* Global L2 norm of g (accumulated in double in a fixed order, whatever the thread count). */      \
    double sf_grad_norm_##S(const REAL *g, long n, int n_threads);                                       \
    /* Scale g so that its global norm is at most max_norm; returns the norm before clipping. */        \
    double sf_clip_norm_##S(REAL *g, long n, double max_norm, int n_threads);                            \
    /* Clamp every element of g to [-clip, clip]. */                                                     \
    void sf_clip_value_##S(REAL *g, long n, double clip);                                                \
    /* 1 when every element is finite, else 0. */                                                        \
    int sf_all_finite_##S(const REAL *x, long n);

SF_RNN_DECLARE(float, f32)
SF_RNN_DECLARE(double, f64)
#undef SF_RNN_DECLARE

#endif
