/* rnn_cell_tmpl.h: body of csrc/rnn_cell.c, compiled once per dtype (see sf_real_tmpl.h).
 *
 * Forward, for every row b of the batch (OpenMP: each thread owns a contiguous block of rows):
 *   a_t = xproj_t + b_hh + h_{t-1} W_hh^T        (B,H): one GEMM per step over the thread's rows
 *   h_t = phi(a_t)                               phi = tanh or relu
 * Backward, t = T-1 .. 0, with g = dL/dh_t carried from t+1 (starting from dhT):
 *   da_t = (dh_all_t + g) * phi'(a_t)            phi' from the output: tanh' = 1 - h^2, relu' = [h > 0]
 *   g    = da_t W_hh                             (the gradient flowing to h_{t-1})
 * then, once for the whole window (each thread owns rows of dW_hh, so no atomics):
 *   dW_hh += sum_{b,t} da_t^T h_{t-1},   db_hh += sum_{b,t} da_t.
 */

int FN(rnn_cell_forward)(REAL *h_all, REAL *hT, const REAL *xproj, const REAL *h0, const REAL *W_hh,
                         const REAL *b_hh, int B, int T, int H, int act, int n_threads) {
    if (B < 1 || T < 1 || H < 1 || (act != RNN_TANH && act != RNN_RELU)) return SF_EVALUE;
    if (!h_all || !hT || !xproj || !h0 || !W_hh || !b_hh) return SF_EVALUE;
    /* W_hh^T packed once for the GEMM core, shared by all threads and all T steps */
    REAL *Wpk = malloc(sizeof(REAL) * (size_t)GEMM_PACKED_SIZE(H, H));
    if (!Wpk) return SF_ENOMEM;
    GEMM_PACK(Wpk, 1, H, H, W_hh, H);
    int failed = 0;
    const long TH = (long)T * H;
    int nt = sf_resolve_threads(n_threads);
    if (nt > B) nt = B;
    SF_PARALLEL_OR(nt, failed) {
        const int tid = sf_thread_id();
        int b0, b1;
        sf_thread_rows(B, tid, sf_team_size(), &b0, &b1);
        const int nb = b1 - b0;
        for (int t = 0; t < T && nb > 0 && !failed; t++) {
            REAL *ht = h_all + (long)b0 * TH + (long)t * H;
            const REAL *hp = t == 0 ? h0 + (long)b0 * H : ht - H;
            const int ldp = t == 0 ? H : (int)TH;
            for (int b = 0; b < nb; b++) {
                const REAL *xp = xproj + (long)(b0 + b) * TH + (long)t * H;
                REAL *hb = ht + (long)b * TH;
                for (int i = 0; i < H; i++) hb[i] = xp[i] + b_hh[i];
            }
            failed |= GEMM_PACKED(0, nb, H, H, hp, ldp, Wpk, 1, ht, (int)TH) != 0;
            for (int b = 0; b < nb; b++) {
                REAL *hb = ht + (long)b * TH;
                if (act == RNN_TANH)
                    TANH_N(hb, H);
                else
                    for (int i = 0; i < H; i++) hb[i] = hb[i] > 0 ? hb[i] : 0;
            }
        }
    }
    for (int b = 0; b < B; b++)
        memcpy(hT + (long)b * H, h_all + (long)b * TH + (long)(T - 1) * H, sizeof(REAL) * (size_t)H);
    free(Wpk);
    return failed ? SF_ENOMEM : SF_OK;
}

int FN(rnn_cell_backward)(REAL *dxproj, REAL *dh0, REAL *dW_hh, REAL *db_hh, const REAL *dh_all,
                          const REAL *dhT, const REAL *h_all, const REAL *h0, const REAL *W_hh, int B, int T,
                          int H, int act, int n_threads) {
    if (B < 1 || T < 1 || H < 1 || (act != RNN_TANH && act != RNN_RELU)) return SF_EVALUE;
    if (!dxproj || !dh0 || !dW_hh || !db_hh || !dh_all || !h_all || !h0 || !W_hh) return SF_EVALUE;
    const long TH = (long)T * H;
    const long N = (long)B * T;
    if (N > 0x7fffffffL) return SF_EOVERFLOW;
    /* h_{t-1} for every (b, t), so that dW_hh is one GEMM with K = B*T. */
    REAL *hprev = malloc(sizeof(REAL) * (size_t)N * (size_t)H);
    REAL *Wpk = malloc(sizeof(REAL) * (size_t)GEMM_PACKED_SIZE(H, H)); /* W_hh packed once for the T steps */
    if (!hprev || !Wpk) {
        free(hprev);
        free(Wpk);
        return SF_ENOMEM;
    }
    GEMM_PACK(Wpk, 0, H, H, W_hh, H);
    int failed = 0;
    const int nt = sf_resolve_threads(n_threads);
    SF_PARALLEL_OR(nt, failed) {
        const int tid = sf_thread_id();
        int b0, b1;
        sf_thread_rows(B, tid, sf_team_size(), &b0, &b1);
        const int nb = b1 - b0;
        REAL *g = dh0 + (long)b0 * H; /* dL/dh_t for this thread's rows, ends as dL/dh0 */
        for (long k = 0; k < (long)nb * H; k++) g[k] = dhT ? dhT[(long)b0 * H + k] : 0;
        for (int t = T - 1; t >= 0 && nb > 0; t--) {
            for (int b = 0; b < nb; b++) {
                const long o = (long)(b0 + b) * TH + (long)t * H;
                const REAL *h = h_all + o, *dh = dh_all + o;
                REAL *da = dxproj + o, *gb = g + (long)b * H;
                if (act == RNN_TANH)
                    for (int i = 0; i < H; i++) da[i] = (dh[i] + gb[i]) * (1 - h[i] * h[i]);
                else
                    for (int i = 0; i < H; i++) da[i] = h[i] > 0 ? dh[i] + gb[i] : 0;
            }
            failed |= GEMM_PACKED(0, nb, H, H, dxproj + (long)b0 * TH + (long)t * H, (int)TH, Wpk, 0, g, H) != 0;
        }
        for (int b = b0; b < b1; b++) {
            memcpy(hprev + (long)b * TH, h0 + (long)b * H, sizeof(REAL) * (size_t)H);
            if (T > 1)
                memcpy(hprev + (long)b * TH + H, h_all + (long)b * TH, sizeof(REAL) * (size_t)(TH - H));
        }
        SF_BARRIER
        int i0, i1;
        sf_thread_rows(H, tid, sf_team_size(), &i0, &i1);
        if (i1 > i0) {
            /* dW_hh[i0:i1] += dxproj[:, i0:i1]^T hprev, and db_hh[i0:i1] its column sums, in one read */
            const GEMM_SUMS_T s = {db_hh + i0, NULL, NULL, 0, 0, NULL};
            GEMM_TN_SUMS(i1 - i0, H, (int)N, dxproj + i0, H, hprev, H, dW_hh + (long)i0 * H, H, &s);
        }
    }
    free(hprev);
    free(Wpk);
    return failed ? SF_ENOMEM : SF_OK;
}
