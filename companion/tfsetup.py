"""Quiet, seeded, fixed-thread TensorFlow (used by `companion.setup(tensorflow=True)`).

TensorFlow's C++ runtime prints start-up lines (the oneDNN banner, CPU-feature notes)
straight to file descriptor 2, bypassing Python and ignoring ``TF_CPP_MIN_LOG_LEVEL``
in TF 2.21. We keep them out of the chapters by pointing descriptor 2 at /dev/null
while TensorFlow loads and starts its runtime, then restoring it. oneDNN stays on:
turning it off (``TF_ENABLE_ONEDNN_OPTS=0``) would cost about a third of the speed.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys

__all__ = ["configure_tensorflow", "silenced_stderr"]


@contextlib.contextmanager
def silenced_stderr():
    """Send both Python's and the C runtime's stderr to /dev/null for the block."""
    sys.stderr.flush()
    saved_fd = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        with contextlib.redirect_stderr(io.StringIO()):
            yield
    finally:
        sys.stderr.flush()
        os.dup2(saved_fd, 2)
        os.close(saved_fd)
        os.close(devnull)


def configure_tensorflow(seed: int = 0, threads: int = 2) -> None:
    """Import TensorFlow silently, fix its thread pools and seed Keras (every TF chapter)."""
    with silenced_stderr():
        import tensorflow as tf

        tf.get_logger().setLevel("ERROR")
        try:
            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(1)
        except RuntimeError:
            pass  # the runtime already started (setup called twice): threads are fixed already
        import keras

        keras.utils.set_random_seed(seed)
        tf.constant(0.0) + 1.0  # start the runtime now, while its banner goes nowhere
