"""Helpers shared by subcommands: input files (bundled corpus by default, '-' for stdin)."""
from __future__ import annotations

import os
import sys

from ..datasets import time_machine_path
from ..text import decode_utf8, read_text


def add_input_args(p, many: bool = True) -> None:
    p.add_argument("files", nargs="*" if many else "?", metavar="FILE",
                   help="input text file(s), UTF-8 ('.gz' ok); '-' reads stdin; default: the bundled corpus "
                        "(The Time Machine)")
    p.add_argument("--errors", choices=("strict", "replace", "ignore"), default="strict",
                   help="what to do with invalid UTF-8: stop with an error naming the byte offset (strict, "
                        "default), substitute U+FFFD (replace) or drop the bytes (ignore)")


def input_paths(files) -> list[str]:
    if not files:
        return [time_machine_path()]
    if isinstance(files, str):
        return [files]
    return list(files)


def read_inputs(files, errors: str = "strict") -> str:
    """The concatenated text of the inputs (each file read whole: for small and medium inputs)."""
    parts = []
    for path in input_paths(files):
        if path == "-":
            parts.append(decode_utf8(sys.stdin.buffer.read(), "<stdin>", errors))
        else:
            if not os.path.exists(path):
                raise FileNotFoundError(f"{path}: no such file")
            parts.append(read_text(path, errors=errors))
    return "\n".join(parts)
