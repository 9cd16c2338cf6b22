/* w2v.h: word2vec training (skip-gram and CBOW; negative sampling and/or hierarchical softmax), after
 * Mikolov et al.'s word2vec.c and gensim's word2vec_inner.
 *
 * Letters: V vocabulary size, E vector size (embedding), K negatives per positive example.
 * Arrays, row-major float32:
 *   syn0    (V, E)   input vectors (the embeddings)
 *   syn1neg (V, E)   output vectors for negative sampling (NULL unless K > 0)
 *   syn1    (V-1, E) inner-node vectors of the Huffman tree for hierarchical softmax (NULL unless hs)
 *
 * Corpus: a chunk of int32 ids (n,), -1 ending each sentence. Sentences longer than W2V_MAX_SENTENCE ids are
 * cut into pieces of that length. Pieces are grouped into blocks of at least W2V_BLOCK_WORDS ids; blocks run
 * in parallel (OpenMP, dynamic schedule), each with its own random stream seeded from (seed, block index), so
 * one thread reproduces itself bit for bit. Threads update syn0/syn1neg/syn1 without locks ("Hogwild", as
 * word2vec.c and gensim do): with several threads, results vary from run to run by the order of updates.
 * With several threads, each trains the rows of ids < W2V_HOT_ROWS of syn0 and syn1neg (the most frequent
 * words: the caller orders the vocabulary by descending frequency) in private copies, each copied from the
 * shared row when the thread first uses it and its change added to the shared row after every W2V_HOT_BLOCKS
 * blocks the thread trains (and at the end of the chunk), so that the rows all threads update all the time do
 * not move between the cores' caches at every update; one thread updates the shared rows directly.
 *
 * Random numbers: splitmix64. Per piece, in this order: one draw per id whose subsampling threshold is below
 * 2^31 (keep when (r >> 33) < keep[w]); then per kept position one draw for the reduced window
 * (b = (r >> 32) % window, effective window = window - b); then per training example K draws for negatives
 * (skip-gram with share_negatives: per center with at least one context word, K draws its window shares)
 * (alias method: column ((r >> 32) * V) >> 32, accept it when (r & 0xffffffff) >> 1 < alias_prob[column],
 * else alias[column]; a negative equal to the target is skipped, as gensim does).
 * Learning rate: linear in the position of the piece's first id in the whole run,
 * alpha - (alpha - min_alpha) * pos / total_words, never below min_alpha.
 * sigmoid is exact (1 / (1 + exp(-f)) in float32); updates of word2vec.c's exp table and gensim's clipping at
 * |f| >= 6 are not made.
 */
#ifndef W2V_H
#define W2V_H

#include "sf_common.h"

#define W2V_MAX_SENTENCE 10000
#define W2V_BLOCK_WORDS 10000
#define W2V_HOT_ROWS 1024
#define W2V_HOT_BLOCKS 1

typedef struct w2v_params {
    int32_t V, E;          /* vocabulary size, vector size */
    int sg;                /* 1 skip-gram, 0 CBOW */
    int negative;          /* K: negatives per example (0: none) */
    int hs;                /* 1: hierarchical softmax */
    int window;            /* maximum distance between a word and its context */
    int cbow_mean;         /* CBOW: 1 averages the context vectors, 0 sums them */
    int share_negatives;   /* skip-gram: 1 trains a center's window at once with one set of negatives
                              (pWord2Vec), 0 pair by pair with negatives per pair (word2vec.c) */
    float alpha, min_alpha;
    int64_t total_words;   /* ids the whole run trains on (epochs x corpus ids): the decay's horizon */
    uint64_t seed;
} w2v_params;

typedef struct w2v_tables {
    const uint32_t *keep;       /* (V,) keep an id when a 31-bit draw < keep[w]; keep[w] >= 2^31: always, no draw.
                                   NULL: no subsampling */
    const uint32_t *alias_prob; /* (V,) alias table of the noise distribution, 31-bit thresholds */
    const int32_t *alias;       /* (V,) */
    const int64_t *code_off;    /* (V+1,) hs: word w's path is entries code_off[w] .. code_off[w+1]-1 of: */
    const int32_t *points;      /*        inner nodes (rows of syn1) from the root down */
    const uint8_t *codes;       /*        the branch taken at each (the label is 1 - code) */
} w2v_tables;

typedef struct w2v_stats {
    int64_t words;      /* ids read (before subsampling) */
    int64_t effective;  /* ids kept by subsampling */
    int64_t examples;   /* training examples (skip-gram: pairs, CBOW: centers) */
    double loss;        /* sum over examples of the negative log-likelihood (when compute_loss) */
} w2v_stats;

/* Train on one chunk. words_before: ids (>= 0) of the run trained before this chunk (sets alpha);
 * block_base: index in the run of this chunk's first block (seeds random streams). stats are added to.
 * SF_EVALUE bad parameters, SF_EINDEX an id outside [-1, V), SF_ENOMEM. */
int w2v_train(float *syn0, float *syn1neg, float *syn1, const w2v_params *p, const w2v_tables *t,
              const int32_t *ids, int64_t n, int64_t words_before, int64_t block_base, int n_threads,
              int compute_loss, w2v_stats *stats, int64_t *n_blocks);

/* One skip-gram example (the unit of w2v_train): input row syn0[in], target word `target`, negatives
 * negs (K,) (entries equal to target skipped), learning rate alpha. neu1e: (E,) workspace.
 * Returns the example's loss -log s(f_target) - sum log s(-f_neg) (plus the hs path's). */
double w2v_sg_step(float *syn0, float *syn1neg, float *syn1, const w2v_params *p, const w2v_tables *t,
                   int32_t in, int32_t target, const int32_t *negs, int K, float alpha, float *neu1e);
/* One CBOW example: context rows ctx (C,), target, negatives negs (K,). neu1, neu1e: (E,) workspace. */
double w2v_cbow_step(float *syn0, float *syn1neg, float *syn1, const w2v_params *p, const w2v_tables *t,
                     const int32_t *ctx, int C, int32_t target, const int32_t *negs, int K, float alpha,
                     float *neu1, float *neu1e);

/* One skip-gram window with shared negatives: context rows ctx (C,) all predict `target` (see
 * share_negatives); scores use the rows as they were before the window. Returns the window's loss.
 * SF_ENOMEM is returned as NaN. */
double w2v_sg_window_step(float *syn0, float *syn1neg, float *syn1, const w2v_params *p, const w2v_tables *t,
                          const int32_t *ctx, int C, int32_t target, const int32_t *negs, int K, float alpha);

/* Which inner loops run: 1 AVX2+FMA, 0 portable C. */
int w2v_isa(void);

#endif
