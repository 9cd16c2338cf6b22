/* rnn_cell_tmpl.h: body of rnn_cell.c, compiled once per dtype (see sf_real_tmpl.h).
 *
 * Forward, for every row b of the batch (OpenMP: each thread owns a contiguous block of rows):
 *   a_t = xproj_t + b_hh + h_{t-1} W_hh^T        (B,H): one GEMM per step over the thread's rows
 *   h_t = phi(a_t)                               phi = tanh or relu
 * Backward, t = T-1 .. 0, with g = dL/dh_t carried from t+1 (starting from dhT):
 *   da_t = (dh_all_t + g) * phi'(a_t)            phi' from the output: tanh' = 1 - h^2, relu' = [h > 0]
 *   g    = da_t W_hh                             (the gradient flowing to h_{t-1})
 * then dW_hh, db_hh (and db_ih, dtable) from da = dxproj in one pass (sf_cell_weight_grad).
 */

static int FN(rnn_forward)(REAL *h_all, REAL *hT, const REAL *xproj, const int32_t *ids, int V,
                           const int32_t *lengths, const REAL *h0, const REAL *W_hh, const REAL *b_hh, int B, int T,
                           int H, int relu, int n_threads) {
    int rc = sf_cell_check(B, T, H, 1, ids, V, lengths);
    if (rc != SF_OK) return rc;
    /* W_hh^T packed once for the GEMM core by the team, shared by all threads and all T steps */
    REAL *Wpk = malloc(sizeof(REAL) * (size_t)GEMM_PACKED_SIZE(H, H));
    if (!Wpk) return SF_ENOMEM;
    int failed = 0;
    const long TH = (long)T * H;
    SF_PARALLEL_OR(sf_cell_threads(n_threads, B), failed) {
        int b0, b1;
        FN(sf_cell_team_start)(Wpk, 1, W_hh, H, H, B, &b0, &b1);
        const int nb = b1 - b0;
        for (int t = 0; t < T && nb > 0 && !failed; t++) {
            REAL *ht = h_all + (long)b0 * TH + (long)t * H;
            const REAL *hp = t == 0 ? h0 + (long)b0 * H : ht - H;
            const int ldp = t == 0 ? H : (int)TH;
            const int ns = sf_cell_span(lengths, T, b0, b1, t); /* rows b0 .. b0+ns-1: the ones still running */
            for (int b = 0; b < ns; b++) {
                const long bt = (long)(b0 + b) * T + t;
                const REAL *xp = ids ? xproj + (long)ids[bt] * H : xproj + bt * H;
                REAL *hb = ht + (long)b * TH;
                for (int i = 0; i < H; i++) hb[i] = xp[i] + b_hh[i];
            }
            if (ns > 0) failed |= GEMM_PACKED(0, ns, H, H, hp, ldp, Wpk, 1, ht, (int)TH) != 0;
            for (int b = 0; b < nb; b++) {
                REAL *hb = ht + (long)b * TH;
                if (t >= sf_cell_len(lengths, T, b0 + b)) { /* padding: output 0 (the next GEMM may read it) */
                    memset(hb, 0, sizeof(REAL) * (size_t)H);
                    continue;
                }
                if (!relu)
                    TANH_N(hb, H);
                else /* relu; a NaN stays NaN (hb > 0 is false for it) */
                    for (int i = 0; i < H; i++) hb[i] = hb[i] > 0 || hb[i] != hb[i] ? hb[i] : 0;
            }
        }
    }
    for (int b = 0; b < B; b++) /* the state after each row's own last step */
        memcpy(hT + (long)b * H, h_all + (long)b * TH + (long)(sf_cell_len(lengths, T, b) - 1) * H,
               sizeof(REAL) * (size_t)H);
    free(Wpk);
    return failed ? SF_ENOMEM : SF_OK;
}

static int FN(rnn_backward)(REAL *dxproj, REAL *dh0, REAL *dW_hh, REAL *db_hh, REAL *db_ih, REAL *dtable,
                            const REAL *dh_all, const REAL *dhT, REAL *cache, const REAL *h_all, const int32_t *ids,
                            int V, const int32_t *lengths, const REAL *h0, const REAL *W_hh, int B, int T, int H,
                            int relu, int n_threads) {
    int rc = sf_cell_check(B, T, H, 1, dtable ? ids : NULL, V, lengths);
    if (rc != SF_OK) return rc;
    const long TH = (long)T * H;
    REAL *Wpk = malloc(sizeof(REAL) * (size_t)GEMM_PACKED_SIZE(H, H)); /* W_hh packed once for the T steps */
    if (!Wpk) return SF_ENOMEM;
    int failed = 0;
    SF_PARALLEL_OR(sf_resolve_threads(n_threads), failed) {
        int b0, b1;
        FN(sf_cell_team_start)(Wpk, 0, W_hh, H, H, B, &b0, &b1);
        const int nb = b1 - b0;
        /* dL/dh_t for this thread's rows, ends as dL/dh0; a row starts from dL/dhT at its own last step */
        REAL *g = dh0 + (long)b0 * H;
        for (long k = 0; k < (long)nb * H; k++) g[k] = 0;
        for (int t = T - 1; t >= 0 && nb > 0; t--) {
            const int ns = sf_cell_span(lengths, T, b0, b1, t);
            for (int b = 0; b < nb; b++) {
                const long o = (long)(b0 + b) * TH + (long)t * H;
                const REAL *h = h_all + o, *dh = dh_all + o;
                REAL *da = dxproj + o, *gb = g + (long)b * H;
                const int L = sf_cell_len(lengths, T, b0 + b);
                if (t >= L) { /* padding: no gradient (a zero row for the GEMM and the weight gradient) */
                    memset(da, 0, sizeof(REAL) * (size_t)H);
                    continue;
                }
                if (t == L - 1)
                    for (int i = 0; i < H; i++) gb[i] = dhT ? dhT[(long)(b0 + b) * H + i] : 0;
                if (!relu)
                    for (int i = 0; i < H; i++) da[i] = (dh[i] + gb[i]) * (1 - h[i] * h[i]);
                else
                    for (int i = 0; i < H; i++) da[i] = h[i] > 0 ? dh[i] + gb[i] : 0;
            }
            if (ns > 0)
                failed |= GEMM_PACKED(0, ns, H, H, dxproj + (long)b0 * TH + (long)t * H, (int)TH, Wpk, 0, g, H) != 0;
        }
    }
    free(Wpk);
    if (failed) return SF_ENOMEM;
    FN(sf_cell_weight_grad)(dW_hh, db_hh, db_ih, dtable, cache + (long)B * TH, dxproj, NULL, 0, h_all, h0, ids,
                            lengths, B, T, H, 1, n_threads);
    return SF_OK;
}

int FN(sf_rnn_tanh_forward)(REAL *h_all, REAL *stateT, REAL *cache, const REAL *x, const int32_t *ids, int V,
                            const int32_t *lengths, const REAL *state0, const REAL *W_hh, const REAL *b_hh, int B, int T, int H,
                            int n_threads) {
    (void)cache;
    return FN(rnn_forward)(h_all, stateT, x, ids, V, lengths, state0, W_hh, b_hh, B, T, H, 0, n_threads);
}

int FN(sf_rnn_relu_forward)(REAL *h_all, REAL *stateT, REAL *cache, const REAL *x, const int32_t *ids, int V,
                            const int32_t *lengths, const REAL *state0, const REAL *W_hh, const REAL *b_hh, int B, int T, int H,
                            int n_threads) {
    (void)cache;
    return FN(rnn_forward)(h_all, stateT, x, ids, V, lengths, state0, W_hh, b_hh, B, T, H, 1, n_threads);
}

int FN(sf_rnn_tanh_backward)(REAL *dx, REAL *dstate0, REAL *dW_hh, REAL *db_hh, REAL *db_ih, REAL *dtable,
                             const REAL *dh_all, const REAL *dstateT, REAL *cache, const REAL *h_all,
                             const int32_t *ids, int V, const int32_t *lengths, const REAL *state0, const REAL *W_hh,
                             int B, int T, int H, int n_threads) {
    return FN(rnn_backward)(dx, dstate0, dW_hh, db_hh, db_ih, dtable, dh_all, dstateT, cache, h_all, ids, V,
                            lengths, state0, W_hh, B, T, H, 0, n_threads);
}

int FN(sf_rnn_relu_backward)(REAL *dx, REAL *dstate0, REAL *dW_hh, REAL *db_hh, REAL *db_ih, REAL *dtable,
                             const REAL *dh_all, const REAL *dstateT, REAL *cache, const REAL *h_all,
                             const int32_t *ids, int V, const int32_t *lengths, const REAL *state0, const REAL *W_hh,
                             int B, int T, int H, int n_threads) {
    return FN(rnn_backward)(dx, dstate0, dW_hh, db_hh, db_ih, dtable, dh_all, dstateT, cache, h_all, ids, V,
                            lengths, state0, W_hh, B, T, H, 1, n_threads);
}
