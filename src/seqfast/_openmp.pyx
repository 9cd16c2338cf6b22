"""Thin wrapper over csrc/sf_common.c: what OpenMP support and which build options were compiled in."""


def openmp_enabled():
    return bool(sf_openmp_enabled())


def max_threads():
    return sf_max_threads()


def num_procs():
    return sf_num_procs()


def resolve_threads(int n_threads):
    return sf_resolve_threads(n_threads)


def build_flags():
    """{"openmp": "1", "zlib": "1", "native": "0", "sanitize": "0", "fma": "0"}: how the C library was compiled."""
    return dict(w.split("=", 1) for w in sf_build_flags().decode("ascii").split())
