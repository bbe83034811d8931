"""The NumPy CNN of chapter 3: its gradients are right and its arguments are checked."""

from __future__ import annotations

import numpy as np
import pytest

from companion.cnn_model import NumpyCNN
from companion.gradcheck import check_gradients


def test_gradients_match_finite_differences():
    model = NumpyCNN(input_shape=(6, 6, 1), filters=2, n_classes=3, seed=0, dtype=np.float64)
    x = np.random.default_rng(0).normal(size=(2, 6, 6, 1))
    labels = np.array([0, 2])
    _, grads = model.loss_and_grads(x, labels)
    errors = check_gradients(lambda: model.loss_and_grads(x, labels)[0], model.params, grads)
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"input_shape": (28, 28)}, TypeError, r"input_shape must be \(height, width, channels\)"),
        ({"input_shape": (28, 28.0, 1)}, TypeError, r"input_shape\[1\] must be an integer"),
        ({"kernel": 28}, ValueError, "kernel must leave at least a 2 x 2 map"),
        ({"filters": 0}, ValueError, "filters must be an integer >= 1"),
        ({"dtype": int}, TypeError, "dtype must be float16, float32 or float64"),
    ],
)
def test_bad_arguments_are_named(kwargs, error, match):
    with pytest.raises(error, match=match):
        NumpyCNN(**kwargs)
    with pytest.raises(ValueError, match=r"x must be \(batch, 28, 28, 1\); got shape \(2, 28, 28\)"):
        NumpyCNN().forward(np.zeros((2, 28, 28)))
