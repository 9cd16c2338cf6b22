/* sf_gemm_api_tmpl.h: the public GEMM entry points of csrc/sf_gemm.c (see sf_gemm.h), compiled once per dtype.
 * The including file defines REAL (float or double), P (s or d: the BLAS-style letter of the names),
 * SUMS_T (sf_sgemm_sums or sf_dgemm_sums) and GEMM_DISPATCH(...) (the register-blocked core for this CPU, or
 * (-1) without it); every name below is sf_<P><name> (SFN). */
#define SFN_(p, name) sf_##p##name
#define SFN2_(p, name) SFN_(p, name)
#define SFN(name) SFN2_(P, name)
/* the packing macros of sf_gemm.c paste their first argument: pass them P expanded */
#define PACKED_SIZE_P(p, ...) PACKED_SIZE_(p, __VA_ARGS__)
#define PACK_P(p, ...) PACK_(p, __VA_ARGS__)
#define MUL_P(p, ...) MUL_(p, __VA_ARGS__)
#define MUL_INIT_P(p, ...) MUL_INIT_(p, __VA_ARGS__)

void SFN(gemm_naive)(int transA, int transB, int M, int N, int K, REAL alpha, const REAL *A, int lda,
                     const REAL *B, int ldb, REAL beta, REAL *C, int ldc) {
    for (int i = 0; i < M; i++) {
        for (int j = 0; j < N; j++) {
            REAL acc = 0;
            for (int k = 0; k < K; k++) {
                REAL a = transA ? A[(long)k * lda + i] : A[(long)i * lda + k];
                REAL b = transB ? B[(long)j * ldb + k] : B[(long)k * ldb + j];
                acc += a * b;
            }
            C[(long)i * ldc + j] = (beta == 0 ? 0 : beta * C[(long)i * ldc + j]) + alpha * acc;
        }
    }
}

/* dst (cols, rows) = src^T, src (rows, cols) with row stride lds. In 32 x 32 tiles, so that both the reads
 * and the strided writes of a tile stay within a few dozen cache lines (a plain double loop misses the
 * cache on every write once rows exceed a few thousand). */
void SFN(transpose)(REAL *dst, const REAL *src, int rows, int cols, int lds) {
    enum { TB = 32 };
    for (int r0 = 0; r0 < rows; r0 += TB)
        for (int c0 = 0; c0 < cols; c0 += TB) {
            const int r1 = r0 + TB < rows ? r0 + TB : rows, c1 = c0 + TB < cols ? c0 + TB : cols;
            for (int r = r0; r < r1; r++)
                for (int c = c0; c < c1; c++) dst[(long)c * rows + r] = src[(long)r * lds + c];
        }
}

/* C (M, N) *= beta; beta == 0 overwrites (C may hold NaN). */
static void SFN(scale_rows)(REAL *C, REAL beta, int M, int N, int ldc) {
    for (int i = 0; i < M && beta != 1; i++) {
        REAL *c = C + (long)i * ldc;
        if (beta == 0)
            memset(c, 0, sizeof(REAL) * (size_t)N);
        else
            for (int j = 0; j < N; j++) c[j] *= beta;
    }
}

/* C[i] = (ci ? ci[i] : C[i]) + bias for i < M, columns < N (the portable path of sf_*gemm_packed_init) */
static void SFN(init_rows)(REAL *C, int ldc, int M, int N, const REAL *const *ci, const REAL *bias) {
    for (int i = 0; i < M; i++) {
        REAL *c = C + (long)i * ldc;
        const REAL *x = ci ? ci[i] : c;
        for (int j = 0; j < N; j++) c[j] = bias ? x[j] + bias[j] : x[j];
    }
}

void SFN(gemm)(int transA, int transB, int M, int N, int K, REAL alpha, const REAL *A, int lda, const REAL *B,
               int ldb, REAL beta, REAL *C, int ldc) {
    if (M <= 0 || N <= 0) return;
    if (!SF_GEMM_FAST || alpha != 1 || K <= 0) {
        SFN(gemm_naive)(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    REAL *Bt = NULL; /* the core packs op(A) itself; a transposed B is copied once */
    if (transB) {    /* B stored (N, K): copy B^T (K, N) */
        Bt = malloc(sizeof(REAL) * (size_t)K * (size_t)N);
        if (!Bt) {
            SFN(gemm_naive)(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
            return;
        }
        SFN(transpose)(Bt, B, N, K, ldb);
        B = Bt, ldb = N;
    }
    SFN(scale_rows)(C, beta, M, N, ldc);
    if (GEMM_DISPATCH(transA != 0, M, N, K, A, lda, B, ldb, NULL, C, ldc, NULL, NULL, NULL) != 0) /* out of memory */
        SFN(gemm_naive)(transA, 0, M, N, K, alpha, A, lda, B, ldb, 1, C, ldc);
    free(Bt);
}

/* ---- B packed once, multiplied many times (see sf_gemm.h) ---- */
long SFN(gemm_packed_size)(int K, int N) { return K <= 0 || N <= 0 ? 0 : PACKED_SIZE_P(P, K, N); }

void SFN(gemm_pack_part)(REAL *Bpk, int transB, int K, int N, const REAL *B, int ldb, int part, int nparts) {
    if (K > 0 && N > 0 && nparts > 0 && part >= 0 && part < nparts)
        PACK_P(P, REAL, Bpk, transB, B, ldb, K, N, part, nparts);
}

void SFN(gemm_pack)(REAL *Bpk, int transB, int K, int N, const REAL *B, int ldb) {
    SFN(gemm_pack_part)(Bpk, transB, K, N, B, ldb, 0, 1);
}

int SFN(gemm_packed)(int transA, int M, int N, int K, const REAL *A, int lda, const REAL *Bpk, REAL beta,
                     REAL *C, int ldc) {
    if (M <= 0 || N <= 0) return 0;
    SFN(scale_rows)(C, beta, M, N, ldc);
    return K <= 0 ? 0 : MUL_P(P, transA != 0, M, N, K, A, lda, Bpk, C, ldc);
}

int SFN(gemm_packed_init)(int M, int N, int K, const REAL *A, int lda, const REAL *Bpk, const REAL *const *ci,
                          const REAL *bias, REAL *C, int ldc) {
    if (M <= 0 || N <= 0) return 0;
    if (K <= 0 || (!ci && !bias)) {
        if (ci || bias) SFN(init_rows)(C, ldc, M, N, ci, bias);
        return K <= 0 ? 0 : MUL_P(P, 0, M, N, K, A, lda, Bpk, C, ldc);
    }
    return MUL_INIT_P(P, M, N, K, A, lda, Bpk, ci, bias, C, ldc);
}

/* ---- C += A^T B with the row sums of A taken while it is packed (see sf_gemm.h) ---- */
void SFN(gemm_tn_sums)(int M, int N, int K, const REAL *A, int lda, const REAL *B, int ldb, REAL *C, int ldc,
                       const SUMS_T *sums) {
    if (M <= 0 || K <= 0) return;
    if (N > 0 && SF_GEMM_FAST && GEMM_DISPATCH(1, M, N, K, A, lda, B, ldb, NULL, C, ldc, sums, NULL, NULL) == 0)
        return;
    if (N > 0) SFN(gemm_naive)(1, 0, M, N, K, 1, A, lda, B, ldb, 1, C, ldc); /* portable or out of memory */
    for (int k = 0; k < K && sums; k++) { /* the same sums, rows k in order */
        const REAL *a = A + (long)k * lda;
        for (int m = 0; m < M && sums->db; m++) sums->db[m] += a[m];
        for (int m = 0; m < sums->n2 && m < M && sums->db2; m++) sums->db2[m] += a[m];
        for (int m = 0; m < sums->n2 && m < M && sums->dtable; m++)
            sums->dtable[(long)sums->ids[k] * sums->ldt + m] += a[m];
    }
}

#undef SFN
#undef SFN2_
#undef SFN_
#undef PACKED_SIZE_P
#undef PACK_P
#undef MUL_P
#undef MUL_INIT_P
