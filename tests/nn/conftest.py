"""Fixtures of the seqfast.nn tests (helpers.py holds the plain functions)."""
import pytest

from .helpers import CELL_NAMES


@pytest.fixture(params=CELL_NAMES)
def cell(request):
    return request.param
