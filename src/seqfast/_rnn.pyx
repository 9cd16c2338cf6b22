# cython: boundscheck=False, wraparound=False, language_level=3
"""Thin wrappers over csrc/rnn_*.c (dense layers, gathers, fused softmax cross-entropy, optimizers) and
csrc/sf_gemm.c; the cells are in seqfast._cells. float32 and float64 through Cython's fused ``floating`` type.

Shapes, dtypes and contiguity are checked here with the GIL held; each function then makes one C call
without the GIL. Public, documented entry points are in seqfast.nn; these are the building blocks.
"""
from cython cimport floating
from libc.stdint cimport int32_t

import numpy as np

from seqfast._status cimport SF_ENAN, check


def _layout(Py_ssize_t R, Py_ssize_t C, bint columns):
    """(rows, D, row stride, column stride) of a (R, C) table indexed by rows, or by columns."""
    if columns:
        return C, R, 1, C
    return R, C, C, 1


def _ids(ids, int rows, str name):
    a = np.ascontiguousarray(ids)
    if not np.issubdtype(a.dtype, np.integer):
        raise TypeError(f"{name} must be integer token ids, got dtype {a.dtype}")
    if a.size and (a.min() < 0 or a.max() >= rows):
        bad = int(a.min()) if a.min() < 0 else int(a.max())
        raise IndexError(f"{name} contains id {bad}, out of range [0, {rows})")
    return np.ascontiguousarray(a.reshape(-1), dtype=np.int32)


def _out(out, shape, dt, str name):
    """out itself when it is a writable C-contiguous array of shape and dtype dt; a new array for None."""
    if out is None:
        return np.empty(shape, dtype=dt)
    if not isinstance(out, np.ndarray) or out.shape != shape or out.dtype != dt or not out.flags.c_contiguous \
            or not out.flags.writeable:
        raise ValueError(f"{name} must be a writable C-contiguous {np.dtype(dt).name} array of shape {shape}")
    return out


def linear_forward(const floating[:, ::1] x, const floating[:, ::1] W, b, int n_threads, out=None):
    """out (N,O) = x (N,I) W^T (O,I) + b (O,) (b may be None); ``out`` an optional buffer to write."""
    cdef int N = x.shape[0], I = x.shape[1], O = W.shape[0], rc
    if W.shape[1] != I:
        raise ValueError(f"x has {I} features but W has shape {(W.shape[0], W.shape[1])}: expected (O, {I})")
    dt = np.float32 if floating is float else np.float64
    cdef floating[::1] bv
    cdef const floating *pb = NULL
    if b is not None:
        bv = b
        if bv.shape[0] != O:
            raise ValueError(f"bias has {bv.shape[0]} entries, expected {O}")
        pb = &bv[0]
    out = _out(out, (N, O), dt, "out")
    cdef floating[:, ::1] o = out
    with nogil:
        if floating is float:
            rc = rnn_linear_forward_f32(&o[0, 0], &x[0, 0], &W[0, 0], pb, N, I, O, n_threads)
        else:
            rc = rnn_linear_forward_f64(&o[0, 0], &x[0, 0], &W[0, 0], pb, N, I, O, n_threads)
    check(rc, "linear forward")
    return out


def linear_backward(const floating[:, ::1] dout, const floating[:, ::1] x, const floating[:, ::1] W,
                    floating[:, ::1] dW, db, bint need_dx, int n_threads, dx_out=None):
    """dW += dout^T x, db += sum_n dout (db may be None); returns dx = dout W (written into dx_out when given),
    or None."""
    cdef int N = x.shape[0], I = x.shape[1], O = W.shape[0], rc
    if dout.shape[0] != N or dout.shape[1] != O or W.shape[1] != I or dW.shape[0] != O or dW.shape[1] != I:
        raise ValueError("linear backward: dout (N,O), x (N,I), W and dW (O,I) do not match")
    dt = np.float32 if floating is float else np.float64
    cdef floating[::1] bv
    cdef floating *pb = NULL
    if db is not None:
        bv = db
        if bv.shape[0] != O:
            raise ValueError(f"db has {bv.shape[0]} entries, expected {O}")
        pb = &bv[0]
    cdef floating[:, ::1] dxv
    cdef floating *pdx = NULL
    dx = None
    if need_dx:
        dx = _out(dx_out, (N, I), dt, "dx_out")
        dxv = dx
        pdx = &dxv[0, 0]
    with nogil:
        if floating is float:
            rc = rnn_linear_backward_f32(pdx, &dW[0, 0], pb, &dout[0, 0], &x[0, 0], &W[0, 0], N, I, O, n_threads)
        else:
            rc = rnn_linear_backward_f64(pdx, &dW[0, 0], pb, &dout[0, 0], &x[0, 0], &W[0, 0], N, I, O, n_threads)
    check(rc, "linear backward")
    return dx


def gather(const floating[:, ::1] table, ids, bint columns, bias, int n_threads, out=None):
    """Rows (columns=False: out[n] = table[ids[n], :]) or columns (columns=True: out[n] = table[:, ids[n]])
    of table, plus bias when not None. Returns (N, D), written into ``out`` when given."""
    cdef int rows, D, N, rc
    cdef long rs, cs
    rows, D, rs, cs = _layout(table.shape[0], table.shape[1], columns)
    cdef int32_t[::1] iv = _ids(ids, rows, "token ids")
    N = iv.shape[0]
    dt = np.float32 if floating is float else np.float64
    out = _out(out, (N, D), dt, "out")
    if N == 0:
        return out
    cdef floating[::1] bv
    cdef const floating *pb = NULL
    if bias is not None:
        bv = bias
        if bv.shape[0] != D:
            raise ValueError(f"bias has {bv.shape[0]} entries, expected {D}")
        pb = &bv[0]
    cdef floating[:, ::1] o = out
    with nogil:
        if floating is float:
            rc = rnn_gather_f32(&o[0, 0], &table[0, 0], rs, cs, &iv[0], pb, N, D, rows, n_threads)
        else:
            rc = rnn_gather_f64(&o[0, 0], &table[0, 0], rs, cs, &iv[0], pb, N, D, rows, n_threads)
    check(rc, "gather")
    return out


def scatter_add(floating[:, ::1] dtable, ids, const floating[:, ::1] src, bint columns, int n_threads,
                floating[::1] dbias=None):
    """The adjoint of gather: dtable[ids[n], :] += src[n] (or dtable[:, ids[n]] += src[n] for columns);
    also dbias += src.sum(axis=0) in the same pass when dbias (D,) is given."""
    cdef int rows, D, N, rc
    cdef long rs, cs
    rows, D, rs, cs = _layout(dtable.shape[0], dtable.shape[1], columns)
    cdef int32_t[::1] iv = _ids(ids, rows, "token ids")
    N = iv.shape[0]
    if src.shape[0] != N or src.shape[1] != D:
        raise ValueError(f"src has shape {(src.shape[0], src.shape[1])}, expected ({N}, {D})")
    if dbias is not None and dbias.shape[0] != D:
        raise ValueError(f"dbias has shape ({dbias.shape[0]},), expected ({D},)")
    if N == 0:
        return
    cdef floating *pdb = &dbias[0] if dbias is not None else NULL
    with nogil:
        if floating is float:
            rc = rnn_scatter_add_f32(&dtable[0, 0], pdb, rs, cs, &src[0, 0], &iv[0], N, D, rows, n_threads)
        else:
            rc = rnn_scatter_add_f64(&dtable[0, 0], pdb, rs, cs, &src[0, 0], &iv[0], N, D, rows, n_threads)
    check(rc, "scatter_add")


def softmax_ce(floating[:, ::1] logits, targets, double scale, int grad, int n_threads):
    """Sum over rows of -log softmax(logits)[target] (nats) and, for grad=1, the gradient
    scale * (softmax - onehot) written IN PLACE over logits. Returns (loss_sum, finite)."""
    cdef int N = logits.shape[0], V = logits.shape[1], rc
    cdef int32_t[::1] tv = _ids(targets, V, "targets")
    if tv.shape[0] != N:
        raise ValueError(f"{tv.shape[0]} targets for {N} rows of logits")
    cdef double loss = 0
    with nogil:
        if floating is float:
            rc = rnn_softmax_ce_f32(&logits[0, 0] if grad else NULL, &loss, &logits[0, 0], &tv[0],
                                    <float>scale, N, V, n_threads)
        else:
            rc = rnn_softmax_ce_f64(&logits[0, 0] if grad else NULL, &loss, &logits[0, 0], &tv[0],
                                    scale, N, V, n_threads)
    if rc == SF_ENAN:
        return loss, False
    check(rc, "softmax cross-entropy")
    return loss, True


def sgd_step(floating[::1] p, const floating[::1] g, mom, double lr, double momentum, double weight_decay,
             int n_threads=0):
    cdef floating[::1] mv
    cdef floating *pm = NULL
    if mom is not None:
        mv = mom
        pm = &mv[0]
    with nogil:
        if floating is float:
            sf_sgd_step_f32(&p[0], &g[0], pm, p.shape[0], lr, momentum, weight_decay, n_threads)
        else:
            sf_sgd_step_f64(&p[0], &g[0], pm, p.shape[0], lr, momentum, weight_decay, n_threads)


def adagrad_step(floating[::1] p, const floating[::1] g, floating[::1] sum_sq, double lr, double eps,
                 int n_threads=0):
    with nogil:
        if floating is float:
            sf_adagrad_step_f32(&p[0], &g[0], &sum_sq[0], p.shape[0], lr, eps, n_threads)
        else:
            sf_adagrad_step_f64(&p[0], &g[0], &sum_sq[0], p.shape[0], lr, eps, n_threads)


def adam_step(floating[::1] p, const floating[::1] g, floating[::1] m, floating[::1] v, double lr, double beta1,
              double beta2, double eps, double weight_decay, long step, int n_threads=0):
    with nogil:
        if floating is float:
            sf_adam_step_f32(&p[0], &g[0], &m[0], &v[0], p.shape[0], lr, beta1, beta2, eps, weight_decay, step,
                             n_threads)
        else:
            sf_adam_step_f64(&p[0], &g[0], &m[0], &v[0], p.shape[0], lr, beta1, beta2, eps, weight_decay, step,
                             n_threads)


def grad_norm(const floating[::1] g, int n_threads=0):
    cdef double r
    with nogil:
        if floating is float:
            r = sf_grad_norm_f32(&g[0], g.shape[0], n_threads)
        else:
            r = sf_grad_norm_f64(&g[0], g.shape[0], n_threads)
    return r


def clip_norm(floating[::1] g, double max_norm, int n_threads=0):
    """Scale g in place to global norm <= max_norm; returns the norm before clipping."""
    cdef double r
    with nogil:
        if floating is float:
            r = sf_clip_norm_f32(&g[0], g.shape[0], max_norm, n_threads)
        else:
            r = sf_clip_norm_f64(&g[0], g.shape[0], max_norm, n_threads)
    return r


def clip_value(floating[::1] g, double clip):
    with nogil:
        if floating is float:
            sf_clip_value_f32(&g[0], g.shape[0], clip)
        else:
            sf_clip_value_f64(&g[0], g.shape[0], clip)


def all_finite(const floating[::1] x):
    cdef int r
    with nogil:
        if floating is float:
            r = sf_all_finite_f32(&x[0], x.shape[0])
        else:
            r = sf_all_finite_f64(&x[0], x.shape[0])
    return bool(r)


def gemm(const floating[:, ::1] A, const floating[:, ::1] B, bint transA=False, bint transB=False,
         bint naive=False, bint packed=False):
    """op(A) @ op(B) through sf_gemm (single-threaded). naive=True: the reference triple loop;
    packed=True: B packed first (sf_*gemm_pack) then sf_*gemm_packed."""
    cdef int M = A.shape[1] if transA else A.shape[0], K = A.shape[0] if transA else A.shape[1]
    cdef int K2 = B.shape[1] if transB else B.shape[0], N = B.shape[0] if transB else B.shape[1]
    if K != K2:
        raise ValueError(f"inner dimensions differ: op(A) is ({M}, {K}), op(B) is ({K2}, {N})")
    dt = np.float32 if floating is float else np.float64
    out = np.empty((M, N), dtype=dt)
    if M == 0 or N == 0:
        return out
    if K == 0:
        out[...] = 0
        return out
    cdef floating[:, ::1] C = out
    cdef int lda = A.shape[1], ldb = B.shape[1], rc = 0
    cdef floating[::1] pk
    if packed:
        pk = np.empty(sf_sgemm_packed_size(K, N) if floating is float else sf_dgemm_packed_size(K, N), dtype=dt)
    with nogil:
        if floating is float:
            if packed:
                sf_sgemm_pack(&pk[0], transB, K, N, &B[0, 0], ldb)
                rc = sf_sgemm_packed(transA, M, N, K, &A[0, 0], lda, &pk[0], 0, &C[0, 0], N)
            elif naive:
                sf_sgemm_naive(transA, transB, M, N, K, 1, &A[0, 0], lda, &B[0, 0], ldb, 0, &C[0, 0], N)
            else:
                sf_sgemm(transA, transB, M, N, K, 1, &A[0, 0], lda, &B[0, 0], ldb, 0, &C[0, 0], N)
        else:
            if packed:
                sf_dgemm_pack(&pk[0], transB, K, N, &B[0, 0], ldb)
                rc = sf_dgemm_packed(transA, M, N, K, &A[0, 0], lda, &pk[0], 0, &C[0, 0], N)
            elif naive:
                sf_dgemm_naive(transA, transB, M, N, K, 1, &A[0, 0], lda, &B[0, 0], ldb, 0, &C[0, 0], N)
            else:
                sf_dgemm(transA, transB, M, N, K, 1, &A[0, 0], lda, &B[0, 0], ldb, 0, &C[0, 0], N)
    check(rc, "gemm")
    return out


def _check_len(str name, v, Py_ssize_t n):
    """v itself, after checking that it holds n entries."""
    if len(v) != n:
        raise ValueError(f"{name} must have {n} entries, got {len(v)}")
    return v


def _check_table_ids(str name, Py_ssize_t rows, Py_ssize_t cols, Py_ssize_t want_cols, str ids_name, ids,
                     Py_ssize_t n):
    """A table (rows, cols) indexed by n ids: cols must be want_cols and every id in [0, rows)."""
    if cols != want_cols:
        raise ValueError(f"{name} must have {want_cols} columns, got {cols}")
    if ids is None or len(ids) != n:
        raise ValueError(f"{name} needs {ids_name} with {n} entries")
    a = np.asarray(ids)
    if n and (a.min() < 0 or a.max() >= rows):
        raise IndexError(f"{ids_name} out of range [0, {rows}) for {name}")


def gemm_packed_init(const floating[:, ::1] A, const floating[:, ::1] B, floating[:, ::1] C, table=None,
                     const int32_t[::1] rows=None, bias=None):
    """C = init + A @ B through sf_*gemm_packed_init (B packed first; single-threaded), A (M, K), B (K, N),
    C (M, N) updated in place; init row i = table[rows[i]] (table (R, N); None: C's own row i) + bias (N,)
    (None: no bias). For tests."""
    cdef int M = A.shape[0], K = A.shape[1], N = B.shape[1], i, rc = 0
    if B.shape[0] != K or C.shape[0] != M or C.shape[1] != N:
        raise ValueError(f"shapes differ: A {(M, K)}, B {(B.shape[0], N)}, C {(C.shape[0], C.shape[1])}")
    cdef floating[:, ::1] vt
    cdef floating[::1] vb
    if table is not None:
        vt = table
        _check_table_ids("table", vt.shape[0], vt.shape[1], N, "rows", rows, M)
    if bias is not None:
        vb = _check_len("bias", bias, N)
    if M == 0 or N == 0 or K == 0:
        raise ValueError("M, N and K must be >= 1")
    dt = np.float32 if floating is float else np.float64
    cdef floating[::1] pk = np.empty(sf_sgemm_packed_size(K, N) if floating is float else sf_dgemm_packed_size(K, N),
                                     dtype=dt)
    ptrs = np.zeros(M, dtype=np.uintp)
    cdef size_t[::1] vp = ptrs
    if table is not None:
        for i in range(M):
            vp[i] = <size_t>&vt[rows[i], 0]
    cdef const floating **ci = <const floating **>&vp[0] if table is not None else NULL
    cdef const floating *pb = &vb[0] if bias is not None else NULL
    with nogil:
        if floating is float:
            sf_sgemm_pack(&pk[0], 0, K, N, &B[0, 0], N)
            rc = sf_sgemm_packed_init(M, N, K, &A[0, 0], K, &pk[0], ci, pb, &C[0, 0], N)
        else:
            sf_dgemm_pack(&pk[0], 0, K, N, &B[0, 0], N)
            rc = sf_dgemm_packed_init(M, N, K, &A[0, 0], K, &pk[0], ci, pb, &C[0, 0], N)
    check(rc, "gemm_packed_init")


def gemm_tn_sums(const floating[:, ::1] A, const floating[:, ::1] B, floating[:, ::1] C, db=None, db2=None,
                 dtable=None, const int32_t[::1] ids=None, int n2=0):
    """C += A^T @ B through sf_*gemm_tn_sums (single-threaded), A (K, M), B (K, N), C (M, N), and in the same
    read of A, in order of its rows k: db (M) += A's column sums; db2 (M) += those of its first n2 columns;
    dtable (V, M): dtable[ids[k], :n2] += A[k, :n2]. All arrays are updated in place (for tests)."""
    cdef int K = A.shape[0], M = A.shape[1], N = B.shape[1]
    if B.shape[0] != K or C.shape[0] != M or C.shape[1] != N:
        raise ValueError(f"shapes differ: A {(K, M)}, B {(B.shape[0], N)}, C {(C.shape[0], C.shape[1])}")
    cdef floating[::1] vdb, vdb2
    cdef floating[:, ::1] vt
    cdef sf_sgemm_sums ss
    cdef sf_dgemm_sums sd
    if not (0 <= n2 <= M):
        raise ValueError(f"n2 must be in [0, {M}], got {n2}")
    if dtable is not None:
        vt = dtable
        _check_table_ids("dtable", vt.shape[0], vt.shape[1], M, "ids", ids, K)
    if db is not None:
        vdb = _check_len("db", db, M)
    if db2 is not None:
        vdb2 = _check_len("db2", db2, M)
    if M == 0 or K == 0:
        return
    cdef floating *pdb = &vdb[0] if db is not None else NULL
    cdef floating *pdb2 = &vdb2[0] if db2 is not None else NULL
    cdef floating *ptab = &vt[0, 0] if dtable is not None else NULL
    cdef const int32_t *pids = &ids[0] if ids is not None else NULL
    cdef floating *pC = &C[0, 0] if N else NULL
    with nogil:
        if floating is float:
            ss = sf_sgemm_sums(db=pdb, db2=pdb2, dtable=ptab, n2=n2, ldt=M, ids=pids)
            sf_sgemm_tn_sums(M, N, K, &A[0, 0], M, &B[0, 0] if N else NULL, N, pC, N, &ss)
        else:
            sd = sf_dgemm_sums(db=pdb, db2=pdb2, dtable=ptab, n2=n2, ldt=M, ids=pids)
            sf_dgemm_tn_sums(M, N, K, &A[0, 0], M, &B[0, 0] if N else NULL, N, pC, N, &sd)


def gemm_isa():
    """The instruction set sf_gemm's core runs on this CPU: "avx512", "avx2" or "generic"."""
    return ("generic", "avx2", "avx512")[sf_gemm_isa()]


def exp_f32(x):
    """exp of a float32 array through csrc/sf_math.c (a copy)."""
    cdef float[::1] v = np.array(x, dtype=np.float32).reshape(-1)
    if v.shape[0]:
        with nogil:
            sf_exp_f32(&v[0], v.shape[0])
    return np.asarray(v).reshape(np.shape(x))


def tanh_f32(x):
    """tanh of a float32 array through csrc/sf_math.c (a copy)."""
    cdef float[::1] v = np.array(x, dtype=np.float32).reshape(-1)
    if v.shape[0]:
        with nogil:
            sf_tanh_f32(&v[0], v.shape[0])
    return np.asarray(v).reshape(np.shape(x))
