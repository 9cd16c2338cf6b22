"""The one progress display: a line on stderr redrawn in place with ``\\r``, drawn only on a terminal (a log
file or a pipe gets no control characters)."""
from __future__ import annotations

import sys


class Progress:
    """``show(text)`` redraws the line; ``clear()`` erases it; both do nothing unless enabled and the stream
    (default: stderr) is a terminal. ``gauge(done, total)`` formats a bar such as ``[#####.....]``."""

    def __init__(self, enabled: bool = True, stream=None):
        self.stream = stream if stream is not None else sys.stderr
        try:
            tty = self.stream is not None and self.stream.isatty()
        except (AttributeError, ValueError):
            tty = False
        self.enabled = bool(enabled) and tty
        self._width = 0

    @staticmethod
    def gauge(done: float, total: float, width: int = 25) -> str:
        k = int(width * min(max(done / total, 0.0), 1.0)) if total else 0
        return "[" + "#" * k + "." * (width - k) + "]"

    def show(self, text: str) -> None:
        if not self.enabled:
            return
        pad = " " * max(0, self._width - len(text))
        self.stream.write("\r" + text + pad)
        self.stream.flush()
        self._width = len(text)

    def clear(self) -> None:
        if not self.enabled or not self._width:
            return
        self.stream.write("\r" + " " * self._width + "\r")
        self.stream.flush()
        self._width = 0
