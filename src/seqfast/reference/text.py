"""Reference for Vocab.encode: a Python dict lookup, one token at a time."""
from __future__ import annotations

import numpy as np


def encode(itos: list[str], tokens: list[str], unk_id: int = 0) -> np.ndarray:
    """ids[i] = position of tokens[i] in itos, or unk_id when absent."""
    stoi = {t: i for i, t in enumerate(itos)}
    return np.array([stoi.get(t, unk_id) for t in tokens], dtype=np.int32)
