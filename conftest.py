"""Pytest configuration shared by the unit tests and the notebooks (`pytest --nbval`)."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings as hypothesis_settings

from tools.nbval_tolerance import install as install_tolerant_comparison
from tools.schedule import chapter_seconds, slowest_notebooks_first

pytest_plugins = ["pytester"]  # tests/test_nbval_tolerance.py runs pytest --nbval on a tiny notebook

# Keep TensorFlow's C++ start-up lines out of test output and notebook kernels.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# Property tests (hypothesis) draw the same examples on every run, from a hash of each test, so a
# run is reproducible on any machine; HYPOTHESIS_PROFILE=explore draws new ones on every run.
hypothesis_settings.register_profile("reproducible", derandomize=True)
hypothesis_settings.register_profile("explore", derandomize=False)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "reproducible"))


def _execute_with_history(self, cell_input, allow_stdin=None):
    """Run a cell as Jupyter does, with history, so a trailing ';' hides the result.

    nbval 0.11 executes with ``store_history=False``; IPython 9 decides whether a
    trailing semicolon silences a cell by reading the history, so without it every
    ``plot(...);`` would show a ``<Figure ...>`` repr that the stored notebook lacks.
    """
    return self.kc.execute(cell_input, store_history=True, allow_stdin=allow_stdin, stop_on_error=False)


try:
    from nbval.kernel import RunningKernel
except ImportError:  # nbval not installed: plain `pytest` still runs the unit tests
    pass
else:
    RunningKernel.execute_cell_input = _execute_with_history
    install_tolerant_comparison()  # numbers agree within a tolerance, text exactly (tools/nbval_tolerance.py)


def pytest_collectstart(collector):
    """Do not compare stderr (warnings and library notices) nor figures' SVG, as nbval already skips PNG.

    A figure drawn from trained weights differs in its path coordinates on every CPU; what it
    shows is asserted in the cell that draws it, and its words are checked by the Chinese build
    (tools/book_figures.py) and tools/check_figures.py.
    """
    if collector.fspath and collector.fspath.ext == ".ipynb":
        collector.skip_compare += ("stderr", "image/svg+xml")


def _needs_mnist(item) -> bool:
    return item.fspath.ext == ".ipynb" or item.get_closest_marker("mnist") is not None


def pytest_collection_modifyitems(session, config, items):
    """Order the tests for two workers; fail once, clearly, when tests that need MNIST cannot have it."""
    slowest_notebooks_first(items, chapter_seconds())  # two workers: the long chapters start at once
    if not any(_needs_mnist(item) for item in items):
        return
    from companion.data import MNISTNotFoundError, load_mnist

    try:
        load_mnist()
    except (MNISTNotFoundError, ValueError) as exc:
        pytest.exit(f"These tests need MNIST, which could not be loaded.\n{exc}", returncode=4)
