# cython: language_level=3
"""C status codes (csrc/sf_common.h) to Python exceptions: one table, used by every wrapper.

``check(status, context)`` (cimported by the .pyx wrappers) and :func:`raise_for_status` (for Python callers)
do nothing for SF_OK and otherwise raise ``EXCEPTIONS[status]("<context>: <sf_strerror(status)>")``.
"""

#: exception class of each SF_E* code; an unknown code raises RuntimeError
EXCEPTIONS = {
    SF_ENOMEM: MemoryError,
    SF_EINDEX: IndexError,
    SF_EVALUE: ValueError,
    SF_EIO: OSError,
    SF_EFORMAT: ValueError,
    SF_ENAN: FloatingPointError,
    SF_EOVERFLOW: OverflowError,
}

OK = SF_OK
ENOMEM = SF_ENOMEM
EINDEX = SF_EINDEX
EVALUE = SF_EVALUE
EIO = SF_EIO
EFORMAT = SF_EFORMAT
ENAN = SF_ENAN
EOVERFLOW = SF_EOVERFLOW


def strerror(int status):
    """sf_strerror: the C library's short description of a status code."""
    return sf_strerror(status).decode("ascii")


cdef int check(int status, str context) except -1:
    if status == SF_OK:
        return 0
    raise EXCEPTIONS.get(status, RuntimeError)(f"{context}: {strerror(status)}")


def raise_for_status(int status, str context):
    """Raise the exception of ``status`` with ``context`` (what was being done) in its message; SF_OK: nothing."""
    check(status, context)
