/* sf_common.c: status words, what the build knows about OpenMP, and the n_threads convention (sf_common.h). */
#include "sf_common.h"

const char *sf_strerror(int status) {
    switch (status) {
    case SF_OK: return "success";
    case SF_ENOMEM: return "out of memory";
    case SF_EINDEX: return "an index is out of range";
    case SF_EVALUE: return "invalid size or argument";
    case SF_EIO: return "read or write error";
    case SF_EFORMAT: return "corrupt, inconsistent or wrongly formatted data";
    case SF_ENAN: return "a NaN or infinity appeared";
    case SF_EOVERFLOW: return "a count or size overflows its type";
    default: return "unknown error";
    }
}

int sf_openmp_enabled(void) { return SEQFAST_HAVE_OPENMP ? 1 : 0; }

#ifndef SEQFAST_NATIVE_BUILD
#define SEQFAST_NATIVE_BUILD 0
#endif
#if defined(__SANITIZE_ADDRESS__)
#define SF_SANITIZE 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SF_SANITIZE 1
#endif
#endif
#ifndef SF_SANITIZE
#define SF_SANITIZE 0
#endif
#if defined(__FMA__)
#define SF_FMA 1
#else
#define SF_FMA 0
#endif
#define SF_STR_(x) #x
#define SF_STR(x) SF_STR_(x)

const char *sf_build_flags(void) {
    /* FMA changes float rounding, so it is listed apart from -march=native that may enable it. */
    return "openmp=" SF_STR(SEQFAST_HAVE_OPENMP) " zlib=" SF_STR(SEQFAST_HAVE_ZLIB)
           " native=" SF_STR(SEQFAST_NATIVE_BUILD) " sanitize=" SF_STR(SF_SANITIZE) " fma=" SF_STR(SF_FMA);
}

int sf_max_threads(void) {
#if SEQFAST_HAVE_OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

int sf_num_procs(void) {
#if SEQFAST_HAVE_OPENMP
    return omp_get_num_procs();
#else
    return 1;
#endif
}

int sf_resolve_threads(int n_threads) {
#if SEQFAST_HAVE_OPENMP
    if (n_threads <= 0) return omp_get_max_threads();
    return n_threads;
#else
    (void)n_threads;
    return 1;
#endif
}
