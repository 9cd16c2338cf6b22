/* sf_gemm.c: row-major GEMM (see sf_gemm.h). Input: op(A) (M, K), op(B) (K, N). Output: C (M, N).
 *
 * sf_sgemm / sf_dgemm: beta is applied first (0 overwrites C), a transposed B is copied once into a
 * row-major buffer (the core packs op(A), transposed or not, into panels), then the register-blocked core of
 * sf_gemm_tmpl.h computes C += A B. The core is compiled three times per dtype, for AVX-512 (16 floats per
 * vector), AVX2+FMA (8) and baseline x86-64/other CPUs (generic 16-byte vectors), and chosen at run time with
 * __builtin_cpu_supports: no -march=native needed. The entry points (sf_gemm_api_tmpl.h) are compiled once per
 * dtype. Compilers without GNU vector extensions, alpha != 1, or an allocation failure fall back to the naive
 * loops, which are kept as the obviously-correct reference for tests.
 */
#include <stdlib.h>
#include <string.h>

#include "sf_gemm.h"

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

/* packed B: the core's packing and multiply, or the portable loops */
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


/* ---- the public entry points, once per dtype (sf_gemm_api_tmpl.h) ---- */
#define REAL float
#define P s
#define SUMS_T sf_sgemm_sums
#define GEMM_DISPATCH SF_GEMM_DISPATCH_s
#include "sf_gemm_api_tmpl.h"
#undef REAL
#undef P
#undef SUMS_T
#undef GEMM_DISPATCH

#define REAL double
#define P d
#define SUMS_T sf_dgemm_sums
#define GEMM_DISPATCH SF_GEMM_DISPATCH_d
#include "sf_gemm_api_tmpl.h"
#undef REAL
#undef P
#undef SUMS_T
#undef GEMM_DISPATCH
