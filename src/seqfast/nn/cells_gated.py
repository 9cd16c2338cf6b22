"""The gated cells of issue 6, registered in :data:`seqfast.nn.cells.CELLS`: ``lstm`` and ``gru``.

Kernels: csrc/lstm.c, csrc/gru.c through seqfast._lstm / seqfast._gru; NumPy twins in
seqfast.reference.lstm / .gru. Gate rows follow PyTorch: lstm (i, f, g, o), gru (r, z, n), so a model's
``state_dict()`` round-trips with ``torch.nn.LSTM`` / ``torch.nn.GRU``. The lstm state is a tuple (h, c).
"""
from __future__ import annotations

from .. import _gru, _lstm
from ..reference import gru as _ref_gru, lstm as _ref_lstm
from .cells import Cell, register_cell

__all__ = ["LSTM", "GRU"]


def _lstm_forward(xproj, state0, W_hh, b_hh, n_threads, inplace=False, ids=None):
    h_all, hT, cT, cache = _lstm.forward(xproj, state0[0], state0[1], W_hh, b_hh, n_threads, inplace, ids)
    return h_all, (hT, cT), cache


def _lstm_backward(dh_all, dstateT, cache, W_hh, dW_hh, db_hh, n_threads, **kw):
    dhT, dcT = (None, None) if dstateT is None else dstateT
    dxproj, dh0, dc0 = _lstm.backward(dh_all, dhT, dcT, cache, W_hh, dW_hh, db_hh, n_threads, **kw)
    return dxproj, (dh0, dc0)


LSTM = register_cell(Cell("lstm", 4, 2, _lstm_forward, _lstm_backward, _ref_lstm.cell_forward,
                          _ref_lstm.cell_backward, torch=("LSTM", {}), inplace=True))
GRU = register_cell(Cell("gru", 3, 1, _gru.forward, _gru.backward, _ref_gru.forward, _ref_gru.backward,
                         torch=("GRU", {}), inplace=True))
