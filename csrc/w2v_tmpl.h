/* w2v_tmpl.h: the word2vec inner loops, instantiated once per instruction set by w2v.c.
 * Consumes KTARGET (function attribute), KSFX (name suffix), W2V_DOT / W2V_AXPY (dot and axpy bodies).
 * Shapes as in w2v.h: rows of syn0, syn1neg, syn1 are E floats. */
#define W2V_CAT_(a, b) a##_##b
#define W2V_CAT(a, b) W2V_CAT_(a, b)
#define FN(name) W2V_CAT(name, KSFX)

/* sum_i x[i] * y[i] over E floats */
KTARGET static inline float FN(dot)(const float *x, const float *y, int E) { W2V_DOT }
/* y[i] += a * x[i] over E floats */
KTARGET static inline void FN(axpy)(float a, const float *x, float *y, int E) { W2V_AXPY }

/* One example: hidden vector l1 (E,) (a syn0 row for skip-gram, the context mean/sum for CBOW) predicts
 * `target` against negatives negs (K,) and along target's Huffman path; the output rows are updated in
 * place and the gradient for l1 is added to neu1e (E,), which the caller applies. */
KTARGET static double FN(example)(float *syn1neg, float *syn1, const w2v_params *p, const w2v_tables *t,
                                   w2v_hot *hot, const float *l1, int32_t target, const int32_t *negs,
                                   int K, float alpha, float *neu1e, int compute_loss) {
    const int E = p->E;
    double loss = 0;
    if (p->hs) {
        for (int64_t d = t->code_off[target]; d < t->code_off[target + 1]; d++) {
            float *row = syn1 + (int64_t)t->points[d] * E;
            const float f = FN(dot)(l1, row, E);
            const float label = 1.0f - (float)t->codes[d];
            const float s = 1.0f / (1.0f + sf_expf1(-f));
            const float g = (label - s) * alpha;
            /* -log sigmoid(+-f) = softplus(-+f), computed without overflow for large |f| */
            if (compute_loss) loss += w2v_softplus(label > 0.5f ? -f : f);
            FN(axpy)(g, row, neu1e, E);
            FN(axpy)(g, l1, row, E);
        }
    }
    if (p->negative > 0) {
        for (int d = -1; d < K; d++) {
            int32_t w;
            float label;
            if (d < 0) {
                w = target;
                label = 1.0f;
            } else {
                w = negs[d];
                if (w == target) continue;
                label = 0.0f;
            }
            float *row = w2v_row(syn1neg, hot, 1, w, E);
            const float f = FN(dot)(l1, row, E);
            const float s = 1.0f / (1.0f + sf_expf1(-f));
            const float g = (label - s) * alpha;
            if (compute_loss) loss += w2v_softplus(label > 0.5f ? -f : f);
            FN(axpy)(g, row, neu1e, E);
            FN(axpy)(g, l1, row, E);
        }
    }
    return loss;
}

KTARGET static double FN(sg_step)(float *syn0, float *syn1neg, float *syn1, const w2v_params *p,
                                   const w2v_tables *t, w2v_hot *hot, int32_t in, int32_t target,
                                   const int32_t *negs, int K, float alpha, float *neu1e, int compute_loss) {
    const int E = p->E;
    float *l1 = w2v_row(syn0, hot, 0, in, E);
    memset(neu1e, 0, (size_t)E * sizeof(float));
    double loss = FN(example)(syn1neg, syn1, p, t, hot, l1, target, negs, K, alpha, neu1e, compute_loss);
    FN(axpy)(1.0f, neu1e, l1, E);
    return loss;
}

KTARGET static double FN(cbow_step)(float *syn0, float *syn1neg, float *syn1, const w2v_params *p,
                                     const w2v_tables *t, w2v_hot *hot, const int32_t *ctx, int C,
                                     int32_t target, const int32_t *negs, int K, float alpha, float *neu1,
                                     float *neu1e, int compute_loss) {
    const int E = p->E;
    memset(neu1, 0, (size_t)E * sizeof(float));
    memset(neu1e, 0, (size_t)E * sizeof(float));
    for (int c = 0; c < C; c++) FN(axpy)(1.0f, w2v_row(syn0, hot, 0, ctx[c], E), neu1, E);
    const float inv = 1.0f / (float)C;
    if (p->cbow_mean)
        for (int e = 0; e < E; e++) neu1[e] *= inv;
    double loss = FN(example)(syn1neg, syn1, p, t, hot, neu1, target, negs, K, alpha, neu1e, compute_loss);
    if (!p->cbow_mean) /* a sum of C vectors: spread the error over them (gensim's rule) */
        for (int e = 0; e < E; e++) neu1e[e] *= inv;
    for (int c = 0; c < C; c++) FN(axpy)(1.0f, neu1e, w2v_row(syn0, hot, 0, ctx[c], E), E);
    return loss;
}

/* One skip-gram window with shared negatives (Ji et al. 2016, pWord2Vec): every context row syn0[ctx[c]],
 * c < C, predicts `target` against the same rows: target's Huffman path (hs) and target plus negs (K,)
 * (negatives equal to target skipped). All scores use the rows as they were before the window; then the
 * output rows and the context rows are updated. ws->rows/labels: (R,) with R <= max path + K + 1;
 * ws->gbuf: (C, R); ws->neu1e: (C, E). */
KTARGET static double FN(sg_window)(float *syn0, float *syn1neg, float *syn1, const w2v_params *p,
                                     const w2v_tables *t, const int32_t *ctx, int C, int32_t target,
                                     const int32_t *negs, int K, float alpha, w2v_work *ws, int compute_loss) {
    const int E = p->E;
    w2v_hot *hot = &ws->hot;
    float **in = ws->in;
    float **rows = ws->rows, *labels = ws->labels, *G = ws->gbuf, *neu1e = ws->neu1e;
    int R = 0;
    if (p->hs)
        for (int64_t d = t->code_off[target]; d < t->code_off[target + 1]; d++) {
            rows[R] = syn1 + (int64_t)t->points[d] * E;
            labels[R++] = 1.0f - (float)t->codes[d];
        }
    if (p->negative > 0) {
        rows[R] = w2v_row(syn1neg, hot, 1, target, E);
        labels[R++] = 1.0f;
        for (int k = 0; k < K; k++) {
            if (negs[k] == target) continue;
            rows[R] = w2v_row(syn1neg, hot, 1, negs[k], E);
            labels[R++] = 0.0f;
        }
    }
    double loss = 0;
    for (int c = 0; c < C; c++) in[c] = w2v_row(syn0, hot, 0, ctx[c], E);
    for (int c = 0; c < C; c++) {
        const float *l1 = in[c];
        float *e1 = neu1e + (int64_t)c * E;
        memset(e1, 0, (size_t)E * sizeof(float));
        for (int r = 0; r < R; r++) {
            const float f = FN(dot)(l1, rows[r], E);
            const float s = 1.0f / (1.0f + sf_expf1(-f));
            const float g = (labels[r] - s) * alpha;
            if (compute_loss) loss += w2v_softplus(labels[r] > 0.5f ? -f : f);
            G[c * R + r] = g;
            FN(axpy)(g, rows[r], e1, E);
        }
    }
    for (int r = 0; r < R; r++)
        for (int c = 0; c < C; c++) FN(axpy)(G[c * R + r], in[c], rows[r], E);
    for (int c = 0; c < C; c++) FN(axpy)(1.0f, neu1e + (int64_t)c * E, in[c], E);
    return loss;
}

/* Train one block: pieces [piece_lo, piece_hi) of the chunk (piece i = ids[starts[i] .. ends[i])), the
 * first piece's first id at run position pos0. ws: the thread's workspace. */
KTARGET static void FN(train_block)(float *syn0, float *syn1neg, float *syn1, const w2v_params *p,
                                     const w2v_tables *t, const int32_t *ids, const int64_t *starts,
                                     const int64_t *ends, int64_t piece_lo, int64_t piece_hi, int64_t pos0,
                                     uint64_t rng, w2v_work *ws, int compute_loss, w2v_stats *st) {
    const int K = p->negative, window = p->window;
    const uint32_t V = (uint32_t)p->V;
    int32_t *sen = ws->sen, *ctx = ws->ctx;
    int64_t pos = pos0;
    for (int64_t pc = piece_lo; pc < piece_hi; pc++) {
        const int64_t a = starts[pc], b = ends[pc];
        double frac = p->total_words > 0 ? (double)pos / (double)p->total_words : 0.0;
        float alpha = (float)(p->alpha - (p->alpha - p->min_alpha) * frac);
        if (alpha < p->min_alpha) alpha = p->min_alpha;
        pos += b - a;
        int L = 0;
        for (int64_t i = a; i < b; i++) {
            const int32_t w = ids[i];
            if (t->keep && t->keep[w] < W2V_ONE31) {
                const uint64_t r = w2v_next(&rng);
                if ((uint32_t)(r >> 33) >= t->keep[w]) continue;
            }
            sen[L++] = w;
        }
        st->words += b - a;
        st->effective += L;
        /* one example per center (CBOW, skip-gram windows): make the center's draws ahead, in the order the
         * loop below would make them, so that its output rows can be prefetched W2V_AHEAD centers early
         * (they are random rows of a table larger than the caches) */
        const int ahead = !(p->sg && !p->share_negatives);
        if (ahead)
            for (int i = 0; i < L; i++) {
                const int reduce = (int)((w2v_next(&rng) >> 32) % (uint64_t)window);
                const int lo = i - window + reduce < 0 ? 0 : i - window + reduce;
                const int hi = i + window - reduce >= L ? L - 1 : i + window - reduce;
                ws->reduce[i] = reduce;
                for (int k = 0; k < K; k++)
                    ws->negs_ahead[(int64_t)i * K + k] = hi > lo ? w2v_draw(&rng, V, t->alias_prob, t->alias) : sen[i];
            }
        for (int i = 0; i < L; i++) {
            const int reduce = ahead ? ws->reduce[i] : (int)((w2v_next(&rng) >> 32) % (uint64_t)window);
            const int lo = i - window + reduce < 0 ? 0 : i - window + reduce;
            const int hi = i + window - reduce >= L ? L - 1 : i + window - reduce;
            if (ahead && K > 0 && i + W2V_AHEAD < L) {
                const int32_t *nx = ws->negs_ahead + (int64_t)(i + W2V_AHEAD) * K;
                w2v_prefetch_row(w2v_row_at(syn1neg, &ws->hot, 1, sen[i + W2V_AHEAD], p->E), p->E);
                for (int k = 0; k < K; k++)
                    w2v_prefetch_row(w2v_row_at(syn1neg, &ws->hot, 1, nx[k], p->E), p->E);
            }
            if (ahead && i + W2V_AHEAD + window < L)
                w2v_prefetch_row(w2v_row_at(syn0, &ws->hot, 0, sen[i + W2V_AHEAD + window], p->E), p->E);
            if (p->sg && p->share_negatives) {
                int C = 0;
                for (int j = lo; j <= hi; j++)
                    if (j != i) ctx[C++] = sen[j];
                if (C == 0) continue;
                const int32_t *negs = ws->negs_ahead + (int64_t)i * K;
                st->loss += FN(sg_window)(syn0, syn1neg, syn1, p, t, ctx, C, sen[i], negs, K, alpha, ws,
                                          compute_loss);
                st->examples += C;
            } else if (p->sg) {
                int32_t *negs = ws->negs;
                for (int j = lo; j <= hi; j++) {
                    if (j == i) continue;
                    for (int k = 0; k < K; k++) negs[k] = w2v_draw(&rng, V, t->alias_prob, t->alias);
                    st->loss += FN(sg_step)(syn0, syn1neg, syn1, p, t, &ws->hot, sen[j], sen[i], negs, K,
                                            alpha, ws->neu1e, compute_loss);
                    st->examples++;
                }
            } else {
                int C = 0;
                for (int j = lo; j <= hi; j++)
                    if (j != i) ctx[C++] = sen[j];
                if (C == 0) continue;
                const int32_t *negs = ws->negs_ahead + (int64_t)i * K;
                st->loss += FN(cbow_step)(syn0, syn1neg, syn1, p, t, &ws->hot, ctx, C, sen[i], negs, K, alpha,
                                          ws->neu1, ws->neu1e, compute_loss);
                st->examples++;
            }
        }
    }
}

#undef FN
#undef W2V_CAT
#undef W2V_CAT_
#undef KTARGET
#undef KSFX
#undef W2V_DOT
#undef W2V_AXPY
