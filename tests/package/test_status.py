"""The status-code contract (csrc/sf_common.h, seqfast._status): one exception per code, everywhere."""
import pytest

from seqfast import _status

CODES = [(_status.ENOMEM, MemoryError), (_status.EINDEX, IndexError), (_status.EVALUE, ValueError),
         (_status.EIO, OSError), (_status.EFORMAT, ValueError), (_status.ENAN, FloatingPointError),
         (_status.EOVERFLOW, OverflowError)]


def test_ok_raises_nothing():
    assert _status.raise_for_status(_status.OK, "x") is None
    assert _status.strerror(_status.OK) == "success"


@pytest.mark.parametrize("code, exc", CODES)
def test_each_code_has_one_exception_and_a_message(code, exc):
    assert code < 0 and _status.EXCEPTIONS[code] is exc
    with pytest.raises(exc, match=rf"^doing x: {_status.strerror(code)}$"):
        _status.raise_for_status(code, "doing x")


def test_unknown_code_is_a_runtime_error():
    with pytest.raises(RuntimeError, match="unknown error"):
        _status.raise_for_status(-99, "doing x")
