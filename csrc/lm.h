/* lm.h: n-gram language model estimation and scoring, one stage per file, after KenLM's lm/builder.
 *
 *   lm_adjust.c       raw counts -> adjusted (continuation) counts of each lower order
 *   lm_discount.c     adjusted counts -> counts-of-counts -> modified Kneser-Ney discounts D1, D2, D3+
 *   lm_interpolate.c  adjusted counts + discounts -> interpolated probabilities and backoffs (ARPA form)
 *   lm_score.c        backoff scoring of many lines at once (perplexity, sentence scores)
 *   lm_arpa.c         ARPA text formatting of one section
 *
 * Every table of order n is (k_n, n) int32 word ids, row-major, rows distinct, in any row order. The
 * tables are linked by row indices computed with lm_hash.h: ctx[i] = row of grams[i][:-1] in order n - 1,
 * suf[i] = row of grams[i][1:] in order n - 1. The padding convention is count_ngrams(pad=True):
 * each line is <s> w1 .. wn </s>, no <s> <s>.
 */
#ifndef LM_H
#define LM_H

#include "sf_common.h"
#include "lm_hash.h"

/* ---- lm_links.c ---- */
/* Suffix links of order n >= 3 from sorted tables. suf: (k,) out; grams: (k, n) sorted; ctx: (k,) row in
 * order n - 1 of each context; ctx_suf: (k_ctx,) suffix links of order n - 1 (rows of order n - 2);
 * child_start: (k_lolo + 1,) first row in order n - 1 whose context is each order-(n-2) row;
 * lower: (k_lo, n - 1) order n - 1, sorted. SF_EFORMAT if a link is out of range or a suffix is missing. */
int lm_suffix_rows(int64_t *suf, const int32_t *grams, int64_t k, int n, const int64_t *ctx,
                   const int64_t *ctx_suf, int64_t k_ctx, const int64_t *child_start, int64_t k_lolo,
                   const int32_t *lower, int64_t k_lo, int n_threads);

/* ---- lm_adjust.c ---- */
/* adj: (k,) out; grams: (k, n); raw: (k,); next_grams: (k1, n + 1); next_suf: (k1,) row in grams of
 * next_grams[j][1:]. adj = raw for n-grams starting with bos (0 for the unigram <s> itself), else the
 * number of distinct words preceding the n-gram = rows of order n + 1 whose suffix it is.
 * SF_EFORMAT if a next_suf entry is outside [0, k) (a suffix missing from the lower order). */
int lm_adjust_counts(int64_t *adj, const int32_t *grams, const int64_t *raw, int64_t k, int n,
                     const int32_t *next_grams, const int64_t *next_suf, int64_t k1, int32_t bos);

/* ---- lm_discount.c ---- */
/* t: (5,) out; t[c] = number of entries of adj equal to c, for c = 1..4 (t[0] = 0). */
void lm_counts_of_counts(int64_t *t, const int64_t *adj, int64_t k);
/* D: (4,) out, D[0] = 0, D[c] = c - (c + 1) Y t[c+1] / t[c], Y = t1 / (t1 + 2 t2), in float32 as lmplz.
 * Returns SF_OK, or SF_EVALUE when some t[c] (c = 1..3) is 0 or some D[c] falls outside [0, c]: the caller
 * tells which from t and D (the D[c] before the failing one are written). */
int lm_mkn_discounts(float *D, const int64_t *t);

/* ---- lm_interpolate.c ---- */
/* Unigrams. prob: (k,) out; gamma: (1,) out. p(w) = (a - D(a)) / sum a + gamma / V, p(<s>) = 1,
 * gamma = sum_c D(c) N_c / sum a. V = number of unigrams other than <s>. SF_EVALUE if sum a == 0. */
int lm_interpolate_unigrams(double *prob, double *gamma, const int32_t *grams, const int64_t *adj, int64_t k,
                            const float *D, int32_t bos);
/* Statistics of a context h, LM_CTX_STATS int64: sum_x a(hx), the kept rows with a(hx) = 1, 2 and >= 3, and
 * the adjusted count of the pruned rows. Integers, so statistics of parts of a context's rows add up
 * exactly; gamma(h) = (D1 n1 + D2 n2 + D3 n3+ + pruned) / sum_x a(hx), in that order, on every path. */
#define LM_CTX_STATS 5
/* stats: (k_ctx, LM_CTX_STATS) out, of the rows (adj, ctx, keep as below). SF_EFORMAT if some ctx[i] is
 * outside [0, k_ctx). */
int lm_context_stats(int64_t *stats, int64_t k_ctx, const int64_t *adj, const int64_t *ctx, int64_t k,
                     const uint8_t *keep);
/* Order n >= 2. prob: (k,) out; ctx_gamma: (k_ctx,) out, gamma of each context (0 where a context index has
 * no n-gram); adj, ctx, suf: (k,); ctx[i] in [0, k_ctx) numbers the context of row i (the rows of order
 * n - 1 in the in-memory build, the distinct contexts of one partition in the partitioned build);
 * lower: (k_lo,) interpolated p of order n - 1, indexed by suf;
 * keep: (k,) or NULL (keep all): 0 marks an n-gram pruned away, whose whole adjusted count then goes to
 * its context's gamma instead of its discount (as lmplz --prune).
 * stats: (k_ctx, LM_CTX_STATS) or NULL: the contexts' statistics when rows of a context are missing here
 * (a context split over partitions: the statistics summed over all of them); NULL: counted from the rows.
 * p(w | h) = (a(hw) - D(a(hw))) / sum_x a(hx) + gamma(h) lower[suf]. */
int lm_interpolate_order(double *prob, double *ctx_gamma, int64_t k_ctx, const int64_t *adj, const int64_t *ctx,
                         const int64_t *suf, int64_t k, const double *lower, int64_t k_lo, const float *D,
                         const uint8_t *keep, const int64_t *stats, int n_threads);
/* ARPA values. logp: (k,) out = min(0, log10 prob); backoff: (k,) out or NULL (top order) = log10 gamma
 * where gamma > 0 and the last word is neither unk nor eos, else 0. grams: (k, n). */
void lm_arpa_values(float *logp, float *backoff, const double *prob, const double *gamma, const int32_t *grams,
                    int64_t k, int n, int32_t unk, int32_t eos, int n_threads);

/* ---- lm_score.c ---- */
enum { LM_BACKOFF = 0, LM_ADDK = 1, LM_STUPID = 2 };

typedef struct lm_model {
    int order;                 /* N */
    int mode;                  /* LM_BACKOFF: ARPA semantics (mkn, kn, mle, ARPA files);
                                  LM_ADDK: only the longest history counts: bo[h] holds log10 p of a word
                                  unseen after h, floor = log10 1/V for an unseen history;
                                  LM_STUPID: every step down adds floor = log10 alpha (Brants et al. 2007) */
    float floor;
    int closed;                /* 1 if every prefix and suffix of an n-gram of the model is in the model (true
                                  of estimated models and of lmplz's): LM_BACKOFF then carries the matched
                                  rows from word to word, about half the lookups */
    const lm_index *ix;        /* (N,) index of each order's table */
    const float *const *logp;  /* (N,) each (k_n,) log10 probability */
    const float *const *bo;    /* (N,) each (k_n,) log10 backoff (bo[N-1] unused) */
    int32_t bos, eos, unk;
} lm_model;

/* Scoring of L lines. out: (T + L * add_eos,) log10 p of each token (then the line's </s> when add_eos),
 * line by line; ids: (T,); offsets: (L + 1,) non-decreasing, offsets[0] = 0, offsets[L] = T;
 * ngram_len: same shape as out, or NULL: length of the n-gram that matched (0 = none).
 * Ids that are not unigrams of the model (including negative ones) are scored as unk. Each line starts
 * from the context <s> when bos_ctx, else from an empty context.
 * SF_EVALUE for bad offsets or order, or if unk is not a unigram of the model. */
int lm_score_forward(float *out, int8_t *ngram_len, const int32_t *ids, const int64_t *offsets, int64_t L,
                     int bos_ctx, int add_eos, const lm_model *m, int n_threads);

/* ---- lm_arpa.c ---- */
/* Format rows [start, k) of one ARPA section into buf (cap bytes) as "logp\tw1 .. wn[\tbackoff]\n", as
 * many whole rows as fit; *next = first row not written, *used = bytes written. Words are the bytes
 * pool[offs[id] .. offs[id + 1]) for id < V. backoff NULL: no backoff column (top order).
 * SF_EINDEX for an id outside [0, V), SF_EVALUE if one row does not fit in an empty buffer. */
int lm_arpa_format(char *buf, int64_t cap, int64_t *used, int64_t *next, const int32_t *grams, int64_t k, int n,
                   const float *logp, const float *backoff, int64_t start, const char *pool, const int64_t *offs,
                   int64_t V);

/* Rows [r0, r1) formatted by n_threads threads into out (cap bytes, at least (48 + n) per row plus the
 * bytes of their words), *used = bytes written; same text as lm_arpa_format. SF_EVALUE if cap is too small,
 * SF_EINDEX for an id outside [0, V). */
int lm_arpa_format_rows(char *out, int64_t cap, int64_t *used, const int32_t *grams, int64_t r0, int64_t r1, int n,
                        const float *logp, const float *backoff, const char *pool, const int64_t *offs, int64_t V,
                        int n_threads);

/* ---- lm_arpa_read.c ---- (the format accepted is stated in lm_arpa_read.c) */
/* What went wrong where: why (an LM_ARPA_* code), the 1-based line, and per code the order concerned, the
 * rows read (or lines left after the header) and the byte offset of the offending word. */
enum {
    LM_ARPA_OK = 0,
    LM_ARPA_NO_DATA,            /* no \data\ line */
    LM_ARPA_BAD_COUNT_LINE,     /* a header line starting with "ngram" is not "ngram N=COUNT" */
    LM_ARPA_WRONG_ORDER,        /* "ngram N=" out of sequence (order = the N expected) */
    LM_ARPA_TOO_MANY_ORDERS,    /* N above the largest order supported */
    LM_ARPA_NO_COUNTS,          /* no "ngram 1=" after \data\ */
    LM_ARPA_ZERO_UNIGRAMS,      /* "ngram 1=0" */
    LM_ARPA_COUNTS_DO_NOT_FIT,  /* a count (order) or their sum (order 0) exceeds the lines left (rows) */
    LM_ARPA_EOF_BEFORE_SECTION, /* the file ends before "\N-grams:" (order) */
    LM_ARPA_EXPECTED_SECTION,   /* another line where "\N-grams:" (order) belongs */
    LM_ARPA_FIELDS,             /* not "log10p w1 .. wN [backoff]" */
    LM_ARPA_TOO_MANY_ROWS,      /* more rows than the header's count */
    LM_ARPA_BAD_LOGP,           /* the log10 probability is not a number */
    LM_ARPA_POSITIVE_LOGP,      /* the log10 probability is > 0 */
    LM_ARPA_DUP_UNIGRAM,        /* a unigram word seen before (offset) */
    LM_ARPA_NOT_UNIGRAM,        /* a word of a higher-order n-gram is not a unigram (offset) */
    LM_ARPA_BAD_BACKOFF,        /* the backoff is not a number */
    LM_ARPA_TOO_FEW_ROWS,       /* a section ends with fewer rows (rows) than its count */
    LM_ARPA_NO_END,             /* the file ends without \end\ */
    LM_ARPA_EXPECTED_END        /* another line where \end\ belongs */
};
typedef struct lm_arpa_error {
    int why, order;
    int64_t line, rows, offset, expected; /* expected: the header's count for order */
} lm_arpa_error;

/* The header: counts[0..*N) (room for max_order), *pos / *lineno = where the sections start (byte offset,
 * lines before it). SF_EFORMAT with *err. */
int lm_arpa_header(const char *buf, int64_t len, int max_order, int64_t *counts, int *N, int64_t *pos,
                   int64_t *lineno, lm_arpa_error *err);
/* The N sections from buf[pos] (after lineno lines), up to and including \end\.
 * counts: (N,) from the header; grams[n-1]: (counts[n-1], n) out; logp[n-1], bo[n-1]: (counts[n-1],) out;
 * uni_spans: (counts[0], 2) out, (offset, length) in buf of each unigram's word. SF_EFORMAT with *err;
 * SF_ENOMEM. */
int lm_arpa_parse(const char *buf, int64_t len, int64_t pos, int64_t lineno, int N, const int64_t *counts,
                  int32_t *const *grams, float *const *logp, float *const *bo, int64_t *uni_spans,
                  lm_arpa_error *err);

#endif
