/* lm_arpa_read.c: ARPA text input, the n-gram sections (the header is parsed by the caller).
 * Input: the file's bytes, the position of the first section header, the header's counts per order.
 * Output: per order, ids (k_n, n), log10 p and log10 backoff (0 where absent); the unigram words as byte
 * spans of the input (their ids are their positions). Tabs or spaces separate fields, CR before LF and
 * blank lines are ignored. Any deviation returns SF_EFORMAT with the line number; the caller re-reads with
 * its slower, more talkative parser to explain the problem. */
#include "lm.h"
#include "sf_strtab.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *buf;
    int64_t len, pos, lineno;
} cursor;

/* Next line [*a, *b) with surrounding blanks (space, tab, CR) trimmed; 0 at end of input. */
static int next_line(cursor *c, const char **a, const char **b) {
    if (c->pos >= c->len) return 0;
    const char *s = c->buf + c->pos, *end = c->buf + c->len;
    const char *nl = memchr(s, '\n', (size_t)(end - s));
    const char *e = nl ? nl : end;
    c->pos = (nl ? nl + 1 : end) - c->buf;
    c->lineno++;
    while (s < e && (*s == ' ' || *s == '\t' || *s == '\r')) s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r')) e--;
    *a = s;
    *b = e;
    return 1;
}

static const char *field(const char **p, const char *end, int64_t *flen) {
    const char *s = *p;
    while (s < end && (*s == ' ' || *s == '\t')) s++;
    if (s == end) return NULL;
    const char *e = s;
    while (e < end && *e != ' ' && *e != '\t') e++;
    *flen = e - s;
    *p = e;
    return s;
}

/* 1 and *v on a valid log10 value (finite or -inf), else 0. Plain decimals ([-]digits[.digits], what ARPA
 * writers print) are converted here, 10x faster than strtod; anything else (exponents, inf) goes to strtod. */
static int parse_value(const char *s, int64_t n, float *v) {
    if (n > 0 && n <= 16) { /* <= 15 digits: mant and 10^scale exact in a double, so one rounding */
        int64_t i = 0, mant = 0, scale = 0, digits = 0;
        int neg = s[0] == '-';
        if (neg || s[0] == '+') i++;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++) mant = mant * 10 + (s[i] - '0');
        if (i < n && s[i] == '.') {
            for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++, scale++) mant = mant * 10 + (s[i] - '0');
        }
        if (i == n && digits > 0) {
            static const double p10[19] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
                                           1e13, 1e14, 1e15, 1e16, 1e17, 1e18};
            double d = (double)mant / p10[scale]; /* correctly rounded, as strtod */
            *v = (float)(neg ? -d : d);
            return 1;
        }
    }
    char tmp[64];
    if (n <= 0 || n >= (int64_t)sizeof(tmp)) return 0;
    memcpy(tmp, s, (size_t)n);
    tmp[n] = 0;
    char *endp;
    double d = strtod(tmp, &endp);
    if (endp != tmp + n || isnan(d) || d == INFINITY) return 0;
    *v = (float)d;
    return 1;
}

int lm_arpa_parse(const char *buf, int64_t len, int64_t pos, int64_t lineno, int N, const int64_t *counts,
                  int32_t *const *grams, float *const *logp, float *const *bo, int64_t *uni_spans,
                  int64_t *err_line) {
    cursor c = {buf, len, pos, lineno};
    sf_strtab *vocab = sf_strtab_new((size_t)(counts[0] > 0 ? counts[0] : 1));
    if (!vocab) return SF_ENOMEM;
    int rc = SF_OK;
    const char *a, *b;
    char header[32];
    for (int n = 1; n <= N && rc == SF_OK; n++) {
        int hl = snprintf(header, sizeof(header), "\\%d-grams:", n);
        int got = 0;
        while ((got = next_line(&c, &a, &b)) && a == b) {}
        if (!got || b - a != hl || memcmp(a, header, (size_t)hl) != 0) { rc = SF_EFORMAT; break; }
        int64_t k = counts[n - 1], r = 0;
        int64_t save_pos = c.pos, save_line = c.lineno;
        /* previous row's words: neighbouring rows of a sorted section share most words, so a memcmp with
         * the word at the same position often replaces a hash lookup */
        const char *prev_w[64];
        int64_t prev_l[64];
        for (int j = 0; j < 64; j++) { prev_w[j] = NULL; prev_l[j] = -1; }
        while (next_line(&c, &a, &b)) {
            if (a == b) { save_pos = c.pos; save_line = c.lineno; continue; }
            if (*a == '\\') { c.pos = save_pos; c.lineno = save_line; break; } /* next header: unread it */
            if (r >= k) { rc = SF_EFORMAT; break; }
            const char *p = a;
            int64_t fl;
            const char *f = field(&p, b, &fl);
            if (!f || !parse_value(f, fl, &logp[n - 1][r])) { rc = SF_EFORMAT; break; }
            int j;
            for (j = 0; j < n; j++) {
                f = field(&p, b, &fl);
                if (!f) break;
                int32_t id;
                if (n == 1) {
                    if (sf_strtab_find(vocab, f, (size_t)fl) >= 0) { rc = SF_EFORMAT; break; } /* twice */
                    id = sf_strtab_intern(vocab, f, (size_t)fl);
                    if (id < 0) { rc = SF_ENOMEM; break; }
                    uni_spans[2 * r] = f - buf;
                    uni_spans[2 * r + 1] = fl;
                } else if (j < 64 && prev_l[j] == fl && memcmp(prev_w[j], f, (size_t)fl) == 0) {
                    id = grams[n - 1][(r - 1) * n + j];
                } else {
                    id = sf_strtab_find(vocab, f, (size_t)fl);
                    if (id < 0) { rc = SF_EFORMAT; break; } /* not a unigram */
                }
                if (j < 64) { prev_w[j] = f; prev_l[j] = fl; }
                grams[n - 1][r * n + j] = id;
            }
            if (rc != SF_OK) break;
            if (j < n) { rc = SF_EFORMAT; break; }
            f = field(&p, b, &fl);
            bo[n - 1][r] = 0.0f;
            if (f && !parse_value(f, fl, &bo[n - 1][r])) { rc = SF_EFORMAT; break; }
            if (field(&p, b, &fl)) { rc = SF_EFORMAT; break; } /* extra fields */
            r++;
            save_pos = c.pos;
            save_line = c.lineno;
        }
        if (rc == SF_OK && r != k) rc = SF_EFORMAT;
    }
    if (rc == SF_OK) {
        int got;
        while ((got = next_line(&c, &a, &b)) && a == b) {}
        if (!got || b - a != 5 || memcmp(a, "\\end\\", 5) != 0) rc = SF_EFORMAT;
    }
    sf_strtab_free(vocab);
    *err_line = c.lineno;
    return rc;
}
