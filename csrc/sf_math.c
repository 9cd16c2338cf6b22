/* sf_math.c: vectorizable float32 exp and tanh (see sf_math.h).
 *
 * exp(x): x = n ln2 + r with n = round(x / ln2), |r| <= ln2/2 (ln2 split in a high part exact in float and
 * a low part, so r is computed without cancellation error); exp(r) by its Taylor series to r^7 (truncation
 * error (ln2/2)^8 / 8! ~ 5e-9); 2^n built from the exponent bits. Branch-free so that the loop vectorizes;
 * compiled for AVX-512, AVX2 and baseline x86-64 and picked at run time (target_clones).
 *
 * tanh(x) = sign(x) * (-m) / (2 + m) with m = expm1(-2|x|), in [-1, 0]. For |x| < 0.17 the subtraction
 * exp(-2|x|) - 1 would cancel, so m comes from expm1's own Taylor series there (it starts at u, so it is
 * relatively accurate); elsewhere exp(-2|x|) <= 0.71 and exp(.) - 1 loses at most a bit.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "sf_math.h"

SF_CLONES void sf_exp_f32(float *x, long n) {
    for (long i = 0; i < n; i++) x[i] = sf_expf1(x[i]);
}

SF_CLONES void sf_tanh_f32(float *x, long n) {
    for (long i = 0; i < n; i++) x[i] = sf_tanhf1(x[i]);
}
