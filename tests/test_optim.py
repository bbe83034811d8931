"""Optimisers and the training loop: they descend, validate their arguments, and report."""

from __future__ import annotations

import numpy as np
import pytest

from companion.optim import SGD, Adam, fit, minibatches


def quadratic():
    target = np.array([3.0, -2.0])
    params = {"w": np.zeros(2)}
    return target, params, lambda: {"w": params["w"] - target}


@pytest.mark.parametrize("optimizer", [SGD(lr=0.1), SGD(lr=0.1, momentum=0.9), Adam(lr=0.1)])
def test_optimisers_reach_the_minimum_of_a_quadratic(optimizer):
    target, params, grad = quadratic()
    for _ in range(500):
        optimizer.step(params, grad())
    np.testing.assert_allclose(params["w"], target, atol=1e-3)


def test_sgd_step_is_minus_lr_times_gradient():
    params = {"w": np.array([1.0, 2.0])}
    SGD(lr=0.5).step(params, {"w": np.array([2.0, -4.0])})
    np.testing.assert_array_equal(params["w"], [0.0, 4.0])


def test_adam_first_step_has_size_lr():
    params = {"w": np.array([0.0, 0.0])}
    Adam(lr=0.01).step(params, {"w": np.array([123.0, -0.001])})
    np.testing.assert_allclose(params["w"], [-0.01, 0.01], rtol=1e-4)


def test_minibatches_cover_every_index_once():
    batches = minibatches(10, 3, np.random.default_rng(0))
    assert [len(b) for b in batches] == [3, 3, 3, 1]
    assert sorted(np.concatenate(batches).tolist()) == list(range(10))


@pytest.mark.parametrize(("kwargs", "match"), [({"lr": 0}, "lr > 0"), ({"lr": 0.1, "momentum": 1.0}, "momentum")])
def test_bad_hyperparameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SGD(**kwargs)


def test_fit_reports_divergence_and_bad_shapes():
    from companion.fnn import MLP

    x = np.random.default_rng(0).normal(size=(32, 2)) * 100
    y = (x[:, 0] > 0).astype(int)
    with np.errstate(all="ignore"), pytest.raises(FloatingPointError, match="lower the learning rate"):
        fit(MLP([2, 4, 2], seed=0), x, y, SGD(lr=1e300), epochs=5, progress=False)
    with pytest.raises(ValueError, match="same length"):
        fit(MLP([2, 4, 2], seed=0), x, y[:-1], SGD(lr=0.1), progress=False)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: SGD(lr="0.1"), TypeError, "lr must be a real number"),
        (lambda: SGD(lr=float("inf")), ValueError, "lr must be finite"),
        (lambda: Adam(eps=0.0), ValueError, "eps must be > 0"),
        (lambda: SGD().step({"w": np.zeros(2)}, {"v": np.zeros(2)}), ValueError, "grads has 'v', which params lacks"),
        (lambda: SGD().step({"w": np.zeros(3)}, {"w": np.zeros(1)}), ValueError, r"params\['w'\] \(3,\); got \(1,\)"),
        (lambda: Adam().step({"w": np.zeros(2, int)}, {"w": np.ones(2)}), TypeError, "must be a float NumPy array"),
        (lambda: SGD().step([np.zeros(2)], [np.zeros(2)]), TypeError, "params and grads must be dicts"),
        (lambda: minibatches(10, 0, np.random.default_rng(0)), ValueError, "batch_size must be an integer >= 1"),
        (lambda: minibatches(10, 3, 0), TypeError, "rng must be a numpy.random.Generator"),
    ],
)
def test_optimisers_name_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"epochs": 2.5}, TypeError, "epochs must be an integer; got 2.5"),
        ({"batch_size": 0}, ValueError, "batch_size must be an integer >= 1"),
        ({"seed": -1}, ValueError, "seed must be an integer >= 0"),
        ({"x": np.zeros((0, 2)), "d": np.zeros(0, int)}, ValueError, "at least one example"),
        ({"x": 3.0}, TypeError, "x and d must be arrays"),
        ({"validation": np.zeros((2, 2))}, TypeError, r"validation must be a pair \(x_val, d_val\)"),
        ({"optimizer": "adam"}, TypeError, "optimizer must have step"),
    ],
)
def test_fit_names_bad_arguments(kwargs, error, match):
    from companion.fnn import MLP

    args = {"x": np.zeros((4, 2)), "d": np.zeros(4, int), "optimizer": SGD(), "progress": False, **kwargs}
    with pytest.raises(error, match=match):
        fit(MLP([2, 2], seed=0), **args)


def test_fit_reports_a_non_finite_gradient_before_it_spoils_the_parameters():
    class Exploding:
        params = {"w": np.ones(2)}

        def loss_and_grads(self, x, y):
            return 1.0, {"w": np.array([np.inf, 0.0])}

    with pytest.raises(FloatingPointError, match="a gradient became NaN or infinite: training diverged"):
        fit(Exploding(), np.zeros((2, 1)), np.zeros(2), SGD(), epochs=1, progress=False)
    np.testing.assert_array_equal(Exploding.params["w"], [1.0, 1.0])


def test_fit_reports_a_loss_that_cannot_be_computed_or_is_not_finite():
    class Broken:
        def __init__(self, failure):
            self.params, self.failure = {"w": np.ones(2)}, failure

        def loss_and_grads(self, x, y):
            if self.failure == "raises":
                raise FloatingPointError("overflow in exp")
            return np.nan, {"w": np.zeros(2)}

    x, y = np.zeros((2, 1)), np.zeros(2)
    with pytest.raises(FloatingPointError, match=r"training diverged: lower the learning rate \(overflow in exp\)"):
        fit(Broken("raises"), x, y, SGD(), epochs=1, progress=False)
    model = Broken("nan")
    with pytest.raises(FloatingPointError, match="the loss became NaN or infinite"):
        fit(model, x, y, SGD(), epochs=1, progress=False)
    np.testing.assert_array_equal(model.params["w"], [1.0, 1.0])  # no step was taken


def test_fit_refuses_a_validation_set_of_the_wrong_length():
    from companion.fnn import MLP

    x, y = np.zeros((4, 2)), np.zeros(4, int)
    with pytest.raises(TypeError, match=r"validation must be a pair \(x_val, d_val\); got tuple"):
        fit(MLP([2, 2]), x, y, SGD(), validation=(x, y, y), progress=False)


def test_fit_reports_a_step_that_overflows_the_parameters():
    class Steep:
        params = {"w": np.ones(2)}

        def loss_and_grads(self, x, y):
            return 1.0, {"w": np.array([1e300, 0.0])}  # finite, but lr * gradient is not

    with np.errstate(over="ignore"), pytest.raises(FloatingPointError, match="a parameter became NaN or infinite"):
        fit(Steep(), np.zeros((2, 1)), np.zeros(2), SGD(lr=1e10), epochs=1, progress=False)


def test_adam_follows_its_equations_step_by_step():
    """m_t = b1 m + (1 - b1) g, v_t = b2 v + (1 - b2) g^2, bias-corrected, step lr m^ / (sqrt(v^) + eps)."""
    rng = np.random.default_rng(2)
    lr, b1, b2, eps = 0.01, 0.8, 0.95, 1e-6
    opt, params = Adam(lr=lr, beta1=b1, beta2=b2, eps=eps), {"w": rng.normal(size=4)}
    w, m, v = params["w"].copy(), np.zeros(4), np.zeros(4)
    for t in range(1, 4):
        g = rng.normal(size=4)
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g**2
        w = w - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
        opt.step(params, {"w": g})
        np.testing.assert_allclose(params["w"], w, rtol=1e-14)


def test_adam_with_a_constant_gradient_steps_lr_every_time():
    """Bias correction makes m^ = g and v^ = g^2 exactly for a constant g: every step is lr g / (|g| + eps)."""
    opt, params = Adam(lr=0.1, eps=1e-8), {"w": np.zeros(3)}
    g = np.array([3.0, -0.02, 1e-3])
    for t in range(1, 6):
        opt.step(params, {"w": g})
        np.testing.assert_allclose(params["w"], -t * 0.1 * g / (np.abs(g) + 1e-8), rtol=1e-12)
