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
    """Import TensorFlow silently, fix its thread pools and seed Keras (every TF chapter).

    TensorFlow fixes its thread pools when its runtime starts; if that already happened with a
    different count (an earlier ``setup(threads=...)``, or TensorFlow used before ``setup``),
    raise RuntimeError rather than report a thread count that is not in effect.
    """
    with silenced_stderr():
        import tensorflow as tf

        tf.get_logger().setLevel("ERROR")
        _fix_threads(tf, threads)
        import keras

        keras.utils.set_random_seed(seed)
        tf.constant(0.0) + 1.0  # start the runtime now, while its banner goes nowhere


def _fix_threads(tf, threads: int) -> None:
    """Set TensorFlow's intra-op pool to ``threads`` (inter-op to 1), or check it already is."""
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:  # the runtime already started: the pools are fixed for this process
        current = tf.config.threading.get_intra_op_parallelism_threads()
        if current != threads:
            in_effect = f"{current} threads" if current else "all cores (TensorFlow's default)"
            raise RuntimeError(
                f"TensorFlow already runs with {in_effect} in this process and cannot switch to threads={threads}: "
                "restart the kernel, or call setup with the same threads"
            ) from None
