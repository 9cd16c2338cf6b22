/* sf_math.h: vectorizable float32 exp and tanh over arrays, for the RNN kernels' hot elementwise loops
 * (glibc's expf/tanhf are scalar calls the compiler cannot vectorize without -ffast-math).
 * Accuracy: relative error below 2e-7 (a few float ulps) over the whole float range; checked against
 * float64 numpy in tests/test_rnn_kernels.py. float64 kernels keep libm's exp and tanh. */
#ifndef SF_MATH_H
#define SF_MATH_H

/* x[i] = exp(x[i]) for i < n (inputs below -87.3 give 0, above 88.7 give +inf, NaN stays NaN). */
void sf_exp_f32(float *x, long n);
/* x[i] = tanh(x[i]) for i < n. */
void sf_tanh_f32(float *x, long n);
/* sf_expf1(x), sf_tanhf1(x) below: the same for one float, to inline into a kernel's own vectorized loop. */

#include <math.h>
#include <stdint.h>
#include <string.h>

/* SF_CLONES: compile a function for AVX-512, AVX2 and baseline x86-64 and pick one at load time (ifunc), so
 * that its loops vectorize for the CPU without -march=native. ifunc-based clones need GCC and glibc (musl and
 * other libcs have no ifunc); elsewhere the function is compiled once, for the baseline. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__GLIBC__) && (defined(__x86_64__) || defined(__i386__))
#define SF_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SF_CLONES
#endif

/* exp(x) for one float (method in sf_math.c), inlined into vectorized loops. */
static inline float sf_expf1(float x) {
    const float ln2_hi = 0.693145751953125f, ln2_lo = 1.428606765330187e-06f, inv_ln2 = 1.44269504088896341f;
    const float round_magic = 12582912.0f; /* 1.5 * 2^23: adding and subtracting it rounds to an integer */
    float xc = x < -87.3f ? -87.3f : (x > 88.7f ? 88.7f : x);
    xc = xc == xc ? xc : 0.0f; /* NaN: computed as 0 (converting NaN to an integer is undefined), then returned */
    float nf = (xc * inv_ln2 + round_magic) - round_magic;
    float r = (xc - nf * ln2_hi) - nf * ln2_lo;
    float p = 1.0f + r * (1.0f + r * (0.5f + r * (1.0f / 6 + r * (1.0f / 24 + r * (1.0f / 120 +
              r * (1.0f / 720 + r * (1.0f / 5040)))))));
    uint32_t bits = (uint32_t)((int32_t)nf + 127) << 23; /* 2^n, n in [-126, 128): n + 127 in [1, 255] */
    float s;
    memcpy(&s, &bits, sizeof s);
    float y = p * s;
    y = x < -87.3f ? 0.0f : y;
    y = x > 88.7f ? INFINITY : y;
    return x == x ? y : x;
}

/* tanh(x) for one float (the method is described in sf_math.c), inlined into vectorized loops. */
static inline float sf_tanhf1(float v) {
    const float a = fabsf(v);
    const float u = -2.0f * (a > 9.0f ? 9.0f : a); /* tanh(9) rounds to 1 in float; NaN passes */
    const float small = u * (1.0f + u * (0.5f + u * (1.0f / 6 + u * (1.0f / 24 + u * (1.0f / 120 +
                        u * (1.0f / 720 + u * (1.0f / 5040)))))));
    const float m = a < 0.17f ? small : sf_expf1(u) - 1.0f;
    const float t = -m / (2.0f + m);
    return v < 0 ? -t : t;
}

#endif
