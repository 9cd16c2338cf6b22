/* sf_real_undef.h: undo sf_real_tmpl.h before the next dtype. */
#undef REAL
#undef FN
#undef GEMM
#undef TRANSPOSE
#undef GEMM_PACK
#undef GEMM_PACK_PART
#undef GEMM_PACKED
#undef GEMM_PACKED_SIZE
#undef TANH
#undef EXP
#undef LOG
#undef TANH_N
#undef TANH1
#undef EXP1
#undef SIGMOID1
#undef EXP_N
#undef SF_F64
