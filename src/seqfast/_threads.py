"""OpenMP reporting and the ``n_threads`` convention shared by every kernel entry point.

``n_threads=None`` means "all available": ``omp_get_max_threads()``, which honours ``OMP_NUM_THREADS``.
A positive int asks for exactly that many threads. A build without OpenMP always runs one thread.
"""
from __future__ import annotations

from . import _openmp
from ._checks import check_threads

__all__ = ["openmp_info", "resolve_threads"]


def openmp_info() -> dict:
    """Report how the C kernels were built and how many threads they will use.

    Returns
    -------
    dict with keys
        ``openmp`` (bool): whether OpenMP was compiled in;
        ``threads`` (int): threads a kernel uses with ``n_threads=None`` (honours ``OMP_NUM_THREADS``);
        ``num_procs`` (int): processors OpenMP sees.

    Example
    -------
    >>> import seqfast
    >>> seqfast.openmp_info()["threads"] >= 1
    True
    """
    enabled = _openmp.openmp_enabled()
    return {
        "openmp": enabled,
        "threads": _openmp.max_threads() if enabled else 1,
        "num_procs": _openmp.num_procs() if enabled else 1,
    }


def resolve_threads(n_threads: int | None) -> int:
    """Validate ``n_threads`` and return the thread count a kernel will use (>= 1)."""
    if n_threads is None:
        return _openmp.resolve_threads(0)
    return _openmp.resolve_threads(check_threads(n_threads))
