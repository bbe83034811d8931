"""Convolution and pooling from scratch: naive = vectorised = TensorFlow = finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from companion.cnn import (
    conv2d_backward,
    conv2d_backward_naive,
    conv2d_forward,
    conv2d_forward_naive,
    conv_output_size,
    maxpool2d_backward,
    maxpool2d_forward,
    receptive_field,
)
from companion.gradcheck import check_gradients, relative_error

CASES = [  # (N, H, W, C_in), (KH, KW, C_out), stride, padding
    ((2, 7, 7, 3), (3, 3, 4), 1, "valid"),
    ((2, 7, 7, 3), (3, 3, 4), 1, "same"),
    ((1, 8, 9, 2), (3, 2, 3), 2, "valid"),
    ((1, 8, 9, 2), (3, 2, 3), 2, "same"),
    ((3, 6, 5, 1), (4, 4, 2), 3, "same"),
    ((2, 5, 5, 2), (5, 5, 1), 1, "valid"),
    ((1, 10, 10, 1), (2, 2, 2), 2, "same"),
]


def random_case(shape_x, shape_w, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    kh, kw, c_out = shape_w
    x = rng.normal(size=shape_x).astype(dtype)
    w = rng.normal(size=(kh, kw, shape_x[3], c_out)).astype(dtype)
    b = rng.normal(size=c_out).astype(dtype)
    return x, w, b


@pytest.mark.parametrize(("shape_x", "shape_w", "stride", "padding"), CASES)
def test_vectorised_equals_naive(shape_x, shape_w, stride, padding):
    x, w, b = random_case(shape_x, shape_w)
    out, cache = conv2d_forward(x, w, b, stride, padding)
    np.testing.assert_allclose(out, conv2d_forward_naive(x, w, b, stride, padding), rtol=1e-12, atol=1e-12)
    dout = np.random.default_rng(1).normal(size=out.shape)
    for fast, slow in zip(
        conv2d_backward(dout, cache), conv2d_backward_naive(dout, x, w, stride, padding), strict=True
    ):
        np.testing.assert_allclose(fast, slow, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("shape_x", "shape_w", "stride", "padding"), CASES)
def test_gradients_match_finite_differences(shape_x, shape_w, stride, padding):
    x, w, b = random_case(shape_x, shape_w, seed=2)
    out, cache = conv2d_forward(x, w, b, stride, padding)
    dout = np.random.default_rng(3).normal(size=out.shape)
    dx, dw, db = conv2d_backward(dout, cache)
    errors = check_gradients(
        lambda: float(np.sum(conv2d_forward(x, w, b, stride, padding)[0] * dout)), {"x": x, "w": w, "b": b},
        {"x": dx, "w": dw, "b": db},
    )  # fmt: skip
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize(("size", "expected"), [(28, 28), (27, 14), (5, 3)])
def test_same_padding_output_size_is_ceil(size, expected):
    assert conv_output_size(size, 3, 2 if size != 28 else 1, "same")[0] == expected


def test_maxpool_routes_the_upstream_gradient_to_the_argmax():
    x = np.array([[1.0, 5.0, 2.0, 0.0], [3.0, 4.0, 9.0, 1.0], [0.0, 0.0, 1.0, 2.0], [7.0, 1.0, 3.0, 8.0]])
    x = x[None, :, :, None]
    out, cache = maxpool2d_forward(x)
    np.testing.assert_array_equal(out[0, :, :, 0], [[5.0, 9.0], [7.0, 8.0]])
    dout = np.array([[10.0, 20.0], [30.0, 40.0]])[None, :, :, None]
    dx = maxpool2d_backward(dout, cache)[0, :, :, 0]
    expected = np.zeros((4, 4))
    expected[0, 1], expected[1, 2], expected[3, 0], expected[3, 3] = 10, 20, 30, 40
    np.testing.assert_array_equal(dx, expected)  # upstream values, not just a 0/1 mask


@pytest.mark.parametrize(("size", "stride"), [(2, 2), (3, 2), (2, 1), (3, 3)])
def test_maxpool_gradient_matches_finite_differences(size, stride):
    x = np.random.default_rng(4).normal(size=(2, 7, 7, 3))
    out, cache = maxpool2d_forward(x, size, stride)
    dout = np.random.default_rng(5).normal(size=out.shape)
    errors = check_gradients(
        lambda: float(np.sum(maxpool2d_forward(x, size, stride)[0] * dout)),
        {"x": x},
        {"x": maxpool2d_backward(dout, cache)},
    )
    assert errors["x"] < 1e-7


def test_receptive_field_formula_matches_the_gradient_footprint():
    layers = [(3, 1), (3, 1), (2, 2), (3, 1)]
    assert receptive_field(layers) == [3, 5, 6, 10]
    a = np.random.default_rng(0).normal(size=(1, 24, 24, 1))
    caches = []
    for kernel, stride in layers:  # all-ones kernels: every input in the field contributes
        a, cache = conv2d_forward(a, np.ones((kernel, kernel, 1, 1)), np.zeros(1), stride=stride)
        caches.append(cache)
    d = np.zeros_like(a)
    d[0, a.shape[1] // 2, a.shape[2] // 2, 0] = 1.0
    for cache in reversed(caches):
        d = conv2d_backward(d, cache)[0]
    rows, cols = np.nonzero(d[0, :, :, 0])
    assert (rows.max() - rows.min() + 1, cols.max() - cols.min() + 1) == (10, 10)


@pytest.mark.parametrize(
    ("x_shape", "w_shape", "b_shape", "stride", "padding", "match"),
    [
        (
            (28, 28),
            (3, 3, 1, 8),
            (8,),
            1,
            "valid",
            r"x must be \(batch, height, width, channels\); got shape \(28, 28\)",
        ),
        ((1, 28, 28, 3), (3, 3, 1, 8), (8,), 1, "valid", "w expects 1 input channels but x has 3"),
        ((1, 4, 4, 1), (5, 5, 1, 2), (2,), 1, "valid", "kernel height 5 exceeds the padded input height"),
        ((1, 8, 8, 1), (3, 3, 1, 2), (2,), 0, "valid", "stride must be an integer >= 1"),
        ((1, 8, 8, 1), (3, 3, 1, 2), (3,), 1, "valid", r"b must have shape \(2,\)"),
        ((1, 8, 8, 1), (3, 3, 1, 2), (2,), 1, "full", "padding must be 'valid' or 'same'"),
        ((1, 8, 8, 1), (3, 3, 2), (2,), 1, "valid", "w must be"),
    ],
)
def test_bad_arguments_name_the_shapes(x_shape, w_shape, b_shape, stride, padding, match):
    with pytest.raises(ValueError, match=match):
        conv2d_forward(np.zeros(x_shape), np.zeros(w_shape), np.zeros(b_shape), stride, padding)


def test_nan_and_bad_pool_arguments():
    with pytest.raises(ValueError, match="NaN"):
        conv2d_forward(np.full((1, 4, 4, 1), np.nan), np.zeros((3, 3, 1, 1)), np.zeros(1))
    with pytest.raises(ValueError, match="size"):
        maxpool2d_forward(np.zeros((1, 4, 4, 1)), size=5)
    with pytest.raises(ValueError, match=r"\(batch, height, width, channels\)"):
        maxpool2d_forward(np.zeros((4, 4)))


@pytest.mark.tensorflow
@pytest.mark.parametrize(("shape_x", "shape_w", "stride", "padding"), CASES)
def test_conv_matches_tensorflow_forward_and_backward(shape_x, shape_w, stride, padding):
    import companion
    from companion.tfref import conv2d_tf

    companion.setup(seed=0, tensorflow=True)  # before TensorFlow starts, so that its thread pools are the book's

    x, w, b = random_case(shape_x, shape_w, seed=6, dtype=np.float32)
    out, cache = conv2d_forward(x, w, b, stride, padding)
    dout = np.random.default_rng(7).normal(size=out.shape).astype(np.float32)
    tf_out, tf_grads = conv2d_tf(x, w, b, dout, stride, padding)
    assert relative_error(out, tf_out) < 1e-5
    for ours, theirs in zip(conv2d_backward(dout, cache), tf_grads, strict=True):
        assert relative_error(ours, theirs) < 1e-5


@pytest.mark.tensorflow
@pytest.mark.parametrize(("size", "stride"), [(2, 2), (3, 2), (2, 1)])
def test_maxpool_matches_tensorflow(size, stride):
    import companion
    from companion.tfref import maxpool2d_tf

    companion.setup(seed=0, tensorflow=True)

    x = np.random.default_rng(8).normal(size=(2, 9, 8, 3)).astype(np.float32)
    out, cache = maxpool2d_forward(x, size, stride)
    dout = np.random.default_rng(9).normal(size=out.shape).astype(np.float32)
    tf_out, tf_dx = maxpool2d_tf(x, dout, size, stride)
    np.testing.assert_array_equal(out, tf_out)
    assert relative_error(maxpool2d_backward(dout, cache), tf_dx) < 1e-6


@pytest.mark.parametrize("conv", [conv2d_forward, conv2d_forward_naive])
def test_integer_images_are_convolved_in_floating_point(conv):
    x = np.full((1, 100, 100, 1), 100, dtype=np.int8)  # in int8, a 100 x 100 sum of 100 * 100 wrapped to -112
    w, b = np.ones((100, 100, 1, 1), dtype=np.int8), np.zeros(1, dtype=np.int8)
    out = conv(x, w, b)
    out = out[0] if isinstance(out, tuple) else out
    assert out.dtype == np.float64 and out.item() == 1_000_000


def test_integer_gradients_are_computed_in_floating_point():
    x = np.ones((1, 3, 3, 1), dtype=np.int64)
    w = np.ones((3, 3, 1, 1), dtype=np.int8)
    dout = np.full((1, 1, 1, 1), 100, dtype=np.int8)
    for _, dw, db in (conv2d_backward(dout, conv2d_forward(x, w, np.zeros(1))[1]), conv2d_backward_naive(dout, x, w)):
        assert dw.dtype == np.float64 and dw.sum() == 900 and db.item() == 100


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"stride": 0}, ValueError, "stride must be an integer >= 1; got 0"),
        ({"stride": 1.5}, TypeError, r"stride must be an integer; got 1.5"),
        ({"stride": True}, TypeError, "stride must be an integer; got True"),
        ({"padding": "full"}, ValueError, "padding must be 'valid' or 'same'"),
        ({"w": np.zeros((5, 5, 1, 1))}, ValueError, "kernel height 5 exceeds the padded input height"),
        ({"w": np.zeros((0, 3, 1, 1))}, ValueError, "w must be a non-empty"),
        ({"x": np.zeros((0, 4, 4, 1))}, ValueError, "x must be a non-empty"),
        ({"dout": np.zeros((1, 3, 3, 1))}, ValueError, r"forward output \(1, 2, 2, 1\); got \(1, 3, 3, 1\)"),
        ({"dout": np.full((1, 2, 2, 1), np.nan)}, ValueError, "dout contains NaN"),
        ({"x": [[1.0]]}, ValueError, r"x must be \(batch, height, width, channels\)"),
    ],
)
def test_naive_backward_validates_like_the_vectorised_one(kwargs, error, match):
    args = {"dout": np.zeros((1, 2, 2, 1)), "x": np.zeros((1, 4, 4, 1)), "w": np.zeros((3, 3, 1, 1)), **kwargs}
    with pytest.raises(error, match=match):
        conv2d_backward_naive(**args)


def test_bias_cache_and_overflow_errors():
    x, w = np.zeros((1, 4, 4, 1)), np.zeros((3, 3, 1, 1))
    with pytest.raises(ValueError, match="b contains NaN"):
        conv2d_forward(x, w, np.array([np.nan]))
    with pytest.raises(TypeError, match="cache must be the second value returned by conv2d_forward"):
        conv2d_backward(np.zeros((1, 2, 2, 1)), None)
    with pytest.raises(ValueError, match=r"dout must have the shape of the forward output \(1, 2, 2, 1\)"):
        conv2d_backward(np.zeros((1, 2, 3, 1)), conv2d_forward(x, w, np.zeros(1))[1])
    with np.errstate(over="ignore"), pytest.raises(FloatingPointError, match=r"conv2d_forward \(the result\)"):
        conv2d_forward(np.full((1, 3, 3, 1), 1e200), np.full((3, 3, 1, 1), 1e200), np.zeros(1))


def test_pooling_and_size_helpers_refuse_bad_arguments():
    with pytest.raises(TypeError, match="size must be an integer; got 2.0"):
        maxpool2d_forward(np.zeros((1, 4, 4, 1)), size=2.0)
    with pytest.raises(ValueError, match="x contains NaN"):
        maxpool2d_forward(np.full((1, 4, 4, 1), np.nan))
    _, cache = maxpool2d_forward(np.zeros((1, 4, 4, 1)))
    with pytest.raises(ValueError, match=r"dout must have the shape of the forward output \(1, 2, 2, 1\)"):
        maxpool2d_backward(np.zeros((1, 2, 2)), cache)
    with pytest.raises(TypeError, match="cache must be the second value returned by maxpool2d_forward"):
        maxpool2d_backward(np.zeros((1, 2, 2, 1)), "cache")
    with pytest.raises(ValueError, match="kernel 5 exceeds the input size 3"):
        conv_output_size(3, 5, 1, "valid")
    with pytest.raises(TypeError, match="stride must be an integer; got 1.5"):
        conv_output_size(28, 3, 1.5, "same")
    with pytest.raises(TypeError, match=r"layers\[1\] stride must be an integer"):
        receptive_field([(3, 1), (2, 1.5)])
    with pytest.raises(TypeError, match=r"layers\[0\] must be a \(kernel, stride\) pair"):
        receptive_field([3])
