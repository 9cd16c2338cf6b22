/* rnn_loss.c: fused softmax cross-entropy over the rows of logits (N,V), loss and gradient in one pass.
 * The body is rnn_loss_tmpl.h, compiled once per dtype; shapes are documented in rnn.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rnn.h"
#include "sf_gemm.h"
#include "sf_math.h"

#define SF_F64 0
#include "sf_real_tmpl.h"
#include "rnn_loss_tmpl.h"
#include "sf_real_undef.h"

#define SF_F64 1
#include "sf_real_tmpl.h"
#include "rnn_loss_tmpl.h"
#include "sf_real_undef.h"
