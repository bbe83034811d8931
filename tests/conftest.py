"""Fixtures shared by the unit tests."""

from __future__ import annotations

import sys

import pytest


def pytest_configure(config):
    """Markers of the tests in this folder (select with -m, e.g. -m distributed)."""
    config.addinivalue_line("markers", "distributed: starts worker processes on 127.0.0.1 (chapter 7's launcher)")


@pytest.fixture(autouse=True)
def _close_figures():
    """Close every matplotlib figure a test opened, even when it fails half way (no figure leaks into the next)."""
    yield
    pyplot = sys.modules.get("matplotlib.pyplot")  # only tests that drew anything imported it
    if pyplot is not None:
        pyplot.close("all")
