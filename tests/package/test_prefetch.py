"""seqfast._prefetch.prefetched: order, depth, errors from the producer thread, early stop."""
import threading
import time

import pytest

from seqfast._prefetch import prefetched


def _threads(name):
    return [t for t in threading.enumerate() if t.name == name]


@pytest.mark.parametrize("depth", [1, 2, 5])
def test_items_in_order(depth):
    assert list(prefetched(iter(range(100)), depth=depth)) == list(range(100))
    assert list(prefetched([], depth=depth)) == []


def test_runs_at_most_depth_ahead():
    made = []

    def gen():
        for i in range(20):
            made.append(i)
            yield i

    it = prefetched(gen(), depth=2)
    assert next(it) == 0
    time.sleep(0.3)
    # item 0 handed over, 2 in the queue, one more made and waiting to be queued
    assert len(made) <= 4
    assert list(it) == list(range(1, 20))


def test_producer_error_raised_after_its_items():
    def gen():
        yield 1
        yield 2
        raise KeyError("bad item")

    got = []
    with pytest.raises(KeyError, match="bad item"):
        for x in prefetched(gen(), name="seqfast-prefetch-test-err"):
            got.append(x)
    assert got == [1, 2]
    assert not _threads("seqfast-prefetch-test-err")


def test_early_stop_joins_the_thread_and_closes_the_source():
    closed = []

    def gen():
        try:
            i = 0
            while True:
                yield i
                i += 1
        finally:
            closed.append(True)

    for x in prefetched(gen(), depth=3, name="seqfast-prefetch-test-stop"):
        if x == 5:
            break
    assert closed == [True]
    assert not _threads("seqfast-prefetch-test-stop")


def test_consumer_error_stops_the_thread():
    with pytest.raises(RuntimeError):
        for x in prefetched(iter(range(10**9)), name="seqfast-prefetch-test-consumer"):
            if x == 3:
                raise RuntimeError("consumer")
    assert not _threads("seqfast-prefetch-test-consumer")


def test_depth_checked():
    with pytest.raises(ValueError, match="depth"):
        next(prefetched([1], depth=0))
