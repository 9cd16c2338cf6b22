"""Neural sequence models: RNNLM (model.py), the recurrent cell registry (cells.py), optimizers (optim.py)
and the Trainer (trainer.py)."""
from .cells import CELLS, Cell, get_cell, register_cell
from .model import RNNLM

__all__ = ["CELLS", "Cell", "get_cell", "register_cell", "RNNLM"]
