/* sf_gemm.c: row-major GEMM (see sf_gemm.h). Input: op(A) (M, K), op(B) (K, N). Output: C (M, N).
 * First version: naive loops ordered for unit-stride inner access; to be replaced by a blocked kernel. */
#include "sf_gemm.h"

#define DEFINE_NAIVE(NAME, T)                                                                        \
    void NAME(int transA, int transB, int M, int N, int K, T alpha, const T *A, int lda, const T *B, \
              int ldb, T beta, T *C, int ldc) {                                                      \
        for (int i = 0; i < M; i++) {                                                                \
            for (int j = 0; j < N; j++) {                                                            \
                T acc = 0;                                                                           \
                for (int k = 0; k < K; k++) {                                                        \
                    T a = transA ? A[(long)k * lda + i] : A[(long)i * lda + k];                      \
                    T b = transB ? B[(long)j * ldb + k] : B[(long)k * ldb + j];                      \
                    acc += a * b;                                                                    \
                }                                                                                    \
                C[(long)i * ldc + j] = (beta == 0 ? 0 : beta * C[(long)i * ldc + j]) + alpha * acc;  \
            }                                                                                        \
        }                                                                                            \
    }

DEFINE_NAIVE(sf_sgemm_naive, float)
DEFINE_NAIVE(sf_dgemm_naive, double)

void sf_sgemm(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
              const float *B, int ldb, float beta, float *C, int ldc) {
    sf_sgemm_naive(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void sf_dgemm(int transA, int transB, int M, int N, int K, double alpha, const double *A, int lda,
              const double *B, int ldb, double beta, double *C, int ldc) {
    sf_dgemm_naive(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}
