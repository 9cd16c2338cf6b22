/* lm_arpa_read.c: the ARPA reader (the only one: the Python layer only words its errors).
 * Input: the file's bytes (already decompressed). Output: the header's counts, then per order ids (k_n, n),
 * log10 p and log10 backoff (0 where absent), and the unigram words as byte spans of the input (their ids are
 * their positions).
 *
 * The format as read here:
 *   - lines end at LF; spaces, tabs and CRs around a line are ignored; blank lines are ignored everywhere;
 *   - lines before "\data\" are ignored (comments); "\data\" is followed by "ngram N=COUNT" lines for
 *     N = 1, 2, ... (spaces or tabs around N, '=' and COUNT; COUNT decimal), then the sections
 *     "\N-grams:" for N = 1..order, each with exactly COUNT lines, then "\end\"; bytes after "\end\" are not
 *     read;
 *   - a section line is "log10p w1 .. wN [backoff]", fields separated by spaces or tabs only (any other byte,
 *     NBSP, \v or \x1c included, belongs to a word);
 *   - numbers are decimal: [+-]digits[.digits][(e|E)[+-]digits] (at least one digit before the exponent), or
 *     -inf / -infinity (any case); hex floats, nan, inf, '_' separators and finite values beyond float's
 *     range (|x| > FLT_MAX, which would read as infinities) are errors; a log10 probability
 *     must be <= 0 (a backoff may be positive);
 *   - every unigram word is distinct; every word of a higher-order n-gram is a unigram.
 * Any deviation stops with SF_EFORMAT and says what and where in an lm_arpa_error (see lm.h). */
#include "lm.h"
#include "sf_strtab.h"

#include <float.h>
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

static inline int is_sep(char ch) { return ch == ' ' || ch == '\t'; }

static const char *field(const char **p, const char *end, int64_t *flen) {
    const char *s = *p;
    while (s < end && is_sep(*s)) s++;
    if (s == end) return NULL;
    const char *e = s;
    while (e < end && !is_sep(*e)) e++;
    *flen = e - s;
    *p = e;
    return s;
}

static int lower_eq(const char *s, int64_t n, const char *lit) {
    int64_t m = (int64_t)strlen(lit);
    if (n != m) return 0;
    for (int64_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch >= 'A' && ch <= 'Z') ch = (char)(ch - 'A' + 'a');
        if (ch != lit[i]) return 0;
    }
    return 1;
}

/* 1 and *v on a valid value (see the file comment), else 0. Plain decimals of <= 15 digits (what ARPA writers
 * print) are converted here, 10x faster than strtod; other valid forms (exponents, long digit strings) by
 * strtod after the syntax check. */
static int parse_value(const char *s, int64_t n, float *v) {
    if (n <= 0) return 0;
    int64_t i = 0, mant = 0, scale = 0, digits = 0;
    int neg = s[0] == '-';
    if (neg || s[0] == '+') i++;
    if (neg && (lower_eq(s + 1, n - 1, "inf") || lower_eq(s + 1, n - 1, "infinity"))) {
        *v = -INFINITY;
        return 1;
    }
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++) mant = digits < 18 ? mant * 10 + (s[i] - '0') : mant;
    if (i < n && s[i] == '.') {
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++, scale++)
            mant = digits < 18 ? mant * 10 + (s[i] - '0') : mant;
    }
    if (digits == 0) return 0;
    if (i == n && digits <= 15) { /* mant and 10^scale exact in a double, so one rounding, as strtod */
        static const double p10[16] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
                                       1e13, 1e14, 1e15};
        double d = (double)mant / p10[scale];
        *v = (float)(neg ? -d : d);
        return 1;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        int64_t e0;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) i++;
        for (e0 = i; i < n && s[i] >= '0' && s[i] <= '9'; i++) {}
        if (i == e0) return 0;
    }
    if (i != n) return 0;
    char tmp[128];
    if (n >= (int64_t)sizeof(tmp)) return 0;
    memcpy(tmp, s, (size_t)n);
    tmp[n] = 0;
    double d = strtod(tmp, NULL);
    if (isnan(d) || isinf(d) || fabs(d) > FLT_MAX) return 0; /* 1e999, or past float's range (1e39) */
    *v = (float)d;
    return 1;
}

/* A decimal count; values past 2^62 saturate there (the caller compares counts with the file's lines). */
static int parse_count(const char *s, const char *e, int64_t *k) {
    if (s == e) return 0;
    int64_t x = 0;
    for (; s < e; s++) {
        if (*s < '0' || *s > '9') return 0;
        x = x > ((int64_t)1 << 62) / 10 ? ((int64_t)1 << 62) : x * 10 + (*s - '0');
    }
    *k = x;
    return 1;
}

int lm_arpa_header(const char *buf, int64_t len, int max_order, int64_t *counts, int *N, int64_t *pos,
                   int64_t *lineno, lm_arpa_error *err) {
    cursor c = {buf, len, 0, 0};
    const char *a, *b;
    int found = 0;
    *N = 0;
    memset(err, 0, sizeof(*err));
#define FAIL(w, at) do { err->why = (w); err->line = (at); return SF_EFORMAT; } while (0)
    while (next_line(&c, &a, &b))
        if (b - a == 6 && memcmp(a, "\\data\\", 6) == 0) { found = 1; break; }
    if (!found) FAIL(LM_ARPA_NO_DATA, c.lineno);
    int64_t before = c.pos, before_line = c.lineno;
    while (next_line(&c, &a, &b)) {
        if (a == b) { before = c.pos; before_line = c.lineno; continue; }
        if (b - a < 5 || memcmp(a, "ngram", 5) != 0) break;
        const char *p = a + 5, *eq = memchr(a, '=', (size_t)(b - a));
        int64_t n = 0, k = 0;
        const char *ns = p, *ne, *ks, *ke = b;
        while (ns < b && is_sep(*ns)) ns++;
        ne = eq ? eq : b;
        while (ne > ns && is_sep(ne[-1])) ne--;
        ks = eq ? eq + 1 : b;
        while (ks < b && is_sep(*ks)) ks++;
        if (!eq || ns == p || !parse_count(ns, ne, &n) || !parse_count(ks, ke, &k))
            FAIL(LM_ARPA_BAD_COUNT_LINE, c.lineno);
        err->order = *N + 1;
        if (n != *N + 1) FAIL(LM_ARPA_WRONG_ORDER, c.lineno);
        if (n > max_order) FAIL(LM_ARPA_TOO_MANY_ORDERS, c.lineno);
        counts[(*N)++] = k;
        before = c.pos;
        before_line = c.lineno;
    }
    if (*N == 0) FAIL(LM_ARPA_NO_COUNTS, before_line + 1);
    if (counts[0] == 0) FAIL(LM_ARPA_ZERO_UNIGRAMS, before_line);
    /* every n-gram takes a line: a count the rest of the file cannot hold is a corrupt header, not a request
     * for terabytes */
    int64_t left = 1, total = 0;
    for (const char *s = buf + before, *end = buf + len; (s = memchr(s, '\n', (size_t)(end - s))); s++) left++;
    for (int n = 0; n < *N; n++) {
        total += counts[n];
        if (counts[n] > left || total > left) {
            err->order = counts[n] > left ? n + 1 : 0; /* 0: only the sum does not fit */
            err->rows = left;
            err->expected = counts[n] > left ? counts[n] : total;
            FAIL(LM_ARPA_COUNTS_DO_NOT_FIT, before_line);
        }
    }
#undef FAIL
    *pos = before;
    *lineno = before_line;
    return SF_OK;
}

int lm_arpa_parse(const char *buf, int64_t len, int64_t pos, int64_t lineno, int N, const int64_t *counts,
                  int32_t *const *grams, float *const *logp, float *const *bo, int64_t *uni_spans,
                  lm_arpa_error *err) {
    cursor c = {buf, len, pos, lineno};
    sf_strtab *vocab = sf_strtab_new((size_t)(counts[0] > 0 ? counts[0] : 1));
    if (!vocab) return SF_ENOMEM;
    int rc = SF_OK;
    const char *a, *b;
    char header[32];
    memset(err, 0, sizeof(*err));
#define FAIL(w) do { rc = SF_EFORMAT; err->why = (w); goto done; } while (0)
    for (int n = 1; n <= N; n++) {
        int hl = snprintf(header, sizeof(header), "\\%d-grams:", n);
        int got = 0;
        err->order = n;
        while ((got = next_line(&c, &a, &b)) && a == b) {}
        if (!got) FAIL(LM_ARPA_EOF_BEFORE_SECTION);
        if (b - a != hl || memcmp(a, header, (size_t)hl) != 0) FAIL(LM_ARPA_EXPECTED_SECTION);
        int64_t k = counts[n - 1], r = 0;
        int64_t save_pos = c.pos, save_line = c.lineno;
        err->order = n;
        err->expected = k;
        /* previous row's words: neighbouring rows of a sorted section share most words, so a memcmp with
         * the word at the same position often replaces a hash lookup */
        const char *prev_w[64];
        int64_t prev_l[64];
        for (int j = 0; j < 64; j++) { prev_w[j] = NULL; prev_l[j] = -1; }
        while (next_line(&c, &a, &b)) {
            if (a == b) { save_pos = c.pos; save_line = c.lineno; continue; }
            if (*a == '\\') { c.pos = save_pos; c.lineno = save_line; break; } /* next header: unread it */
            const char *p = a;
            int64_t fl, nf = 0;
            for (const char *q = a; field(&q, b, &fl);) nf++;
            if (nf != n + 1 && nf != n + 2) FAIL(LM_ARPA_FIELDS);
            err->rows = r;
            if (r >= k) FAIL(LM_ARPA_TOO_MANY_ROWS);
            const char *f = field(&p, b, &fl);
            if (!parse_value(f, fl, &logp[n - 1][r])) FAIL(LM_ARPA_BAD_LOGP);
            if (logp[n - 1][r] > 0.0f) FAIL(LM_ARPA_POSITIVE_LOGP);
            for (int j = 0; j < n; j++) {
                f = field(&p, b, &fl);
                int32_t id;
                if (n == 1) {
                    if (sf_strtab_find(vocab, f, (size_t)fl) >= 0) { err->offset = f - buf; FAIL(LM_ARPA_DUP_UNIGRAM); }
                    id = sf_strtab_intern(vocab, f, (size_t)fl);
                    if (id < 0) { rc = SF_ENOMEM; goto done; }
                    uni_spans[2 * r] = f - buf;
                    uni_spans[2 * r + 1] = fl;
                } else if (j < 64 && prev_l[j] == fl && memcmp(prev_w[j], f, (size_t)fl) == 0) {
                    id = grams[n - 1][(r - 1) * n + j];
                } else {
                    id = sf_strtab_find(vocab, f, (size_t)fl);
                    if (id < 0) { err->offset = f - buf; FAIL(LM_ARPA_NOT_UNIGRAM); }
                }
                if (j < 64) { prev_w[j] = f; prev_l[j] = fl; }
                grams[n - 1][r * n + j] = id;
            }
            bo[n - 1][r] = 0.0f;
            f = field(&p, b, &fl);
            if (f && !parse_value(f, fl, &bo[n - 1][r])) FAIL(LM_ARPA_BAD_BACKOFF);
            r++;
            save_pos = c.pos;
            save_line = c.lineno;
        }
        err->rows = r;
        if (r != k) FAIL(LM_ARPA_TOO_FEW_ROWS);
    }
    {
        int got;
        err->order = N;
        while ((got = next_line(&c, &a, &b)) && a == b) {}
        if (!got) FAIL(LM_ARPA_NO_END);
        if (b - a != 5 || memcmp(a, "\\end\\", 5) != 0) FAIL(LM_ARPA_EXPECTED_END);
    }
#undef FAIL
done:
    sf_strtab_free(vocab);
    err->line = c.lineno;
    return rc;
}
