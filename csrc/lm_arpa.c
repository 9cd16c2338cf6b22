/* lm_arpa.c: ARPA text output of one section.
 * Input: an order's n-grams (ids), log10 probabilities and backoffs, the vocabulary as one byte pool.
 * Output: lines "logp<TAB>w1 w2 .. wn[<TAB>backoff]\n", -inf printed as -99 (the ARPA convention), every
 * finite value as it is (-602.6 stays -602.6; a missing <unk>'s -100 stays -100). */
#include "lm.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Fixed-point with 7 decimals, trailing zeros trimmed: an absolute error <= 5e-8, below float32's own
 * resolution for |v| >= 1 and far below the 1e-5 that ARPA consumers compare at; 5x faster than "%.8g". */
static int put_float(char *p, int64_t room, float v) {
    if (isnan(v)) return snprintf(p, (size_t)room, "nan"); /* never produced by estimation; readers reject it */
    if (isinf(v)) { /* finite values, -99 and below included, are written as they are */
        if (v > 0) return snprintf(p, (size_t)room, "inf");
        memcpy(p, "-99", 3);
        return 3;
    }
    double d = (double)v;
    int neg = d < 0.0;
    if (neg) d = -d;
    if (d >= 1e9) return snprintf(p, (size_t)room, "%.8g", (double)v);
    int64_t q = (int64_t)(d * 1e7 + 0.5);
    if (q == 0) { p[0] = '0'; return 1; }
    char *s = p;
    if (neg) *s++ = '-';
    int64_t ip = q / 10000000, fp = q % 10000000;
    char tmp[24];
    int n = 0;
    do { tmp[n++] = (char)('0' + ip % 10); ip /= 10; } while (ip);
    while (n) *s++ = tmp[--n];
    if (fp) {
        char f[7];
        for (int i = 6; i >= 0; i--) { f[i] = (char)('0' + fp % 10); fp /= 10; }
        int len = 7;
        while (len > 0 && f[len - 1] == '0') len--;
        *s++ = '.';
        memcpy(s, f, (size_t)len);
        s += len;
    }
    return (int)(s - p);
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

int lm_arpa_format_rows(char *out, int64_t cap, int64_t *used, const int32_t *grams, int64_t r0, int64_t r1, int n,
                        const float *logp, const float *backoff, const char *pool, const int64_t *offs, int64_t V,
                        int n_threads) {
    enum { MAXP = 256 };
    if (r0 < 0 || r1 < r0 || n < 1) return SF_EVALUE;
    int P = n_threads < 1 ? 1 : (n_threads > MAXP ? MAXP : n_threads);
    if (r1 - r0 < 4096) P = 1;
    int64_t start[MAXP + 1], base[MAXP + 1], u[MAXP];
    for (int p = 0; p <= P; p++) start[p] = r0 + (r1 - r0) * p / P;
    /* byte bound of each part (the row bound of lm_arpa_format), so parts format side by side */
    base[0] = 0;
    for (int p = 0; p < P; p++) {
        int64_t b = 0;
        for (int64_t r = start[p]; r < start[p + 1]; r++) {
            b += 48 + n;
            for (int j = 0; j < n; j++) {
                int32_t id = grams[r * n + j];
                if (id < 0 || id >= V) return SF_EINDEX;
                b += offs[id + 1] - offs[id];
            }
        }
        base[p + 1] = base[p] + b;
    }
    if (base[P] > cap) return SF_EVALUE;
    int rc = SF_OK, p;
SF_OMP(parallel for schedule(static, 1) num_threads(P) reduction(min:rc))
    for (p = 0; p < P; p++) {
        int64_t next = 0;
        u[p] = 0;
        if (start[p] == start[p + 1]) continue;
        int r = lm_arpa_format(out + base[p], base[p + 1] - base[p], &u[p], &next, grams, start[p + 1], n, logp,
                               backoff, start[p], pool, offs, V);
        if (r != SF_OK) rc = r;
        else if (next != start[p + 1]) rc = SF_EVALUE; /* cannot happen: the bound is an upper bound */
    }
    if (rc != SF_OK) return rc;
    int64_t pos = u[0];
    for (int q = 1; q < P; q++) {
        memmove(out + pos, out + base[q], (size_t)u[q]);
        pos += u[q];
    }
    *used = pos;
    return SF_OK;
}
