/* sf_common.h: the runtime contract every seqfast C kernel follows.
 *
 * Letters used in shape comments across csrc/:
 *   B batch size, T time steps, H hidden size, V vocabulary size, E embedding size, N n-gram order.
 * Arrays are row-major and contiguous unless a comment says otherwise.
 *
 * Status: every fallible function returns SF_OK (0) or one negative SF_E* code below, never prints or
 * aborts, and never returns a positive "special" value; sf_strerror() words a code. The Cython layer maps a
 * code to the same Python exception everywhere (src/seqfast/_status.pyx). The C layer knows nothing about
 * Python.
 *
 * Threads: kernels take an n_threads argument (<= 0: all, see sf_resolve_threads) and parallelise outer loops
 * with the SF_OMP / SF_PARALLEL* macros below, which compile to nothing without OpenMP. A loop over rows is
 * split with sf_thread_rows, so each thread owns what it writes and results are bitwise identical for any
 * thread count.
 *
 * Templates: a kernel written once for float and double lives in a <name>_tmpl.h body included twice by
 * its .c file, with REAL / FN() set by sf_real_tmpl.h (see there).
 */
#ifndef SF_COMMON_H
#define SF_COMMON_H

#include <stddef.h>
#include <stdint.h>

enum {
    SF_OK = 0,
    SF_ENOMEM = -1,   /* an allocation failed */
    SF_EINDEX = -2,   /* an index (token id, position) was out of range */
    SF_EVALUE = -3,   /* a size or parameter was invalid */
    SF_EIO = -4,      /* reading or writing a file failed */
    SF_EFORMAT = -5,  /* a file's or a table's contents are corrupt, inconsistent or of the wrong format */
    SF_ENAN = -6,     /* a NaN or inf appeared where a finite number is required */
    SF_EOVERFLOW = -7 /* a count or size would overflow its type */
};

/* A short English description of a status code ("out of memory", ...); never NULL. */
const char *sf_strerror(int status);

#if SEQFAST_HAVE_OPENMP
#include <omp.h>
#endif

/* OpenMP, written once. SF_OMP(clauses) is `#pragma omp clauses`; SF_PARALLEL(nt) opens a parallel region of
 * nt threads on the statement that follows, SF_PARALLEL_FOR(nt) a statically scheduled loop, SF_BARRIER a
 * barrier, SF_PARALLEL_OR(nt, var) a region whose threads' values of the int var are OR-ed at its end (how
 * threads report an error). sf_thread_id() is the calling thread's number (0 outside a region),
 * sf_team_size() the number of threads actually running the region (OpenMP may give fewer than asked, e.g.
 * inside another parallel region: work is always split by this, never by the request). */
#define SF_PRAGMA(x) _Pragma(#x)
#if SEQFAST_HAVE_OPENMP
#define SF_OMP(...) SF_PRAGMA(omp __VA_ARGS__)
static inline int sf_thread_id(void) { return omp_get_thread_num(); }
static inline int sf_team_size(void) { return omp_get_num_threads(); }
#else
#define SF_OMP(...)
static inline int sf_thread_id(void) { return 0; }
static inline int sf_team_size(void) { return 1; }
#endif
#define SF_PARALLEL(nt) SF_OMP(parallel num_threads(nt))
#define SF_PARALLEL_FOR(nt) SF_OMP(parallel for num_threads(nt) schedule(static))
#define SF_BARRIER SF_OMP(barrier)
#define SF_PARALLEL_OR(nt, var) SF_OMP(parallel num_threads(nt) reduction(| : var))

/* Rows [*lo, *hi) of n that thread `tid` of `nt` owns (contiguous, sizes differ by at most one). */
static inline void sf_thread_rows(int n, int tid, int nt, int *lo, int *hi) {
    int q = n / nt, r = n % nt;
    *lo = tid * q + (tid < r ? tid : r);
    *hi = *lo + q + (tid < r ? 1 : 0);
}

/* sf_thread_rows for 64-bit row counts (streams of tokens, tables of n-grams). */
static inline void sf_thread_rows64(int64_t n, int tid, int nt, int64_t *lo, int64_t *hi) {
    int64_t q = n / nt, r = n % nt;
    *lo = tid * q + (tid < r ? tid : r);
    *hi = *lo + q + (tid < r ? 1 : 0);
}

/* Threads a kernel should use for a requested n_threads (<= 0 means "all", as omp_get_max_threads(),
 * which honours OMP_NUM_THREADS). Always 1 in a build without OpenMP. */
int sf_resolve_threads(int n_threads);

/* 1 when the library was compiled with OpenMP, else 0. */
int sf_openmp_enabled(void);

/* How the library was compiled, as "key=value" words separated by spaces: openmp, zlib, native
 * (SEQFAST_NATIVE), sanitize (ASan), fma (fused multiply-add in the float kernels). Static storage. */
const char *sf_build_flags(void);

/* omp_get_max_threads() (honours OMP_NUM_THREADS), or 1 without OpenMP. */
int sf_max_threads(void);

/* omp_get_num_procs(), or 1 without OpenMP. */
int sf_num_procs(void);

/* The 64-bit hash finalizer of every seqfast hash table (splitmix64's): each input bit affects every output
 * bit, so the low bits used as a slot depend on the whole key. */
static inline uint64_t sf_mix64(uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

#endif
