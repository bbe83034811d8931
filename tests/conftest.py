"""Fixtures shared by the unit tests."""

from __future__ import annotations

import sys

import pytest


@pytest.fixture(autouse=True)
def _close_figures():
    """Close every matplotlib figure a test opened, even when it fails half way (no figure leaks into the next)."""
    yield
    pyplot = sys.modules.get("matplotlib.pyplot")  # only tests that drew anything imported it
    if pyplot is not None:
        pyplot.close("all")
