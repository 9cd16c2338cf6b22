"""Recurrent cells: the registry ``CELLS`` shared by every recurrent model in seqfast.nn.

A cell does only the recurrence. The model computes the input projections of a whole (B, T) window first,
``xproj[b, t] = W_ih x[b, t] + b_ih`` of shape (B, T, G*H) (one GEMM), then calls the cell:

    forward(xproj (B,T,G*H), state0, W_hh (G*H,H), b_hh (G*H,), n_threads=None, ids=None, lengths=None)
        -> h_all (B,T,H), stateT, cache
    backward(dh_all (B,T,H), dstateT or None, cache, W_hh, dW_hh (+=), db_hh (+=), n_threads=None,
             db_ih=None (+=), dtable=None (+=)) -> dxproj (B,T,G*H), dstate0

``state`` is an ndarray (B, H) for rnn and gru cells and a tuple ``(h, c)`` of two (B, H) arrays for lstm.
``dh_all`` is dL/dh_t from above (the decoder or the next layer); ``dstateT`` the gradient arriving at the
final state (None: zero). With ``ids`` (B, T), xproj is a (V, G*H) table whose row ids[b, t] is step t's
input projection (a first layer's one-hot or embedding input), and backward can then accumulate that table's
gradient into ``dtable``. With ``lengths`` (B,) row b has lengths[b] steps and the rest is padding: skipped,
h_all 0 there, stateT taken after the row's last step (torch's packed sequences; the NumPy twin is
seqfast.reference.rnn.packed_forward / packed_backward). Gate rows of W_ih, W_hh, b_ih, b_hh follow PyTorch: lstm (i, f, g, o), gru
(r, z, n), so a model's ``state_dict()`` round-trips with torch.nn.RNN / LSTM / GRU.

Every cell runs the C kernels of csrc/sf_cell.h through the one wrapper seqfast._cells; its NumPy twin
(seqfast.reference.rnn / lstm / gru) has the same interface minus n_threads and the keywords.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .. import _cells
from ..reference import gru as _ref_gru, lstm as _ref_lstm, rnn as _ref_rnn

__all__ = ["Cell", "CELLS", "register_cell", "get_cell"]


@dataclass(frozen=True)
class Cell:
    """One recurrent cell type.

    name: registry key, also the C kernel's name (sf_<name>_forward / _backward); gates: G (rows of W_hh per
    hidden unit: 1 rnn, 4 lstm, 3 gru); n_states: 1 (state is an ndarray h) or 2 (a tuple (h, c));
    reference_forward / reference_backward: the NumPy twins; torch: how torch names it, for interop and tests:
    (module name, extra kwargs) e.g. ("RNN", {"nonlinearity": "tanh"}).
    """
    name: str
    gates: int
    n_states: int
    reference_forward: Callable
    reference_backward: Callable
    torch: tuple = field(default=("RNN", {}))

    def zero_state(self, B: int, H: int, dtype) -> np.ndarray | tuple:
        if self.n_states == 1:
            return np.zeros((B, H), dtype=dtype)
        return tuple(np.zeros((B, H), dtype=dtype) for _ in range(self.n_states))

    def pack(self, state) -> np.ndarray:
        """A state (ndarray (B, H) or tuple of n_states of them) as the kernels' contiguous (S, B, H) array."""
        parts = state if self.n_states > 1 else (state,)
        if not isinstance(parts, (tuple, list)) or len(parts) != self.n_states:
            raise TypeError(f"a {self.name} state must be a tuple of {self.n_states} (B, H) arrays")
        return np.ascontiguousarray(np.stack(parts)) if self.n_states > 1 else np.asarray(parts[0])[None]

    def unpack(self, state: np.ndarray):
        """The inverse of :meth:`pack`: (S, B, H) -> ndarray (B, H) or tuple."""
        return state[0] if self.n_states == 1 else tuple(state)

    def forward(self, xproj, state0, W_hh, b_hh, n_threads=None, ids=None, lengths=None):
        h_all, stateT, cache = _cells.forward(self.name, xproj, self.pack(state0), W_hh, b_hh, n_threads, ids,
                                              lengths=lengths)
        return h_all, self.unpack(stateT), cache

    def backward(self, dh_all, dstateT, cache, W_hh, dW_hh, db_hh, n_threads=None, db_ih=None, dtable=None):
        dT = None if dstateT is None else self.pack(dstateT)
        dx, dstate0 = _cells.backward(cache, dh_all, dT, W_hh, dW_hh, db_hh, n_threads, db_ih, dtable)
        return dx, self.unpack(dstate0)


CELLS: dict[str, Cell] = {}


def register_cell(cell: Cell) -> Cell:
    """Add ``cell`` to :data:`CELLS` (replacing a cell of the same name)."""
    CELLS[cell.name] = cell
    return cell


def get_cell(name: str) -> Cell:
    try:
        return CELLS[name]
    except KeyError:
        raise ValueError(f"unknown cell {name!r}; available: {', '.join(sorted(CELLS))}") from None


for _nl in ("tanh", "relu"):
    register_cell(Cell(f"rnn_{_nl}", 1, 1, *_ref_rnn.CELLS[f"rnn_{_nl}"], torch=("RNN", {"nonlinearity": _nl})))
register_cell(Cell("lstm", 4, 2, _ref_lstm.cell_forward, _ref_lstm.cell_backward, torch=("LSTM", {})))
register_cell(Cell("gru", 3, 1, _ref_gru.forward, _ref_gru.backward, torch=("GRU", {})))
