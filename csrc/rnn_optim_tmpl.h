/* rnn_optim_tmpl.h: body of csrc/rnn_optim.c, compiled once per dtype (see sf_real_tmpl.h).
 * Every function runs over the parameter buffer p (n) and its gradient g (n), which hold all of a model's
 * tensors back to back, in fixed chunks of OPT_CHUNK elements: OpenMP spreads the chunks over n_threads
 * threads, and each chunk's loop is compiled per instruction set (SF_CLONES) so that it vectorizes. Updates
 * follow PyTorch's torch.optim formulas, element by element in double. Reductions (norms) accumulate in
 * double: 8 interleaved partial sums per chunk, then the chunks in index order, so results do not depend on
 * the thread count. */

#ifndef OPT_CHUNK
#define OPT_CHUNK 16384L
/* the chunks [c*OPT_CHUNK, ...) of n elements, spread over threads; BODY sees i0 and m (elements) */
#define OPT_FOR_CHUNKS(n, n_threads, BODY)                                                                  \
    do {                                                                                                   \
        const long nch_ = ((n) + OPT_CHUNK - 1) / OPT_CHUNK;                                                \
        int nt_ = sf_resolve_threads(n_threads);                                                           \
        if (nt_ > nch_) nt_ = (int)(nch_ > 0 ? nch_ : 1);                                                  \
        (void)nt_;                                                                                         \
        SF_PARALLEL_FOR(nt_)                                                                               \
        for (long c_ = 0; c_ < nch_; c_++) {                                                               \
            const long i0 = c_ * OPT_CHUNK, m = (n) - i0 < OPT_CHUNK ? (n) - i0 : OPT_CHUNK;                \
            BODY;                                                                                          \
        }                                                                                                  \
    } while (0)
#endif

static SF_CLONES void FN(sgd_chunk)(REAL *restrict p, const REAL *restrict g, REAL *restrict mom, long n, double lr,
                                    double momentum, double weight_decay) {
    if (mom && momentum != 0) { /* torch: buf = momentum*buf + d (buf starts at 0: first step buf = d) */
        for (long i = 0; i < n; i++) {
            const double d = (double)g[i] + weight_decay * p[i];
            mom[i] = (REAL)(momentum * mom[i] + d);
            p[i] = (REAL)(p[i] - lr * (double)mom[i]);
        }
    } else {
        for (long i = 0; i < n; i++) p[i] = (REAL)(p[i] - lr * ((double)g[i] + weight_decay * p[i]));
    }
}

void FN(sf_sgd_step)(REAL *p, const REAL *g, REAL *mom, long n, double lr, double momentum, double weight_decay,
                     int n_threads) {
    OPT_FOR_CHUNKS(n, n_threads, FN(sgd_chunk)(p + i0, g + i0, mom ? mom + i0 : NULL, m, lr, momentum, weight_decay));
}

static SF_CLONES void FN(adagrad_chunk)(REAL *restrict p, const REAL *restrict g, REAL *restrict sum_sq, long n,
                                        double lr, double eps) {
    for (long i = 0; i < n; i++) {
        sum_sq[i] += g[i] * g[i];
        p[i] = (REAL)(p[i] - lr * g[i] / (sqrt((double)sum_sq[i]) + eps));
    }
}

void FN(sf_adagrad_step)(REAL *p, const REAL *g, REAL *sum_sq, long n, double lr, double eps, int n_threads) {
    OPT_FOR_CHUNKS(n, n_threads, FN(adagrad_chunk)(p + i0, g + i0, sum_sq + i0, m, lr, eps));
}

static SF_CLONES void FN(adam_chunk)(REAL *restrict p, const REAL *restrict g, REAL *restrict mm, REAL *restrict v,
                                     long n, double beta1, double beta2, double eps, double weight_decay,
                                     double step_size, double sbc2) {
    for (long i = 0; i < n; i++) {
        const double gi = (double)g[i] + weight_decay * p[i];
        mm[i] = (REAL)(beta1 * mm[i] + (1 - beta1) * gi);
        v[i] = (REAL)(beta2 * v[i] + (1 - beta2) * gi * gi);
        p[i] = (REAL)(p[i] - step_size * mm[i] / (sqrt((double)v[i]) / sbc2 + eps));
    }
}

void FN(sf_adam_step)(REAL *p, const REAL *g, REAL *m_, REAL *v, long n, double lr, double beta1, double beta2,
                      double eps, double weight_decay, long step, int n_threads) {
    const double bc1 = 1 - pow(beta1, (double)step), bc2 = 1 - pow(beta2, (double)step);
    const double step_size = lr / bc1, sbc2 = sqrt(bc2);
    OPT_FOR_CHUNKS(n, n_threads, FN(adam_chunk)(p + i0, g + i0, m_ + i0, v + i0, m, beta1, beta2, eps, weight_decay,
                                                step_size, sbc2));
}

/* sum of g[i]^2 over one chunk: 8 interleaved double partial sums (a fixed order that vectorizes) */
static SF_CLONES double FN(sumsq_chunk)(const REAL *restrict g, long n) {
    double s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    long i = 0;
    for (; i + 8 <= n; i += 8)
        for (int l = 0; l < 8; l++) s[l] += (double)g[i + l] * g[i + l];
    double t = 0;
    for (; i < n; i++) t += (double)g[i] * g[i];
    return (((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]))) + t;
}

double FN(sf_grad_norm)(const REAL *g, long n, int n_threads) {
    const long nch = (n + OPT_CHUNK - 1) / OPT_CHUNK;
    double part1, *part = nch > 1 ? malloc(sizeof(double) * (size_t)nch) : &part1;
    double s = 0;
    if (!part) { /* no memory for the partial sums: the same chunks, one thread */
        for (long c = 0; c < nch; c++) {
            const long i0 = c * OPT_CHUNK;
            s += FN(sumsq_chunk)(g + i0, n - i0 < OPT_CHUNK ? n - i0 : OPT_CHUNK);
        }
        return sqrt(s);
    }
    OPT_FOR_CHUNKS(n, n_threads, part[i0 / OPT_CHUNK] = FN(sumsq_chunk)(g + i0, m));
    for (long c = 0; c < nch; c++) s += part[c];
    if (part != &part1) free(part);
    return sqrt(s);
}

static SF_CLONES void FN(scale_chunk)(REAL *restrict g, long n, double c) {
    for (long i = 0; i < n; i++) g[i] = (REAL)(g[i] * c);
}

double FN(sf_clip_norm)(REAL *g, long n, double max_norm, int n_threads) {
    const double norm = FN(sf_grad_norm)(g, n, n_threads);
    /* torch.nn.utils.clip_grad_norm_: coefficient max_norm / (norm + 1e-6), applied only when < 1 */
    const double c = max_norm / (norm + 1e-6);
    if (c < 1) OPT_FOR_CHUNKS(n, n_threads, FN(scale_chunk)(g + i0, m, c));
    return norm;
}

void FN(sf_clip_value)(REAL *g, long n, double clip) {
    for (long i = 0; i < n; i++) g[i] = g[i] > clip ? (REAL)clip : (g[i] < -clip ? (REAL)-clip : g[i]);
}

int FN(sf_all_finite)(const REAL *x, long n) {
    for (long i = 0; i < n; i++)
        if (!isfinite(x[i])) return 0;
    return 1;
}
