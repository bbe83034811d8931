"""The recall task with Keras: a plain RNN against an LSTM over growing distances (chapter 4).

Chapter 4 and ``benchmarks/bench_recall_seeds.py`` (its seed spread) train the same models
through `recall_run`. TensorFlow is imported inside the functions, so importing this module
stays cheap.
"""

from __future__ import annotations

import numpy as np

from companion._checks import check_int, check_number, check_seed
from companion.toydata import recall_task

__all__ = ["KINDS", "recall_layer", "recall_run"]

# What chapter 4 compares: the layer, and the LSTM's initial forget-gate bias
KINDS = {"SimpleRNN": None, "LSTM": 5.0, "LSTM, forget bias 1": 1.0}


# Chapter 4 prints this function: it stays within the book's 77 columns.
def recall_layer(kind: str, units: int, n_features: int):
    """A Keras layer for `recall_run`, one of `KINDS` (chapter 4).

    SimpleRNN, or an LSTM whose forget gates start with the bias KINDS[kind].
    Keras orders an LSTM's gates i, f, c, o: the forget gates' biases are
    bias[units : 2 * units].
    """
    import keras

    if kind not in KINDS:
        raise ValueError(f"kind must be one of {list(KINDS)}; got {kind!r}")
    units = check_int("units", units)
    n_features = check_int("n_features", n_features)
    if KINDS[kind] is None:
        return keras.layers.SimpleRNN(units)
    layer = keras.layers.LSTM(units)
    layer.build((None, None, n_features))
    bias = layer.cell.bias.numpy()
    bias[units : 2 * units] = KINDS[kind]
    layer.cell.bias.assign(bias)
    return layer


def _input_gradient_norms(net, x, labels) -> np.ndarray:
    """||dL/dX_t|| for t = 1, ..., T: how strongly each step's input reaches the loss."""
    import keras
    import tensorflow as tf

    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = keras.losses.sparse_categorical_crossentropy(labels, net(x))
        loss = tf.reduce_mean(loss)
    return np.sqrt(np.sum(tape.gradient(loss, x).numpy().astype(np.float64) ** 2, axis=(0, 2)))


def recall_run(kind: str, steps: int, seed: int = 0, epochs: int = 10, units: int = 32, lr: float = 3e-3) -> dict:
    """Train ``kind`` (a key of `KINDS`) on 2,000 recall sequences; test accuracy on 1,000 new ones (chapter 4).

    ``epochs=0`` skips the training and only measures the probe below (accuracy None).
    Also returns, at initialisation, ||dL/dX_1|| and ||dL/dX_T|| on 256 training sequences:
    how much of the loss's gradient reaches the first step, which holds the answer. Adam's
    learning rate was chosen on validation sequences (seeds 1000 + seed): at 1e-2 the LSTM's
    validation accuracy (seed 4, T = 60) climbed to 52 % and fell back to chance at epoch 18;
    at 3e-3 it reached 100 % in the second epoch and stayed there.
    """
    import keras

    steps, seed, epochs = check_int("steps", steps), check_seed(seed), check_int("epochs", epochs, minimum=0)
    lr = check_number("lr", lr, positive=True)
    keras.utils.set_random_seed(seed)
    x_train, labels_train = recall_task(2000, steps, seed=seed)
    net = keras.Sequential(
        [
            keras.Input(x_train.shape[1:]),
            recall_layer(kind, units, x_train.shape[2]),
            keras.layers.Dense(4, activation="softmax"),
        ]
    )
    norms = _input_gradient_norms(net, x_train[:256], labels_train[:256])
    run = {"kind": kind, "steps": steps, "seed": seed, "accuracy": None,
           "grad_first": float(norms[0]), "grad_last": float(norms[-1])}  # fmt: skip
    if epochs:
        net.compile(optimizer=keras.optimizers.Adam(lr), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        net.fit(x_train, labels_train, epochs=epochs, batch_size=32, verbose=0)
        x_test, labels_test = recall_task(1000, steps, seed=seed + 1)
        run["accuracy"] = float(net.evaluate(x_test, labels_test, verbose=0)[1])
    return run
