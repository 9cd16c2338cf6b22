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

#endif
