"""Encoder: a stack of recurrent layers, each one direction or two, over a padded batch with lengths.

    layer k, direction d:  xproj = x W_ih^T + b_ih  (one GEMM, or rows of the table E W_ih^T gathered by id)
                           h     = the cell's recurrence over each row's first lengths[b] steps (csrc/sf_cell.h)
    output of layer k:     [h_fwd | h_bwd] (B, T, D*H), D = 2 when bidirectional, 0 at padding

The reverse direction is the same C recurrence over the rows reversed within their lengths (the gather
:func:`reverse_index`): it starts at each row's own last token and ends at its first, as torch's packed
sequences run it; its outputs are gathered back into place. Parameters are views of the model's flat buffer,
named as ``torch.nn.RNN/LSTM/GRU(batch_first=True, bidirectional=...)`` names them (``rnn.weight_ih_l0``,
``rnn.weight_ih_l0_reverse``, ...). The NumPy twin is seqfast.reference.birnn.
"""
from __future__ import annotations

import numpy as np

from .. import _cells, _rnn
from .cells import get_cell

__all__ = ["Encoder", "encoder_specs", "reverse_index", "length_order"]

PARAMS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def layer_names(k: int, d: int) -> tuple:
    """Names of (W_ih, W_hh, b_ih, b_hh) of layer k, direction d (0 forward, 1 reverse)."""
    suffix = "_reverse" if d else ""
    return tuple(f"rnn.{p}_l{k}{suffix}" for p in PARAMS)


def encoder_specs(cell: str, input_size: int, hidden_size: int, num_layers: int, bidirectional: bool) -> list:
    """[(name, shape)] of every recurrent parameter, in torch's order (per layer: forward, then reverse)."""
    G, H, D = get_cell(cell).gates, hidden_size, 2 if bidirectional else 1
    specs = []
    for k in range(num_layers):
        I = input_size if k == 0 else D * H
        for d in range(D):
            w_ih, w_hh, b_ih, b_hh = layer_names(k, d)
            specs += [(w_ih, (G * H, I)), (w_hh, (G * H, H)), (b_ih, (G * H,)), (b_hh, (G * H,))]
    return specs


def reverse_index(lengths: np.ndarray, T: int) -> np.ndarray:
    """Flat int32 index (B*T,) reversing every row of a (B, T, ...) batch within its length: position t < L_b
    of row b takes position L_b - 1 - t; padding stays in place (the permutation is its own inverse)."""
    t = np.arange(T, dtype=np.int64)[None, :]
    L = lengths.astype(np.int64)[:, None]
    src = np.where(t < L, L - 1 - t, t)
    return (np.arange(len(lengths), dtype=np.int64)[:, None] * T + src).reshape(-1).astype(np.int32)


def length_order(lengths: np.ndarray, n_threads: int) -> np.ndarray:
    """An order of the batch rows for the C cells: by decreasing length, dealt round-robin into the blocks of
    rows the n_threads threads own (csrc/sf_common.h sf_thread_rows), so that every block is sorted (a step's
    GEMM covers only the rows still running) and the blocks have equal work."""
    B = len(lengths)
    nt = max(1, min(int(n_threads), B))
    by_len = np.argsort(-lengths, kind="stable")
    return np.concatenate([by_len[j::nt] for j in range(nt)])


class Encoder:
    """The recurrent layers of a model (``model.params`` / ``model.grads`` hold their views; ``model._buf``
    their work buffers). ``input_kind``: "ids" (layer 0 reads rows of ``embedding.weight``) or "dense" (a float
    (B, T, I) input)."""

    def __init__(self, model, cell: str, hidden_size: int, num_layers: int, bidirectional: bool,
                 dropout: float, input_kind: str):
        self.m = model
        self.cell = get_cell(cell)
        self.H, self.L = int(hidden_size), int(num_layers)
        self.D = 2 if bidirectional else 1
        self.dropout = float(dropout)
        self.input_kind = input_kind

    @property
    def output_size(self) -> int:
        return self.D * self.H

    def forward(self, inp: np.ndarray, lengths: np.ndarray, nt: int, train: bool = False, rng=None):
        """inp: ids (B, T) int32 ("ids") or x (B, T, I) float C-contiguous ("dense"); lengths (B,) int32.

        Returns out (B, T, D*H) (a model buffer; 0 at padding), finals: the final state (S, B, H) of every
        (layer, direction) in torch's h_n order, and what :meth:`backward` needs.

        A layer's input projection x W_ih^T + b_ih is computed for the real tokens only: with padding, the
        Nv valid rows of x are gathered once per layer and projected into an (Nv, G*H) table that the cell
        reads by id (both directions read the same rows, each in its own order). Layer 0 of "ids" input with a
        vocabulary no larger than that projects the embedding table itself (V rows) instead."""
        m, P, c = self.m, self.m.params, self.cell
        B, T = inp.shape[:2]
        N, H, G, D, S = B * T, self.H, c.gates, self.D, c.n_states
        rev = reverse_index(lengths, T) if D == 2 else None
        ids = [inp.reshape(-1)] if self.input_kind == "ids" else None
        if ids is not None and D == 2:
            ids.append(np.ascontiguousarray(ids[0][rev]))
        valid, cids = None, None
        if int(lengths.min()) < T:  # padding: project the valid rows only
            valid = np.flatnonzero((np.arange(T)[None, :] < lengths[:, None]).reshape(-1)).astype(np.int32)
            cidx = np.zeros(N, np.int32)
            cidx[valid] = np.arange(len(valid), dtype=np.int32)
            cids = [cidx.reshape(B, T)] + ([np.ascontiguousarray(cidx[rev]).reshape(B, T)] if D == 2 else [])
        Nv = N if valid is None else len(valid)
        zero = np.zeros((S, B, H), m.dtype)
        x = None if ids is not None else inp.reshape(N, -1)
        layers, finals, masks = [], [], []
        for k in range(self.L):
            dirs, outs = [], []
            table = k == 0 and ids is not None and P["embedding.weight"].shape[0] <= Nv
            xv = None
            if not table and valid is not None:  # the layer's input at the real tokens, (Nv, I)
                if k == 0 and ids is not None:
                    xv = _rnn.gather(P["embedding.weight"], ids[0][valid], False, None, nt)
                else:
                    xv = _rnn.gather(x, valid, False, None, nt)
            for d in range(D):
                w_ih, w_hh, b_ih, b_hh = (P[n] for n in layer_names(k, d))
                cache = m._buf(f"cache{k}.{d}", (_cells.cache_size(c.name, B, T, H),))
                if table:  # rows of the (V, G*H) table E W_ih^T + b_ih, gathered by id by the cell
                    mode, xd = "table", None
                    V = P["embedding.weight"].shape[0]
                    xin = _rnn.linear_forward(P["embedding.weight"], w_ih, b_ih, nt, m._buf(f"table{d}", (V, G * H)))
                    xids = ids[d].reshape(B, T)
                elif xv is not None:  # rows of the (Nv, G*H) table of the real tokens' projections
                    mode, xd = "valid", xv
                    xin = _rnn.linear_forward(xv, w_ih, b_ih, nt, m._buf(f"vtable{d}", (Nv, G * H)))
                    xids = cids[d]
                else:  # no padding: xproj written at the start of the cache, where lstm and gru put their gates
                    mode = "dense"
                    if k == 0 and ids is not None:
                        xd = _rnn.gather(P["embedding.weight"], ids[d], False, None, nt,
                                         m._buf(f"emb{d}", (N, w_ih.shape[1])))
                    elif d == 1:  # the rows reversed
                        xd = _rnn.gather(x, rev, False, None, nt, m._buf(f"xrev{k}", x.shape))
                    else:
                        xd = x
                    xin = _rnn.linear_forward(xd, w_ih, b_ih, nt, cache[:N * G * H].reshape(N, G * H))
                    xin, xids = xin.reshape(B, T, G * H), None
                h_all, sT, cache = _cells.forward(c.name, xin, zero, w_hh, b_hh, nt, xids,
                                                  m._buf(f"h{k}.{d}", (B, T, H)), cache, lengths)
                dirs.append((mode, xd, cache))
                finals.append(sT)
                outs.append(h_all.reshape(N, H))
            if D == 1:
                out = outs[0]
            else:
                out = m._buf(f"out{k}", (N, 2 * H))
                out[:, :H] = outs[0]
                out[:, H:] = outs[1][rev]
            mask = None
            if train and self.dropout > 0 and k < self.L - 1:  # inverted dropout between layers, as torch
                mask = (rng.random((N, D * H)) >= self.dropout).astype(m.dtype) / m.dtype.type(1 - self.dropout)
                out = out * mask
            masks.append(mask)
            layers.append(dirs)
            x = out
        return x.reshape(B, T, D * H), finals, (ids, rev, valid, layers, masks, B, T)

    def backward(self, dout, dfinals, saved, nt: int, need_dx: bool = False):
        """Accumulate the recurrent parameters' gradients (and ``embedding.weight``'s for "ids" input) from
        dout = dL/d(output) (B, T, D*H) (None: zero) and dfinals, a list like ``finals`` of dL/d(final state)
        (S, B, H) arrays or None (None: all zero). Returns dL/dx (B, T, I) for "dense" input when need_dx."""
        m, P, Gr, c = self.m, self.m.params, self.m.grads, self.cell
        ids, rev, valid, layers, masks, B, T = saved
        N, H, G, D = B * T, self.H, c.gates, self.D
        dh = None if dout is None else dout.reshape(N, D * H)
        dx = None
        for k in reversed(range(self.L)):
            if dh is not None and masks[k] is not None:
                dh = dh * masks[k]
            want = k > 0 or need_dx or ids is not None  # dL/d(this layer's input)
            dx, dxv = None, None
            for d in range(D):
                w_ih, w_hh = P[layer_names(k, d)[0]], P[layer_names(k, d)[1]]
                gw_ih, gw_hh, gb_ih, gb_hh = (Gr[n] for n in layer_names(k, d))
                mode, xd, cache = layers[k][d]
                if dh is None:
                    dhd = np.zeros((N, H), m.dtype)
                elif d == 0:
                    dhd = np.ascontiguousarray(dh[:, :H]) if D == 2 else np.ascontiguousarray(dh)
                else:
                    dhd = dh[:, H:][rev]
                dT = None if dfinals is None else dfinals[k * D + d]
                Stab = None
                if mode != "dense":  # the gradient of the table the cell read by id, summed by the cell
                    rows = P["embedding.weight"].shape[0] if mode == "table" else xd.shape[0]
                    Stab = m._buf(f"dtable{d}", (rows, G * H))
                    Stab[...] = 0
                dxproj, _ = _cells.backward(cache, dhd.reshape(B, T, H), dT, w_hh, gw_hh, gb_hh, nt,
                                            None if mode == "table" else gb_ih, Stab,
                                            cache.buf[:N * G * H].reshape(B, T, G * H))
                if mode == "table":  # the table was E W_ih^T + b_ih: dW_ih += S^T E, db_ih += sum S, dE += S W_ih
                    dE = _rnn.linear_backward(Stab, P["embedding.weight"], w_ih, gw_ih, gb_ih, True, nt)
                    Gr["embedding.weight"] += dE
                elif mode == "valid":  # the table was xv W_ih^T + b_ih (b_ih summed by the cell)
                    g = _rnn.linear_backward(Stab, xd, w_ih, gw_ih, None, want, nt)
                    dxv = g if dxv is None else dxv + g
                else:
                    dxd = _rnn.linear_backward(dxproj.reshape(N, G * H), xd, w_ih, gw_ih, None, want, nt)
                    if k == 0 and ids is not None:
                        _rnn.scatter_add(Gr["embedding.weight"], ids[d], dxd, False, nt)
                    elif want:
                        if d == 1:
                            dxd = dxd[rev]
                        dx = dxd if dx is None else dx + dxd
            if dxv is not None:  # the real tokens' rows, back into place
                if k == 0 and ids is not None:
                    _rnn.scatter_add(Gr["embedding.weight"], ids[0][valid], dxv, False, nt)
                else:
                    dx = np.zeros((N, dxv.shape[1]), m.dtype)
                    dx[valid] = dxv
            dh = dx
        return None if dx is None else dx.reshape(B, T, -1)
