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

/* ifunc-based clones need GCC and glibc (musl and other libcs have no ifunc) */
#if defined(__GNUC__) && !defined(__clang__) && defined(__GLIBC__) && (defined(__x86_64__) || defined(__i386__))
#define SF_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SF_CLONES
#endif

/* exp(x) for one float, inlined into the vectorized loops below. */
static inline float sf_expf1(float x) {
    const float ln2_hi = 0.693145751953125f, ln2_lo = 1.428606765330187e-06f, inv_ln2 = 1.44269504088896341f;
    const float round_magic = 12582912.0f; /* 1.5 * 2^23: adding and subtracting it rounds to an integer */
    float xc = x < -87.3f ? -87.3f : (x > 88.7f ? 88.7f : x); /* NaN passes through */
    float nf = (xc * inv_ln2 + round_magic) - round_magic;
    float r = (xc - nf * ln2_hi) - nf * ln2_lo;
    float p = 1.0f + r * (1.0f + r * (0.5f + r * (1.0f / 6 + r * (1.0f / 24 + r * (1.0f / 120 +
              r * (1.0f / 720 + r * (1.0f / 5040)))))));
    int32_t bits = ((int32_t)nf + 127) << 23; /* 2^n, n in [-126, 128) */
    float s;
    memcpy(&s, &bits, sizeof s);
    float y = p * s;
    y = x < -87.3f ? 0.0f : y;
    return x > 88.7f ? INFINITY : y;
}

SF_CLONES void sf_exp_f32(float *x, long n) {
    for (long i = 0; i < n; i++) x[i] = sf_expf1(x[i]);
}

SF_CLONES void sf_tanh_f32(float *x, long n) {
    for (long i = 0; i < n; i++) {
        const float v = x[i];
        const float a = fabsf(v);
        const float u = -2.0f * (a > 9.0f ? 9.0f : a); /* tanh(9) rounds to 1 in float; NaN passes */
        const float small = u * (1.0f + u * (0.5f + u * (1.0f / 6 + u * (1.0f / 24 + u * (1.0f / 120 +
                            u * (1.0f / 720 + u * (1.0f / 5040)))))));
        const float m = a < 0.17f ? small : sf_expf1(u) - 1.0f;
        const float t = -m / (2.0f + m);
        x[i] = v < 0 ? -t : t;
    }
}
