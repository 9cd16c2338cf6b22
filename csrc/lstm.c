/* lstm.c: LSTM cell forward / backward kernels (see lstm.h), float32 and float64 from one body. */
#include "lstm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sf_gemm.h"
#include "sf_math.h"

#define SF_F64 0
#include "sf_real_tmpl.h"
#include "lstm_tmpl.h"
#include "sf_real_undef.h"

#define SF_F64 1
#include "sf_real_tmpl.h"
#include "lstm_tmpl.h"
#include "sf_real_undef.h"
