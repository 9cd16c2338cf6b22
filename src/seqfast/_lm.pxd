# Contract with csrc/lm.h and csrc/lm_hash.h: declarations only.
from libc.stdint cimport int8_t, int32_t, int64_t, uint8_t, uint64_t

cdef extern from "lm_hash.h" nogil:
    ctypedef struct lm_index:
        const int32_t *grams
        int64_t k
        int n
        int32_t *slots
        uint64_t mask
    int lm_index_build(lm_index *ix, const int32_t *grams, int64_t k, int n)
    int lm_index_build_distinct(lm_index *ix, const int32_t *grams, int64_t k, int n, int n_threads)
    void lm_index_free(lm_index *ix)
    int lm_rows_sorted(const int32_t *grams, int64_t k, int n, int n_threads)
    int lm_prefix_rows(int64_t *out, const int32_t *grams, int64_t k, int n, const int32_t *lower, int64_t k_lo,
                       int n_threads)
    int64_t lm_index_find(const lm_index *ix, const int32_t *words)
    int lm_index_lookup_rows(int64_t *out, const lm_index *ix, const int32_t *rows, int64_t k, int stride,
                             int offset, int n_threads)

cdef extern from "lm.h" nogil:
    int lm_suffix_rows(int64_t *suf, const int32_t *grams, int64_t k, int n, const int64_t *ctx,
                       const int64_t *ctx_suf, int64_t k_ctx, const int64_t *child_start, int64_t k_lolo,
                       const int32_t *lower, int64_t k_lo, int n_threads)
    int lm_adjust_counts(int64_t *adj, const int32_t *grams, const int64_t *raw, int64_t k, int n,
                         const int32_t *next_grams, const int64_t *next_suf, int64_t k1, int32_t bos)
    void lm_counts_of_counts(int64_t *t, const int64_t *adj, int64_t k)
    int lm_mkn_discounts(float *D, const int64_t *t)
    int lm_interpolate_unigrams(double *prob, double *gamma, const int32_t *grams, const int64_t *adj, int64_t k,
                                const float *D, int32_t bos)
    int lm_context_stats(int64_t *stats, int64_t k_ctx, const int64_t *adj, const int64_t *ctx, int64_t k,
                         const uint8_t *keep)
    int lm_interpolate_order(double *prob, double *ctx_gamma, int64_t k_ctx, const int64_t *adj, const int64_t *ctx,
                             const int64_t *suf, int64_t k, const double *lower, int64_t k_lo, const float *D,
                             const uint8_t *keep, const int64_t *stats, int n_threads)
    void lm_arpa_values(float *logp, float *backoff, const double *prob, const double *gamma,
                        const int32_t *grams, int64_t k, int n, int32_t unk, int32_t eos, int n_threads)
    enum: LM_BACKOFF, LM_ADDK, LM_STUPID
    ctypedef struct lm_model:
        int order
        int mode
        float floor
        int closed
        const lm_index *ix
        const float *const *logp
        const float *const *bo
        int32_t bos, eos, unk
    int lm_score_forward(float *out, int8_t *ngram_len, const int32_t *ids, const int64_t *offsets, int64_t L,
                         int bos_ctx, int add_eos, const lm_model *m, int n_threads)
    int lm_arpa_format(char *buf, int64_t cap, int64_t *used, int64_t *next, const int32_t *grams, int64_t k,
                       int n, const float *logp, const float *backoff, int64_t start, const char *pool,
                       const int64_t *offs, int64_t V)
    int lm_arpa_format_rows(char *out, int64_t cap, int64_t *used, const int32_t *grams, int64_t r0, int64_t r1,
                            int n, const float *logp, const float *backoff, const char *pool, const int64_t *offs,
                            int64_t V, int n_threads)
    ctypedef struct lm_arpa_error:
        int why
        int order
        int64_t line
        int64_t rows
        int64_t offset
        int64_t expected
    int lm_arpa_header(const char *buf, int64_t len, int max_order, int64_t *counts, int *N, int64_t *pos,
                       int64_t *lineno, lm_arpa_error *err)
    int lm_arpa_parse(const char *buf, int64_t len, int64_t pos, int64_t lineno, int N, const int64_t *counts,
                      int32_t *const *grams, float *const *logp, float *const *bo, int64_t *uni_spans,
                      lm_arpa_error *err)
