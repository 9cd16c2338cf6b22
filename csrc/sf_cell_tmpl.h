/* sf_cell_tmpl.h: body of sf_cell.c's weight gradient, compiled once per dtype (see sf_real_tmpl.h). */

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
                             const int32_t *ids, int B, int T, int H, int G, int n_threads) {
    const long GH = (long)G * H, BT = (long)B * T;
    /* hprev (B*T, H): row (b, t) is h_{t-1}[b], so dW_hh = dA^T hprev is one product with K = B*T. The threads
     * copy their batch rows into it, then each owns rows [r0, r1) of dW_hh and those entries of db_hh. */
    int nth = sf_resolve_threads(n_threads);
    if (nth > GH) nth = (int)GH;
    SF_PARALLEL(nth)
    {
        int c0, c1, r0, r1;
        sf_thread_rows(B, sf_thread_id(), sf_team_size(), &c0, &c1);
        for (long b = c0; b < c1; b++) {
            memcpy(hprev + b * T * H, h0 + b * H, (size_t)H * sizeof(REAL));
            if (T > 1) memcpy(hprev + (b * T + 1) * H, h_all + b * T * H, (size_t)(T - 1) * H * sizeof(REAL));
        }
        SF_BARRIER
        sf_thread_rows((int)GH, sf_thread_id(), sf_team_size(), &r0, &r1);
        if (r1 > r0) {
            /* columns where dA2 equals dA (all of them when dA2 is NULL): db2 and dtable take their sums in the
             * GEMM's own read of dA; the rest (the GRU's n gate) in a pass over dA2 */
            const int same = dA2 ? same_cols : (int)GH;
            const int m = same < r0 ? r0 : (same > r1 ? r1 : same);
            GEMM_SUMS_T s = {db_hh + r0, db2 ? db2 + r0 : NULL, dtable ? dtable + r0 : NULL, m - r0, GH, ids};
            /* dW_hh[r0:r1] += dA[:, r0:r1]^T hprev (A^T with A stored (B*T, GH)); db_hh[r0:r1] and the columns
             * [r0, m) of db2 and dtable in the same pass */
            GEMM_TN_SUMS(r1 - r0, H, (int)BT, dA + r0, (int)GH, hprev, H, dW_hh + (long)r0 * H, H, &s);
            if (r1 > m && (db2 || dtable)) FN(cell_colsum)(db2, dtable, ids, dA2, BT, GH, m, r1);
        }
    }
}
