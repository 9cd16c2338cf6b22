/* sf_real_undef.h: forget the precision chosen by sf_real_f32.h / sf_real_f64.h. */
#undef R
#undef FN
#undef GEMM
#undef EXP
#undef TANH
