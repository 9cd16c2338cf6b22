"""Neural sequence models: RNNLM (model.py), the recurrent cell registry (cells.py), optimizers (optim.py)
and the Trainer (trainer.py).

On import this raises glibc's mmap/trim thresholds (32/64 MiB) so that the buffers a training step allocates
are reused instead of being page-faulted in again every step (~30% of a small model's step time); set the
environment variable SEQFAST_MALLOPT=0 before importing to leave the C library's defaults alone.
"""
import os as _os

from .. import _rnn as _rnn_kernels

if _os.environ.get("SEQFAST_MALLOPT", "1") != "0":
    _rnn_kernels.tune_malloc()
from .cells import CELLS, Cell, get_cell, register_cell
from .model import RNNLM
from .optim import SGD, Adagrad, Adam, clip_grad_norm, clip_grad_value, grad_norm
from .trainer import History, Trainer

__all__ = ["CELLS", "Cell", "get_cell", "register_cell", "RNNLM", "Trainer", "History", "SGD", "Adagrad", "Adam",
           "clip_grad_norm", "clip_grad_value", "grad_norm"]
