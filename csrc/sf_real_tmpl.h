/* sf_real_tmpl.h: dtype parameters for the kernels written once and compiled per dtype.
 * A .c file defines SF_F64 (0 or 1), includes this, then its own *_tmpl.h body; sf_real_undef.h resets.
 *   REAL the element type, FN(name) appends the dtype suffix (name_f32 / name_f64), GEMM the matching
 *   sf_gemm (GEMM_TN_SUMS / GEMM_SUMS_T: sf_*gemm_tn_sums and its struct), TANH/EXP/LOG the matching libm functions, TANH_N/EXP_N(x, n) the in-place array versions
 *   (float32: the vectorized sf_math.h ones), TANH1 / EXP1 / SIGMOID1(x) of one value for kernels'
 *   own loops. */
#if SF_F64
#define REAL double
#define FN(name) name##_f64
#define GEMM sf_dgemm
#define GEMM_TN_SUMS sf_dgemm_tn_sums
#define GEMM_SUMS_T sf_dgemm_sums
#define TRANSPOSE sf_dtranspose
#define GEMM_PACK sf_dgemm_pack
#define GEMM_PACK_PART sf_dgemm_pack_part
#define GEMM_PACKED sf_dgemm_packed
#define GEMM_PACKED_INIT sf_dgemm_packed_init
#define GEMM_PACKED_SIZE sf_dgemm_packed_size
#define TANH tanh
#define EXP exp
#define LOG log
#define TANH1(x) tanh(x)
#define EXP1(x) exp(x)
#define TANH_N(x, n) do { for (long i_ = 0; i_ < (long)(n); i_++) (x)[i_] = tanh((x)[i_]); } while (0)
#define EXP_N(x, n) do { for (long i_ = 0; i_ < (long)(n); i_++) (x)[i_] = exp((x)[i_]); } while (0)
#else
#define REAL float
#define FN(name) name##_f32
#define GEMM sf_sgemm
#define GEMM_TN_SUMS sf_sgemm_tn_sums
#define GEMM_SUMS_T sf_sgemm_sums
#define TRANSPOSE sf_stranspose
#define GEMM_PACK sf_sgemm_pack
#define GEMM_PACK_PART sf_sgemm_pack_part
#define GEMM_PACKED sf_sgemm_packed
#define GEMM_PACKED_INIT sf_sgemm_packed_init
#define GEMM_PACKED_SIZE sf_sgemm_packed_size
#define TANH tanhf
#define EXP expf
#define LOG logf
#define TANH1(x) sf_tanhf1(x) /* inlines into vectorized loops, sf_math.h */
#define EXP1(x) sf_expf1(x)
#define TANH_N(x, n) sf_tanh_f32((x), (n)) /* vectorized, sf_math.h */
#define EXP_N(x, n) sf_exp_f32((x), (n))
#endif
/* sigmoid(x) = 1 / (1 + exp(-x)): relatively accurate everywhere (no cancellation), exactly 1 for large x and
 * 0 for very negative x (exp overflows to inf, 1 / inf = 0: no NaN); half the cost of the tanh form */
#define SIGMOID1(x) ((REAL)1 / ((REAL)1 + EXP1(-(x))))
