"""A small convolutional network built only from the NumPy layers (chapter 3).

conv (3x3, ``filters``) -> ReLU -> max pool 2x2 -> flatten -> dense -> softmax. It has the
interface that `companion.optim.fit` trains: ``params``, ``loss_and_grads``, ``accuracy``.
"""

from __future__ import annotations

import numpy as np

from companion._checks import check_float_dtype, check_int, check_seed
from companion.activations import relu, relu_prime
from companion.cnn import conv2d_backward, conv2d_forward, maxpool2d_backward, maxpool2d_forward
from companion.fnn import Classifier, dense_backward, dense_forward, init_weights, softmax_cross_entropy

__all__ = ["NumpyCNN"]


class NumpyCNN(Classifier):
    """conv -> ReLU -> pool -> dense classifier for (N, H, W, C) images, He-initialised (chapter 3)."""

    # predict's batch: one forward pass over 1,000 images holds about 290 MB of
    # intermediate arrays, over 100 about 30 MB (chapter 3 stays under 1 GiB)
    predict_batch_size = 100

    def __init__(self, input_shape=(28, 28, 1), filters=16, kernel=3, n_classes=10, seed=0, dtype=np.float32):
        if not isinstance(input_shape, (tuple, list)) or len(input_shape) != 3:
            raise TypeError(f"input_shape must be (height, width, channels); got {input_shape!r}")
        h, w, c = (check_int(f"input_shape[{i}]", size) for i, size in enumerate(input_shape))
        filters, kernel, n_classes = (
            check_int("filters", filters),
            check_int("kernel", kernel),
            check_int("n_classes", n_classes),
        )
        if kernel > min(h, w) - 1:
            raise ValueError(f"kernel must leave at least a 2 x 2 map to pool in a {h} x {w} image; got {kernel}")
        dtype = check_float_dtype("dtype", dtype)
        rng = np.random.default_rng(check_seed(seed))
        pooled = ((h - kernel + 1) // 2) * ((w - kernel + 1) // 2) * filters
        conv = init_weights(kernel * kernel * c, filters, "he", rng, dtype).reshape(kernel, kernel, c, filters)
        self.input_shape = (h, w, c)
        self.params = {
            "W_conv": conv,
            "b_conv": np.zeros(filters, dtype=dtype),
            "W_dense": init_weights(pooled, n_classes, "xavier", rng, dtype),
            "b_dense": np.zeros(n_classes, dtype=dtype),
        }

    # Chapter 3 prints this method: it stays within the book's 77 columns.
    def forward_train(self, x):
        """Logits for images (N, H, W, C), and the cache backward needs."""
        x, p = np.asarray(x), self.params
        if x.shape[1:] != self.input_shape:
            shape = ", ".join(map(str, self.input_shape))
            msg = f"x must be (batch, {shape}); got shape {x.shape}"
            raise ValueError(msg)
        z, conv_cache = conv2d_forward(x, p["W_conv"], p["b_conv"])
        pooled, pool_cache = maxpool2d_forward(relu(z))
        flat = pooled.reshape(len(x), -1)
        logits = dense_forward(flat, p["W_dense"], p["b_dense"])
        return logits, (z, conv_cache, pool_cache, pooled.shape, flat)

    def forward(self, x):
        """Logits for a batch of images (N, H, W, C); keeps nothing."""
        return self.forward_train(x)[0]

    def loss_and_grads(self, x, labels):
        """Mean cross-entropy of a batch and the gradient of every parameter."""
        logits, (z, conv_cache, pool_cache, pooled_shape, flat) = self.forward_train(x)
        loss, dlogits = softmax_cross_entropy(logits, np.asarray(labels))
        dflat, dW_dense, db_dense = dense_backward(dlogits, flat, self.params["W_dense"])
        dz = maxpool2d_backward(dflat.reshape(pooled_shape), pool_cache) * relu_prime(z)
        _, dW_conv, db_conv = conv2d_backward(dz, conv_cache)
        return loss, {"W_conv": dW_conv, "b_conv": db_conv, "W_dense": dW_dense, "b_dense": db_dense}
