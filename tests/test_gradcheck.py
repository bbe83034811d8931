"""The gradient checker itself: exact on known gradients, restores its input, refuses bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

from companion.gradcheck import check_gradients, numerical_gradient, relative_error


@settings(max_examples=25, deadline=None)
@given(shape=array_shapes(min_dims=1, max_dims=3, max_side=4), seed=st.integers(0, 2**32 - 1))
def test_gradient_of_a_known_function_on_any_shape(shape, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape)
    a = rng.normal(size=shape)
    before = x.copy()
    numeric = numerical_gradient(lambda: float(np.sum(a * np.sin(x))), x)
    np.testing.assert_array_equal(x, before)  # restored exactly
    assert relative_error(numeric, a * np.cos(x)) < 1e-8


def test_checker_catches_a_wrong_gradient():
    x = np.linspace(-1, 1, 5)
    numeric = numerical_gradient(lambda: float(np.sum(x**3)), x)
    assert relative_error(numeric, 3 * x**2) < 1e-8
    assert relative_error(numeric, 2 * x**2) > 0.1


def test_relative_error_is_scale_free():
    a = np.array([1.0, 2.0, 3.0])
    assert relative_error(a, a * (1 + 1e-9)) == pytest.approx(relative_error(1e6 * a, 1e6 * a * (1 + 1e-9)))
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="floating-point"):
        numerical_gradient(lambda: 0.0, np.arange(3))
    with pytest.raises(ValueError, match="eps must be positive"):
        numerical_gradient(lambda: 0.0, np.zeros(3), eps=0.0)
    with pytest.raises(ValueError, match="shapes differ"):
        relative_error(np.zeros(2), np.zeros(3))
    with pytest.raises(ValueError, match="NaN"):
        relative_error(np.array([np.nan]), np.zeros(1))


def test_check_gradients_reports_each_parameter():
    params = {"a": np.array([1.0, 2.0]), "b": np.array([[0.5]])}

    def loss():
        return float(np.sum(params["a"] ** 2) + 3 * params["b"].sum())

    errors = check_gradients(loss, params, {"a": 2 * params["a"], "b": np.array([[3.0]])})
    assert set(errors) == {"a", "b"} and max(errors.values()) < 1e-8
    wrong = check_gradients(loss, params, {"a": params["a"], "b": np.array([[3.0]])})
    assert wrong["a"] > 0.1 and wrong["b"] < 1e-8
    with pytest.raises(ValueError, match="same names"):
        check_gradients(loss, params, {"a": params["a"]})
