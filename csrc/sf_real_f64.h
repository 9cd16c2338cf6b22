/* sf_real_f64.h: select float64 for a kernel body included after it (*_impl.inc); see sf_real_f32.h. */
#define R double
#define FN(x) x##_f64
#define GEMM sf_dgemm
#define EXP exp
#define TANH tanh
