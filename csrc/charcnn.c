/* charcnn.c: character CNN word features, forward and backward; the body is charcnn_tmpl.h, compiled once
 * per dtype. Shapes and the computation are documented in charcnn.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "charcnn.h"
#include "sf_math.h"

/* Checks shared by both kernels: sizes, and every word's length and character ids. */
static int charcnn_check(const int32_t *chars, const int32_t *lengths, int W, int L, int C, int E, int F, int K,
                         int P, int act) {
    if (W < 0 || L < 0 || C < 1 || E < 1 || F < 1 || K < 1 || P < 0 || act < 0 || act > 2) return SF_EVALUE;
    if (W > 0 && (!chars || !lengths)) return SF_EVALUE;
    for (int w = 0; w < W; w++) {
        const int n = lengths[w];
        if (n < 0 || n > L) return SF_EINDEX;
        if (n > 0 && n + 2 * P < K) return SF_EVALUE;
        const int32_t *c = chars + (long)w * L;
        for (int i = 0; i < n; i++)
            if (c[i] < 0 || c[i] >= C) return SF_EINDEX;
    }
    return SF_OK;
}

#define SF_F64 0
#include "sf_real_tmpl.h"
#include "charcnn_tmpl.h"
#include "sf_real_undef.h"

#define SF_F64 1
#include "sf_real_tmpl.h"
#include "charcnn_tmpl.h"
#include "sf_real_undef.h"
