/* sf_gemm.c: row-major GEMM (see sf_gemm.h). Input: op(A) (M, K), op(B) (K, N). Output: C (M, N).
 *
 * sf_sgemm / sf_dgemm: beta is applied first (0 overwrites C), a transposed B is copied once into a
 * row-major buffer (the core packs op(A), transposed or not, into panels), then the register-blocked core of sf_gemm_tmpl.h computes C += A B. The core is compiled
 * three times per dtype, for AVX-512 (16 floats per vector), AVX2+FMA (8) and baseline x86-64/other CPUs
 * (generic 16-byte vectors), and chosen at run time with __builtin_cpu_supports: no -march=native needed.
 * Compilers without GNU vector extensions, alpha != 1, or an allocation failure fall back to the naive
 * loops, which are kept as the obviously-correct reference for tests.
 */
#include <stdlib.h>
#include <string.h>

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

/* dst (cols, rows) = src^T, src (rows, cols) with row stride lds. In 32 x 32 tiles, so that both the reads
 * and the strided writes of a tile stay within a few dozen cache lines (a plain double loop misses the
 * cache on every write once rows exceed a few thousand). */
#define DEFINE_TRANSPOSE(NAME, T)                                                                    \
    void NAME(T *dst, const T *src, int rows, int cols, int lds) {                                   \
        enum { TB = 32 };                                                                            \
        for (int r0 = 0; r0 < rows; r0 += TB)                                                        \
            for (int c0 = 0; c0 < cols; c0 += TB) {                                                  \
                const int r1 = r0 + TB < rows ? r0 + TB : rows, c1 = c0 + TB < cols ? c0 + TB : cols; \
                for (int r = r0; r < r1; r++)                                                        \
                    for (int c = c0; c < c1; c++) dst[(long)c * rows + r] = src[(long)r * lds + c];  \
            }                                                                                        \
    }

DEFINE_TRANSPOSE(sf_stranspose, float)
DEFINE_TRANSPOSE(sf_dtranspose, double)

#if defined(__GNUC__) && !defined(SF_GEMM_NO_FAST) /* -DSF_GEMM_NO_FAST tests the portable path */
#define SF_GEMM_FAST 1
#if (defined(__x86_64__) || defined(__i386__))
#define SF_GEMM_X86 1
#endif

/* ---- instantiate the core: float ---- */
#define REAL float
#define SUMS_T sf_sgemm_sums
#define KTARGET
#define VL 4
#define MR 4
#define KSFX s_generic
#include "sf_gemm_tmpl.h" /* consumes KTARGET, VL, MR, KSFX */
#ifdef SF_GEMM_X86
#define KTARGET __attribute__((target("avx2,fma")))
#define VL 8
#define MR 6
#define KSFX s_avx2
#include "sf_gemm_tmpl.h" /* consumes KTARGET, VL, MR, KSFX */
#define KTARGET __attribute__((target("avx512f,fma")))
#define VL 16
#define MR 8
#define KSFX s_avx512
#include "sf_gemm_tmpl.h" /* consumes KTARGET, VL, MR, KSFX */
#endif
#undef REAL
#undef SUMS_T

/* ---- double ---- */
#define REAL double
#define SUMS_T sf_dgemm_sums
#define KTARGET
#define VL 2
#define MR 4
#define KSFX d_generic
#include "sf_gemm_tmpl.h" /* consumes KTARGET, VL, MR, KSFX */
#ifdef SF_GEMM_X86
#define KTARGET __attribute__((target("avx2,fma")))
#define VL 4
#define MR 6
#define KSFX d_avx2
#include "sf_gemm_tmpl.h" /* consumes KTARGET, VL, MR, KSFX */
#define KTARGET __attribute__((target("avx512f,fma")))
#define VL 8
#define MR 8
#define KSFX d_avx512
#include "sf_gemm_tmpl.h" /* consumes KTARGET, VL, MR, KSFX */
#endif
#undef REAL
#undef SUMS_T
#endif /* __GNUC__ */

/* Which core this CPU runs: 2 AVX-512, 1 AVX2+FMA, 0 generic. */
int sf_gemm_isa(void) {
#ifdef SF_GEMM_X86
    if (__builtin_cpu_supports("avx512f")) return 2;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 1;
#endif
    return 0;
}

/* C (M, N) *= beta; beta == 0 overwrites (C may hold NaN). */
#define DEFINE_SCALE(NAME, T)                                                                        \
    static void NAME(T *C, T beta, int M, int N, int ldc) {                                          \
        for (int i = 0; i < M && beta != 1; i++) {                                                   \
            T *c = C + (long)i * ldc;                                                                \
            if (beta == 0)                                                                           \
                memset(c, 0, sizeof(T) * (size_t)N);                                                 \
            else                                                                                     \
                for (int j = 0; j < N; j++) c[j] *= beta;                                            \
        }                                                                                            \
    }
DEFINE_SCALE(sf_sscale_rows, float)
DEFINE_SCALE(sf_dscale_rows, double)

#define DEFINE_GEMM(NAME, T, NAIVE, TRANSPOSE, SCALE, SFX)                                                                 \
    void NAME(int transA, int transB, int M, int N, int K, T alpha, const T *A, int lda, const T *B,      \
              int ldb, T beta, T *C, int ldc) {                                                           \
        if (M <= 0 || N <= 0) return;                                                                     \
        if (!SF_GEMM_FAST || alpha != 1 || K <= 0) {                                                      \
            NAIVE(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);                          \
            return;                                                                                       \
        }                                                                                                 \
        T *Bt = NULL; /* the core packs op(A) itself; a transposed B is copied once */             \
        if (transB) { /* B stored (N, K): copy B^T (K, N) */                                              \
            Bt = malloc(sizeof(T) * (size_t)K * (size_t)N);                                               \
            if (!Bt) {                                                                                    \
                NAIVE(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);                      \
                return;                                                                                   \
            }                                                                                             \
            TRANSPOSE(Bt, B, N, K, ldb);                                                                  \
            B = Bt, ldb = N;                                                                              \
        }                                                                                                 \
        SCALE(C, beta, M, N, ldc);                                                                        \
        if (SF_GEMM_DISPATCH_##SFX(transA != 0, M, N, K, A, lda, B, ldb, NULL, C, ldc, NULL, NULL, NULL) != 0) /* out of memory */ \
            NAIVE(transA, 0, M, N, K, alpha, A, lda, B, ldb, 1, C, ldc);                                  \
        free(Bt);                                                                                         \
    }

#ifndef SF_GEMM_FAST
#define SF_GEMM_FAST 0
#define SF_GEMM_DISPATCH_s(...) (-1)
#define SF_GEMM_DISPATCH_d(...) (-1)
#elif defined(SF_GEMM_X86)
#define SF_GEMM_PICK_(P, what) \
    (sf_gemm_isa() == 2 ? what##_##P##_avx512 : sf_gemm_isa() == 1 ? what##_##P##_avx2 : what##_##P##_generic)
#define SF_GEMM_DISPATCH_(P, ...) SF_GEMM_PICK_(P, gemm_nn)(__VA_ARGS__)
#define SF_GEMM_DISPATCH_s(...) SF_GEMM_DISPATCH_(s, __VA_ARGS__)
#define SF_GEMM_DISPATCH_d(...) SF_GEMM_DISPATCH_(d, __VA_ARGS__)
#else
#define SF_GEMM_PICK_(P, what) what##_##P##_generic
#define SF_GEMM_DISPATCH_s(...) gemm_nn_s_generic(__VA_ARGS__)
#define SF_GEMM_DISPATCH_d(...) gemm_nn_d_generic(__VA_ARGS__)
#endif

DEFINE_GEMM(sf_sgemm, float, sf_sgemm_naive, sf_stranspose, sf_sscale_rows, s)
DEFINE_GEMM(sf_dgemm, double, sf_dgemm_naive, sf_dtranspose, sf_dscale_rows, d)

/* ---- B packed once, multiplied many times (see sf_gemm.h) ---- */
#if SF_GEMM_FAST
#define PACKED_SIZE_(P, K, N) SF_GEMM_PICK_(P, packed_size)(K, N)
#define PACK_(P, T, Bpk, tb, B, ldb, K, N, part, nparts) SF_GEMM_PICK_(P, pack_b)(Bpk, tb, B, ldb, K, N, part, nparts)
#define MUL_(P, ta, M, N, K, A, lda, Bpk, C, ldc) SF_GEMM_PICK_(P, gemm_nn)(ta, M, N, K, A, lda, NULL, 0, Bpk, C, ldc, NULL, NULL, NULL)
/* the initial rows written by the core, panel by panel, just before its first k block reads them */
#define MUL_INIT_(P, M, N, K, A, lda, Bpk, ci, bias, C, ldc) \
    SF_GEMM_PICK_(P, gemm_nn)(0, M, N, K, A, lda, NULL, 0, Bpk, C, ldc, NULL, ci, bias)
#else /* packed = plain row-major op(B) (K, N), multiplied by the naive loops */
#define PACKED_SIZE_(P, K, N) ((long)(K) * (N))
#define PACK_(P, T, Bpk, tb, B, ldb, K, N, part, nparts) /* part 0 does it all */                  \
    do {                                                                                            \
        if (part != 0)                                                                              \
            break;                                                                                  \
        if (tb)                                                                                     \
            sf_##P##transpose(Bpk, B, N, K, ldb);                                                   \
        else                                                                                        \
            for (int k = 0; k < K; k++) memcpy(Bpk + (long)k * N, B + (long)k * ldb, sizeof(T) * (size_t)N); \
    } while (0)
#define MUL_(P, ta, M, N, K, A, lda, Bpk, C, ldc) \
    (sf_##P##gemm_naive(ta, 0, M, N, K, 1, A, lda, Bpk, N, 1, C, ldc), 0)
#define MUL_INIT_(P, M, N, K, A, lda, Bpk, ci, bias, C, ldc) \
    (sf_##P##init_rows(C, ldc, M, N, ci, bias), MUL_(P, 0, M, N, K, A, lda, Bpk, C, ldc))
#endif

#define DEFINE_PACKED(T, P)                                                                                \
    long sf_##P##gemm_packed_size(int K, int N) { return K <= 0 || N <= 0 ? 0 : PACKED_SIZE_(P, K, N); }   \
    void sf_##P##gemm_pack_part(T *Bpk, int transB, int K, int N, const T *B, int ldb, int part,           \
                                int nparts) {                                                              \
        if (K > 0 && N > 0 && nparts > 0 && part >= 0 && part < nparts)                                    \
            PACK_(P, T, Bpk, transB, B, ldb, K, N, part, nparts);                                          \
    }                                                                                                      \
    void sf_##P##gemm_pack(T *Bpk, int transB, int K, int N, const T *B, int ldb) {                        \
        sf_##P##gemm_pack_part(Bpk, transB, K, N, B, ldb, 0, 1);                                           \
    }                                                                                                      \
    int sf_##P##gemm_packed(int transA, int M, int N, int K, const T *A, int lda, const T *Bpk, T beta,    \
                            T *C, int ldc) {                                                               \
        if (M <= 0 || N <= 0) return 0;                                                                    \
        sf_##P##scale_rows(C, beta, M, N, ldc);                                                           \
        return K <= 0 ? 0 : MUL_(P, transA != 0, M, N, K, A, lda, Bpk, C, ldc);                            \
    }

DEFINE_PACKED(float, s)
DEFINE_PACKED(double, d)

/* C[i] = (ci ? ci[i] : C[i]) + bias for i < M, columns < N (the portable path of sf_*gemm_packed_init) */
#define DEFINE_INIT_ROWS(NAME, T)                                                                          \
    static void NAME(T *C, int ldc, int M, int N, const T *const *ci, const T *bias) {                     \
        for (int i = 0; i < M; i++) {                                                                      \
            T *c = C + (long)i * ldc;                                                                      \
            const T *x = ci ? ci[i] : c;                                                                   \
            for (int j = 0; j < N; j++) c[j] = bias ? x[j] + bias[j] : x[j];                               \
        }                                                                                                  \
    }
DEFINE_INIT_ROWS(sf_sinit_rows, float)
DEFINE_INIT_ROWS(sf_dinit_rows, double)

#define DEFINE_PACKED_INIT(T, P)                                                                           \
    int sf_##P##gemm_packed_init(int M, int N, int K, const T *A, int lda, const T *Bpk,                   \
                                 const T *const *ci, const T *bias, T *C, int ldc) {                       \
        if (M <= 0 || N <= 0) return 0;                                                                    \
        if (K <= 0 || (!ci && !bias)) {                                                                    \
            if (ci || bias) sf_##P##init_rows(C, ldc, M, N, ci, bias);                                     \
            return K <= 0 ? 0 : MUL_(P, 0, M, N, K, A, lda, Bpk, C, ldc);                                  \
        }                                                                                                  \
        return MUL_INIT_(P, M, N, K, A, lda, Bpk, ci, bias, C, ldc);                                       \
    }
DEFINE_PACKED_INIT(float, s)
DEFINE_PACKED_INIT(double, d)

/* ---- C += A^T B with the row sums of A taken while it is packed (see sf_gemm.h) ---- */
#define DEFINE_TN_SUMS(NAME, T, S, NAIVE, SFX)                                                               \
    void NAME(int M, int N, int K, const T *A, int lda, const T *B, int ldb, T *C, int ldc, const S *sums) {  \
        if (M <= 0 || K <= 0) return;                                                                       \
        if (N > 0 && SF_GEMM_FAST && SF_GEMM_DISPATCH_##SFX(1, M, N, K, A, lda, B, ldb, NULL, C, ldc, sums, NULL, NULL) == 0) \
            return;                                                                                         \
        if (N > 0) NAIVE(1, 0, M, N, K, 1, A, lda, B, ldb, 1, C, ldc); /* portable or out of memory */      \
        for (int k = 0; k < K && sums; k++) { /* the same sums, rows k in order */                          \
            const T *a = A + (long)k * lda;                                                                 \
            for (int m = 0; m < M && sums->db; m++) sums->db[m] += a[m];                                    \
            for (int m = 0; m < sums->n2 && m < M && sums->db2; m++) sums->db2[m] += a[m];                  \
            for (int m = 0; m < sums->n2 && m < M && sums->dtable; m++)                                     \
                sums->dtable[(long)sums->ids[k] * sums->ldt + m] += a[m];                                   \
        }                                                                                                   \
    }

DEFINE_TN_SUMS(sf_sgemm_tn_sums, float, sf_sgemm_sums, sf_sgemm_naive, s)
DEFINE_TN_SUMS(sf_dgemm_tn_sums, double, sf_dgemm_sums, sf_dgemm_naive, d)
