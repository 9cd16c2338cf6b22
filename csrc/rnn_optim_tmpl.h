/* rnn_optim_tmpl.h: body of csrc/rnn_optim.c, compiled once per dtype (see sf_real_tmpl.h).
 * Every function is one flat loop over the parameter buffer p (n) and its gradient g (n), which hold all
 * of a model's tensors back to back. Updates follow PyTorch's torch.optim formulas. Reductions (norms)
 * accumulate in double, in index order, so results do not depend on threads or chunking. */

void FN(sf_sgd_step)(REAL *p, const REAL *g, REAL *mom, long n, double lr, double momentum, double weight_decay) {
    for (long i = 0; i < n; i++) {
        double d = (double)g[i] + weight_decay * p[i];
        if (mom && momentum != 0) { /* torch: buf = momentum*buf + d (buf starts at 0: first step buf = d) */
            mom[i] = (REAL)(momentum * mom[i] + d);
            d = mom[i];
        }
        p[i] = (REAL)(p[i] - lr * d);
    }
}

void FN(sf_adagrad_step)(REAL *p, const REAL *g, REAL *sum_sq, long n, double lr, double eps) {
    for (long i = 0; i < n; i++) {
        sum_sq[i] += g[i] * g[i];
        p[i] = (REAL)(p[i] - lr * g[i] / (sqrt((double)sum_sq[i]) + eps));
    }
}

void FN(sf_adam_step)(REAL *p, const REAL *g, REAL *m, REAL *v, long n, double lr, double beta1, double beta2,
                      double eps, double weight_decay, long step) {
    const double bc1 = 1 - pow(beta1, (double)step), bc2 = 1 - pow(beta2, (double)step);
    const double step_size = lr / bc1, sbc2 = sqrt(bc2);
    for (long i = 0; i < n; i++) {
        double gi = (double)g[i] + weight_decay * p[i];
        m[i] = (REAL)(beta1 * m[i] + (1 - beta1) * gi);
        v[i] = (REAL)(beta2 * v[i] + (1 - beta2) * gi * gi);
        p[i] = (REAL)(p[i] - step_size * m[i] / (sqrt((double)v[i]) / sbc2 + eps));
    }
}

double FN(sf_grad_norm)(const REAL *g, long n) {
    double s = 0;
    for (long i = 0; i < n; i++) s += (double)g[i] * g[i];
    return sqrt(s);
}

double FN(sf_clip_norm)(REAL *g, long n, double max_norm) {
    const double norm = FN(sf_grad_norm)(g, n);
    /* torch.nn.utils.clip_grad_norm_: coefficient max_norm / (norm + 1e-6), applied only when < 1 */
    const double c = max_norm / (norm + 1e-6);
    if (c < 1)
        for (long i = 0; i < n; i++) g[i] = (REAL)(g[i] * c);
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
