"""Companion package of *Neural networks: brain and machine*.

Importing it is cheap and changes nothing: no TensorFlow, no seeding, no plotting
style. Each chapter calls :func:`setup` once, visibly, in its first code cell.
"""

from __future__ import annotations

import os
import random
from typing import NamedTuple

__version__ = "0.2.0"
__all__ = ["Setup", "__version__", "setup"]

# Environment variables read by TensorFlow's C++ runtime when it is first loaded.
_TF_QUIET_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "3",  # C++ INFO/WARNING/ERROR lines
    "TF_CPP_MIN_VLOG_LEVEL": "0",
    "ABSL_MIN_LOG_LEVEL": "3",  # absl-based logging in recent TF builds
    "GRPC_VERBOSITY": "ERROR",
}


class Setup(NamedTuple):
    """What `setup` configured; its repr is the visible first output of every chapter."""

    seed: int
    tensorflow: bool
    threads: int | None


def setup(seed: int = 0, *, tensorflow: bool = False, threads: int = 2) -> Setup:
    """Seed and configure everything a chapter uses (called at the top of every chapter).

    Seeds Python's and NumPy's generators, sets the book's matplotlib style and, in Jupyter,
    shows figures as the book's SVG (companion.figure_svg: words as text, one size for the column).
    With ``tensorflow=True`` it also imports TensorFlow with its start-up log lines
    silenced, fixes its thread pools to ``threads`` so that results do not depend on
    how many cores a machine reports, and seeds Keras.
    Returns a `Setup` record of what it did. ``seed`` is an int in [0, 2**32 - 1] (NumPy's
    limit); TensorFlow's thread pools are fixed once per process, so asking for a different
    ``threads`` later raises RuntimeError instead of reporting a number that is not in effect.
    """
    from companion._checks import check_int, check_seed

    seed = check_seed(seed)
    threads = check_int("threads", threads)
    if not isinstance(tensorflow, bool):
        raise TypeError(f"tensorflow must be True or False; got {tensorflow!r}")
    import numpy as np

    from companion.figure_svg import use_svg_display
    from companion.plotting import use_book_style

    for key, value in _TF_QUIET_ENV.items():
        os.environ.setdefault(key, value)
    if tensorflow:  # first, so that a thread count TensorFlow cannot honour stops us before anything changes
        from companion.tfsetup import configure_tensorflow

        configure_tensorflow(seed=seed, threads=threads)
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 (the legacy global generator that older code and libraries use)
    use_book_style()
    use_svg_display()
    return Setup(seed=seed, tensorflow=tensorflow, threads=threads if tensorflow else None)
