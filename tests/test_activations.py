"""Activations: the derivatives the chapters use agree with finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from companion.activations import ACTIVATIONS, get_activation, sigmoid, step
from companion.gradcheck import relative_error


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "identity"])
def test_derivative_matches_central_differences(name):
    f, f_prime = get_activation(name)
    rng = np.random.default_rng(1)
    z = rng.normal(scale=3.0, size=200)
    z = z[np.abs(z) > 1e-3]  # keep clear of ReLU's kink
    eps = 1e-6
    numeric = (f(z + eps) - f(z - eps)) / (2 * eps)
    assert relative_error(f_prime(z), numeric) < 1e-7


def test_sigmoid_is_stable_for_large_inputs():
    z = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    with np.errstate(over="raise"):
        s = sigmoid(z)
    np.testing.assert_allclose(s, [0.0, 1.9287498479639178e-22, 0.5, 1.0, 1.0], rtol=1e-12, atol=0)


def test_sigmoid_derivative_is_at_most_a_quarter():
    _, d = ACTIVATIONS["sigmoid"]
    z = np.linspace(-10, 10, 2001)
    assert d(z).max() == pytest.approx(0.25)
    assert np.argmax(d(z)) == 1000


def test_step_and_its_useless_derivative():
    _, d = ACTIVATIONS["step"]
    np.testing.assert_array_equal(step([-1.0, 0.0, 2.0]), [0.0, 1.0, 1.0])
    assert not d(np.linspace(-3, 3, 7)).any()


def test_unknown_activation_is_named():
    with pytest.raises(ValueError, match="unknown activation 'softsign'"):
        get_activation("softsign")


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_float32_stays_float32(name):
    f, f_prime = get_activation(name)
    z = np.linspace(-2, 2, 5, dtype=np.float32)
    assert f(z).dtype == np.float32 and f_prime(z).dtype == np.float32


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_integers_and_lists_become_float64(name):
    f, f_prime = get_activation(name)
    for z in (np.array([-3, 0, 5], dtype=np.int8), [-3, 0, 5]):  # np.tanh of int8 used to return float16
        assert f(z).dtype == np.float64 and f_prime(z).dtype == np.float64
        np.testing.assert_allclose(f(z), f(np.array([-3.0, 0.0, 5.0])), rtol=1e-15)


def test_non_numbers_are_refused_by_name():
    with pytest.raises(TypeError, match="z must hold real float16, float32 or float64 numbers; got dtype <U1"):
        sigmoid(np.array(["a"]))
    with pytest.raises(TypeError, match="z must be an array of numbers; got NoneType"):
        step(None)
    with pytest.raises(TypeError, match="activation must be a name such as 'relu'; got"):
        get_activation(np.tanh)
