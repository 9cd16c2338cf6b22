# Contract with csrc/sf_common.h: declarations only.
cdef extern from "sf_common.h" nogil:
    int sf_resolve_threads(int n_threads)
    int sf_openmp_enabled()
    int sf_max_threads()
    int sf_num_procs()
    const char *sf_build_flags()
