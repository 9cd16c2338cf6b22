"""Bundled sample corpus: H. G. Wells, *The Time Machine* (1898), public domain (Project Gutenberg).

It is the default input of every ``seqfast`` command when no file is given.
"""
from __future__ import annotations

import os

__all__ = ["time_machine", "time_machine_path"]

_TM = os.path.join(os.path.dirname(os.path.abspath(__file__)), "timemachine.txt")


def time_machine_path() -> str:
    """Path of the bundled ``timemachine.txt`` (UTF-8, LF line endings, ~179 KB, ~32K words)."""
    return _TM


def time_machine() -> str:
    """The text of *The Time Machine* as one string."""
    with open(_TM, encoding="utf-8") as f:
        return f.read()
