/* sf_openmp.c: what the build knows about OpenMP, and the n_threads convention (see sf_common.h). */
#include "sf_common.h"

int sf_openmp_enabled(void) { return SEQFAST_HAVE_OPENMP ? 1 : 0; }

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
