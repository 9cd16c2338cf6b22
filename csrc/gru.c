/* gru.c: GRU cell forward / backward kernels (see gru.h), float32 and float64 from one body. */
#include "gru.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sf_gemm.h"
#include "sf_math.h"

#define SF_F64 0
#include "sf_real_tmpl.h"
#include "gru_tmpl.h"
#include "sf_real_undef.h"

#define SF_F64 1
#include "sf_real_tmpl.h"
#include "gru_tmpl.h"
#include "sf_real_undef.h"
