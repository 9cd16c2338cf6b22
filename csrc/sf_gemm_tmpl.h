/* sf_gemm_tmpl.h: the register-blocked GEMM core, C (M,N) += A (M,K) B (K,N), all row-major and
 * non-transposed, compiled once per (dtype, instruction set) by sf_gemm.c with:
 * (or C += A^T B with A stored (K,M): op(A) is read in place, without a transposed copy),
 *   REAL (float/double), VL (elements per vector), MR (rows of the register tile), KSFX (name suffix),
 *   KTARGET (a function attribute selecting the instruction set, or nothing).
 *
 * Tile: MR rows x NR = 2*VL columns of C live in 2*MR vector registers while k runs over a block of KC
 * steps; each step loads two vectors of a row of B and broadcasts MR elements of a column of A.
 * B's (KC x NR) panel stays in L1 across all row tiles of A.
 *
 * Determinism: every element C[i][j] is computed by the same sequence of multiply-adds (k in order, one
 * KC block after the other) whichever tile or row count it falls in, so splitting M across threads never
 * changes a bit of the result. */
#define KN_(name, s) name##_##s
#define KN2_(name, s) KN_(name, s) /* one more level so that KSFX expands before ## pastes it */
#define KN(name) KN2_(name, KSFX)

typedef REAL KN(vec) __attribute__((vector_size(VL * sizeof(REAL))));
typedef REAL KN(vecu) __attribute__((vector_size(VL * sizeof(REAL)), aligned(sizeof(REAL)))); /* unaligned */

/* C[mr x 2VL] += op(A)[mr x kc] B[kc x 2VL]; mr <= MR and ta are constants after inlining. op(A)[r][k] is
 * A[r*lda + k], or A[k*lda + r] when ta (A stored transposed: then the MR values of a step are contiguous). */
static inline __attribute__((always_inline)) KTARGET void KN(tile2)(int ta, int mr, int kc, const REAL *A, long lda,
                                                                    const REAL *B, long ldb, REAL *C, long ldc) {
    KN(vec) c0[MR], c1[MR];
    for (int r = 0; r < MR; r++)
        if (r < mr) {
            c0[r] = *(const KN(vecu) *)(C + r * ldc);
            c1[r] = *(const KN(vecu) *)(C + r * ldc + VL);
        }
    for (int k = 0; k < kc; k++) {
        const KN(vec) b0 = *(const KN(vecu) *)(B + k * ldb), b1 = *(const KN(vecu) *)(B + k * ldb + VL);
        for (int r = 0; r < MR; r++)
            if (r < mr) {
                const REAL a = ta ? A[k * lda + r] : A[r * lda + k];
                c0[r] += a * b0;
                c1[r] += a * b1;
            }
    }
    for (int r = 0; r < MR; r++)
        if (r < mr) {
            *(KN(vecu) *)(C + r * ldc) = c0[r];
            *(KN(vecu) *)(C + r * ldc + VL) = c1[r];
        }
}

/* C[mr x VL] += A[mr x kc] B[kc x VL]: the column tail when VL <= remaining columns < 2VL. */
static inline __attribute__((always_inline)) KTARGET void KN(tile1)(int ta, int mr, int kc, const REAL *A, long lda,
                                                                    const REAL *B, long ldb, REAL *C, long ldc) {
    KN(vec) c0[MR];
    for (int r = 0; r < MR; r++)
        if (r < mr) c0[r] = *(const KN(vecu) *)(C + r * ldc);
    for (int k = 0; k < kc; k++) {
        const KN(vec) b0 = *(const KN(vecu) *)(B + k * ldb);
        for (int r = 0; r < MR; r++)
            if (r < mr) c0[r] += (ta ? A[k * lda + r] : A[r * lda + k]) * b0;
    }
    for (int r = 0; r < MR; r++)
        if (r < mr) *(KN(vecu) *)(C + r * ldc) = c0[r];
}

#define AOFF_(i, k) (ta ? (long)(k) * lda + (i) : (long)(i) * lda + (k)) /* offset of op(A)[i][k] */
#define KCASE_(W, m)                                                                              \
    case m:                                                                                       \
        KN(W)(ta, m, kc, A + AOFF_(i, k0), lda, Bp, 2 * VL, C + (long)i * ldc + j, ldc);        \
        break;

#define KTAIL_(m)                                                                                 \
    case m:                                                                                       \
        KN(tile1)(ta, m, kc, A + AOFF_(i, k0), lda, Bp, 2 * VL, Ct, VL);                        \
        break;

/* Row tiles of C[:, j:j+w] (w = 2VL or VL columns) against the packed panel Bp (kc x 2VL). */
#define KROWS_(W)                                                                                 \
    for (int i = 0; i < M; i += MR) {                                                             \
        switch (M - i < MR ? M - i : MR) {                                                        \
            KCASE_(W, 1) KCASE_(W, 2) KCASE_(W, 3) KCASE_(W, 4)                                   \
            KCASE_(W, 5) KCASE_(W, 6) KCASE_(W, 7) KCASE_(W, 8)                                   \
        }                                                                                         \
    }

static inline __attribute__((always_inline)) KTARGET void KN(gemm_rows)(int ta, int M, int N, int K, const REAL *A, long lda, const REAL *B, long ldb, REAL *C,
                                long ldc) {
    enum { KC = 256 };
    /* The (kc x w) panel of B, copied contiguous: rows of B are ldb apart, often a multiple of 4 KiB,
     * which would make every row of the panel compete for the same few L1 cache sets. */
    REAL Bp[KC * 2 * VL] __attribute__((aligned(64)));
    for (int k0 = 0; k0 < K; k0 += KC) {
        const int kc = K - k0 < KC ? K - k0 : KC;
        int j = 0;
        for (; j + 2 * VL <= N; j += 2 * VL) {
            for (int k = 0; k < kc; k++) memcpy(Bp + k * 2 * VL, B + (long)(k0 + k) * ldb + j, sizeof(REAL) * 2 * VL);
            KROWS_(tile2)
        }
        if (j + VL <= N) {
            for (int k = 0; k < kc; k++) memcpy(Bp + k * 2 * VL, B + (long)(k0 + k) * ldb + j, sizeof(REAL) * VL);
            KROWS_(tile1)
            j += VL;
        }
        if (j < N) { /* the last w < VL columns: zero-padded to one vector, through a copy of C's tile */
            const int w = N - j;
            for (int k = 0; k < kc; k++) {
                memcpy(Bp + k * 2 * VL, B + (long)(k0 + k) * ldb + j, sizeof(REAL) * w);
                memset(Bp + k * 2 * VL + w, 0, sizeof(REAL) * (VL - w));
            }
            REAL Ct[MR * VL] __attribute__((aligned(64)));
            for (int i = 0; i < M; i += MR) {
                const int mr = M - i < MR ? M - i : MR;
                for (int r = 0; r < mr; r++) {
                    memcpy(Ct + r * VL, C + (long)(i + r) * ldc + j, sizeof(REAL) * w);
                    memset(Ct + r * VL + w, 0, sizeof(REAL) * (VL - w));
                }
                switch (mr) {
                    KTAIL_(1) KTAIL_(2) KTAIL_(3) KTAIL_(4) KTAIL_(5) KTAIL_(6) KTAIL_(7) KTAIL_(8)
                }
                for (int r = 0; r < mr; r++) memcpy(C + (long)(i + r) * ldc + j, Ct + r * VL, sizeof(REAL) * w);
            }
        }
    }
}

/* Blocks of MC rows, so that the (MC x KC) block of A being multiplied stays in L2 while the column
 * panels of B stream past it (without this, a tall A is re-read from memory for every panel of B). */
static KTARGET void KN(gemm_nn)(int ta, int M, int N, int K, const REAL *A, long lda, const REAL *B, long ldb,
                                REAL *C, long ldc) {
    enum { MC = 120 }; /* a multiple of every MR */
    for (int i0 = 0; i0 < M; i0 += MC) {
        const int mc = M - i0 < MC ? M - i0 : MC;
        if (ta) /* two inlined copies, each with ta a constant */
            KN(gemm_rows)(1, mc, N, K, A + AOFF_(i0, 0), lda, B, ldb, C + (long)i0 * ldc, ldc);
        else
            KN(gemm_rows)(0, mc, N, K, A + AOFF_(i0, 0), lda, B, ldb, C + (long)i0 * ldc, ldc);
    }
}

#undef KCASE_
#undef AOFF_
#undef KROWS_
#undef KTAIL_
#undef KN
#undef KN_
#undef KN2_
