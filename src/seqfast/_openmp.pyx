"""Thin wrapper over csrc/sf_common.c: what OpenMP support was compiled in."""


def openmp_enabled():
    return bool(sf_openmp_enabled())


def max_threads():
    return sf_max_threads()


def num_procs():
    return sf_num_procs()


def resolve_threads(int n_threads):
    return sf_resolve_threads(n_threads)
