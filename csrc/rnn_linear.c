/* rnn_linear.c: dense layers (x W^T + b) and id gathers/scatters (embedding, one-hot input) over N = B*T rows.
 * The body is rnn_linear_tmpl.h, compiled once per dtype; shapes are documented in rnn.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rnn.h"
#include "sf_gemm.h"
#include "sf_math.h"

#define SF_F64 0
#include "sf_real_tmpl.h"
#include "rnn_linear_tmpl.h"
#include "sf_real_undef.h"

#define SF_F64 1
#include "sf_real_tmpl.h"
#include "rnn_linear_tmpl.h"
#include "sf_real_undef.h"
