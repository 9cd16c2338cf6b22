/* lstm_tmpl.h: body of lstm.c (the LSTM kernels of lstm.h / sf_cell.h), compiled once per dtype (see
 * sf_real_tmpl.h). */

/* One batch row of one step, forward: a (4H) holds the pre-activations [i | f | g | o] and receives the
 * activated gates; c, tc, h (H) receive c_t, tanh(c_t), h_t; cp (H) is c_{t-1}. One fused pass (restrict:
 * the arrays never overlap), compiled per instruction set so that it vectorizes without -march=native. */
static SF_CLONES void FN(lstm_forward_row)(REAL *restrict a, REAL *restrict c, REAL *restrict tc, REAL *restrict h,
                                           const REAL *restrict cp, long H) {
    for (long j = 0; j < H; j++) {
        const REAL i = SIGMOID1(a[j]), f = SIGMOID1(a[H + j]), g = TANH1(a[2 * H + j]), o = SIGMOID1(a[3 * H + j]);
        a[j] = i, a[H + j] = f, a[2 * H + j] = g, a[3 * H + j] = o;
        const REAL cc = f * cp[j] + i * g, th = TANH1(cc);
        c[j] = cc, tc[j] = th, h[j] = o * th;
    }
}

/* One batch row of one step, backward: da (4H) holds the activated gates i, f, g, o and receives d a_t;
 * dcr (H) holds dL/dc_t from step t+1 and receives dL/dc_{t-1}; dhr + dhu is dL/dh_t (recurrence + above);
 * tc = tanh(c_t), cp = c_{t-1}. */
static SF_CLONES void FN(lstm_backward_row)(REAL *restrict da, REAL *restrict dcr, const REAL *restrict dhr,
                                            const REAL *restrict dhu, const REAL *restrict tc,
                                            const REAL *restrict cp, long H) {
    for (long j = 0; j < H; j++) {
        const REAL i = da[j], f = da[H + j], g = da[2 * H + j], o = da[3 * H + j];
        const REAL dh = dhu[j] + dhr[j];
        const REAL dc = dcr[j] + dh * o * (1 - tc[j] * tc[j]);
        da[j] = dc * g * i * (1 - i);              /* d a_i */
        da[H + j] = dc * cp[j] * f * (1 - f);      /* d a_f */
        da[2 * H + j] = dc * i * (1 - g * g);      /* d a_g */
        da[3 * H + j] = dh * tc[j] * o * (1 - o);  /* d a_o */
        dcr[j] = dc * f;                           /* dL/dc_{t-1} */
    }
}

int FN(sf_lstm_forward)(REAL *h_all, REAL *stateT, REAL *cache, const REAL *xproj, const int32_t *ids, int V,
                        const int32_t *lengths, const REAL *state0, const REAL *W_hh, const REAL *b_hh, int B, int T,
                        int H, int n_threads) {
    int rc = sf_cell_check(B, T, H, 4, ids, V, lengths);
    if (rc != SF_OK) return rc;
    const long GH = 4L * H, TH = (long)T * H, TGH = (long)T * GH;
    REAL *gates = cache, *c_all = cache + B * TGH, *tc_all = c_all + B * TH, *hT = stateT, *cT = stateT + (long)B * H;
    const REAL *h0 = state0, *c0 = state0 + (long)B * H;
    /* W_hh^T (H, 4H) packed once for the GEMM core, shared by every thread and step */
    REAL *Wpk = (REAL *)malloc((size_t)GEMM_PACKED_SIZE(H, (int)GH) * sizeof(REAL));
    if (!Wpk) return SF_ENOMEM;
    int failed = 0;
    int nth = sf_cell_threads(n_threads, B);
    SF_PARALLEL_OR(nth, failed)
    {
        int b0, b1;
        FN(sf_cell_team_start)(Wpk, 1, W_hh, (int)GH, H, B, &b0, &b1);
        const int nb = b1 - b0;
        /* the rows of xproj_t, when they are not the gates' own rows (a table read by id, or not in place) */
        const REAL **xrow = nb > 0 && (ids || xproj != gates) ? (const REAL **)malloc(sizeof(REAL *) * nb) : NULL;
        if (nb > 0 && (ids || xproj != gates) && !xrow) failed = 1;
        for (int t = 0; nb > 0 && t < T && !failed; t++) {
            /* a_t (nb rows, stride T*4H) = xproj_t + b_hh + h_{t-1} W_hh^T; the GEMM writes xproj_t + b_hh
             * into each panel of a_t just before it reads it (no separate pass) */
            REAL *a0 = gates + b0 * TGH + t * GH;
            const int ns = sf_cell_span(lengths, T, b0, b1, t); /* rows b0 .. b0+ns-1: the ones still running */
            for (long b = b0; b < b0 + ns; b++) {
                const REAL *x = ids ? xproj + ids[b * T + t] * GH : xproj + b * TGH + t * GH;
                if (xrow) xrow[b - b0] = x;
                if (t + 1 < T && !ids) SF_PREFETCH_ROW(x + GH, GH); /* next step's row, read after this GEMM */
            }
            const REAL *hp = t == 0 ? h0 + (long)b0 * H : h_all + b0 * TH + (t - 1) * (long)H;
            const int ldh = t == 0 ? H : (int)TH;
            if (ns > 0) failed |= GEMM_PACKED_INIT(ns, (int)GH, H, hp, ldh, Wpk, xrow, b_hh, a0, (int)TGH) != 0;
            for (long b = b0; b < b1; b++) {
                if (t >= sf_cell_len(lengths, T, b)) { /* padding: output 0 (the next GEMM may read it) */
                    memset(h_all + b * TH + t * (long)H, 0, (size_t)H * sizeof(REAL));
                    continue;
                }
                const REAL *cp = t == 0 ? c0 + b * H : c_all + b * TH + (t - 1) * (long)H;
                FN(lstm_forward_row)(gates + b * TGH + t * GH, c_all + b * TH + t * (long)H,
                                     tc_all + b * TH + t * (long)H, h_all + b * TH + t * (long)H, cp, H);
            }
        }
        for (long b = b0; b < b1 && !failed; b++) { /* the state after each row's own last step */
            const long last = b * TH + (sf_cell_len(lengths, T, b) - 1) * (long)H;
            for (long j = 0; j < H; j++) {
                hT[b * H + j] = h_all[last + j];
                cT[b * H + j] = c_all[last + j];
            }
        }
        free(xrow);
    }
    free(Wpk);
    return failed ? SF_ENOMEM : SF_OK;
}

int FN(sf_lstm_backward)(REAL *dxproj, REAL *dstate0, REAL *dW_hh, REAL *db_hh, REAL *db_ih, REAL *dtable,
                         const REAL *dh_all, const REAL *dstateT, REAL *cache, const REAL *h_all, const int32_t *ids,
                         int V, const int32_t *lengths, const REAL *state0, const REAL *W_hh, int B, int T, int H,
                         int n_threads) {
    int rc = sf_cell_check(B, T, H, 4, dtable ? ids : NULL, V, lengths);
    if (rc != SF_OK) return rc;
    const long GH = 4L * H, TH = (long)T * H, TGH = (long)T * GH;
    const REAL *gates = cache, *c_all = cache + B * TGH, *tc_all = c_all + B * TH;
    REAL *hprev = cache + B * TGH + 2 * B * TH, *dh0 = dstate0, *dc0 = dstate0 + (long)B * H;
    const REAL *h0 = state0, *c0 = state0 + (long)B * H;
    const REAL *dhT = dstateT, *dcT = dstateT ? dstateT + (long)B * H : NULL;
    /* W_hh (4H, H) packed once for the T steps of dL/dh_{t-1} = d a_t W_hh */
    REAL *Wpk = (REAL *)malloc((size_t)GEMM_PACKED_SIZE((int)GH, H) * sizeof(REAL));
    if (!Wpk) return SF_ENOMEM;
    int failed = 0;
    int nth = sf_cell_threads(n_threads, B);
    SF_PARALLEL_OR(nth, failed)
    {
        int b0, b1;
        FN(sf_cell_team_start)(Wpk, 0, W_hh, (int)GH, H, B, &b0, &b1);
        const int nb = b1 - b0;
        /* dh0 / dc0 hold the gradient flowing back through the recurrence: dL/dh_t, dL/dc_t from step t+1;
         * a row starts from dL/d(final state) at its own last step */
        for (long k = (long)b0 * H; k < (long)b1 * H; k++) dh0[k] = dc0[k] = 0;
        for (int t = T - 1; nb > 0 && t >= 0 && !failed; t--) {
            const int ns = sf_cell_span(lengths, T, b0, b1, t);
            for (long b = b0; b < b1; b++) {
                const int L = sf_cell_len(lengths, T, b);
                if (t >= L) { /* padding: no gradient (a zero row for the GEMM and the weight gradient) */
                    memset(dxproj + b * TGH + t * GH, 0, (size_t)GH * sizeof(REAL));
                    continue;
                }
                if (t == L - 1)
                    for (long j = 0; j < H; j++) {
                        dh0[b * H + j] = dhT ? dhT[b * H + j] : 0;
                        dc0[b * H + j] = dcT ? dcT[b * H + j] : 0;
                    }
                const REAL *a = gates + b * TGH + t * GH;
                const REAL *tc = tc_all + b * TH + t * (long)H, *dhu = dh_all + b * TH + t * (long)H;
                const REAL *cp = t == 0 ? c0 + b * H : c_all + b * TH + (t - 1) * (long)H;
                REAL *da = dxproj + b * TGH + t * GH, *dhr = dh0 + b * H, *dcr = dc0 + b * H;
                /* dxproj may be gates itself: the gates are copied into da first, then da is read and
                 * overwritten at the same index by one pointer, which vectorizes without alias checks */
                if (da != a) memcpy(da, a, (size_t)GH * sizeof(REAL));
                if (t > 0) { /* the rows of step t-1, read after this step's GEMM */
                    SF_PREFETCH_ROW(a - GH, GH);
                    SF_PREFETCH_ROW(tc - H, H);
                    SF_PREFETCH_ROW(dhu - H, H);
                    if (t > 1) SF_PREFETCH_ROW(cp - H, H);
                }
                FN(lstm_backward_row)(da, dcr, dhr, dhu, tc, cp, H);
            }
            /* dL/dh_{t-1} = d a_t W_hh  (ns, 4H) @ (4H, H) */
            if (ns > 0)
                failed |= GEMM_PACKED(0, ns, H, (int)GH, dxproj + b0 * TGH + t * GH, (int)TGH, Wpk, 0,
                                      dh0 + (long)b0 * H, H) != 0;
        }
    }
    free(Wpk);
    if (failed) return SF_ENOMEM;
    /* d a_t is also dL/d(h_{t-1} W_hh^T + b_hh) and dL/dxproj, so dxproj is the dA of the weight gradient,
     * its column sums are db_hh and db_ih, and its rows scattered by id are the gradient of a gathered table. */
    FN(sf_cell_weight_grad)(dW_hh, db_hh, db_ih, dtable, hprev, dxproj, NULL, 0, h_all, h0, ids, lengths, B, T, H,
                            4, n_threads);
    return SF_OK;
}
