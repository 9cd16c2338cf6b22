/* lm_arpa.c: ARPA text output of one section.
 * Input: an order's n-grams (ids), log10 probabilities and backoffs, the vocabulary as one byte pool.
 * Output: lines "logp<TAB>w1 w2 .. wn[<TAB>backoff]\n", -inf printed as -99 (the ARPA convention). */
#include "lm.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static int put_float(char *p, int64_t room, float v) {
    if (isinf(v) || v < -99.0f) return snprintf(p, (size_t)room, "-99");
    if (v == 0.0f) return snprintf(p, (size_t)room, "0");
    return snprintf(p, (size_t)room, "%.8g", (double)v);
}

int lm_arpa_format(char *buf, int64_t cap, int64_t *used, int64_t *next, const int32_t *grams, int64_t k, int n,
                   const float *logp, const float *backoff, int64_t start, const char *pool, const int64_t *offs,
                   int64_t V) {
    int64_t pos = 0, r;
    for (r = start; r < k; r++) {
        /* longest possible row: 2 numbers of < 20 chars, n words, n separators, tab, newline */
        int64_t need = 48 + n;
        for (int j = 0; j < n; j++) {
            int32_t id = grams[r * n + j];
            if (id < 0 || id >= V) return SF_EINDEX;
            need += offs[id + 1] - offs[id];
        }
        if (pos + need > cap) {
            if (r == start) return SF_EVALUE;
            break;
        }
        pos += put_float(buf + pos, cap - pos, logp[r]);
        for (int j = 0; j < n; j++) {
            int32_t id = grams[r * n + j];
            buf[pos++] = j == 0 ? '\t' : ' ';
            memcpy(buf + pos, pool + offs[id], (size_t)(offs[id + 1] - offs[id]));
            pos += offs[id + 1] - offs[id];
        }
        if (backoff) {
            buf[pos++] = '\t';
            pos += put_float(buf + pos, cap - pos, backoff[r]);
        }
        buf[pos++] = '\n';
    }
    *used = pos;
    *next = r;
    return SF_OK;
}
