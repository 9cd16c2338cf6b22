# Contract with csrc/w2v.h: declarations only.
from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t

cdef extern from "w2v.h" nogil:
    enum: W2V_MAX_SENTENCE, W2V_BLOCK_WORDS
    ctypedef struct w2v_params:
        int32_t V, E
        int sg, negative, hs, window, cbow_mean, share_negatives
        float alpha, min_alpha
        int64_t total_words
        uint64_t seed
    ctypedef struct w2v_tables:
        const uint32_t *keep
        const uint32_t *alias_prob
        const int32_t *alias
        const int64_t *code_off
        const int32_t *points
        const uint8_t *codes
    ctypedef struct w2v_stats:
        int64_t words, effective, examples
        double loss
    int w2v_train(float *syn0, float *syn1neg, float *syn1, const w2v_params *p, const w2v_tables *t,
                  const int32_t *ids, int64_t n, int64_t words_before, int64_t block_base, int n_threads,
                  int compute_loss, w2v_stats *stats, int64_t *n_blocks)
    double w2v_sg_step(float *syn0, float *syn1neg, float *syn1, const w2v_params *p, const w2v_tables *t,
                       int32_t inp, int32_t target, const int32_t *negs, int K, float alpha, float *neu1e)
    double w2v_cbow_step(float *syn0, float *syn1neg, float *syn1, const w2v_params *p, const w2v_tables *t,
                         const int32_t *ctx, int C, int32_t target, const int32_t *negs, int K, float alpha,
                         float *neu1, float *neu1e)
    double w2v_sg_window_step(float *syn0, float *syn1neg, float *syn1, const w2v_params *p, const w2v_tables *t,
                              const int32_t *ctx, int C, int32_t target, const int32_t *negs, int K, float alpha)
    int w2v_isa()
