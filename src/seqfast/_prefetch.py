"""A background-thread iterator: the next items are made while the caller works on this one.

Used where making an item (reading and tokenizing a piece of a file, estimating a block of a model) runs in C
kernels that release the GIL, so the producer thread and the consumer overlap.
"""
from __future__ import annotations

import queue
import threading
from typing import Iterable, Iterator, TypeVar

T = TypeVar("T")


def prefetched(items: Iterable[T], depth: int = 1, name: str = "seqfast-prefetch") -> Iterator[T]:
    """The items of ``items`` in order, made on a thread of its own up to ``depth`` items ahead of the caller.

    An exception raised while making an item is raised here, after the items made before it. When the caller
    stops early (``close()``, ``break`` or an exception in its loop) the thread stops after the item it is
    making and is joined; then ``items.close()`` is called when it has one (a generator's ``finally`` runs,
    closing the file it reads).
    """
    if depth < 1:
        raise ValueError(f"prefetched: depth must be at least 1, got {depth}")
    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    end = object()

    def run() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        q.put((item, None), timeout=0.1)
                        break
                    except queue.Full:
                        pass
                if stop.is_set():
                    return
            q.put((end, None))
        except BaseException as e:  # handed to the consumer
            q.put((end, e))

    t = threading.Thread(target=run, name=name, daemon=True)
    t.start()
    try:
        while True:
            item, err = q.get()
            if item is end:
                if err is not None:
                    raise err
                return
            yield item
    finally:
        stop.set()
        while t.is_alive():  # let the producer out of a full queue
            try:
                q.get(timeout=0.1)
            except queue.Empty:
                pass
        t.join()
        close = getattr(items, "close", None)
        if close is not None:
            close()
