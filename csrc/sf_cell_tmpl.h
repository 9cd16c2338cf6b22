/* sf_cell_tmpl.h: body of sf_cell.c's weight gradient, compiled once per dtype (see sf_real_tmpl.h). */

void FN(sf_cell_team_start)(REAL *Wpk, int trans, const REAL *W_hh, int GH, int H, int B, int *b0, int *b1) {
    const int tid = sf_thread_id(), team = sf_team_size();
    sf_thread_rows(B, tid, team, b0, b1);
    GEMM_PACK_PART(Wpk, trans, trans ? H : GH, trans ? GH : H, W_hh, H, tid, team);
    SF_BARRIER
}

/* For each of the BT rows a of dA and a2 of dA2 (row stride GH), in order, and each column r in [r0, r1):
 * db2[r] += a2[r] when db2; dtable[ids[bt]*GH + r] += a2[r] when dtable. One pass for the bias gradient and
 * the scatter of a gathered input's gradient. Compiled per instruction set. */
static SF_CLONES void FN(cell_colsum)(REAL *restrict db2, REAL *restrict dtable, const int32_t *ids,
                                      const REAL *dA2, long BT, long GH, int r0, int r1) {
    for (long bt = 0; bt < BT; bt++) { /* row by row: dA2 is read in memory order */
        const REAL *a2 = dA2 + bt * GH;
        if (db2)
            for (int r = r0; r < r1; r++) db2[r] += a2[r];
        if (dtable) {
            REAL *restrict row = dtable + (long)ids[bt] * GH;
            for (int r = r0; r < r1; r++) row[r] += a2[r];
        }
    }
}

void FN(sf_cell_weight_grad)(REAL *dW_hh, REAL *db_hh, REAL *db2, REAL *dtable, REAL *hprev, const REAL *dA,
                             const REAL *dA2, int same_cols, const REAL *h_all, const REAL *h0,
                             const int32_t *ids, const int32_t *lengths, int B, int T, int H, int G, int n_threads) {
    const long GH = (long)G * H;
    /* hprev (B*T, H): row (b, t) is h_{t-1}[b], so dW_hh = dA^T hprev is a product over the rows (b, t). Padded
     * rows (t >= L_b) of dA are zero and add nothing: the product runs over segments of rows instead, row b's
     * steps [b*T, b*T + L_b) joined to the next row's when the padding between them is at most
     * SF_CELL_GAP_ROWS rows (a separate product per row would cost more than those rows). Every element still
     * receives the same additions in the same order (k ascending), the zero ones left out. The threads copy
     * the rows of hprev their batch rows need, then each owns rows [r0, r1) of dW_hh and those entries of the
     * sums. */
    int nth = sf_resolve_threads(n_threads);
    if (nth > GH) nth = (int)GH;
    SF_PARALLEL(nth)
    {
        int c0, c1, r0, r1;
        sf_thread_rows(B, sf_thread_id(), sf_team_size(), &c0, &c1);
        for (long b = c0; b < c1; b++) { /* the rows a segment covers: the steps, and a short gap after them */
            const int L = sf_cell_len(lengths, T, b), n = T - L <= SF_CELL_GAP_ROWS ? T : L;
            memcpy(hprev + b * T * H, h0 + b * H, (size_t)H * sizeof(REAL));
            if (n > 1) memcpy(hprev + (b * T + 1) * H, h_all + b * T * H, (size_t)(n - 1) * H * sizeof(REAL));
        }
        SF_BARRIER
        sf_thread_rows((int)GH, sf_thread_id(), sf_team_size(), &r0, &r1);
        /* columns where dA2 equals dA (all of them when dA2 is NULL): db2 and dtable take their sums in the
         * GEMM's own read of dA; the rest (the GRU's n gate) in a pass over dA2 */
        const int same = dA2 ? same_cols : (int)GH;
        const int m = same < r0 ? r0 : (same > r1 ? r1 : same);
        for (long b = 0; r1 > r0 && b < B;) {
            const long k0 = b * T; /* the segment [k0, k1): rows b .. (its last row) */
            long k1 = k0 + sf_cell_len(lengths, T, b);
            while (b + 1 < B && T - sf_cell_len(lengths, T, b) <= SF_CELL_GAP_ROWS) {
                b++;
                k1 = b * T + sf_cell_len(lengths, T, b);
            }
            b++;
            const int K = (int)(k1 - k0);
            GEMM_SUMS_T s = {db_hh + r0, db2 ? db2 + r0 : NULL, dtable ? dtable + r0 : NULL, m - r0, GH,
                             ids ? ids + k0 : NULL};
            /* dW_hh[r0:r1] += dA[k0:k1, r0:r1]^T hprev[k0:k1] (A^T with A stored (B*T, GH)); db_hh[r0:r1] and the
             * columns [r0, m) of db2 and dtable in the same pass */
            GEMM_TN_SUMS(r1 - r0, H, K, dA + k0 * GH + r0, (int)GH, hprev + k0 * H, H, dW_hh + (long)r0 * H, H, &s);
            if (r1 > m && (db2 || dtable))
                FN(cell_colsum)(db2, dtable, ids ? ids + k0 : NULL, dA2 + k0 * GH, K, GH, m, r1);
        }
    }
}
