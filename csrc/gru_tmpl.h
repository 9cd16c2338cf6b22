/* gru_tmpl.h: body of gru.c (the GRU kernels of gru.h / sf_cell.h), compiled once per dtype (see
 * sf_real_tmpl.h). */

/* One batch row of one step, forward: X (3H) is xproj_t [r | z | n] (X is either x or g itself) and g (3H)
 * receives the gates r, z, n; u (3H) = h_{t-1} W_hh^T + b_hh; hp = h_{t-1}; hn, h (H) receive u_n and h_t.
 * One fused pass (restrict: the arrays never overlap; the in-place form reads g where the other reads x),
 * compiled per instruction set so that it vectorizes without -march=native. */
#define GRU_FORWARD_ROW_BODY(X)                                                                              \
    for (long j = 0; j < H; j++) {                                                                           \
        const REAL r = SIGMOID1(X[j] + u[j]), z = SIGMOID1(X[H + j] + u[H + j]), un = u[2 * H + j];          \
        const REAL n = TANH1(X[2 * H + j] + r * un);                                                         \
        g[j] = r, g[H + j] = z, g[2 * H + j] = n;                                                            \
        hn[j] = un;                                                                                          \
        h[j] = (1 - z) * n + z * hp[j];                                                                      \
    }
static SF_CLONES void FN(gru_forward_row)(REAL *restrict g, const REAL *restrict x, const REAL *restrict u,
                                          const REAL *restrict hp, REAL *restrict hn, REAL *restrict h, long H) {
    GRU_FORWARD_ROW_BODY(x)
}
static SF_CLONES void FN(gru_forward_row_inplace)(REAL *restrict g, const REAL *restrict u, const REAL *restrict hp,
                                                  REAL *restrict hn, REAL *restrict h, long H) {
    GRU_FORWARD_ROW_BODY(g)
}
#undef GRU_FORWARD_ROW_BODY

/* One batch row of one step, backward: dx (3H) holds the gates r, z, n and receives d a = dL/dxproj_t;
 * du (3H) receives dL/du_t (d a with the n block times r); dhr (H) holds dL/dh_t from step t+1 and receives
 * the direct part of dL/dh_{t-1} (the GEMM adds the rest); dhu = dL/dh_t from above; hn = u_n; hp = h_{t-1}. */
static SF_CLONES void FN(gru_backward_row)(REAL *restrict dx, REAL *restrict du, REAL *restrict dhr,
                                           const REAL *restrict dhu, const REAL *restrict hn,
                                           const REAL *restrict hp, long H) {
    for (long j = 0; j < H; j++) {
        const REAL r = dx[j], z = dx[H + j], n = dx[2 * H + j];
        const REAL dh = dhu[j] + dhr[j];
        const REAL dan = dh * (1 - z) * (1 - n * n);     /* d of n's pre-activation */
        const REAL dar = dan * hn[j] * r * (1 - r);      /* d a_r */
        const REAL daz = dh * (hp[j] - n) * z * (1 - z); /* d a_z */
        dx[j] = dar, dx[H + j] = daz, dx[2 * H + j] = dan;
        du[j] = dar, du[H + j] = daz, du[2 * H + j] = dan * r;
        dhr[j] = dh * z; /* direct path h_{t-1} -> h_t */
    }
}

int FN(sf_gru_forward)(REAL *h_all, REAL *hT, REAL *cache, const REAL *xproj, const int32_t *ids, int V,
                       const int32_t *lengths, const REAL *h0, const REAL *W_hh, const REAL *b_hh, int B, int T, int H,
                       int n_threads) {
    int rc = sf_cell_check(B, T, H, 3, ids, V, lengths);
    if (rc != SF_OK) return rc;
    const long GH = 3L * H, TH = (long)T * H, TGH = (long)T * GH;
    REAL *gates = cache, *hn_all = cache + B * TGH;
    /* u (B, 3H): h_{t-1} W_hh^T + b_hh of the current step; each thread owns its batch rows. */
    REAL *u_all = (REAL *)malloc((size_t)B * GH * sizeof(REAL));
    /* W_hh^T (H, 3H) packed once for the GEMM core, shared by every thread and step */
    REAL *Wpk = (REAL *)malloc((size_t)GEMM_PACKED_SIZE(H, (int)GH) * sizeof(REAL));
    if (!u_all || !Wpk) {
        free(u_all);
        free(Wpk);
        return SF_ENOMEM;
    }
    int failed = 0;
    int nth = sf_cell_threads(n_threads, B);
    SF_PARALLEL_OR(nth, failed)
    {
        int b0, b1;
        FN(sf_cell_team_start)(Wpk, 1, W_hh, (int)GH, H, B, &b0, &b1);
        const int nb = b1 - b0;
        /* every row of u starts as b_hh, written by the GEMM just before it reads it */
        const REAL **brow = nb > 0 ? (const REAL **)malloc(sizeof(REAL *) * nb) : NULL;
        if (nb > 0 && !brow) failed = 1;
        for (int i = 0; brow && i < nb; i++) brow[i] = b_hh;
        for (int t = 0; nb > 0 && t < T && !failed; t++) {
            if (t + 1 < T && !ids) /* next step's rows of xproj, read after this step */
                for (long b = b0; b < b1; b++) SF_PREFETCH_ROW(xproj + b * TGH + (t + 1) * GH, GH);
            const REAL *hp0 = t == 0 ? h0 + (long)b0 * H : h_all + b0 * TH + (t - 1) * (long)H;
            const int ldh = t == 0 ? H : (int)TH;
            const int ns = sf_cell_span(lengths, T, b0, b1, t); /* rows b0 .. b0+ns-1: the ones still running */
            if (ns > 0)
                failed |= GEMM_PACKED_INIT(ns, (int)GH, H, hp0, ldh, Wpk, brow, NULL, u_all + b0 * GH, (int)GH) != 0;
            for (long b = b0; b < b1; b++) {
                if (t >= sf_cell_len(lengths, T, b)) { /* padding: output 0 (the next GEMM may read it) */
                    memset(h_all + b * TH + t * (long)H, 0, (size_t)H * sizeof(REAL));
                    continue;
                }
                const REAL *hp = t == 0 ? h0 + b * H : h_all + b * TH + (t - 1) * (long)H;
                const REAL *x = ids ? xproj + ids[b * T + t] * GH : xproj + b * TGH + t * GH;
                REAL *gt = gates + b * TGH + t * GH, *hn = hn_all + b * TH + t * (long)H, *h = h_all + b * TH + t * (long)H;
                if (x == gt) /* gates written over xproj */
                    FN(gru_forward_row_inplace)(gt, u_all + b * GH, hp, hn, h, H);
                else /* xproj (or the table's row) read where it is */
                    FN(gru_forward_row)(gt, x, u_all + b * GH, hp, hn, h, H);
            }
        }
        free(brow);
        for (long b = b0; b < b1; b++) /* the state after each row's own last step */
            memcpy(hT + b * H, h_all + b * TH + (sf_cell_len(lengths, T, b) - 1) * (long)H, (size_t)H * sizeof(REAL));
    }
    free(u_all);
    free(Wpk);
    return failed ? SF_ENOMEM : SF_OK;
}

int FN(sf_gru_backward)(REAL *dxproj, REAL *dh0, REAL *dW_hh, REAL *db_hh, REAL *db_ih, REAL *dtable,
                        const REAL *dh_all, const REAL *dhT, REAL *cache, const REAL *h_all, const int32_t *ids, int V,
                        const int32_t *lengths, const REAL *h0, const REAL *W_hh, int B, int T, int H, int n_threads) {
    int rc = sf_cell_check(B, T, H, 3, dtable ? ids : NULL, V, lengths);
    if (rc != SF_OK) return rc;
    const long GH = 3L * H, TH = (long)T * H, TGH = (long)T * GH;
    const REAL *gates = cache, *hn_all = cache + B * TGH;
    /* du (B, T, 3H): dL/d(h_{t-1} W_hh^T + b_hh). Equals dxproj except in the n block (times r). */
    REAL *du_all = cache + B * TGH + B * TH, *hprev = du_all + B * TGH;
    /* W_hh (3H, H) packed once for the T steps of dL/dh_{t-1} += du_t W_hh */
    REAL *Wpk = (REAL *)malloc((size_t)GEMM_PACKED_SIZE((int)GH, H) * sizeof(REAL));
    if (!Wpk) return SF_ENOMEM;
    int failed = 0;
    int nth = sf_cell_threads(n_threads, B);
    SF_PARALLEL_OR(nth, failed)
    {
        int b0, b1;
        FN(sf_cell_team_start)(Wpk, 0, W_hh, (int)GH, H, B, &b0, &b1);
        const int nb = b1 - b0;
        /* dh0 holds dL/dh_t flowing back through the recurrence from step t+1; a row starts from dL/dhT at
         * its own last step */
        for (long k = (long)b0 * H; k < (long)b1 * H; k++) dh0[k] = 0;
        for (int t = T - 1; nb > 0 && t >= 0 && !failed; t--) {
            const int ns = sf_cell_span(lengths, T, b0, b1, t);
            for (long b = b0; b < b1; b++) {
                const int L = sf_cell_len(lengths, T, b);
                if (t >= L) { /* padding: no gradient (zero rows for the GEMM and the weight gradient) */
                    memset(dxproj + b * TGH + t * GH, 0, (size_t)GH * sizeof(REAL));
                    memset(du_all + b * TGH + t * GH, 0, (size_t)GH * sizeof(REAL));
                    continue;
                }
                if (t == L - 1)
                    for (long j = 0; j < H; j++) dh0[b * H + j] = dhT ? dhT[b * H + j] : 0;
                const REAL *gt = gates + b * TGH + t * GH, *hn = hn_all + b * TH + t * (long)H;
                const REAL *hp = t == 0 ? h0 + b * H : h_all + b * TH + (t - 1) * (long)H;
                const REAL *dhu = dh_all + b * TH + t * (long)H;
                REAL *dx = dxproj + b * TGH + t * GH;
                /* dxproj may be gates itself: copy, then read and overwrite da through one pointer */
                if (dx != gt) memcpy(dx, gt, (size_t)GH * sizeof(REAL));
                if (t > 0) { /* the rows of step t-1, read after this step's GEMM */
                    SF_PREFETCH_ROW(gt - GH, GH);
                    SF_PREFETCH_ROW(hn - H, H);
                    SF_PREFETCH_ROW(dhu - H, H);
                    if (t > 1) SF_PREFETCH_ROW(hp - H, H);
                }
                FN(gru_backward_row)(dx, du_all + b * TGH + t * GH, dh0 + b * H, dhu, hn, hp, H);
            }
            /* dL/dh_{t-1} += du_t W_hh  (ns, 3H) @ (3H, H) */
            if (ns > 0)
                failed |= GEMM_PACKED(0, ns, H, (int)GH, du_all + b0 * TGH + t * GH, (int)TGH, Wpk, 1,
                                      dh0 + (long)b0 * H, H) != 0;
        }
    }
    free(Wpk);
    if (failed) return SF_ENOMEM;
    /* du equals dxproj in the r and z blocks: the first 2H columns */
    FN(sf_cell_weight_grad)(dW_hh, db_hh, db_ih, dtable, hprev, du_all, dxproj, 2 * H, h_all, h0, ids, lengths, B,
                            T, H, 3, n_threads);
    return SF_OK;
}
