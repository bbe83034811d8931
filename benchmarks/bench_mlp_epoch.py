"""Benchmark: one training epoch of chapter 2's NumPy MLP against the same network in Keras.

Both train a 784-300-10 ReLU network on the first 55,000 MNIST training images for one epoch
with Adam (learning rate 2e-3), mini-batches of 256, float32, as chapter 2 does. Keras gets one
warm-up epoch first (it traces its training step on the first call); NumPy needs none. Prints
the median seconds per epoch of each over a few epochs and their ratio (reported, no target).
Needs MNIST: set ``MNIST_PATH`` on a machine without internet.
Run: ``python benchmarks/bench_mlp_epoch.py``
"""

from __future__ import annotations

import statistics
import time

import numpy as np

import companion


def compare(epochs: int = 3) -> dict:
    """Median seconds per epoch of the NumPy MLP and of Keras, and their ratio."""
    companion.setup(seed=0, tensorflow=True)
    import keras

    from companion.data import load_mnist, scale_images
    from companion.fnn import MLP
    from companion.optim import Adam, fit

    (x_train, y_train), _ = load_mnist()
    x = scale_images(x_train[:55_000]).reshape(-1, 784)
    y = y_train[:55_000].astype(np.int64)

    net = MLP([784, 300, 10], activation="relu", seed=0, dtype=np.float32)
    optimizer = Adam(lr=2e-3)
    numpy_times = []
    for epoch in range(epochs):
        start = time.perf_counter()
        fit(net, x, y, optimizer, epochs=1, batch_size=256, seed=epoch, progress=False)
        numpy_times.append(time.perf_counter() - start)

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(300, activation="relu"), keras.layers.Dense(10)])
    model.compile(keras.optimizers.Adam(2e-3), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, y, batch_size=256, epochs=1, verbose=0)  # warm-up: traces the training step
    keras_times = []
    for _ in range(epochs):
        start = time.perf_counter()
        model.fit(x, y, batch_size=256, epochs=1, verbose=0)
        keras_times.append(time.perf_counter() - start)
    t_numpy, t_keras = statistics.median(numpy_times), statistics.median(keras_times)
    return {"numpy_seconds": round(t_numpy, 2), "keras_seconds": round(t_keras, 2), "ratio": t_numpy / t_keras}


def main() -> None:
    result = compare()
    print(f"NumPy MLP epoch: {result['numpy_seconds']:.2f} s")
    print(f"Keras epoch:     {result['keras_seconds']:.2f} s")
    print(f"ratio NumPy / Keras: {result['ratio']:.2f}x")


if __name__ == "__main__":
    main()
