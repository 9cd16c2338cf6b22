"""Small checks shared by the text, n-gram LM and RNN layers (one definition each, so their rules agree)."""
from __future__ import annotations

import json
import numbers
import zipfile

#: what reading a damaged or foreign .npz file can raise: np.load itself, reading a member (a bad CRC, a
#: truncated archive), decoding a JSON header. Loaders turn these into a ValueError naming the file.
NPZ_READ_ERRORS = (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError, json.JSONDecodeError)


def is_int(v) -> bool:
    """An integer (Python or numpy, anything numbers.Integral) that is not a bool."""
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)
