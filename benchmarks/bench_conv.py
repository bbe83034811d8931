"""Benchmark: NumPy conv2d forward+backward against tf.nn.conv2d forward+backward (chapter 3).

Same batch for both: 128 MNIST-sized images (28x28x1), 32 filters of 3x3, "same" padding,
float32. Prints the median time of each over repeated runs and their ratio (target <= 3x).
Run: ``python benchmarks/bench_conv.py`` (uses random images; no data file needed).
"""

from __future__ import annotations

import statistics
import time

import numpy as np

import companion
from companion.cnn import conv2d_backward, conv2d_forward


def median_seconds(fn, repeats: int = 30, warmup: int = 3) -> float:
    """Median wall time of ``fn()`` after a few warm-up calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def compare() -> dict:
    """Median milliseconds of both forward+backward passes on one batch, and their ratio."""
    companion.setup(seed=0, tensorflow=True)
    import tensorflow as tf

    rng = np.random.default_rng(0)
    x = rng.random((128, 28, 28, 1), dtype=np.float32)
    w = (rng.standard_normal((3, 3, 1, 32)) * 0.3).astype(np.float32)
    b = np.zeros(32, dtype=np.float32)
    dout = rng.standard_normal((128, 28, 28, 32)).astype(np.float32)

    def numpy_step():
        out, cache = conv2d_forward(x, w, b, 1, "same")
        return conv2d_backward(dout, cache)

    tx, tw, tb, tdout = (tf.constant(a) for a in (x, w, b, dout))

    @tf.function
    def tf_step():
        with tf.GradientTape() as tape:
            tape.watch([tx, tw, tb])
            out = tf.nn.conv2d(tx, tw, strides=1, padding="SAME") + tb
            loss = tf.reduce_sum(out * tdout)
        return tape.gradient(loss, [tx, tw, tb])

    t_numpy = median_seconds(numpy_step)
    t_tf = median_seconds(lambda: [g.numpy() for g in tf_step()])
    return {"numpy_ms": round(1e3 * t_numpy, 2), "tensorflow_ms": round(1e3 * t_tf, 2), "ratio": t_numpy / t_tf}


def main() -> None:
    result = compare()
    print(f"NumPy conv2d forward+backward: {result['numpy_ms']:7.2f} ms")
    print(f"TensorFlow conv2d forward+backward: {result['tensorflow_ms']:7.2f} ms")
    print(f"ratio NumPy / TensorFlow: {result['ratio']:.2f}x (target <= 3x)")


if __name__ == "__main__":
    main()
