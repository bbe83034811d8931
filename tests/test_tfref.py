"""The TensorFlow references refuse arguments they would misread, before importing TensorFlow."""

from __future__ import annotations

import numpy as np
import pytest

from companion.tfref import conv2d_tf, maxpool2d_tf, mlp_loss_and_grads_tf

PARAMS = {"W1": np.zeros((2, 3)), "b1": np.zeros(3), "W2": np.zeros((3, 2)), "b2": np.zeros(2)}


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: mlp_loss_and_grads_tf(PARAMS, np.zeros((1, 2)), [0], loss="crossentropy"), ValueError, "loss must"),
        (lambda: mlp_loss_and_grads_tf(PARAMS, np.zeros((1, 2)), [0], activation="elu"), ValueError, "activation"),
        (lambda: mlp_loss_and_grads_tf({"W1": np.zeros((2, 2))}, np.zeros((1, 2)), [0]), ValueError, "W1, b1"),
        (lambda: conv2d_tf(None, None, None, None, stride=1.5), TypeError, "stride must be an integer"),
        (lambda: conv2d_tf(None, None, None, None, padding="full"), ValueError, "padding must be 'valid' or 'same'"),
        (lambda: maxpool2d_tf(None, None, size=0), ValueError, "size must be an integer >= 1"),
    ],
)
def test_misreadable_arguments_are_refused(call, error, match):
    with pytest.raises(error, match=match):
        call()  # a loss name other than the two used to be computed silently as mse
