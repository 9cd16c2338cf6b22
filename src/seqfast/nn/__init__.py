"""Neural sequence models: RNNLM (model.py), the recurrent cell registry (cells.py), optimizers (optim.py)
and the Trainer (trainer.py).

When the first RNNLM is built (not on import), this raises glibc's mmap/trim thresholds (32/64 MiB) so that the
buffers a training step allocates are reused instead of being page-faulted in again every step (~30% of a small
model's step time). The setting is process-wide: set the environment variable SEQFAST_MALLOPT=0 to leave the C
library's defaults alone.
"""
import os as _os

from .. import _rnn as _rnn_kernels

_malloc_tuned = False


def _tune_malloc_once() -> None:
    """Apply the malloc thresholds above once per process (called by RNNLM.__init__)."""
    global _malloc_tuned
    if not _malloc_tuned:
        _malloc_tuned = True
        if _os.environ.get("SEQFAST_MALLOPT", "1") != "0":
            _rnn_kernels.tune_malloc()


from .cells import CELLS, Cell, get_cell, register_cell
from .model import RNNLM
from .optim import SGD, Adagrad, Adam, clip_grad_norm, clip_grad_value, grad_norm
from .trainer import History, Trainer

__all__ = ["CELLS", "Cell", "get_cell", "register_cell", "RNNLM", "Trainer", "History", "SGD", "Adagrad", "Adam",
           "clip_grad_norm", "clip_grad_value", "grad_norm"]
