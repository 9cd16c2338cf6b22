/* rnn_cell.c: the vanilla RNN cells rnn_tanh and rnn_relu over a (B, T) window, forward and BPTT, with the
 * interface of sf_cell.h (G = 1, S = 1). The cache holds, back to back, room for xproj and dx (B, T, H) (the
 * kernels do not use it: the caller may put them there) and backward's scratch hprev (B, T, H). Equations in
 * rnn_cell_tmpl.h, the body, compiled once per dtype. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sf_cell.h"
#include "sf_gemm.h"
#include "sf_math.h"

#define SF_F64 0
#include "sf_real_tmpl.h"
#include "rnn_cell_tmpl.h"
#include "sf_real_undef.h"

#define SF_F64 1
#include "sf_real_tmpl.h"
#include "rnn_cell_tmpl.h"
#include "sf_real_undef.h"
