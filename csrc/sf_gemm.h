/* sf_gemm.h: single-threaded row-major matrix products for the RNN kernels.
 *
 *   C (M, N) = alpha * op(A) @ op(B) + beta * C
 *   op(A) is (M, K): A itself (M, K) with row stride lda when transA == 0, or A^T with A stored (K, M).
 *   op(B) is (K, N): B itself (K, N) with row stride ldb when transB == 0, or B^T with B stored (N, K).
 *   beta == 0 overwrites C (C may hold garbage, even NaN).
 *
 * These are called from inside OpenMP regions (each thread owns a block of rows of C), so they never
 * start threads themselves. sf_gemm_naive_* are the obviously-correct triple loops kept for tests.
 */
#ifndef SF_GEMM_H
#define SF_GEMM_H

#include <stdint.h>

void sf_sgemm(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
              const float *B, int ldb, float beta, float *C, int ldc);
void sf_dgemm(int transA, int transB, int M, int N, int K, double alpha, const double *A, int lda,
              const double *B, int ldb, double beta, double *C, int ldc);

void sf_sgemm_naive(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
                    const float *B, int ldb, float beta, float *C, int ldc);
void sf_dgemm_naive(int transA, int transB, int M, int N, int K, double alpha, const double *A, int lda,
                    const double *B, int ldb, double beta, double *C, int ldc);

/* The right operand packed once and multiplied many times (the RNN's W_hh at every time step, a layer's
 * weight for every thread): sf_sgemm_packed_size(K, N) elements hold op(B) (K, N) packed by sf_sgemm_pack
 * (op(B) = B (K, N) with row stride ldb, or B^T when transB with B stored (N, K)); sf_sgemm_packed then
 * computes C (M, N) = op(A) (M, K) @ op(B) + beta * C like sf_sgemm (alpha = 1), returning 0, or -1 when
 * its panel buffer cannot be allocated. The packed layout depends on the CPU's instruction set: pack and
 * multiply in the same process. */
long sf_sgemm_packed_size(int K, int N);
void sf_sgemm_pack(float *Bpk, int transB, int K, int N, const float *B, int ldb);
int sf_sgemm_packed(int transA, int M, int N, int K, const float *A, int lda, const float *Bpk, float beta,
                    float *C, int ldc);
/* Part `part` of `nparts` of sf_sgemm_pack (disjoint column panels): the threads of a parallel region each
 * pack one part, then meet at a barrier before multiplying. */
void sf_sgemm_pack_part(float *Bpk, int transB, int K, int N, const float *B, int ldb, int part, int nparts);
/* sf_sgemm_packed (op(A) = A) from initial rows: C[i] = ci[i] + bias + A[i] @ op(B) for i < M, where ci[i] is a
 * row of N values (ci NULL: C[i] itself) and bias N values (NULL: none). The initial value is written into C
 * panel by panel, just before the product's first k block reads it (no separate pass over C); each element is
 * (ci[i][j] + bias[j]) followed by the same multiply-adds as sf_sgemm_packed, so the result equals that of
 * setting C first and calling sf_sgemm_packed with beta = 1. Returns 0. */
int sf_sgemm_packed_init(int M, int N, int K, const float *A, int lda, const float *Bpk, const float *const *ci,
                         const float *bias, float *C, int ldc);
int sf_dgemm_packed_init(int M, int N, int K, const double *A, int lda, const double *Bpk,
                         const double *const *ci, const double *bias, double *C, int ldc);
long sf_dgemm_packed_size(int K, int N);
void sf_dgemm_pack(double *Bpk, int transB, int K, int N, const double *B, int ldb);
int sf_dgemm_packed(int transA, int M, int N, int K, const double *A, int lda, const double *Bpk, double beta,
                    double *C, int ldc);
void sf_dgemm_pack_part(double *Bpk, int transB, int K, int N, const double *B, int ldb, int part, int nparts);

/* dst (cols, rows) = src^T for src (rows, cols) with row stride lds (cache-blocked). */
void sf_stranspose(float *dst, const float *src, int rows, int cols, int lds);
void sf_dtranspose(double *dst, const double *src, int rows, int cols, int lds);

/* C (M, N) += A^T B with A stored (K, M) (lda), B (K, N) (ldb), plus, in the same read of A (the pass that
 * packs it for the core), sums over its rows k, in order of k:
 *   db[m] += sum_k A[k][m] for m < M                                 (when db)
 *   db2[m] += sum_k A[k][m] for m < n2                               (when db2)
 *   dtable[ids[k] * ldt + m] += A[k][m] for m < n2, k in order       (when dtable; ids checked by the caller)
 * These are the bias gradient and the scatter of a gathered input's gradient that a weight gradient
 * dW = dA^T X needs from the same dA; each value receives the same additions in the same order as a separate
 * row-by-row pass would make. Single-threaded like sf_sgemm; on an allocation failure the naive loops and a
 * plain pass do the same work. */
#define SF_GEMM_SUMS_(T)         \
    struct {                     \
        T *db, *db2, *dtable;    \
        int n2;                  \
        long ldt;                \
        const int32_t *ids;      \
    }
typedef SF_GEMM_SUMS_(float) sf_sgemm_sums;
typedef SF_GEMM_SUMS_(double) sf_dgemm_sums;
void sf_sgemm_tn_sums(int M, int N, int K, const float *A, int lda, const float *B, int ldb, float *C, int ldc,
                      const sf_sgemm_sums *sums);
void sf_dgemm_tn_sums(int M, int N, int K, const double *A, int lda, const double *B, int ldb, double *C,
                      int ldc, const sf_dgemm_sums *sums);

/* Which core sf_sgemm/sf_dgemm run on this CPU: 2 AVX-512, 1 AVX2+FMA, 0 generic (reported by benchmarks). */
int sf_gemm_isa(void);

#endif
