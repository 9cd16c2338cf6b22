/* sf_gemm_tmpl.h: the register-blocked GEMM core, C (M,N) += op(A) (M,K) B (K,N), row-major, op(A) = A
 * (M,K) or, when ta, A^T with A stored (K,M). Compiled once per (dtype, instruction set) by sf_gemm.c with:
 *   REAL (float/double), VL (elements per vector), MR (rows of the register tile), KSFX (name suffix),
 *   KTARGET (a function attribute selecting the instruction set, or nothing).
 *
 * Blocking (after Goto / BLIS): for each block of MC rows and KC steps of k, op(A)'s block is copied into
 * Ap as MR-row panels stored k-major (the MR values a k step needs are adjacent), and for each NR = 2*VL
 * columns B's (KC x NR) panel is copied into Bp. Both copies make the inner loop read contiguous memory
 * (rows of A or B with a power-of-two stride would otherwise fight over the same L1 cache sets). The
 * micro-kernel keeps an MR x NR tile of C in 2*MR vector registers while k runs over the block: per step
 * two vector loads of Bp and MR broadcasts from Ap.
 *
 * Determinism: every element C[i][j] is computed by the same sequence of multiply-adds (k in order, one
 * KC block after the other) whichever tile or row block it falls in, so splitting M across threads never
 * changes a bit of the result. */
#define KN_(name, s) name##_##s
#define KN2_(name, s) KN_(name, s) /* one more level so that KSFX expands before ## pastes it */
#define KN(name) KN2_(name, KSFX)

typedef REAL KN(vec) __attribute__((vector_size(VL * sizeof(REAL))));
typedef REAL KN(vecu) __attribute__((vector_size(VL * sizeof(REAL)), aligned(sizeof(REAL)))); /* unaligned */

/* MC a multiple of every MR; Bp (KC x 2VL) is 16 KiB for float: half of L1, leaving the other half to the A
 * rows and C tile streaming past it (KC = 256 filled L1 and ran 10-20% slower). MCT: the MC of a transposed (packed) A, whose
 * taller blocks copy B's panels fewer times (the weight-gradient products, K = B*T) */
enum { KN(MC) = 120, KN(MCT) = 480, KN(KC) = 128 };

/* Element (r, k) of the A operand of a tile: A[k*MR + r] in a packed panel (pk), else A[r*lda + k]. */
#define KA_(r, k) (pk ? Ap[(k) * MR + (r)] : Ap[(r) * lda + (k)])

/* C[mr x 2VL] += A[mr x kc] Bp[kc x 2VL], Bp row k at Bp[k*2VL]. mr <= MR and pk are constants after
 * inlining. */
static inline __attribute__((always_inline)) KTARGET void KN(tile2)(int pk, int mr, int kc, const REAL *Ap,
                                                                    long lda, const REAL *Bp, REAL *C,
                                                                    long ldc, const REAL *pfc, int pfr) {
    KN(vec) c0[MR], c1[MR];
    if (pfc) /* the next tile's pfr rows of C, which it loads first: from memory they would stall it */
        for (int r = 0; r < MR && r < pfr; r++) {
            __builtin_prefetch(pfc + r * ldc, 1, 3);
            __builtin_prefetch(pfc + r * ldc + VL, 1, 3);
        }
    for (int r = 0; r < MR; r++)
        if (r < mr) {
            c0[r] = *(const KN(vecu) *)(C + r * ldc);
            c1[r] = *(const KN(vecu) *)(C + r * ldc + VL);
        }
    _Pragma("GCC unroll 4") /* fewer loop-control uops per 2*MR FMAs: the loop is near the 4-wide issue limit */
    for (int k = 0; k < kc; k++) {
        const KN(vec) b0 = *(const KN(vecu) *)(Bp + k * 2 * VL), b1 = *(const KN(vecu) *)(Bp + k * 2 * VL + VL);
        for (int r = 0; r < MR; r++)
            if (r < mr) {
                const REAL a = KA_(r, k);
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

/* C[mr x VL] += A[mr x kc] Bp[kc x VL] (the first VL columns of the panel). */
static inline __attribute__((always_inline)) KTARGET void KN(tile1)(int pk, int mr, int kc, const REAL *Ap,
                                                                    long lda, const REAL *Bp, REAL *C,
                                                                    long ldc, const REAL *pfc, int pfr) {
    (void)pfc, (void)pfr;
    KN(vec) c0[MR];
    for (int r = 0; r < MR; r++)
        if (r < mr) c0[r] = *(const KN(vecu) *)(C + r * ldc);
    for (int k = 0; k < kc; k++) {
        const KN(vec) b0 = *(const KN(vecu) *)(Bp + k * 2 * VL);
        for (int r = 0; r < MR; r++)
            if (r < mr) c0[r] += KA_(r, k) * b0;
    }
    for (int r = 0; r < MR; r++)
        if (r < mr) *(KN(vecu) *)(C + r * ldc) = c0[r];
}

#define KCASE_(W, m, CP, LDC)                                                                      \
    case m:                                                                                        \
        KN(W)(pk, m, kc, pk ? Ap + (long)(i - i0) * kc : A + (long)i * lda + k0, lda, P, CP, LDC, pfc, pfr);                                       \
        break;
#define KSWITCH_(W, CP, LDC)                                                                       \
    switch (mr) {                                                                                  \
        KCASE_(W, 1, CP, LDC) KCASE_(W, 2, CP, LDC) KCASE_(W, 3, CP, LDC) KCASE_(W, 4, CP, LDC)    \
        KCASE_(W, 5, CP, LDC) KCASE_(W, 6, CP, LDC) KCASE_(W, 7, CP, LDC) KCASE_(W, 8, CP, LDC)    \
    }

/* The sums of sf_*gemm_tn_sums for row k of A, columns [i0, i0+mc) (src = &A[k][i0]). */
static inline __attribute__((always_inline)) KTARGET void KN(sum_row)(const SUMS_T *s, const REAL *restrict src,
                                                                      int k, int i0, int mc) {
    if (s->db) {
        REAL *restrict db = s->db + i0;
        for (int c = 0; c < mc; c++) db[c] += src[c];
    }
    const int m2 = s->n2 - i0 < mc ? s->n2 - i0 : mc; /* columns below n2 */
    if (m2 <= 0) return;
    if (s->db2) {
        REAL *restrict db2 = s->db2 + i0;
        for (int c = 0; c < m2; c++) db2[c] += src[c];
    }
    if (s->dtable) {
        REAL *restrict row = s->dtable + (long)s->ids[k] * s->ldt + i0;
        for (int c = 0; c < m2; c++) row[c] += src[c];
    }
}

/* op(A) block rows [i0, i0+mc) x k [k0, k0+kc) -> Ap as MR-row panels, panel p at Ap + p*MR*kc. */
static inline __attribute__((always_inline)) KTARGET void KN(pack_a)(REAL *Ap, int ta, const REAL *A, long lda,
                                                                     int i0, int mc, int k0, int kc,
                                                                     const SUMS_T *sums) {
    if (ta) { /* k outer: each k reads one contiguous row segment of A (a panel-major walk would read
               * MR values per row at stride lda, often a power of two, and miss L1 on every row) */
        for (int k = 0; k < kc; k++) {
            const REAL *src = A + (long)(k0 + k) * lda + i0;
            int p = 0;
            for (; p + MR <= mc; p += MR) memcpy(Ap + (long)p * kc + k * MR, src + p, sizeof(REAL) * MR);
            for (int r = 0; p + r < mc; r++) Ap[(long)p * kc + k * MR + r] = src[p + r];
            if (sums) /* the segment is in L1 now: sum it where asked (sf_gemm.h, sf_*gemm_tn_sums) */
                KN(sum_row)(sums, src, k0 + k, i0, mc);
        }
        return;
    }
    for (int p = 0; p < mc; p += MR) {
        const int mr = mc - p < MR ? mc - p : MR;
        REAL *dst = Ap + (long)p * kc;
        for (int r = 0; r < mr; r++) {
            const REAL *src = A + (long)(i0 + p + r) * lda + k0;
            for (int k = 0; k < kc; k++) dst[k * MR + r] = src[k];
        }
    }
}

/* The packed form of op(B) (K, N), op(B) = B or, when tb, B^T with B stored (N, K): for each KC block of k
 * (k0 .. k0+kc), its 2VL-column panels one after the other, each kc rows of 2VL values, zero-padded past
 * column N. Panel (k0, jp) starts at Bpk + k0*Npad + jp*kc*2VL, Npad = N rounded up to 2VL. Writes only the
 * panels of part `part` of `nparts` (threads pack their parts side by side). */
static KTARGET void KN(pack_b)(REAL *Bpk, int tb, const REAL *B, long ldb, int K, int N, int part, int nparts) {
    const int KC = KN(KC), NR = 2 * VL, npad = (N + NR - 1) / NR * NR, np = npad / NR;
    /* this part's panels: [jp0, jp1) of the np column panels (parts write disjoint memory) */
    const int jp0 = (int)((long)np * part / nparts), jp1 = (int)((long)np * (part + 1) / nparts);
    for (int k0 = 0; k0 < K; k0 += KC) {
        const int kc = K - k0 < KC ? K - k0 : KC;
        for (int j = jp0 * NR; j < jp1 * NR && j < N; j += NR) {
            REAL *P = Bpk + (long)k0 * npad + (long)(j / NR) * kc * NR;
            const int w = N - j < NR ? N - j : NR;
            for (int k = 0; k < kc; k++) {
                REAL *row = P + k * NR;
                if (tb)
                    for (int c = 0; c < w; c++) row[c] = B[(long)(j + c) * ldb + k0 + k];
                else
                    memcpy(row, B + (long)(k0 + k) * ldb + j, sizeof(REAL) * w);
                for (int c = w; c < NR; c++) row[c] = 0;
            }
        }
    }
}

static long KN(packed_size)(int K, int N) { return (long)K * ((N + 2 * VL - 1) / (2 * VL) * (2 * VL)); }

/* C[i][j0 .. j0+w) for i in [i0, i1) starts as ci[i][j0 ..] (ci NULL: as it is) plus bias[j0 ..] (when not
 * NULL): the initial value of the product's first k block, written just before its tiles load it. */
static inline __attribute__((always_inline)) KTARGET void KN(init_rows)(REAL *C, long ldc, int i0, int i1, int j0,
                                                                        int w, const REAL *const *ci,
                                                                        const REAL *bias) {
    for (int i = i0; i < i1; i++) {
        REAL *restrict c = C + (long)i * ldc + j0;
        if (ci && bias) {
            const REAL *restrict x = ci[i] + j0, *restrict b = bias + j0;
            for (int q = 0; q < w; q++) c[q] = x[q] + b[q];
        } else if (ci) {
            memcpy(c, ci[i] + j0, sizeof(REAL) * (size_t)w);
        } else {
            const REAL *restrict b = bias + j0;
            for (int q = 0; q < w; q++) c[q] += b[q];
        }
    }
}

/* Rows [i0, i1) x k [k0, k0+kc) of C += op(A) B: A read in place (pk = 0, op(A) = A) or from the packed
 * panels Ap (pk = 1); B's panels from Bpk when packed, else copied into Bp here. pk is a constant after
 * inlining. ci / bias (only with the first k block): C's initial rows, see init_rows. */
static inline __attribute__((always_inline)) KTARGET void KN(block)(int pk, int i0, int i1, int k0, int kc, int N,
                                                                    const REAL *A, long lda, const REAL *Ap,
                                                                    const REAL *B, long ldb, const REAL *Bpk,
                                                                    REAL *Bp, REAL *C, long ldc,
                                                                    const REAL *const *ci, const REAL *bias) {
    const int NR = 2 * VL, npad = (N + NR - 1) / NR * NR;
    REAL Ct[MR * VL] __attribute__((aligned(64)));
    for (int j = 0; j < N; j += NR) {
        const int w = N - j < NR ? N - j : NR;
        if (ci || bias) KN(init_rows)(C, ldc, i0, i1, j, w, ci, bias);
        const REAL *P = Bp;
        if (Bpk)
            P = Bpk + (long)k0 * npad + (long)(j / NR) * kc * NR;
        else if (w == NR) /* constant size: the copy inlines to vector moves */
            for (int k = 0; k < kc; k++) memcpy(Bp + k * NR, B + (long)(k0 + k) * ldb + j, sizeof(REAL) * NR);
        else
            for (int k = 0; k < kc; k++) {
                memcpy(Bp + k * NR, B + (long)(k0 + k) * ldb + j, sizeof(REAL) * w);
                memset(Bp + k * NR + w, 0, sizeof(REAL) * (NR - w));
            }
        if (w == NR) {
            for (int i = i0; i < i1; i += MR) {
                const int mr = i1 - i < MR ? i1 - i : MR;
                /* the tile after this one: the next rows of this panel, else the next panel's first rows */
                const REAL *pfc = i + MR < i1 ? C + (long)(i + MR) * ldc + j
                                  : j + 2 * NR <= N ? C + (long)i0 * ldc + j + NR : NULL;
                const int pfr = i + MR < i1 ? i1 - (i + MR) : i1 - i0;
                KSWITCH_(tile2, C + (long)i * ldc + j, ldc)
            }
            continue;
        }
        int jj = j, rest = w;
        const REAL *pfc = NULL;
        const int pfr = 0;
        if (w >= VL) { /* one full vector of columns */
            for (int i = i0; i < i1; i += MR) {
                const int mr = i1 - i < MR ? i1 - i : MR;
                KSWITCH_(tile1, C + (long)i * ldc + j, ldc)
            }
            P += VL, jj += VL, rest -= VL;
        }
        if (rest > 0) /* the last rest < VL columns (zero-padded in P) through a copy of C's tile */
            for (int i = i0; i < i1; i += MR) {
                const int mr = i1 - i < MR ? i1 - i : MR;
                for (int r = 0; r < mr; r++) {
                    memcpy(Ct + r * VL, C + (long)(i + r) * ldc + jj, sizeof(REAL) * rest);
                    memset(Ct + r * VL + rest, 0, sizeof(REAL) * (VL - rest));
                }
                KSWITCH_(tile1, Ct, VL)
                for (int r = 0; r < mr; r++) memcpy(C + (long)(i + r) * ldc + jj, Ct + r * VL, sizeof(REAL) * rest);
            }
    }
}

/* C += op(A) B (C = init + op(A) B when ci or bias, see init_rows), with B given either row-major (B, ldb) or
 * packed (Bpk != NULL, from pack_b). A transposed A
 * is packed into MR-row panels (its rows are then contiguous); a plain A is read in place (cheaper for the
 * few-row products of the recurrence). Returns 0, or -1 when the panel buffer cannot be allocated (the
 * caller then uses the naive loops). */
static KTARGET int KN(gemm_nn)(int ta, int M, int N, int K, const REAL *A, long lda, const REAL *B, long ldb,
                               const REAL *Bpk, REAL *C, long ldc, const SUMS_T *sums, const REAL *const *ci,
                               const REAL *bias) {
    const int MC = ta ? KN(MCT) : KN(MC), KC = KN(KC);
    REAL *Ap = NULL;
    if (ta) {
        const int mcap = ((M < MC ? M : MC) + MR - 1) / MR * MR; /* whole panels: the last may be partial */
        Ap = malloc(sizeof(REAL) * (size_t)mcap * (size_t)(K < KC ? K : KC));
        if (!Ap) return -1;
    }
    REAL Bp[KN(KC) * 2 * VL] __attribute__((aligned(64)));
    for (int i0 = 0; i0 < M; i0 += MC) {
        const int i1 = M - i0 < MC ? M : i0 + MC;
        for (int k0 = 0; k0 < K; k0 += KC) {
            const int kc = K - k0 < KC ? K - k0 : KC;
            const REAL *const *ci0 = k0 == 0 ? ci : NULL, *bias0 = k0 == 0 ? bias : NULL;
            if (ta) {
                KN(pack_a)(Ap, 1, A, lda, i0, i1 - i0, k0, kc, sums);
                KN(block)(1, i0, i1, k0, kc, N, A, lda, Ap, B, ldb, Bpk, Bp, C, ldc, ci0, bias0);
            } else {
                KN(block)(0, i0, i1, k0, kc, N, A, lda, NULL, B, ldb, Bpk, Bp, C, ldc, ci0, bias0);
            }
        }
    }
    free(Ap);
    return 0;
}

#undef KCASE_
#undef KA_
#undef KSWITCH_
#undef KN
#undef KN_
#undef KN2_
#undef VL /* the parameters are consumed: the next instantiation defines its own */
#undef MR
#undef KSFX
#undef KTARGET
