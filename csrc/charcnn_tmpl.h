/* charcnn_tmpl.h: body of csrc/charcnn.c, compiled once per dtype (see sf_real_tmpl.h). */

/* u (npos, E*K): row t holds the window x[t .. t+K-1] of one word in the weight's (e, k) order, so that
 * s[t, f] = bias[f] + dot(u[t], weight[f]); positions outside the word (the zero padding) are 0. */
static void FN(charcnn_unfold)(REAL *u, const int32_t *c, int n, const REAL *emb, int E, int K, int P) {
    const int npos = n + 2 * P - K + 1;
    for (int t = 0; t < npos; t++) {
        REAL *row = u + (long)t * E * K;
        for (int k = 0; k < K; k++) {
            const int i = t + k - P; /* character index in the word */
            if (i < 0 || i >= n) {
                for (int e = 0; e < E; e++) row[e * K + k] = 0;
            } else {
                const REAL *x = emb + (long)c[i] * E;
                for (int e = 0; e < E; e++) row[e * K + k] = x[e];
            }
        }
    }
}

int FN(charcnn_forward)(REAL *out, int32_t *argmax, const int32_t *chars, const int32_t *lengths, const REAL *emb,
                        const REAL *weight, const REAL *bias, int W, int L, int C, int E, int F, int K, int P, int act,
                        int n_threads) {
    int rc = charcnn_check(chars, lengths, W, L, C, E, F, K, P, act);
    if (rc != SF_OK) return rc;
    if (W == 0) return SF_OK;
    if (!out || !argmax || !emb || !weight || !bias) return SF_EVALUE;
    const int EK = E * K;
    const int maxpos = L + 2 * P - K + 1 > 0 ? L + 2 * P - K + 1 : 1;
    int failed = 0;
    const int nt = sf_resolve_threads(n_threads);
    SF_PARALLEL_OR(nt, failed) {
        REAL *u = malloc(sizeof(REAL) * (size_t)maxpos * EK); /* this thread's unfolded word */
        int w0, w1;
        sf_thread_rows(W, sf_thread_id(), sf_team_size(), &w0, &w1);
        if (!u) failed = 1;
        for (int w = w0; w < w1 && u; w++) {
            const int n = lengths[w];
            REAL *o = out + (long)w * F;
            int32_t *am = argmax + (long)w * F;
            if (n == 0) {
                for (int f = 0; f < F; f++) o[f] = 0, am[f] = -1;
                continue;
            }
            const int npos = n + 2 * P - K + 1;
            FN(charcnn_unfold)(u, chars + (long)w * L, n, emb, E, K, P);
            for (int f = 0; f < F; f++) {
                const REAL *wf = weight + (long)f * EK;
                REAL best = 0;
                int bt = -1;
                for (int t = 0; t < npos; t++) {
                    const REAL *row = u + (long)t * EK;
                    REAL s = bias[f];
                    for (int j = 0; j < EK; j++) s += wf[j] * row[j];
                    if (bt < 0 || s > best) best = s, bt = t;
                }
                am[f] = bt;
                /* the activation after the max: tanh and relu are non-decreasing, so this is the max of the
                 * activated values, at one call per feature instead of one per position */
                o[f] = act == SF_ACT_TANH ? TANH1(best) : act == SF_ACT_RELU ? (best > 0 ? best : 0) : best;
            }
        }
        free(u);
    }
    return failed ? SF_ENOMEM : SF_OK;
}

/* dL/ds at the max of feature f of word w: dout times act' (from the output: tanh' = 1 - out^2). */
#define DPRE(w, f) (act == SF_ACT_TANH ? dout[(long)(w) * F + (f)] * (1 - out[(long)(w) * F + (f)] * out[(long)(w) * F + (f)]) \
                    : act == SF_ACT_RELU ? (out[(long)(w) * F + (f)] > 0 ? dout[(long)(w) * F + (f)] : 0)                    \
                                         : dout[(long)(w) * F + (f)])

int FN(charcnn_backward)(REAL *demb, REAL *dweight, REAL *dbias, const REAL *dout, const REAL *out,
                         const int32_t *argmax, const int32_t *chars, const int32_t *lengths, const REAL *emb,
                         const REAL *weight, int W, int L, int C, int E, int F, int K, int P, int act, int n_threads) {
    int rc = charcnn_check(chars, lengths, W, L, C, E, F, K, P, act);
    if (rc != SF_OK) return rc;
    if (W == 0) return SF_OK;
    if (!demb || !dweight || !dbias || !dout || !out || !argmax || !emb || !weight) return SF_EVALUE;
    for (int w = 0; w < W; w++) { /* argmax must come from a forward of these words */
        const int npos = lengths[w] + 2 * P - K + 1;
        for (int f = 0; f < F; f++) {
            const int32_t t = argmax[(long)w * F + f];
            if (lengths[w] == 0 ? t != -1 : (t < 0 || t >= npos)) return SF_EINDEX;
        }
    }
    const int EK = E * K;
    const int nt = sf_resolve_threads(n_threads);
    SF_PARALLEL(nt) {
        const int tid = sf_thread_id(), team = sf_team_size();
        int f0, f1, e0, e1;
        /* filters f0..f1: dbias[f] += dpre, dweight[f, e, k] += dpre * x[t* + k, e] */
        sf_thread_rows(F, tid, team, &f0, &f1);
        for (int w = 0; w < W; w++) {
            const int n = lengths[w];
            if (n == 0) continue;
            const int32_t *c = chars + (long)w * L;
            for (int f = f0; f < f1; f++) {
                const REAL g = DPRE(w, f);
                if (g == 0) continue;
                const int t = argmax[(long)w * F + f];
                REAL *dw = dweight + (long)f * EK;
                dbias[f] += g;
                for (int k = 0; k < K; k++) {
                    const int i = t + k - P;
                    if (i < 0 || i >= n) continue; /* zero padding: no contribution */
                    const REAL *x = emb + (long)c[i] * E;
                    for (int e = 0; e < E; e++) dw[e * K + k] += g * x[e];
                }
            }
        }
        /* embedding columns e0..e1: demb[c_i, e] += dpre * weight[f, e, k] for i = t* + k - P in the word */
        sf_thread_rows(E, tid, team, &e0, &e1);
        if (e1 > e0) {
            for (int w = 0; w < W; w++) {
                const int n = lengths[w];
                if (n == 0) continue;
                const int32_t *c = chars + (long)w * L;
                for (int f = 0; f < F; f++) {
                    const REAL g = DPRE(w, f);
                    if (g == 0) continue;
                    const int t = argmax[(long)w * F + f];
                    const REAL *wf = weight + (long)f * EK;
                    for (int k = 0; k < K; k++) {
                        const int i = t + k - P;
                        if (i < 0 || i >= n) continue;
                        REAL *d = demb + (long)c[i] * E;
                        for (int e = e0; e < e1; e++) d[e] += g * wf[e * K + k];
                    }
                }
            }
        }
    }
    return SF_OK;
}

#undef DPRE
