/* sf_real_f32.h: select float32 for a kernel body included after it (*_impl.inc); see sf_real_undef.h.
 * R real type, FN(x) name with precision suffix, GEMM product, EXP / TANH libm functions. No include guard:
 * included once per instantiation. */
#define R float
#define FN(x) x##_f32
#define GEMM sf_sgemm
#define EXP expf
#define TANH tanhf
