/* charcnn.h: character-level word features for taggers (Ma & Hovy 2016; dos Santos & Zadrozny 2014): each
 * word's characters are embedded, convolved, and max-pooled over the word, float32 (_f32) and float64 (_f64).
 *
 * Letters: W words, L longest word (characters, the row length of the id matrix), C character vocabulary,
 * E character embedding size, F filters (output features), K filter width, P zero padding on each side.
 *
 * For word w of n = lengths[w] characters (ids chars[w, 0..n-1]; the rest of the row is ignored):
 *   x      = [P zero rows; emb[chars[w, 0]]; ...; emb[chars[w, n-1]]; P zero rows]          (n + 2P, E)
 *   s[t,f] = bias[f] + sum_{e,k} weight[f, e, k] * x[t + k, e],  t = 0 .. n + 2P - K       (torch's Conv1d)
 *   out[w, f] = act(max_t s[t, f])    act: 0 identity, 1 tanh, 2 relu (monotonic, so = max_t act(s[t, f]))
 * Each word is computed on its own length, so the padding of the id matrix never changes a result; a word
 * of length 0 (a padded token) gives a zero row and no gradient. Every word needs n + 2P >= K.
 *
 * Forward keeps argmax[w, f] = the t of the max (the first one on ties; -1 for an empty word): backward
 * routes dout through it, as max-pooling does. Backward kernels accumulate (+=) into gradients.
 *
 * Threads: forward splits the words; backward splits the filters (dweight, dbias rows) and the embedding
 * columns (demb), so each thread owns what it writes and results are bitwise identical for any n_threads.
 * Every kernel returns SF_OK or an SF_E* code (sf_common.h): SF_EINDEX for a character id outside [0, C) or
 * a length outside [0, L], SF_EVALUE for a bad size or a word too short for the filter.
 */
#ifndef SF_CHARCNN_H
#define SF_CHARCNN_H

#include <stdint.h>
#include "sf_common.h"

enum { SF_ACT_IDENTITY = 0, SF_ACT_TANH = 1, SF_ACT_RELU = 2 };

#define SF_CHARCNN_DECLARE(REAL, S)                                                                     \
    /* out (W,F), argmax (W,F); chars (W,L), lengths (W); emb (C,E), weight (F,E,K), bias (F). */          \
    int charcnn_forward_##S(REAL *out, int32_t *argmax, const int32_t *chars, const int32_t *lengths,    \
                            const REAL *emb, const REAL *weight, const REAL *bias, int W, int L, int C,   \
                            int E, int F, int K, int P, int act, int n_threads);                          \
    /* demb (C,E) +=, dweight (F,E,K) +=, dbias (F) += from dout (W,F); out, argmax from the forward. */   \
    int charcnn_backward_##S(REAL *demb, REAL *dweight, REAL *dbias, const REAL *dout, const REAL *out,  \
                             const int32_t *argmax, const int32_t *chars, const int32_t *lengths,         \
                             const REAL *emb, const REAL *weight, int W, int L, int C, int E, int F,      \
                             int K, int P, int act, int n_threads);

SF_CHARCNN_DECLARE(float, f32)
SF_CHARCNN_DECLARE(double, f64)
#undef SF_CHARCNN_DECLARE

#endif
