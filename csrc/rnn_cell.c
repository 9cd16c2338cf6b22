/* rnn_cell.c: the vanilla RNN cell (tanh or relu) over a (B, T) window, forward and BPTT.
 * Input: xproj (B,T,H) = W_ih x_t + b_ih, h0 (B,H), W_hh (H,H), b_hh (H). Output: h_all (B,T,H), hT (B,H);
 * backward gives dxproj, dh0 and accumulates dW_hh, db_hh. The body is rnn_cell_tmpl.h, once per dtype. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rnn.h"
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
