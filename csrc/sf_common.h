/* sf_common.h: conventions shared by every seqfast C kernel.
 *
 * Letters used in shape comments across csrc/:
 *   B batch size, T time steps, H hidden size, V vocabulary size, E embedding size, N n-gram order.
 * Arrays are row-major and contiguous unless a comment says otherwise.
 *
 * Error handling: kernels return an int status (SF_OK or a negative SF_E* code) and never print or abort;
 * the Cython layer turns codes into Python exceptions with a message naming the problem.
 * The C layer knows nothing about Python.
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
    SF_EFORMAT = -5,  /* a file's contents are corrupt or of the wrong format */
    SF_ENAN = -6,     /* a NaN or inf appeared where a finite number is required */
    SF_EOVERFLOW = -7 /* a count or size would overflow its type */
};

#if SEQFAST_HAVE_OPENMP
#include <omp.h>
#endif

/* Threads a kernel should use for a requested n_threads (<= 0 means "all", as omp_get_max_threads(),
 * which honours OMP_NUM_THREADS). Always 1 in a build without OpenMP. */
int sf_resolve_threads(int n_threads);

/* 1 when the library was compiled with OpenMP, else 0. */
int sf_openmp_enabled(void);

/* omp_get_max_threads() (honours OMP_NUM_THREADS), or 1 without OpenMP. */
int sf_max_threads(void);

/* omp_get_num_procs(), or 1 without OpenMP. */
int sf_num_procs(void);

#endif
