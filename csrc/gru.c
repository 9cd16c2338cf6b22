/* gru.c: GRU cell forward / backward kernels (see gru.h), float32 and float64 from one body. */
#include "gru.h"

#include <math.h>
#include <stdlib.h>

#include "sf_gated.h"
#include "sf_gemm.h"

#include "sf_real_f32.h"
#include "gru_impl.inc"
#include "sf_real_undef.h"

#include "sf_real_f64.h"
#include "gru_impl.inc"
#include "sf_real_undef.h"
