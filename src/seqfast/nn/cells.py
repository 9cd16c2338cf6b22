"""Recurrent cells: the registry ``CELLS`` shared by every recurrent model in seqfast.nn.

A cell does only the recurrence. The model computes the input projections of a whole (B, T) window first,
``xproj[b, t] = W_ih x[b, t] + b_ih`` of shape (B, T, G*H) (one GEMM), then calls the cell:

    forward(xproj (B,T,G*H), state0, W_hh (G*H,H), b_hh (G*H,), n_threads)
        -> h_all (B,T,H), stateT, cache
    backward(dh_all (B,T,H), dstateT or None, cache, W_hh, dW_hh (+=), db_hh (+=), n_threads)
        -> dxproj (B,T,G*H), dstate0

``state`` is an ndarray (B, H) for rnn and gru cells and a tuple ``(h, c)`` of two (B, H) arrays for lstm.
``dh_all`` is dL/dh_t from above (the decoder or the next layer); ``dstateT`` the gradient arriving at the
final state (None: zero). Gate rows of W_ih, W_hh, b_ih, b_hh follow PyTorch: lstm (i, f, g, o), gru
(r, z, n). Every array is C-contiguous float32 or float64 (all the same dtype).

Registered cells: ``rnn_tanh``, ``rnn_relu`` (this module); ``lstm``, ``gru`` register themselves below
with :func:`register_cell` when their kernels are built.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .. import _rnn
from ..reference import rnn as _ref_rnn

__all__ = ["Cell", "CELLS", "register_cell", "get_cell"]


@dataclass(frozen=True)
class Cell:
    """One recurrent cell type.

    name: registry key; gates: G (rows of W_hh per hidden unit: 1 rnn, 4 lstm, 3 gru);
    n_states: 1 (state is an ndarray h) or 2 (state is a tuple (h, c));
    forward / backward: the C kernels (interface in the module docstring);
    reference_forward / reference_backward: NumPy twins with the same interface minus n_threads;
    torch: how torch names it, for interop and tests: (module name, extra kwargs) e.g. ("RNN", {...});
    inplace: forward and backward take a keyword ``inplace=True`` that lets forward overwrite xproj with its
    cache and backward write dxproj over the cache (the model's temporaries: less memory traffic), and
    forward takes ``ids=`` (B, T): xproj is then a (V, G*H) table whose row ids[b, t] is step t's input
    projection (the first layer's one-hot or embedding input, never built as (B, T, G*H)); backward takes
    ``ids=``, ``dtable=`` (V, G*H) and ``db_ih=`` (G*H,) and accumulates the table's and b_ih's gradients.
    """
    name: str
    gates: int
    n_states: int
    forward: Callable
    backward: Callable
    reference_forward: Callable
    reference_backward: Callable
    torch: tuple = field(default=("RNN", {}))
    inplace: bool = False

    def zero_state(self, B: int, H: int, dtype) -> np.ndarray | tuple:
        if self.n_states == 1:
            return np.zeros((B, H), dtype=dtype)
        return tuple(np.zeros((B, H), dtype=dtype) for _ in range(self.n_states))


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


def _make_rnn_cell(nonlinearity: str) -> Cell:
    def forward(xproj, h0, W_hh, b_hh, n_threads):
        h_all, hT = _rnn.cell_forward(xproj, h0, W_hh, b_hh, nonlinearity, n_threads)
        return h_all, hT, (h_all, h0)

    def backward(dh_all, dhT, cache, W_hh, dW_hh, db_hh, n_threads):
        h_all, h0 = cache
        return _rnn.cell_backward(dh_all, dhT, h_all, h0, W_hh, dW_hh, db_hh, nonlinearity, n_threads)

    ref_fwd, ref_bwd = _ref_rnn.CELLS[f"rnn_{nonlinearity}"]
    return Cell(f"rnn_{nonlinearity}", 1, 1, forward, backward, ref_fwd, ref_bwd,
                torch=("RNN", {"nonlinearity": nonlinearity}))


register_cell(_make_rnn_cell("tanh"))
register_cell(_make_rnn_cell("relu"))

# The gated cells of issue 6 (lstm, gru) register themselves in cells_gated.
from . import cells_gated  # noqa: E402,F401  (imported last: it needs Cell and register_cell)
