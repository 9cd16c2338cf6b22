/* sf_real_tmpl.h: dtype parameters for the kernels written once and compiled per dtype.
 * A .c file defines SF_F64 (0 or 1), includes this, then its own *_tmpl.h body; sf_real_undef.h resets.
 *   REAL the element type, FN(name) appends the dtype suffix (name_f32 / name_f64), GEMM the matching
 *   sf_gemm, TANH/EXP/LOG the matching libm functions. */
#if SF_F64
#define REAL double
#define FN(name) name##_f64
#define GEMM sf_dgemm
#define TANH tanh
#define EXP exp
#define LOG log
#else
#define REAL float
#define FN(name) name##_f32
#define GEMM sf_sgemm
#define TANH tanhf
#define EXP expf
#define LOG logf
#endif
