/* lstm.c: LSTM cell forward / backward kernels (see lstm.h), float32 and float64 from one body. */
#include "lstm.h"

#include <math.h>

#include "sf_gated.h"
#include "sf_gemm.h"

#include "sf_real_f32.h"
#include "lstm_impl.inc"
#include "sf_real_undef.h"

#include "sf_real_f64.h"
#include "lstm_impl.inc"
#include "sf_real_undef.h"
