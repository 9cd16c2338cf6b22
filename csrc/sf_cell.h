/* sf_cell.h: the one interface of the recurrent cells (rnn_tanh, rnn_relu, lstm, gru), and the pieces they
 * share: size checks, threads, and the gradient of the recurrent weights.
 *
 * Letters: B batch, T time steps, H hidden size, G gates per hidden unit (rnn 1, lstm 4, gru 3), GH = G*H,
 * S states (rnn and gru 1: h; lstm 2: h then c), V rows of an input table. Row-major, contiguous.
 *
 * The caller projects the input of a whole window first, xproj[b, t] = W_ih x[b, t] + b_ih (B, T, GH), and a
 * cell runs the recurrence over it (equations in rnn_cell.c, lstm.h, gru.h). Every cell exports, per dtype S
 * (f32 / f64), with the same arguments:
 *
 *   int sf_<cell>_forward_S(REAL *h_all, REAL *stateT, REAL *cache,
 *                           const REAL *x, const int32_t *ids, int V, const int32_t *lengths,
 *                           const REAL *state0, const REAL *W_hh, const REAL *b_hh, int B, int T, int H,
 *                           int n_threads);
 *   int sf_<cell>_backward_S(REAL *dx, REAL *dstate0, REAL *dW_hh, REAL *db_hh, REAL *db_ih, REAL *dtable,
 *                            const REAL *dh_all, const REAL *dstateT, REAL *cache, const REAL *h_all,
 *                            const int32_t *ids, int V, const int32_t *lengths, const REAL *state0,
 *                            const REAL *W_hh, int B, int T, int H, int n_threads);
 *
 * forward: h_all (B, T, H) out, the h_t of every step (the layer's output); stateT (S, B, H) out, the final
 *   state; cache (B, T, W*H) out (W = SF_<CELL>_CACHE below), what backward needs. Input x is xproj (B, T, GH),
 *   or with ids != NULL a table (V, GH) whose row ids[b*T + t] is step t of row b (ids (B, T), every id in
 *   [0, V), else SF_EINDEX: a first layer's one-hot or embedding input, never built as (B, T, GH)).
 *   state0 (S, B, H); W_hh (GH, H); b_hh (GH).
 * backward: from dh_all (B, T, H) = dL/dh_t from above and dstateT (S, B, H) (NULL: zero) writes
 *   dx (B, T, GH) = dL/dxproj and dstate0 (S, B, H), and accumulates (+=) dW_hh (GH, H), db_hh (GH), and when
 *   not NULL db_ih (GH) (dx summed over b, t) and dtable (V, GH): dtable[ids[b*T + t]] += dx[b, t] (the
 *   gradient of a gathered table). backward uses the rest of the cache as scratch and overwrites it.
 * Lengths: lengths (B) (NULL: every row has T steps) gives each row's number of steps L_b in [1, T] (else
 *   SF_EVALUE); steps t >= L_b are padding and are skipped: h_all[b, t] = 0 there, stateT[b] is the state
 *   after step L_b - 1, and backward injects dstateT[b] at step L_b - 1, writes dx[b, t] = 0 at padding and
 *   takes nothing from dh_all there. A step's GEMM covers a thread's rows up to its last row still running,
 *   so rows sorted by decreasing length (within each thread's block) skip all the padding's work. A
 *   reverse direction is the same call on rows reversed within their lengths (the caller's gather).
 * In place: x may be the first (B, T, GH) of cache (lstm, gru: the gates are then written over xproj), and
 *   dx may be the first (B, T, GH) of cache (written over the gates); the model does both.
 * Threads: OpenMP over batch rows for the recurrence (each thread owns a block of rows for all T steps), over
 *   rows of W_hh for its gradient; every sum runs in a fixed order, so results are identical for any
 *   n_threads. Returns SF_OK, SF_EVALUE (a size < 1 or too large), SF_EINDEX or SF_ENOMEM.
 */
#ifndef SF_CELL_H
#define SF_CELL_H

#include "sf_common.h"

/* cache size W: B*T*W*H elements (the layouts are in rnn_cell.c, lstm.h and gru.h); it starts with the gates
 * (B, T, GH) for lstm and gru, and ends with backward's hprev scratch (B, T, H) */
enum { SF_RNN_CACHE = 1 + 1, SF_LSTM_CACHE = 4 + 2 + 1, SF_GRU_CACHE = 3 + 1 + 3 + 1 };

#define SF_CELL_DECLARE(cell, REAL, S)                                                                         \
    int sf_##cell##_forward_##S(REAL *h_all, REAL *stateT, REAL *cache, const REAL *x, const int32_t *ids,    \
                                int V, const int32_t *lengths, const REAL *state0, const REAL *W_hh,          \
                                const REAL *b_hh, int B, int T, int H, int n_threads);                        \
    int sf_##cell##_backward_##S(REAL *dx, REAL *dstate0, REAL *dW_hh, REAL *db_hh, REAL *db_ih,             \
                                 REAL *dtable, const REAL *dh_all, const REAL *dstateT, REAL *cache,          \
                                 const REAL *h_all, const int32_t *ids, int V, const int32_t *lengths,        \
                                 const REAL *state0, const REAL *W_hh, int B, int T, int H, int n_threads);
SF_CELL_DECLARE(rnn_tanh, float, f32)
SF_CELL_DECLARE(rnn_tanh, double, f64)
SF_CELL_DECLARE(rnn_relu, float, f32)
SF_CELL_DECLARE(rnn_relu, double, f64)
SF_CELL_DECLARE(lstm, float, f32)
SF_CELL_DECLARE(lstm, double, f64)
SF_CELL_DECLARE(gru, float, f32)
SF_CELL_DECLARE(gru, double, f64)
#undef SF_CELL_DECLARE

/* The same kernels as tables indexed by cell, one per direction and dtype, for wrappers that pick the cell at
 * run time (seqfast._cells). */
enum { SF_CELL_RNN_TANH, SF_CELL_RNN_RELU, SF_CELL_LSTM, SF_CELL_GRU, SF_N_CELLS };
typedef int (*sf_cell_forward_f32_fn)(float *, float *, float *, const float *, const int32_t *, int,
                                      const int32_t *, const float *, const float *, const float *, int, int, int,
                                      int);
typedef int (*sf_cell_forward_f64_fn)(double *, double *, double *, const double *, const int32_t *, int,
                                      const int32_t *, const double *, const double *, const double *, int, int, int,
                                      int);
typedef int (*sf_cell_backward_f32_fn)(float *, float *, float *, float *, float *, float *, const float *,
                                       const float *, float *, const float *, const int32_t *, int, const int32_t *,
                                       const float *, const float *, int, int, int, int);
typedef int (*sf_cell_backward_f64_fn)(double *, double *, double *, double *, double *, double *, const double *,
                                       const double *, double *, const double *, const int32_t *, int,
                                       const int32_t *, const double *, const double *, int, int, int, int);
extern const sf_cell_forward_f32_fn sf_cell_forward_f32[SF_N_CELLS];
extern const sf_cell_forward_f64_fn sf_cell_forward_f64[SF_N_CELLS];
extern const sf_cell_backward_f32_fn sf_cell_backward_f32[SF_N_CELLS];
extern const sf_cell_backward_f64_fn sf_cell_backward_f64[SF_N_CELLS];

/* Ask for the n elements at p to be brought into L2 (one prefetch per 64-byte line). The cells prefetch the
 * rows of the next time step before the current step's GEMM: every batch row of the caches lives on its own
 * pages, where the hardware prefetchers would restart at each row. */
#if defined(__GNUC__)
#define SF_PREFETCH_ROW(p, n)                                                                          \
    do {                                                                                               \
        const char *pf_ = (const char *)(p);                                                           \
        for (long o_ = 0; o_ < (long)(n) * (long)sizeof(*(p)); o_ += 64) __builtin_prefetch(pf_ + o_, 0, 2); \
    } while (0)
#else
#define SF_PREFETCH_ROW(p, n) ((void)(p), (void)(n))
#endif

/* SF_OK when B, T, H >= 1 and every stride and size the kernels use (cache included) fits in an int / long,
 * every length (when lengths is not NULL) lies in [1, T], and when ids is not NULL, every one of its B*T ids
 * lies in [0, V) (else SF_EINDEX); else SF_EVALUE. */
int sf_cell_check(int B, int T, int H, int G, const int32_t *ids, int V, const int32_t *lengths);

/* Steps of row b: lengths[b], or T without lengths. */
static inline int sf_cell_len(const int32_t *lengths, int T, long b) { return lengths ? lengths[b] : T; }

/* The rows of [b0, b1) a step t's GEMM covers: b0 + n, n = 1 + the offset of the last row still running
 * (L_b > t), 0 when none is. */
static inline int sf_cell_span(const int32_t *lengths, int T, int b0, int b1, int t) {
    if (!lengths) return t < T ? b1 - b0 : 0;
    for (int b = b1 - 1; b >= b0; b--)
        if (lengths[b] > t) return b - b0 + 1;
    return 0;
}

/* Threads to use for a recurrence over B batch rows: sf_resolve_threads(n_threads), at most B. */
int sf_cell_threads(int n_threads, int B);

/* Called by every thread of a recurrence's parallel region at its start: the team packs W_hh (GH, H) into Wpk
 * for the GEMM core (GEMM_PACKED_SIZE of the product; trans = 1 packs W_hh^T for h_{t-1} W_hh^T in a forward,
 * trans = 0 packs W_hh for dA W_hh in a backward), waits at a barrier until the pack is whole, and each thread
 * gets its batch rows [*b0, *b1) of B. */
void sf_cell_team_start_f32(float *Wpk, int trans, const float *W_hh, int GH, int H, int B, int *b0, int *b1);
void sf_cell_team_start_f64(double *Wpk, int trans, const double *W_hh, int GH, int H, int B, int *b0, int *b1);

/* Gradient of the recurrent weights, given dA = dL/d(h_{t-1} W_hh^T + b_hh):
 *   dW_hh (GH, H) += sum_{b,t} dA[b, t]^T h_{t-1}[b]      h_{-1} = h0
 *   db_hh (GH)    += sum_{b,t} dA[b, t]
 * dA (B, T, GH), h_all (B, T, H), h0 (B, H); hprev (B, T, H) scratch. In the same pass over dA, when not NULL,
 * with dA2 = dL/dxproj (B, T, GH) (NULL: dA itself; its first same_cols columns equal dA's and are not read):
 *   db2 (GH)        += sum_{b,t} dA2[b, t]               (db_ih)
 *   dtable (V, GH)  : dtable[ids[b*T + t]] += dA2[b, t]  (the gradient of a gathered input table; ids checked
 *                     by the caller)
 * With lengths (B,) (NULL: every row has T steps), the sums run over t < lengths[b]: dA and dA2 must be zero
 * at padding (t >= lengths[b]; the backward kernels write them so), and h_all too (the forward kernels do),
 * since runs of at most SF_CELL_GAP_ROWS padded rows between two rows' steps are read rather than skipped.
 * Threads own blocks of rows of dW_hh (and those columns of everything else); every element is summed over
 * (b, t) in the same order for any thread count. */
enum { SF_CELL_GAP_ROWS = 8 }; /* padding rows read rather than splitting the product (about its setup cost) */
void sf_cell_weight_grad_f32(float *dW_hh, float *db_hh, float *db2, float *dtable, float *hprev,
                             const float *dA, const float *dA2, int same_cols, const float *h_all,
                             const float *h0, const int32_t *ids, const int32_t *lengths, int B, int T, int H, int G,
                             int n_threads);
void sf_cell_weight_grad_f64(double *dW_hh, double *db_hh, double *db2, double *dtable, double *hprev,
                             const double *dA, const double *dA2, int same_cols, const double *h_all,
                             const double *h0, const int32_t *ids, const int32_t *lengths, int B, int T, int H,
                             int G, int n_threads);

#endif
