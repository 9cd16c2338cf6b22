/* rnn_loss_tmpl.h: body of csrc/rnn_loss.c, compiled once per dtype (see sf_real_tmpl.h).
 *
 * For a row z (V) with target y:  lse = m + log sum_j exp(z_j - m), m = max_j z_j  (subtracting the max
 * keeps exp from overflowing: every exponent is <= 0 and the largest term is exactly 1, so the sum is in
 * [1, V] and its log is safe);  loss = lse - z_y;  dloss/dz_j = softmax_j - [j == y].
 */

/* max_j z_j and sum_j e_j in 16 independent lanes (j mod 16), combined in a fixed order at the end: the
 * lanes let the compiler use vector max/add instead of one long dependency chain, and the fixed order keeps
 * results independent of threads. A NaN in z makes the loss NaN through e (the max may skip it). */
static inline REAL FN(row_max)(const REAL *z, int V) {
    REAL lane[16];
    int j = 0;
    for (int l = 0; l < 16; l++) lane[l] = z[0];
    for (; j + 16 <= V; j += 16)
        for (int l = 0; l < 16; l++) lane[l] = z[j + l] > lane[l] ? z[j + l] : lane[l];
    REAL m = lane[0];
    for (int l = 1; l < 16; l++) m = lane[l] > m ? lane[l] : m;
    for (; j < V; j++) m = z[j] > m ? z[j] : m;
    return m;
}

static inline double FN(row_sum)(const REAL *e, int V) {
    double lane[16] = {0};
    int j = 0;
    for (; j + 16 <= V; j += 16)
        for (int l = 0; l < 16; l++) lane[l] += (double)e[j + l];
    double s = 0;
    for (int l = 0; l < 16; l++) s += lane[l];
    for (; j < V; j++) s += e[j];
    return s;
}

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
        const REAL m = FN(row_max)(z, V);
        const REAL zy = z[targets[n]]; /* read before an in-place write overwrites it */
        /* e_j = exp(z_j - m), into the gradient row or this thread's scratch row */
        REAL *e = dlogits ? dlogits + (long)n * V : scratch + (long)sf_thread_id() * V;
        for (int j = 0; j < V; j++) e[j] = z[j] - m;
        EXP_N(e, V);
        const double s = FN(row_sum)(e, V); /* up to V terms in [0, 1]: double even for float32 */
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
