import os

import pytest

DATA = os.path.join(os.path.dirname(__file__), "data")


@pytest.fixture
def data_dir():
    return DATA


class _Stdin:
    """A stand-in for sys.stdin: ``.buffer`` holds ``data``; ``isatty()`` says whether it is a terminal."""

    def __init__(self, data: bytes = b"", tty: bool = False):
        import io
        self.buffer = io.BufferedReader(io.BytesIO(data))
        self._tty = tty

    def isatty(self):
        return self._tty

    def read(self):
        return self.buffer.read().decode("utf-8")


@pytest.fixture
def terminal_stdin(monkeypatch):
    """Standard input is a terminal (commands without FILE fall back to the bundled corpus)."""
    import sys
    monkeypatch.setattr(sys, "stdin", _Stdin(tty=True))


@pytest.fixture
def piped_stdin(monkeypatch):
    """Call with bytes: standard input becomes a pipe holding them."""
    import sys

    def set_data(data: bytes):
        monkeypatch.setattr(sys, "stdin", _Stdin(data, tty=False))
    return set_data
