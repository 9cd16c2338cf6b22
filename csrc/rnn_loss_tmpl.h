/* rnn_loss_tmpl.h: body of csrc/rnn_loss.c, compiled once per dtype (see sf_real_tmpl.h).
 *
 * For a row z (V) with target y:  lse = m + log sum_j exp(z_j - m), m = max_j z_j  (subtracting the max
 * keeps exp from overflowing: every exponent is <= 0 and the largest term is exactly 1, so the sum is in
 * [1, V] and its log is safe);  loss = lse - z_y;  dloss/dz_j = softmax_j - [j == y].
 */

int FN(rnn_softmax_ce)(REAL *dlogits, double *loss_sum, const REAL *logits, const int32_t *targets, REAL scale,
                       int N, int V, int n_threads) {
    if (N < 1 || V < 1 || !loss_sum || !logits || !targets) return SF_EVALUE;
    for (int n = 0; n < N; n++)
        if (targets[n] < 0 || targets[n] >= V) return SF_EINDEX;
    const int nt = sf_resolve_threads(n_threads);
    double *row = malloc(sizeof(double) * (size_t)N);
    REAL *scratch = dlogits ? NULL : malloc(sizeof(REAL) * (size_t)V * (size_t)nt);
    if (!row || (!dlogits && !scratch)) {
        free(row);
        free(scratch);
        return SF_ENOMEM;
    }
    (void)nt; /* unused without OpenMP */
    SF_PARALLEL_FOR(nt)
    for (int n = 0; n < N; n++) {
        const REAL *z = logits + (long)n * V;
        REAL m = z[0];
        for (int j = 1; j < V; j++) m = z[j] > m ? z[j] : m;
        const REAL zy = z[targets[n]]; /* read before an in-place write overwrites it */
        /* e_j = exp(z_j - m), into the gradient row or this thread's scratch row */
        REAL *e = dlogits ? dlogits + (long)n * V : scratch + (long)sf_thread_id() * V;
        for (int j = 0; j < V; j++) e[j] = z[j] - m;
        EXP_N(e, V);
        double s = 0; /* the sum of up to V terms in [0, 1] accumulates in double even for float32 */
        for (int j = 0; j < V; j++) s += e[j];
        if (dlogits) {
            const REAL f = (REAL)(scale / s);
            for (int j = 0; j < V; j++) e[j] *= f;
            e[targets[n]] -= scale;
        }
        row[n] = (double)m + log(s) - (double)zy;
    }
    double tot = 0;
    int finite = 1;
    for (int n = 0; n < N; n++) {
        tot += row[n];
        if (!isfinite(row[n])) finite = 0;
    }
    free(row);
    free(scratch);
    *loss_sum = tot;
    return finite ? SF_OK : SF_ENAN;
}
