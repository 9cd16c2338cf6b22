/* rnn_linear_tmpl.h: body of csrc/rnn_linear.c, compiled once per dtype (see sf_real_tmpl.h). */

/* tr (rows, D) = the table's element (r, d) at src[r*rs + d*cs]; with rs == 1 and cs == rows (a contiguous
 * (D, rows) matrix: W_ih of the one-hot input) by the cache-blocked transpose, whose column writes would
 * otherwise each touch a new page (a 4 KB stride for 1024-float rows). */
#ifndef TRANSPOSE_TABLE
#define TRANSPOSE_TABLE(tr, src, rs, cs, rows, D)                                                      \
    do {                                                                                               \
        if ((rs) == 1 && (cs) == (rows))                                                               \
            TRANSPOSE((tr), (src), (D), (rows), (rows));                                               \
        else                                                                                           \
            for (int d_ = 0; d_ < (D); d_++)                                                           \
                for (int r_ = 0; r_ < (rows); r_++) (tr)[(long)r_ * (D) + d_] = (src)[(long)r_ * (rs) + (long)d_ * (cs)]; \
    } while (0)
#endif

int FN(rnn_linear_forward)(REAL *out, const REAL *x, const REAL *W, const REAL *b, int N, int I, int O,
                           int n_threads) {
    if (N < 1 || I < 1 || O < 1 || !out || !x || !W) return SF_EVALUE;
    /* W^T (I,O) packed once for the GEMM core (each thread packs a part), shared by all threads */
    REAL *Wpk = malloc(sizeof(REAL) * (size_t)GEMM_PACKED_SIZE(I, O));
    /* every output row starts as b (or zeros), written by the GEMM panel by panel just before it reads it:
     * N row pointers to the same O values */
    REAL *zero = b ? NULL : calloc((size_t)O, sizeof(REAL));
    const REAL **rows = malloc(sizeof(REAL *) * (size_t)N);
    if (!Wpk || !rows || (!b && !zero)) {
        free(Wpk), free(zero), free(rows);
        return SF_ENOMEM;
    }
    for (int n = 0; n < N; n++) rows[n] = b ? b : zero;
    int failed = 0;
    const int nt = sf_resolve_threads(n_threads);
    SF_PARALLEL_OR(nt, failed) {
        const int tid = sf_thread_id();
        int n0, n1;
        GEMM_PACK_PART(Wpk, 1, I, O, W, I, tid, sf_team_size());
        SF_BARRIER
        sf_thread_rows(N, tid, sf_team_size(), &n0, &n1);
        if (n1 > n0)
            failed |= GEMM_PACKED_INIT(n1 - n0, O, I, x + (long)n0 * I, I, Wpk, rows + n0, NULL, out + (long)n0 * O,
                                       O) != 0;
    }
    free(Wpk), free(zero), free(rows);
    return failed ? SF_ENOMEM : SF_OK;
}

int FN(rnn_linear_backward)(REAL *dx, REAL *dW, REAL *db, const REAL *dout, const REAL *x, const REAL *W,
                            int N, int I, int O, int n_threads) {
    if (N < 1 || I < 1 || O < 1 || !dW || !dout || !x || !W) return SF_EVALUE;
    REAL *Wpk = NULL; /* W (O,I) packed once for dx = dout W (each thread packs a part) */
    if (dx) {
        Wpk = malloc(sizeof(REAL) * (size_t)GEMM_PACKED_SIZE(O, I));
        if (!Wpk) return SF_ENOMEM;
    }
    int failed = 0;
    const int nt = sf_resolve_threads(n_threads);
    SF_PARALLEL_OR(nt, failed) {
        const int tid = sf_thread_id();
        int n0, n1, o0, o1;
        if (Wpk) {
            GEMM_PACK_PART(Wpk, 0, O, I, W, I, tid, sf_team_size());
            SF_BARRIER
        }
        sf_thread_rows(N, tid, sf_team_size(), &n0, &n1);
        sf_thread_rows(O, tid, sf_team_size(), &o0, &o1);
        if (dx && n1 > n0) /* dx rows of this thread */
            failed |= GEMM_PACKED(0, n1 - n0, I, O, dout + (long)n0 * O, O, Wpk, 0, dx + (long)n0 * I, I) != 0;
        if (o1 > o0) { /* rows o0..o1 of dW and db: dW[o,:] += sum_n dout[n,o] x[n,:] */
            /* and db[o0:o1] += the column sums of dout, in the product's own read of dout */
            const GEMM_SUMS_T s = {db ? db + o0 : NULL, NULL, NULL, 0, 0, NULL};
            GEMM_TN_SUMS(o1 - o0, I, N, dout + o0, O, x, I, dW + (long)o0 * I, I, &s);
        }
    }
    free(Wpk);
    return failed ? SF_ENOMEM : SF_OK;
}

int FN(rnn_gather)(REAL *out, const REAL *table, long rs, long cs, const int32_t *ids, const REAL *bias, int N,
                   int D, int rows, int n_threads) {
    if (N < 1 || D < 1 || rows < 1 || !out || !table || !ids) return SF_EVALUE;
    for (int n = 0; n < N; n++)
        if (ids[n] < 0 || ids[n] >= rows) return SF_EINDEX;
    const int nt = sf_resolve_threads(n_threads);
    (void)nt; /* unused without OpenMP */
    /* Columns of a table with fewer rows than gathered items (the one-hot input: columns of W_ih (GH, V)):
     * copy the table transposed once, so that every item reads a contiguous row instead of D values at
     * stride cs. Same values copied, so the result is unchanged. */
    REAL *tr = NULL;
    if (cs != 1 && rows <= N) {
        tr = malloc(sizeof(REAL) * (size_t)rows * (size_t)D);
        if (tr) {
            TRANSPOSE_TABLE(tr, table, rs, cs, rows, D);
            table = tr, rs = D, cs = 1;
        }
    }
    SF_PARALLEL_FOR(nt)
    for (int n = 0; n < N; n++) {
        const REAL *src = table + (long)ids[n] * rs;
        REAL *o = out + (long)n * D;
        if (cs == 1)
            for (int d = 0; d < D; d++) o[d] = src[d];
        else
            for (int d = 0; d < D; d++) o[d] = src[(long)d * cs];
        if (bias)
            for (int d = 0; d < D; d++) o[d] += bias[d];
    }
    free(tr);
    return SF_OK;
}

/* dst[d] += s[d] (and db[d] += s[d] when db) for d in [d0, d1): one item of rnn_scatter_add, vectorized per
 * instruction set. */
static SF_CLONES void FN(scatter_row)(REAL *restrict dst, REAL *restrict db, const REAL *restrict s, int d0, int d1) {
    for (int d = d0; d < d1; d++) dst[d] += s[d];
    if (db)
        for (int d = d0; d < d1; d++) db[d] += s[d];
}

int FN(rnn_scatter_add)(REAL *dtable, REAL *dbias, long rs, long cs, const REAL *src, const int32_t *ids, int N,
                        int D, int rows, int n_threads) {
    if (N < 1 || D < 1 || rows < 1 || !dtable || !src || !ids) return SF_EVALUE;
    for (int n = 0; n < N; n++)
        if (ids[n] < 0 || ids[n] >= rows) return SF_EINDEX;
    int nt = sf_resolve_threads(n_threads);
    /* Columns of a table with fewer rows than items (dW_ih of the one-hot input): accumulate into a
     * transposed copy (contiguous rows) and copy it back. Every element receives the same additions in the
     * same order as in place, so the result is bit-identical. */
    REAL *tr = NULL, *orig = NULL;
    long ors = rs, ocs = cs;
    if (cs != 1 && rows <= N) {
        tr = malloc(sizeof(REAL) * (size_t)rows * (size_t)D);
        if (tr) {
            TRANSPOSE_TABLE(tr, dtable, rs, cs, rows, D);
            orig = dtable, dtable = tr, rs = D, cs = 1;
        }
    }
    /* Each thread owns a range of d (columns of src), so repeated ids never race; n runs in order. */
    SF_PARALLEL(nt) {
        const int tid = sf_thread_id();
        int d0, d1;
        sf_thread_rows(D, tid, sf_team_size(), &d0, &d1);
        for (int n = 0; n < N && d1 > d0; n++) {
            REAL *dst = dtable + (long)ids[n] * rs;
            const REAL *s = src + (long)n * D;
            /* n in order: dbias gets the same sums as src.sum(axis=0) row by row */
            if (cs == 1) {
                FN(scatter_row)(dst, dbias, s, d0, d1);
                continue;
            }
            for (int d = d0; d < d1; d++) dst[(long)d * cs] += s[d];
            if (dbias)
                for (int d = d0; d < d1; d++) dbias[d] += s[d];
        }
    }
    if (tr) {
        if (ors == 1 && ocs == rows) /* a contiguous (D, rows) matrix: the blocked transpose */
            TRANSPOSE(orig, tr, rows, D, D);
        else
            for (int d = 0; d < D; d++)
                for (int r = 0; r < rows; r++) orig[(long)r * ors + (long)d * ocs] = tr[(long)r * D + d];
        free(tr);
    }
    return SF_OK;
}
