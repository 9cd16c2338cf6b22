# cython: boundscheck=False, wraparound=False, language_level=3
"""Thin wrapper over csrc/w2v.c: one chunk of word2vec training, and single examples for the tests.

seqfast.word2vec owns names, defaults and messages; this layer checks dtypes and shapes, then makes one nogil
call into C.
"""
from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t

import numpy as np

from seqfast._status cimport check

MAX_SENTENCE = W2V_MAX_SENTENCE
BLOCK_WORDS = W2V_BLOCK_WORDS


cdef float *_rows(float[:, ::1] a, int E, str name) except? NULL:
    if a.shape[0] == 0:
        return NULL
    if a.shape[1] != E:
        raise ValueError(f"{name} must have {E} columns, got {a.shape[1]}")
    return &a[0, 0]


cdef class Tables:
    """The read-only tables of a model (subsampling thresholds, noise alias table, Huffman paths) and its
    parameters, kept as C structs between chunks."""
    cdef w2v_params p
    cdef w2v_tables t
    cdef object refs

    def __init__(self, int V, int E, int sg, int negative, int hs, int window, int cbow_mean, int share_negatives,
                 double alpha,
                 double min_alpha, int64_t total_words, uint64_t seed, keep, alias_prob, alias, code_off, points,
                 codes):
        """keep, alias_prob: uint32 (V,) or None; alias int32 (V,) or None; code_off int64 (V+1,),
        points int32, codes uint8 or None (see csrc/w2v.h)."""
        self.p.V, self.p.E, self.p.sg, self.p.negative, self.p.hs = V, E, sg, negative, hs
        self.p.window, self.p.cbow_mean, self.p.alpha, self.p.min_alpha = window, cbow_mean, alpha, min_alpha
        self.p.share_negatives = share_negatives
        self.p.total_words, self.p.seed = total_words, seed
        refs = []
        def arr(a, dtype, n, name):
            if a is None:
                return None
            a = np.ascontiguousarray(a, dtype=dtype)
            if a.ndim != 1 or (n >= 0 and a.shape[0] != n):
                raise ValueError(f"{name} must have shape ({n},), got {a.shape}")
            refs.append(a)
            return a
        keep = arr(keep, np.uint32, V, "keep")
        alias_prob = arr(alias_prob, np.uint32, V, "alias_prob")
        alias = arr(alias, np.int32, V, "alias")
        code_off = arr(code_off, np.int64, V + 1, "code_off")
        points = arr(points, np.int32, -1, "points")
        codes = arr(codes, np.uint8, -1, "codes")
        if alias is not None and (alias.min() < 0 or alias.max() >= V):
            raise IndexError("alias table entries out of range")
        if code_off is not None:
            if points is None or codes is None or points.shape[0] != codes.shape[0] or code_off[0] != 0 \
                    or code_off[-1] != points.shape[0] or np.any(np.diff(code_off) < 0):
                raise ValueError("Huffman tables (code_off, points, codes) are inconsistent")
            if points.shape[0] and (points.min() < 0 or points.max() >= max(V - 1, 1)):
                raise IndexError("Huffman points out of range")
        self.refs = refs
        cdef uint32_t[::1] k, ap
        cdef int32_t[::1] al, pt
        cdef int64_t[::1] co
        cdef uint8_t[::1] cd
        self.t.keep = NULL
        self.t.alias_prob = NULL
        self.t.alias = NULL
        self.t.code_off = NULL
        self.t.points = NULL
        self.t.codes = NULL
        if keep is not None:
            k = keep
            self.t.keep = &k[0]
        if alias_prob is not None:
            ap = alias_prob
            al = alias
            self.t.alias_prob = &ap[0]
            self.t.alias = &al[0]
        if code_off is not None:
            co = code_off
            self.t.code_off = &co[0]
            if points.shape[0]:
                pt = points
                cd = codes
                self.t.points = &pt[0]
                self.t.codes = &cd[0]
            else:  # a one-word vocabulary: empty paths
                self.t.points = <const int32_t *>&co[0]
                self.t.codes = <const uint8_t *>&co[0]

    def set_schedule(self, double alpha, double min_alpha, int64_t total_words):
        self.p.alpha, self.p.min_alpha, self.p.total_words = alpha, min_alpha, total_words

    def train(self, float[:, ::1] syn0, float[:, ::1] syn1neg, float[:, ::1] syn1, const int32_t[::1] ids,
              int64_t words_before, int64_t block_base, int n_threads, bint compute_loss):
        """Train on ids (n,) (-1 ends a sentence). Returns (words, effective, examples, loss, blocks)."""
        cdef int E = self.p.E
        if syn0.shape[0] != self.p.V:
            raise ValueError(f"syn0 must have shape ({self.p.V}, {E}), got {(syn0.shape[0], syn0.shape[1])}")
        if self.p.negative > 0 and syn1neg.shape[0] != self.p.V:
            raise ValueError("syn1neg must have one row per word")
        if self.p.hs and syn1.shape[0] < max(self.p.V - 1, 1):
            raise ValueError("syn1 must have V - 1 rows")
        cdef float *s0 = _rows(syn0, E, "syn0")
        cdef float *s1n = _rows(syn1neg, E, "syn1neg")
        cdef float *s1 = _rows(syn1, E, "syn1")
        cdef int64_t n = ids.shape[0], nb = 0
        cdef const int32_t *pid = &ids[0] if n else NULL
        cdef w2v_stats st
        st.words = st.effective = st.examples = 0
        st.loss = 0
        cdef int rc
        with nogil:
            rc = w2v_train(s0, s1n, s1, &self.p, &self.t, pid, n, words_before, block_base, n_threads,
                           compute_loss, &st, &nb)
        check(rc, "word2vec training")
        return st.words, st.effective, st.examples, st.loss, nb

    def step(self, float[:, ::1] syn0, float[:, ::1] syn1neg, float[:, ::1] syn1, ctx, int32_t target, negs,
             float alpha):
        """One example, as the training loop makes it: skip-gram with share_negatives (ctx = the window's
        context words, all predicting target), skip-gram pair by pair (ctx = [input word]) or CBOW
        (ctx = context words). Updates the arrays in place; returns the example's loss."""
        cdef int E = self.p.E
        cdef int32_t[::1] c = np.ascontiguousarray(ctx, dtype=np.int32)
        cdef int32_t[::1] g = np.ascontiguousarray(np.append(negs, 0), dtype=np.int32)
        cdef int K = g.shape[0] - 1
        if self.p.negative > 0 and K != self.p.negative:
            raise ValueError(f"need {self.p.negative} negatives, got {K}")
        V = self.p.V
        for a in list(c) + list(g[:K]) + [target]:
            if a < 0 or a >= V:
                raise IndexError(f"word id {a} out of range [0, {V})")
        if c.shape[0] < 1 or (self.p.sg and not self.p.share_negatives and c.shape[0] != 1):
            raise ValueError("skip-gram pair by pair takes one input word, windows and CBOW at least one")
        cdef float *s0 = _rows(syn0, E, "syn0")
        cdef float *s1n = _rows(syn1neg, E, "syn1neg")
        cdef float *s1 = _rows(syn1, E, "syn1")
        w1 = np.zeros(E, dtype=np.float32)
        w2 = np.zeros(E, dtype=np.float32)
        cdef float[::1] neu1 = w1, neu1e = w2
        cdef double loss
        with nogil:
            if self.p.sg and self.p.share_negatives:
                loss = w2v_sg_window_step(s0, s1n, s1, &self.p, &self.t, &c[0], c.shape[0], target, &g[0], K,
                                          alpha)
            elif self.p.sg:
                loss = w2v_sg_step(s0, s1n, s1, &self.p, &self.t, c[0], target, &g[0], K, alpha, &neu1e[0])
            else:
                loss = w2v_cbow_step(s0, s1n, s1, &self.p, &self.t, &c[0], c.shape[0], target, &g[0], K, alpha,
                                     &neu1[0], &neu1e[0])
        return loss


def isa():
    """'avx2' when the AVX2+FMA loops run, else 'generic'."""
    return "avx2" if w2v_isa() else "generic"
