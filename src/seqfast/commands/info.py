"""seqfast info: version, build and threading facts."""
from __future__ import annotations

import platform


def register(sub) -> None:
    p = sub.add_parser("info", help="show the version, whether OpenMP was built in and the thread count",
                       description="Print seqfast's version, whether its C kernels were built with OpenMP, "
                                   "and how many threads they use by default (set OMP_NUM_THREADS or "
                                   "--threads/n_threads to change it).")
    p.set_defaults(func=run)


def run(args) -> int:
    import numpy as np

    from .. import __version__, openmp_info

    info = openmp_info()
    print(f"seqfast {__version__} (Python {platform.python_version()}, NumPy {np.__version__}, {platform.machine()})")
    print(f"OpenMP: {'yes' if info['openmp'] else 'no (single-threaded build)'}")
    print(f"threads used by default: {info['threads']} (processors: {info['num_procs']})")
    return 0
