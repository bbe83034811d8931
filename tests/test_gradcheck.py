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
    with pytest.raises(TypeError, match="float64"):
        numerical_gradient(lambda: 0.0, np.arange(3))
    with pytest.raises(TypeError, match="float64 NumPy array"):
        numerical_gradient(lambda: 0.0, [1.0, 2.0])
    with pytest.raises(TypeError, match="f must be a function"):
        numerical_gradient(0.0, np.zeros(3))
    with pytest.raises(ValueError, match="eps must be > 0"):
        numerical_gradient(lambda: 0.0, np.zeros(3), eps=0.0)
    with pytest.raises(ValueError, match="eps must be finite"):
        numerical_gradient(lambda: 0.0, np.zeros(3), eps=float("nan"))
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


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_low_precision_is_refused_not_silently_wrong(dtype):
    x = np.array([1.0, 3.0], dtype=dtype)  # float16 gave [0, 0] for sum(x^2); float32 an error ~1e-3
    with pytest.raises(TypeError, match=f"float64 .*got ndarray {np.dtype(dtype).name}"):
        numerical_gradient(lambda: float(np.sum(x.astype(np.float64) ** 2)), x)


def test_input_is_restored_even_when_f_raises():
    x = np.array([1.0, 2.0])

    def f():
        if x[1] != 2.0:
            raise RuntimeError("the model broke")
        return float(np.sum(x))

    with pytest.raises(RuntimeError, match="the model broke"):
        numerical_gradient(f, x)
    np.testing.assert_array_equal(x, [1.0, 2.0])


def test_non_finite_or_non_scalar_f_and_a_vanishing_step_are_refused():
    x = np.array([1e200, 1.0])
    with pytest.raises(FloatingPointError, match=r"f\(\) returned inf with x\[0\] perturbed to 1\.0+0*\d*e\+200"):
        numerical_gradient(lambda: float(x[0]) * float(x[0]), x, eps=1e190)
    with pytest.raises(TypeError, match="scalar"):
        numerical_gradient(lambda: np.ones(2), np.ones(2))
    big = np.array([1e12])  # 1e12 + 1e-5 rounds back to 1e12: the difference would be 0
    with pytest.raises(FloatingPointError, match="eps=1e-05 is lost in rounding"):
        numerical_gradient(lambda: float(big[0]), big)
    with pytest.raises(ValueError, match="x contains NaN"):
        numerical_gradient(lambda: 0.0, np.array([np.nan]))


def test_relative_error_near_the_float64_limit():
    assert relative_error(np.array([1e308]), np.array([-1e308])) == pytest.approx(2.0)
    with pytest.raises(TypeError, match="params and grads must be dicts"):
        check_gradients(lambda: 0.0, [np.zeros(2)], [np.zeros(2)])


def test_a_read_only_array_cannot_be_perturbed():
    x = np.ones(3)
    x.flags.writeable = False
    with pytest.raises(ValueError, match="x must be writeable: it is perturbed in place"):
        numerical_gradient(lambda: float(np.sum(x**2)), x)


def test_numerical_hessian_of_a_quadratic_is_its_matrix():
    from companion.gradcheck import numerical_hessian

    rng = np.random.default_rng(0)
    a = rng.normal(size=(3, 3))
    A = a @ a.T + np.eye(3)  # symmetric: L = x^T A x / 2 + y^2 + x_0 y, gradient A x + (y e_0), 2y + x_0
    params = {"x": rng.normal(size=3), "y": np.array([[0.7]])}

    def grads():
        x, y = params["x"], params["y"]
        return {"x": A @ x + np.array([y[0, 0], 0.0, 0.0]), "y": np.array([[2 * y[0, 0] + x[0]]])}

    before = {k: v.copy() for k, v in params.items()}
    hessian = numerical_hessian(grads, params)
    expected = np.zeros((4, 4))
    expected[:3, :3], expected[3, 3], expected[0, 3], expected[3, 0] = A, 2.0, 1.0, 1.0
    np.testing.assert_allclose(hessian, expected, atol=1e-9)
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])  # restored exactly


def test_numerical_hessian_of_a_network_is_symmetric_and_matches_directional_second_derivatives():
    from companion.fnn import MLP
    from companion.gradcheck import numerical_hessian

    rng = np.random.default_rng(1)
    model = MLP([2, 3, 1], activation="tanh", loss="mse", seed=0)
    x, d = rng.normal(size=(5, 2)), rng.normal(size=(5, 1))
    hessian = numerical_hessian(lambda: model.loss_and_grads(x, d)[1], model.params)
    assert hessian.shape == (13, 13) and np.array_equal(hessian, hessian.T)
    v = rng.normal(size=13)  # v^T H v against the second difference of the loss along v
    flat = np.concatenate([p.ravel() for p in model.params.values()])

    def loss_at(t):
        offset = 0
        for p in model.params.values():
            p[...] = (flat[offset : offset + p.size] + t * v[offset : offset + p.size]).reshape(p.shape)
            offset += p.size
        return model.loss(x, d)[0]

    h = 1e-4
    second = (loss_at(h) - 2 * loss_at(0.0) + loss_at(-h)) / h**2
    loss_at(0.0)
    assert v @ hessian @ v == pytest.approx(second, rel=1e-5)


def test_numerical_hessian_refuses_what_it_cannot_use():
    from companion.gradcheck import numerical_hessian

    with pytest.raises(TypeError, match="grads_of must be a function"):
        numerical_hessian(None, {"w": np.zeros(2)})
    with pytest.raises(TypeError, match=r"params\['w'\] must be a writeable float64"):
        numerical_hessian(lambda: {"w": np.zeros(2)}, {"w": np.zeros(2, np.float32)})
    with pytest.raises(ValueError, match="grads_of\\(\\) must return a dict with the names of params"):
        numerical_hessian(lambda: {"v": np.zeros(2)}, {"w": np.zeros(2)})
