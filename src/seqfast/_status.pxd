# The status-code contract of csrc/sf_common.h, and the one function that turns a code into a Python exception.
# Every wrapper cimports check from here: the same code raises the same exception everywhere.
cdef extern from "sf_common.h" nogil:
    enum:
        SF_OK
        SF_ENOMEM
        SF_EINDEX
        SF_EVALUE
        SF_EIO
        SF_EFORMAT
        SF_ENAN
        SF_EOVERFLOW
    const char *sf_strerror(int status)

cdef int check(int status, str context) except -1
