"""Atomic file output: every seqfast writer goes through :func:`atomic_write`.

The data goes to a temporary file in the target's directory (same file system, so the final rename is atomic),
is flushed and fsync'ed, and only then renamed over the target with ``os.replace``. When anything fails before
the rename (an exception, a full disk, a file-size limit, Ctrl-C, SIGTERM), the temporary file is removed and a
previous file at the target path is left exactly as it was: a reader never sees a half-written file.

Targets that are not regular files (``/dev/null``, ``/dev/stdout``, a FIFO) are written in place: they cannot be
renamed over, and there is nothing to clobber.
"""
from __future__ import annotations

import contextlib
import os
import stat
import threading
from typing import IO, Iterator

__all__ = ["atomic_savefig", "atomic_write"]


class _Terminated(BaseException):
    """Raised inside the writing thread by the SIGTERM handler atomic_write installs while it writes."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _on_sigterm(signum, frame):
    raise _Terminated(signum)


def _fsync_dir(d: str) -> None:
    try:
        fd = os.open(d, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _is_special(path: str) -> bool:
    try:
        st = os.stat(path)
    except OSError:
        return False
    return not stat.S_ISREG(st.st_mode)


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb", *, encoding: str | None = None,
                 newline: str | None = None) -> Iterator[IO]:
    """Open ``path`` for writing so that it is replaced all at once, or not at all.

    ``mode`` is ``"wb"`` (bytes) or ``"w"`` (text; ``encoding`` defaults to UTF-8, ``newline`` as in
    :func:`open`). Yields the open file. On leaving the block without an exception the data is flushed,
    fsync'ed and renamed over ``path`` (keeping the mode bits of a file it replaces, else ``0o666 & ~umask``).
    On an exception, KeyboardInterrupt or SIGTERM (when the process has the default SIGTERM handler and this is
    the main thread) the temporary file is removed, ``path`` is untouched, and the exception propagates (SIGTERM
    then terminates the process as the default handler would).

    >>> with atomic_write("out.txt", "w") as f:
    ...     f.write("hello\\n")
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"atomic_write: mode must be 'wb' or 'w', got {mode!r}")
    path = os.fspath(path)
    if not isinstance(path, str):
        path = os.fsdecode(path)
    text = mode == "w"
    kw = {"encoding": encoding or "utf-8", "newline": newline} if text else {}
    if _is_special(path):
        with open(path, mode, **kw) as f:
            yield f
        return
    d, base = os.path.split(os.path.abspath(path))
    try:
        old_mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        old_mode = None
    # os.open with 0o666 applies the umask, as a plain open() of the target would.
    for attempt in range(100):
        tmp = os.path.join(d, f".{base}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
            break
        except FileExistsError:
            continue
    else:  # pragma: no cover
        raise FileExistsError(f"atomic_write: could not create a temporary file next to {path}")

    import signal  # here, not at module level: importing signal costs milliseconds that readers need not pay

    hook = threading.current_thread() is threading.main_thread()
    prev = None
    if hook:
        try:
            prev = signal.getsignal(signal.SIGTERM)
            if prev in (signal.SIG_DFL, None):
                signal.signal(signal.SIGTERM, _on_sigterm)
            else:
                hook = False
        except (ValueError, OSError):  # pragma: no cover - no signals here (embedded interpreter)
            hook = False
    try:
        try:
            f = os.fdopen(fd, mode, **kw)
        except BaseException:
            os.close(fd)
            raise
        with f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        if old_mode is not None:
            os.chmod(tmp, old_mode)
        os.replace(tmp, path)
        tmp = None
        _fsync_dir(d)
    except _Terminated as e:
        if not hook:  # an outer atomic_write installed the handler: it finishes the job
            raise
        _remove(tmp)
        tmp = None
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        hook = False
        os.kill(os.getpid(), e.signum)
        raise SystemExit(128 + e.signum) from None  # pragma: no cover - the kill above does not return
    finally:
        if tmp is not None:
            _remove(tmp)
        if hook:
            signal.signal(signal.SIGTERM, prev if prev is not None else signal.SIG_DFL)


def _remove(tmp: str | None) -> None:
    if tmp is None:
        return
    try:
        os.unlink(tmp)
    except OSError:
        pass


def atomic_savefig(fig, path: str | os.PathLike, **kwargs) -> None:
    """``fig.savefig(path, **kwargs)`` through :func:`atomic_write` (format from the suffix, else PNG)."""
    path = os.fspath(path)
    ext = os.path.splitext(path)[1].lstrip(".").lower()
    kwargs.setdefault("format", ext or "png")
    with atomic_write(path, "wb") as f:
        fig.savefig(f, **kwargs)
