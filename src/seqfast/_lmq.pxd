# Contract with csrc/lm_query.h: declarations only.
from libc.stdint cimport int8_t, int32_t, int64_t, uint8_t, uint32_t, uint64_t
from seqfast._strtab cimport sf_strtab

cdef extern from "lm_query.h" nogil:
    enum: LM_QMAX_ORDER
    ctypedef struct lm_qtable:
        const uint32_t *entries
        uint64_t buckets
        int stride
    enum: LM_Q_HASH, LM_Q_TRIE
    ctypedef struct lm_qtrie:
        const uint8_t *bits
        int64_t k
        int wb, pb, bb, nb, rb
        int pe0, peb, be0, beb
        const float *pq
        const float *bq
    ctypedef struct lm_qmodel:
        int order
        int mode
        int layout
        float floor
        int32_t V, bos, eos, unk
        const float *uni
        lm_qtable tab[LM_QMAX_ORDER]
        const int64_t *uni_next
        lm_qtrie trie[LM_QMAX_ORDER]
        sf_strtab words
    ctypedef struct lm_qstate:
        int32_t words[LM_QMAX_ORDER - 1]
        float backoff[LM_QMAX_ORDER - 1]
        uint8_t length
    int lm_qtable_build(uint32_t *entries, uint64_t buckets, int stride, const int32_t *grams, const float *logp,
                        const float *bo, int64_t k, int n)
    int lm_qpack(uint64_t *out, int64_t k, int nf, const int *widths, const uint64_t *const *vals)
    int lm_qmodel_check(const lm_qmodel *m, size_t pool_len)
    int32_t lm_qword(const lm_qmodel *m, const char *s, size_t len)
    void lm_qstate_begin(const lm_qmodel *m, lm_qstate *s)
    void lm_qstate_null(lm_qstate *s)
    float lm_qscore(const lm_qmodel *m, const lm_qstate *in_, int32_t w, lm_qstate *out, int *ngram_len)
    int lm_qscore_ids(float *out, int8_t *ngram_len, const int32_t *ids, const int64_t *offsets, int64_t L,
                      int bos_ctx, int add_eos, const lm_qmodel *m, int n_threads)
    int lm_qscore_text(double *score, double *oov_score, int64_t *ntok, int64_t *noov, const char *buf,
                       const int64_t *offs, int64_t L, int bos_ctx, int add_eos, const lm_qmodel *m, int n_threads)
    ctypedef struct lm_qstr:
        const void *data
        int64_t n
        int32_t kind, ascii
    int lm_qscore_strs(double *score, double *oov_score, int64_t *ntok, int64_t *noov, int64_t *bad_line,
                       const lm_qstr *lines, int64_t L, int bos_ctx, int add_eos, const lm_qmodel *m, int n_threads)
    ctypedef struct lm_qtotals:
        double log10_sum
        double oov_log10_sum
        int64_t tokens, oovs, lines
    int lm_qscore_buffer(lm_qtotals *tot, int64_t *bad_utf8, const char *buf, int64_t len, int bos_ctx, int add_eos,
                         const lm_qmodel *m, int n_threads)
    void lm_qpopulate(const void *p, size_t n)
    void lm_qadvise_whole(const void *p, size_t n)
