/* rnn_malloc.c: keep the RNN's large per-step buffers in the heap instead of fresh mmaps.
 *
 * A training step allocates and frees a dozen arrays of B*T*H floats (hundreds of KiB each). glibc serves
 * such sizes with mmap, or with heap memory that it trims back to the OS when freed; either way every step
 * then page-faults the same memory in again, which costs ~30% of a small model's step. Raising the mmap and
 * trim thresholds keeps that memory mapped between steps. Process-wide, glibc only, and opt-out
 * (seqfast.nn calls this once on import unless SEQFAST_MALLOPT=0). */
#include "rnn.h"

#if defined(__GLIBC__) || defined(__linux__)
#include <malloc.h>
#endif

int sf_rnn_tune_malloc(long mmap_threshold, long trim_threshold) {
#if defined(__GLIBC__) && defined(M_MMAP_THRESHOLD) && defined(M_TRIM_THRESHOLD)
    if (mmap_threshold <= 0 || trim_threshold <= 0 || mmap_threshold > 0x7fffffffL || trim_threshold > 0x7fffffffL)
        return SF_EVALUE;
    int ok = mallopt(M_MMAP_THRESHOLD, (int)mmap_threshold);
    ok &= mallopt(M_TRIM_THRESHOLD, (int)trim_threshold);
    return ok ? SF_OK : SF_EVALUE;
#else
    (void)mmap_threshold;
    (void)trim_threshold;
    return SF_OK; /* other C libraries: nothing to tune */
#endif
}
