"""The NumPy CNN of chapter 3 learns: shapes, determinism, a gradient that descends, a tiny batch fitted."""

from __future__ import annotations

import numpy as np
import pytest

from companion.cnn_model import NumpyCNN
from companion.optim import SGD, fit

SHAPE = (7, 6, 2)  # odd height: pooling drops the last row, as the pooled size in __init__ assumes


def _batch(n=6, n_classes=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, *SHAPE)), rng.integers(0, n_classes, n)


def _tiny(dtype=np.float64, seed=0):
    return NumpyCNN(input_shape=SHAPE, filters=3, kernel=2, n_classes=3, seed=seed, dtype=dtype)


def test_shapes_of_logits_parameters_and_gradients():
    model, (x, labels) = _tiny(), _batch()
    assert model.params["W_conv"].shape == (2, 2, 2, 3)
    assert model.params["W_dense"].shape == (3 * 2 * 3, 3)  # conv 6 x 5 -> pool 3 x 2, 3 filters
    assert model.forward(x).shape == (6, 3)
    loss, grads = model.loss_and_grads(x, labels)
    assert np.ndim(loss) == 0 and loss > 0
    assert {k: g.shape for k, g in grads.items()} == {k: p.shape for k, p in model.params.items()}
    assert model.predict(x, batch_size=4).shape == (6,)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_computes_in_its_dtype(dtype):
    model, (x, labels) = _tiny(dtype), _batch()
    x = x.astype(dtype)
    assert model.forward(x).dtype == dtype
    assert all(g.dtype == dtype for g in model.loss_and_grads(x, labels)[1].values())


def test_same_seed_same_model_other_seed_other_model():
    a, b, c = _tiny(seed=3), _tiny(seed=3), _tiny(seed=4)
    x, _ = _batch()
    for name in a.params:
        np.testing.assert_array_equal(a.params[name], b.params[name])
    np.testing.assert_array_equal(a.forward(x), b.forward(x))
    assert not np.array_equal(a.params["W_conv"], c.params["W_conv"])
    assert not np.array_equal(a.params["W_dense"], c.params["W_dense"])
    assert not a.params["b_conv"].any() and not a.params["b_dense"].any()  # biases start at zero


def test_gradient_is_the_directional_derivative():
    """(L(p + eps v) - L(p - eps v)) / (2 eps) equals grad . v along one random direction of all parameters."""
    model, (x, labels) = _tiny(), _batch()
    _, grads = model.loss_and_grads(x, labels)
    rng = np.random.default_rng(1)
    direction = {k: rng.normal(size=p.shape) for k, p in model.params.items()}
    start = {k: p.copy() for k, p in model.params.items()}
    eps, losses = 1e-5, []
    for sign in (1, -1):
        for k in model.params:
            model.params[k][...] = start[k] + sign * eps * direction[k]
        losses.append(model.loss_and_grads(x, labels)[0])
    numeric = (losses[0] - losses[1]) / (2 * eps)
    analytic = sum(np.sum(grads[k] * direction[k]) for k in grads)
    assert abs(numeric - analytic) <= 1e-7 * max(1.0, abs(analytic))


def test_predict_in_batches_agrees_with_one_forward_pass():
    model, (x, labels) = _tiny(), _batch(n=7)
    expected = model.forward(x).argmax(axis=1)
    np.testing.assert_array_equal(model.predict(x, batch_size=3), expected)
    assert model.accuracy(x, labels) == np.mean(expected == labels)


def test_a_small_gradient_step_lowers_the_loss():
    model, (x, labels) = _tiny(), _batch()
    loss, grads = model.loss_and_grads(x, labels)
    SGD(lr=0.01).step(model.params, grads)
    assert model.loss_and_grads(x, labels)[0] < loss


def test_fit_learns_a_tiny_batch_by_heart():
    model, (x, labels) = _tiny(np.float32), _batch(n=8)
    x = x.astype(np.float32)
    before = model.loss_and_grads(x, labels)[0]
    history = fit(model, x, labels, SGD(lr=0.2, momentum=0.9), epochs=40, batch_size=8, validation=(x, labels),
                  progress=False)  # fmt: skip
    assert len(history["loss"]) == len(history["val_accuracy"]) == 40
    assert history["loss"][-1] < 0.1 * before
    assert history["val_accuracy"][-1] == model.accuracy(x, labels) == 1.0


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"input_shape": [8, 8]}, TypeError, r"input_shape must be \(height, width, channels\); got \[8, 8\]"),
        ({"input_shape": "abc"}, TypeError, "input_shape must be"),
        ({"input_shape": (8, 8, 0)}, ValueError, r"input_shape\[2\] must be an integer >= 1"),
        ({"n_classes": 0}, ValueError, "n_classes must be an integer >= 1"),
        ({"kernel": 8}, ValueError, "kernel must leave at least a 2 x 2 map to pool in a 8 x 8 image; got 8"),
        ({"seed": -1}, ValueError, "seed"),
        ({"dtype": "not a dtype"}, TypeError, "dtype must be a floating-point dtype such as np.float32"),
    ],
)
def test_bad_constructor_arguments_are_named(kwargs, error, match):
    with pytest.raises(error, match=match):
        NumpyCNN(**{"input_shape": (8, 8, 1), **kwargs})


def test_the_largest_kernel_leaves_one_pooled_pixel():
    model = NumpyCNN(input_shape=(8, 8, 1), filters=2, kernel=7, n_classes=3)
    assert model.params["W_dense"].shape == (1 * 1 * 2, 3)
    assert model.forward(np.zeros((1, 8, 8, 1))).shape == (1, 3)


def test_an_image_of_the_wrong_shape_is_refused():
    model = _tiny()
    with pytest.raises(ValueError, match=r"x must be \(batch, 7, 6, 2\); got shape \(3, 7, 6, 1\)"):
        model.forward(np.zeros((3, 7, 6, 1)))
    with pytest.raises(ValueError, match="labels must be"):
        model.accuracy(np.zeros((3, *SHAPE)), [0, 1])
