"""TensorFlow reference computations that the from-scratch code is checked against (chapters 2 to 4).

Each function recomputes a quantity with TensorFlow's own operations and automatic
differentiation (``tf.GradientTape``), independently of the NumPy code. TensorFlow is
imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

import numpy as np

__all__ = ["mlp_loss_and_grads_tf"]


def mlp_loss_and_grads_tf(params: dict, x, targets, activation: str = "relu", loss: str = "cross_entropy"):
    """Loss and gradients of the MLP in ``params`` (W1, b1, ...) computed by TensorFlow (chapter 2)."""
    import tensorflow as tf

    act = {"relu": tf.nn.relu, "tanh": tf.tanh, "sigmoid": tf.sigmoid}[activation]
    variables = {name: tf.Variable(value) for name, value in params.items()}
    n_layers = len(params) // 2
    with tf.GradientTape() as tape:
        h = tf.constant(x, dtype=variables["W1"].dtype)
        for layer in range(1, n_layers + 1):
            h = h @ variables[f"W{layer}"] + variables[f"b{layer}"]
            if layer < n_layers:
                h = act(h)
        if loss == "cross_entropy":
            value = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(targets, h))
        else:
            value = 0.5 * tf.reduce_sum((h - targets) ** 2) / h.shape[0]
    grads = tape.gradient(value, variables)
    return float(value), {name: np.asarray(g) for name, g in grads.items()}
