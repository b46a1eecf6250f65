"""Fixtures shared by the tests (helpers live in ``helpers.py``)."""

from __future__ import annotations

import pytest

import planner


@pytest.fixture(params=planner.ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """Each engine in turn: a test taking it runs once per engine."""
    return str(request.param)
