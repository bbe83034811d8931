"""TensorFlow reference computations that the from-scratch code is checked against (chapters 2 to 4).

Each function recomputes a quantity with TensorFlow's own operations and automatic
differentiation (``tf.GradientTape``), independently of the NumPy code. TensorFlow is
imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

import numpy as np

from companion._checks import check_int

__all__ = ["conv2d_tf", "lstm_tf", "maxpool2d_tf", "mlp_loss_and_grads_tf", "simple_rnn_tf"]


def _check_mlp_args(params, activation, loss) -> None:
    """Refuse what TensorFlow would misread: a loss name that is not one of the two would silently be mse."""
    if activation not in ("relu", "tanh", "sigmoid"):
        raise ValueError(f"activation must be 'relu', 'tanh' or 'sigmoid'; got {activation!r}")
    if loss not in ("cross_entropy", "mse"):
        raise ValueError(f"loss must be 'cross_entropy' or 'mse'; got {loss!r}")
    layers = len(params) // 2
    if set(params) != {f"{p}{i}" for p in "Wb" for i in range(1, layers + 1)} or layers < 1:
        raise ValueError(f"params must hold W1, b1, ..., Wn, bn as MLP.params does; got {sorted(params)}")


# Chapter 2 prints this function: it stays within the book's 77 columns.
# fmt: off
def mlp_loss_and_grads_tf(
    params: dict, x, targets, activation="relu", loss="cross_entropy"
):
    """Loss and gradients of the MLP ``params`` (W1, b1, ...) by TensorFlow.

    Used in chapter 2.
    """
    _check_mlp_args(params, activation, loss)
    import tensorflow as tf

    act_fns = {"relu": tf.nn.relu, "tanh": tf.tanh, "sigmoid": tf.sigmoid}
    act = act_fns[activation]
    variables = {name: tf.Variable(value) for name, value in params.items()}
    n_layers = len(params) // 2
    with tf.GradientTape() as tape:
        h = tf.constant(x, dtype=variables["W1"].dtype)
        for layer in range(1, n_layers + 1):
            h = h @ variables[f"W{layer}"] + variables[f"b{layer}"]
            if layer < n_layers:
                h = act(h)
        if loss == "cross_entropy":
            per_example = tf.nn.sparse_softmax_cross_entropy_with_logits
            value = tf.reduce_mean(per_example(targets, h))
        else:
            value = 0.5 * tf.reduce_sum((h - targets) ** 2) / h.shape[0]
    grads = tape.gradient(value, variables)
    return float(value), {name: np.asarray(g) for name, g in grads.items()}
# fmt: on


def conv2d_tf(x, w, b, dout, stride: int = 1, padding: str = "valid"):
    """``tf.nn.conv2d`` output and the gradients (dx, dw, db) of sum(out * dout) (chapter 3)."""
    stride = check_int("stride", stride)
    if padding not in ("valid", "same"):
        raise ValueError(f"padding must be 'valid' or 'same'; got {padding!r}")
    import tensorflow as tf

    x, w, b = tf.Variable(x), tf.Variable(w), tf.Variable(b)
    with tf.GradientTape() as tape:
        out = tf.nn.conv2d(x, w, strides=stride, padding=padding.upper()) + b
        loss = tf.reduce_sum(out * dout)
    dx, dw, db = tape.gradient(loss, [x, w, b])
    return out.numpy(), (dx.numpy(), dw.numpy(), db.numpy())


def maxpool2d_tf(x, dout, size: int = 2, stride: int = 2):
    """``tf.nn.max_pool2d`` output and the gradient of sum(out * dout) with respect to x (chapter 3)."""
    size, stride = check_int("size", size), check_int("stride", stride)
    import tensorflow as tf

    x = tf.Variable(x)
    with tf.GradientTape() as tape:
        out = tf.nn.max_pool2d(x, ksize=size, strides=stride, padding="VALID")
        loss = tf.reduce_sum(out * dout)
    return out.numpy(), tape.gradient(loss, x).numpy()


def simple_rnn_tf(x, h0, params: dict, dy):
    """Outputs of keras.layers.SimpleRNN + Dense loaded with ``params``, and gradients of sum(y * dy).

    ``params`` holds W_xh, W_hh, b_h, W_hy, b_y in the companion's layout, which is Keras' own
    (kernel, recurrent_kernel, bias). Returns ``(y, grads)`` with grads keyed like ``params``
    plus ``x`` and ``h0`` (chapter 4).
    """
    import keras
    import tensorflow as tf

    x = tf.constant(x, dtype=tf.float32)
    h0 = tf.constant(h0, dtype=tf.float32)
    rnn = keras.layers.SimpleRNN(params["W_hh"].shape[0], return_sequences=True, dtype="float32")
    dense = keras.layers.Dense(params["W_hy"].shape[1], dtype="float32")
    rnn.build(x.shape)
    dense.build((None, params["W_hh"].shape[0]))
    rnn.set_weights([params["W_xh"], params["W_hh"], params["b_h"]])
    dense.set_weights([params["W_hy"], params["b_y"]])
    with tf.GradientTape() as tape:
        tape.watch([x, h0])
        y = dense(rnn(x, initial_state=h0))
        loss = tf.reduce_sum(y * dy)
    variables = [*rnn.trainable_variables, *dense.trainable_variables]
    grads = tape.gradient(loss, [x, h0, *variables])
    names = ["x", "h0", "W_xh", "W_hh", "b_h", "W_hy", "b_y"]
    return y.numpy(), {name: np.asarray(g) for name, g in zip(names, grads, strict=True)}


def lstm_tf(x, h0, c0, params: dict, dy):
    """Outputs of keras.layers.LSTM + Dense loaded with ``params``, and gradients of sum(y * dy).

    ``params`` holds W_xh, W_hh, b_h (gates i, f, c, o), W_hy, b_y in the companion's layout,
    which is Keras' own (kernel, recurrent_kernel, bias). Returns ``(y, grads)`` with grads
    keyed like ``params`` plus ``x``, ``h0`` and ``c0`` (chapter 4).
    """
    import keras
    import tensorflow as tf

    x, h0, c0 = (tf.constant(a, dtype=tf.float32) for a in (x, h0, c0))
    lstm = keras.layers.LSTM(params["W_hh"].shape[0], return_sequences=True, dtype="float32")
    dense = keras.layers.Dense(params["W_hy"].shape[1], dtype="float32")
    lstm.build(x.shape)
    dense.build((None, params["W_hh"].shape[0]))
    lstm.set_weights([params["W_xh"], params["W_hh"], params["b_h"]])
    dense.set_weights([params["W_hy"], params["b_y"]])
    with tf.GradientTape() as tape:
        tape.watch([x, h0, c0])
        y = dense(lstm(x, initial_state=[h0, c0]))
        loss = tf.reduce_sum(y * dy)
    variables = [*lstm.trainable_variables, *dense.trainable_variables]
    grads = tape.gradient(loss, [x, h0, c0, *variables])
    names = ["x", "h0", "c0", "W_xh", "W_hh", "b_h", "W_hy", "b_y"]
    return y.numpy(), {name: np.asarray(g) for name, g in zip(names, grads, strict=True)}
