"""Random shapes, dtypes and extreme values: a clear error or a finite, correct result.

Every public numerical function (fnn, cnn, rnn, activations, optim, gradcheck, neurons) is
fed arrays of random shape and dtype (bool, integers, float16/32/64), holding either moderate
values or anything the dtype allows (NaN, infinities, the largest and the subnormal numbers),
sometimes as lists or as something that is not an array at all, with sizes, strides and
counts that may be zero, negative, floats or booleans. Each call must either raise a
ValueError, TypeError or FloatingPointError with a message, or return a finite result that
agrees with a reference computed from the definition in extended precision.

The calls run under ``np.errstate(over="raise", invalid="raise", divide="raise")``: where the
exact result exceeds the float range, NumPy's FloatingPointError is the clear error. One
documented exception: activations, dense layers, the squared loss of a prediction and the
optimisers' steps are plain IEEE arithmetic, so NaN in their input gives NaN out (chapter 2
shows a diverging network's loss turning NaN this way); for them only finite inputs must
give finite results.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from hypothesis.extra import numpy as hnp

from companion.activations import ACTIVATIONS, get_activation
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
from companion.fnn import MLP, dense_backward, dense_forward, mse_loss, one_hot, softmax, softmax_cross_entropy
from companion.gradcheck import check_gradients, numerical_gradient, relative_error
from companion.neurons import lif_rate, lif_simulate, perceptron_train, rate_from_spikes
from companion.optim import SGD, Adam, minibatches
from companion.rnn import clip_gradients, hidden_jacobian_norms, rnn_backward, rnn_forward

CLEAR_ERRORS = (ValueError, TypeError, FloatingPointError)
L = np.longdouble  # the reference precision
DTYPES = [np.bool_, np.int8, np.uint8, np.int64, np.float16, np.float32, np.float32, np.float64, np.float64]
JUNK = [None, "text", {"a": 1}, [[1.0, 2.0], [3.0]], 1 + 2j]
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(autouse=True)
def quiet_references():
    """The references may overflow to the infinities the properties expect; only calls in `outcome` raise."""
    with np.errstate(all="ignore"):
        yield


def outcome(fn, *args, **kwargs):
    """``fn(...)``, or None after a clear error: a ValueError, TypeError or FloatingPointError with a message."""
    name = getattr(fn, "__name__", type(fn).__name__)
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        try:
            result = fn(*args, **kwargs)
        except CLEAR_ERRORS as exc:
            assert str(exc).strip(), f"{name} raised {type(exc).__name__} without a message"
            record(f"{name}: {type(exc).__name__}")
            return None
    record(f"{name}: result")
    return result


def record(outcome_name: str) -> None:
    """Count outcomes per function (pytest --hypothesis-show-statistics shows how many calls succeeded)."""
    if currently_in_test_context():
        event(outcome_name)


def ld(value):
    """An input as a long-double array, for the reference computations.

    It holds the values the companion computes with: integers and booleans become float64 first
    (companion._checks.as_float_array), which rounds integers beyond 2**53.
    """
    array = np.asarray(value)
    if array.dtype.kind in "bui":
        array = array.astype(np.float64)
    return array.astype(L)


def is_array(value) -> bool:
    return isinstance(value, (np.ndarray, list)) and np.asarray(value, dtype=object).dtype != object


def finite(*values) -> bool:
    """True when every value is a numeric array (or list) holding finite numbers only."""
    return all(is_array(v) and np.all(np.isfinite(ld(v))) for v in values)


def moderate(*values) -> bool:
    return finite(*values) and all(np.all(np.abs(ld(v)) <= 10) for v in values)


def assert_close(result, reference, bound, terms: int = 1, inputs=()):
    """|result - reference| within the rounding of ``terms`` operations on magnitudes ``bound``.

    The rounding is that of the least precise float among the result and the ``inputs``
    (float16 inputs are multiplied in float16 even when a float64 bias makes the result float64).
    """
    result = np.asarray(result)
    assert result.dtype.kind == "f", result.dtype
    assert result.shape == np.shape(reference), (result.shape, np.shape(reference))
    assert np.all(np.isfinite(result)), result
    floats = [result.dtype] + [np.asarray(v).dtype for v in inputs if np.asarray(v).dtype.kind == "f"]
    info = np.finfo(min(floats, key=lambda dtype: dtype.itemsize))
    tolerance = 4 * (terms + 2) * float(info.eps) * np.asarray(bound, dtype=L) + 4 * float(info.tiny)
    error = np.abs(result.astype(L) - reference)
    assert np.all(error <= tolerance), (result, reference, error.max())


def mostly(common, rare, odds: int = 4):
    """``common`` about ``odds`` times as often as ``rare``."""
    return st.integers(0, odds).flatmap(lambda k: rare if k == 0 else common)


def sizes():
    """A size, stride or count: usually 1 to 3, sometimes 0, negative, a float, a bool, a string or None."""
    odd = st.one_of(st.integers(-2, 0), st.sampled_from([2.0, 1.5, float("nan"), True, np.int64(2), "2", None]))
    return mostly(st.integers(1, 3), odd, odds=8)


def dim(high: int):
    """An axis length, rarely 0 (an empty batch)."""
    return mostly(st.integers(1, high), st.just(0), odds=6)


@st.composite
def arrays(draw, shape, dtypes=DTYPES, junk=True):
    """An array of the given shape (or strategy of shapes) and a random dtype; sometimes a list or junk.

    Values are moderate (|v| <= 10) two times in three, otherwise anything the dtype holds:
    NaN, infinities, the largest and the subnormal numbers.
    """
    if junk and draw(st.integers(0, 59)) == 0:
        return draw(st.sampled_from(JUNK))
    shape = draw(shape) if isinstance(shape, st.SearchStrategy) else shape
    dtype = np.dtype(draw(st.sampled_from(dtypes)))
    elements = None  # the dtype's whole range
    if draw(st.integers(0, 2)) and dtype.kind == "f":
        elements = st.floats(-10, 10, width=8 * dtype.itemsize)
    elif draw(st.integers(0, 2)) and dtype.kind in "iu":
        elements = st.integers(0 if dtype.kind == "u" else -10, 10)
    value = draw(hnp.arrays(dtype, shape, elements=elements))
    return value.tolist() if draw(st.integers(0, 9)) == 0 else value


def shaped(shape):
    """Mostly the right shape, sometimes any other."""
    return mostly(st.just(shape), hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=3), odds=12)


def arg(shape, wellformed: bool, dtypes=DTYPES):
    """An array argument: exactly ``shape`` when ``wellformed`` (values and dtype still random), else anything."""
    return arrays(st.just(shape), dtypes, junk=False) if wellformed else arrays(shaped(shape), dtypes)


def size(wellformed: bool):
    return st.integers(1, 3) if wellformed else sizes()


def dims(wellformed: bool, *lengths):
    """Axis lengths, each at least 1 when ``wellformed``."""
    return tuple(max(n, 1) for n in lengths) if wellformed else lengths


# --- references, from the definitions, in long double -------------------------------------------------


def sigmoid_ref(z):
    return 1 / (1 + np.exp(-z))


REFERENCE = {
    "step": (lambda z: (z >= 0).astype(L), lambda z: np.zeros_like(z)),
    "sigmoid": (sigmoid_ref, lambda z: sigmoid_ref(z) * (1 - sigmoid_ref(z))),
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
    "relu": (lambda z: np.maximum(z, 0), lambda z: (z > 0).astype(L)),
    "identity": (lambda z: z, lambda z: np.ones_like(z)),
}


def pad_like_tensorflow(x, kh, kw, stride, padding):
    (_, top, bottom), (_, left, right) = (
        conv_output_size(x.shape[1], kh, stride, padding),
        conv_output_size(x.shape[2], kw, stride, padding),
    )
    return np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0))), (top, bottom, left, right)


def conv_reference(x, w, b, dout, stride, padding):
    """Output, gradients and magnitude bounds of the convolution, by its definition."""
    kh, kw = w.shape[:2]
    xp, (top, bottom, left, right) = pad_like_tensorflow(x, kh, kw, stride, padding)
    oh, ow = (xp.shape[1] - kh) // stride + 1, (xp.shape[2] - kw) // stride + 1
    out, out_bound = np.zeros((x.shape[0], oh, ow, w.shape[3]), L), np.zeros((x.shape[0], oh, ow, w.shape[3]), L)
    dxp, dx_bound = np.zeros_like(xp), np.zeros_like(xp)
    dw, dw_bound = np.zeros_like(w), np.zeros_like(w)
    for i in range(oh):
        for j in range(ow):
            rows, cols = slice(stride * i, stride * i + kh), slice(stride * j, stride * j + kw)
            patch = xp[:, rows, cols, :]
            out[:, i, j] = np.einsum("nhwc,hwco->no", patch, w) + b
            out_bound[:, i, j] = np.einsum("nhwc,hwco->no", abs(patch), abs(w)) + abs(b)
            if dout is not None:
                dw += np.einsum("nhwc,no->hwco", patch, dout[:, i, j])
                dw_bound += np.einsum("nhwc,no->hwco", abs(patch), abs(dout[:, i, j]))
                dxp[:, rows, cols] += np.einsum("no,hwco->nhwc", dout[:, i, j], w)
                dx_bound[:, rows, cols] += np.einsum("no,hwco->nhwc", abs(dout[:, i, j]), abs(w))
    crop = (slice(None), slice(top, xp.shape[1] - bottom), slice(left, xp.shape[2] - right))
    if dout is None:
        return out, out_bound
    grads = (dxp[crop], dw, dout.sum(axis=(0, 1, 2)))
    bounds = (dx_bound[crop], dw_bound, abs(dout).sum(axis=(0, 1, 2)))
    return out, out_bound, grads, bounds


def rnn_reference(x, h0, W_xh, W_hh, b_h, dh):
    """Hidden states and BPTT gradients by their definitions."""
    hs, previous = [], h0
    for t in range(x.shape[1]):
        previous = np.tanh(x[:, t] @ W_xh + previous @ W_hh + b_h)
        hs.append(previous)
    h = np.stack(hs, axis=1)
    grads = {"x": np.zeros_like(x), "W_xh": np.zeros_like(W_xh), "W_hh": np.zeros_like(W_hh), "b_h": np.zeros_like(b_h)}
    carried = np.zeros_like(h0)
    for t in range(x.shape[1] - 1, -1, -1):
        delta = (dh[:, t] + carried) * (1 - h[:, t] ** 2)
        grads["W_xh"] += x[:, t].T @ delta
        grads["W_hh"] += (h[:, t - 1] if t else h0).T @ delta
        grads["b_h"] += delta.sum(axis=0)
        grads["x"][:, t] = delta @ W_xh.T
        carried = delta @ W_hh.T
    grads["h0"] = carried
    return h, grads


# --- the properties ------------------------------------------------------------------------------------


@SETTINGS
@given(name=st.sampled_from(sorted(ACTIVATIONS)), z=arrays(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0)))
def test_activations_are_exact_elementwise_arithmetic(name, z):
    for fn, reference in zip(get_activation(name), REFERENCE[name], strict=True):
        result = outcome(fn, z)
        if result is None:
            assert not is_array(z), f"{name} refused a numeric array"
            continue
        expected = reference(ld(z))
        assert result.dtype.kind == "f" and result.shape == expected.shape
        np.testing.assert_array_equal(np.isnan(result), np.isnan(expected))  # NaN in, NaN out
        exact = np.isfinite(expected)
        np.testing.assert_array_equal(result[~exact & ~np.isnan(expected)], expected[~exact & ~np.isnan(expected)])
        assert_close(result[exact], expected[exact], np.maximum(1, abs(expected[exact])))


@SETTINGS
@given(ok=st.booleans(), n=dim(3), i=dim(3), o=dim(3), data=st.data())
def test_dense_layer_forward_and_backward(ok, n, i, o, data):
    n, i, o = dims(ok, n, i, o)
    a, W, b, dz = (data.draw(arg(s, ok)) for s in ((n, i), (i, o), (o,), (n, o)))
    z = outcome(dense_forward, a, W, b)
    if z is not None and finite(a, W, b):
        A, Wl, B = ld(a), ld(W), ld(b)
        assert_close(z, A @ Wl + B, abs(A) @ abs(Wl) + abs(B), terms=i + 1, inputs=(a, W, b))
    grads = outcome(dense_backward, dz, a, W)
    if grads is not None and finite(dz, a, W):
        D, A, Wl = ld(dz), ld(a), ld(W)
        assert_close(grads[0], D @ Wl.T, abs(D) @ abs(Wl.T), terms=o, inputs=(dz, W))
        assert_close(grads[1], A.T @ D, abs(A.T) @ abs(D), terms=n, inputs=(dz, a))
        assert_close(grads[2], D.sum(axis=0), abs(D).sum(axis=0), terms=n, inputs=(dz,))


@st.composite
def labels_for(draw, n, classes, wellformed=False):
    """Class labels; unless ``wellformed``, they may be out of range, floats, one-hot, or of the wrong length."""
    if wellformed:
        return draw(hnp.arrays(st.sampled_from([np.int64, np.uint8]), n, elements=st.integers(0, classes - 1)))
    kind = draw(st.integers(0, 5))
    if kind == 0:
        return np.eye(max(classes, 1))[draw(hnp.arrays(np.int64, n, elements=st.integers(0, max(classes - 1, 0))))]
    if kind == 1:
        return draw(hnp.arrays(np.float64, n, elements=st.floats(-1, classes)))
    length = n if kind > 2 else draw(st.integers(0, 4))
    dtype = draw(st.sampled_from([np.int64, np.uint8, np.int8]))
    low = 0 if dtype == np.uint8 else -1
    return draw(hnp.arrays(dtype, length, elements=st.integers(low, classes)))


@SETTINGS
@given(ok=st.booleans(), n=dim(3), classes=dim(4), data=st.data())
def test_softmax_and_the_losses(ok, n, classes, data):
    n, classes = dims(ok, n, classes)
    logits = data.draw(arg((n, classes), ok, dtypes=[np.int64, np.float16, np.float32, np.float64]))
    labels = data.draw(labels_for(n, classes, ok))
    # The references use the shapes the functions accepted: when not ``ok``, the arrays drawn may
    # have other (valid) shapes than (n, classes).
    p = outcome(softmax, logits)
    if p is not None:
        exp = np.exp(ld(logits) - ld(logits).max(axis=1, keepdims=True))
        assert_close(p, exp / exp.sum(axis=1, keepdims=True), 1, terms=ld(logits).shape[1] + 2)
    result = outcome(softmax_cross_entropy, logits, labels)
    if result is not None:
        loss, grad = result
        z = ld(logits)
        rows, columns = z.shape
        top = z.max(axis=1, keepdims=True)
        log_probs = z - top - np.log(np.exp(z - top).sum(axis=1, keepdims=True))
        spread = (z.max() - z.min()) + np.log(columns) + 1
        picked = log_probs[np.arange(rows), np.asarray(labels)]
        assert_close(loss, -picked.mean(), spread, terms=columns + 2)
        assert_close(grad, (np.exp(log_probs) - np.eye(columns)[np.asarray(labels)]) / rows, 1, terms=columns + 2)
    y, d = data.draw(arg((n, classes), ok)), data.draw(arg((n, classes), ok))
    result = outcome(mse_loss, y, d)
    if result is not None and finite(y, d):
        diff = ld(y) - ld(d)
        rows = diff.shape[0]
        half_mean = 0.5 * np.sum(diff**2) / rows
        assert_close(result[0], half_mean, half_mean, terms=diff.size + 2, inputs=(y, d))
        assert_close(result[1], diff / rows, abs(diff) / rows, terms=2, inputs=(y, d))


@SETTINGS
@given(labels=st.one_of(labels_for(dim(3), 4, True), arrays(hnp.array_shapes(min_dims=0, max_dims=2, min_side=0))),
       n_classes=sizes())  # fmt: skip
def test_one_hot_is_exact_or_refused(labels, n_classes):
    result = outcome(one_hot, labels, n_classes)
    if result is not None:
        np.testing.assert_array_equal(result, np.eye(n_classes)[np.asarray(labels)])


@SETTINGS
@given(
    shape=st.tuples(dim(2), dim(5), dim(5), dim(2)),
    kernel=st.tuples(dim(3), dim(3), dim(2)),
    ok=st.booleans(),
    padding=mostly(st.sampled_from(["valid", "same"]), st.sampled_from(["full", 1, None])),
    data=st.data(),
)
def test_convolution_forward_and_backward(shape, kernel, ok, padding, data):
    shape, kernel, stride = dims(ok, *shape), dims(ok, *kernel), data.draw(size(ok))
    x = data.draw(arg(shape, ok))
    w = data.draw(arg((*kernel[:2], shape[3], kernel[2]), ok))
    b = data.draw(arg((kernel[2],), ok))
    fast, naive = (
        outcome(conv2d_forward, x, w, b, stride, padding),
        outcome(conv2d_forward_naive, x, w, b, stride, padding),
    )
    if fast is None and naive is None:
        return
    out = fast[0] if fast is not None else naive
    dout = data.draw(arg(out.shape, ok))
    X, Wl, B = ld(x), ld(w), ld(b)
    terms = int(np.prod(Wl.shape[:3])) + 1
    expected, bound = conv_reference(X, Wl, B, None, stride, padding)
    for result in (fast[0] if fast is not None else None, naive):
        if result is not None:
            assert_close(result, expected, bound, terms, inputs=(x, w, b))
    grads = [outcome(conv2d_backward_naive, dout, x, w, stride, padding)]
    if fast is not None:
        grads.append(outcome(conv2d_backward, dout, fast[1]))
    if any(g is not None for g in grads):
        _, _, expected_grads, bounds = conv_reference(X, Wl, B, ld(dout), stride, padding)
        for result in (g for g in grads if g is not None):
            for got, want, bound in zip(result, expected_grads, bounds, strict=True):
                assert_close(got, want, bound, terms=int(np.prod(out.shape[:3])) + terms, inputs=(x, w, dout))


@SETTINGS
@given(shape=st.tuples(dim(2), dim(5), dim(5), dim(2)),
       ok=st.booleans(), data=st.data())  # fmt: skip
def test_max_pooling_forward_and_backward(shape, ok, data):
    shape, window, stride = dims(ok, *shape), data.draw(size(ok)), data.draw(size(ok))
    x = data.draw(arg(shape, ok))
    result = outcome(maxpool2d_forward, x, window, stride)
    if result is None:
        return
    check_pooling(x, window, stride, result, data.draw(arg(result[0].shape, ok)))


def check_pooling(x, size, stride, result, dout):
    """The pooled maxima and the routed gradient against loops over the windows."""
    out, cache = result
    X = ld(x)
    oh, ow = (X.shape[1] - size) // stride + 1, (X.shape[2] - size) // stride + 1
    expected = np.zeros(out.shape, L)
    for i in range(oh):
        for j in range(ow):
            expected[:, i, j] = X[:, stride * i : stride * i + size, stride * j : stride * j + size].max(axis=(1, 2))
    assert_close(out, expected, abs(expected))
    dx = outcome(maxpool2d_backward, dout, cache)
    if dx is not None:
        D, total = ld(dout), np.zeros(X.shape, L)
        for n, i, j, c in np.ndindex(*out.shape):
            window = X[n, stride * i : stride * i + size, stride * j : stride * j + size, c]
            m, p = np.unravel_index(np.argmax(window), window.shape)  # the first maximum, as TensorFlow
            total[n, stride * i + m, stride * j + p, c] += D[n, i, j, c]
        assert_close(dx, total, abs(total) + abs(D).max(initial=0), terms=size * size)


@SETTINGS
@given(batch=dim(2), steps=dim(3), features=dim(2), hidden=dim(3),
       ok=st.booleans(), data=st.data())  # fmt: skip
def test_recurrent_forward_and_backpropagation_through_time(batch, steps, features, hidden, ok, data):
    batch, steps, features, hidden = dims(ok, batch, steps, features, hidden)
    shapes = ((batch, steps, features), (batch, hidden), (features, hidden), (hidden, hidden), (hidden,))
    x, h0, W_xh, W_hh, b_h = (data.draw(arg(s, ok)) for s in shapes)
    result = outcome(rnn_forward, x, h0, W_xh, W_hh, b_h)
    if result is None:
        return
    h, cache = result
    assert np.all(np.isfinite(h)) and np.all(np.abs(h) <= 1)
    dh = data.draw(arg(h.shape, ok))
    grads = outcome(rnn_backward, dh, cache)
    if grads is not None:
        assert all(np.all(np.isfinite(g)) for g in grads.values())
    if h.dtype == np.float64 and moderate(x, h0, W_xh, W_hh, b_h, dh) and grads is not None:
        expected_h, expected_grads = rnn_reference(*map(ld, (x, h0, W_xh, W_hh, b_h, dh)))
        assert np.max(np.abs(h - expected_h)) <= 1e-8
        for name, want in expected_grads.items():
            assert np.max(np.abs(grads[name] - want), initial=0) <= 1e-8 * (1 + np.max(np.abs(want), initial=0))


@SETTINGS
@given(grads=st.dictionaries(st.sampled_from("abc"), arrays(hnp.array_shapes(min_dims=0, max_dims=2)), max_size=3),
       max_norm=st.one_of(st.floats(allow_nan=True), sizes()))  # fmt: skip
def test_gradient_clipping(grads, max_norm):
    result = outcome(clip_gradients, grads, max_norm)
    if result is None:
        return
    clipped, norm = result
    norm_ref = float(np.sqrt(sum(np.sum(ld(g) ** 2) for g in grads.values())))
    worst_eps = max((np.finfo(g.dtype).eps for g in clipped.values()), default=0)
    assert (
        np.isfinite(norm)
        and abs(norm - norm_ref) <= 8 * worst_eps * max(1, sum(np.size(g) for g in grads.values())) * norm_ref
    )
    clipped_norm = float(np.sqrt(sum(np.sum(ld(g) ** 2) for g in clipped.values())))
    assert clipped_norm <= max_norm * (1 + 16 * worst_eps) or norm_ref <= max_norm
    for name, g in grads.items():
        assert np.all(np.isfinite(clipped[name]))
        if norm_ref <= max_norm * (1 - 1e-6):
            np.testing.assert_array_equal(clipped[name], np.asarray(g, dtype=clipped[name].dtype))


@SETTINGS
@given(hidden=st.integers(0, 3), steps=st.integers(0, 4), data=st.data())
def test_jacobian_norms(hidden, steps, data):
    W_hh = data.draw(arrays(shaped((hidden, hidden))))
    h = data.draw(st.one_of(st.none(), arrays(shaped((steps, hidden)))))
    norms = outcome(hidden_jacobian_norms, W_hh, h)
    if norms is not None:
        steps_given = 64 if h is None else len(np.asarray(h))  # shaped() may draw another valid length
        assert norms.shape == (steps_given,) and np.all(np.isfinite(norms)) and np.all(norms >= 0)
        local = np.asarray(W_hh, np.float64).T * (1 if h is None else 1 - np.asarray(h, np.float64)[-1, :, None] ** 2)
        first = np.linalg.norm(local, 2)
        precision = max(np.finfo(np.asarray(v).dtype).eps for v in (W_hh, h, 0.0) if np.asarray(v).dtype.kind == "f")
        assert abs(norms[0] - first) <= 16 * precision * (1 + first)


@SETTINGS
@given(x=st.one_of(arrays(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3)),
                   hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=2, max_side=3))), c=st.floats(-3, 3),
       eps=st.one_of(st.just(1e-5), st.just(1e-5), st.floats(allow_nan=True), sizes()))  # fmt: skip
def test_gradient_checking(x, c, eps):
    before = np.array(x, copy=True) if isinstance(x, np.ndarray) else None
    grad = outcome(numerical_gradient, lambda: float(np.sum(c * np.asarray(x, dtype=np.float64) ** 2)), x, eps)
    if before is not None:
        np.testing.assert_array_equal(x, before)  # restored exactly, whatever happened
    if grad is not None:
        assert grad.shape == np.shape(x) and np.all(np.isfinite(grad))
        if moderate(x) and eps == 1e-5:
            assert relative_error(grad, 2 * c * np.asarray(x)) < 1e-6
            errors = outcome(check_gradients, lambda: float(np.sum(c * x**2)), {"x": x}, {"x": 2 * c * x})
            assert errors is not None and errors["x"] < 1e-6


@SETTINGS
@given(
    a=arrays(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3)),
    b=arrays(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3)),
)
def test_relative_error(a, b):
    result = outcome(relative_error, a, b)
    if result is not None:
        A, B = ld(a), ld(b)
        scale = max(abs(A).max(initial=0), abs(B).max(initial=0), 1e-12)
        assert np.isfinite(result)
        assert abs(result - float(abs(A - B).max(initial=0) / scale)) <= 1e-12 * (1 + result)


@SETTINGS
@given(shape=hnp.array_shapes(min_dims=1, max_dims=2, max_side=3), lr=st.one_of(st.floats(allow_nan=True), sizes()),
       data=st.data())  # fmt: skip
def test_optimiser_steps(shape, lr, data):
    param = data.draw(
        hnp.arrays(st.sampled_from([np.float32, np.float64]), shape, elements=st.floats(-10, 10, width=32))
    )
    grad = data.draw(arrays(shaped(shape)))
    for make in (SGD, Adam):
        optimizer = outcome(make, lr=lr)
        if optimizer is None:
            continue
        params = {"w": param.copy()}
        if outcome(optimizer.step, params, {"w": grad}) is None or not finite(grad):
            continue
        G = ld(grad)
        step = optimizer.lr * (G if make is SGD else G / (abs(G) + optimizer.eps))
        assert_close(params["w"], ld(param) - step, abs(ld(param)) + abs(step), terms=4, inputs=(grad,))


@SETTINGS
@given(n=sizes(), batch_size=sizes())
def test_minibatches_cover_every_index_once(n, batch_size):
    batches = outcome(minibatches, n, batch_size, np.random.default_rng(0))
    if batches is not None:
        assert sorted(np.concatenate(batches).tolist()) == list(range(n))
        assert all(1 <= len(b) <= batch_size for b in batches)


@SETTINGS
@given(size=sizes(), kernel=sizes(), stride=sizes(), padding=st.sampled_from(["valid", "same", "full"]),
       layers=st.lists(st.tuples(sizes(), sizes()), max_size=3))  # fmt: skip
def test_sizes_and_receptive_fields(size, kernel, stride, padding, layers):
    result = outcome(conv_output_size, size, kernel, stride, padding)
    if result is not None:
        out, before, after = result
        assert out >= 1 and before >= 0 and after >= 0
        assert (out - 1) * stride + kernel <= size + before + after
    fields = outcome(receptive_field, layers)
    if fields is not None:
        assert len(fields) == len(layers) and all(f >= 1 for f in fields) and fields == sorted(fields)


@SETTINGS
@given(steps=st.integers(0, 30), neurons=st.integers(0, 3), dt=st.one_of(st.floats(allow_nan=True), st.just(0.1)),
       data=st.data())  # fmt: skip
def test_leaky_integrate_and_fire(steps, neurons, dt, data):
    current = data.draw(arrays(shaped((steps, neurons))))
    result = outcome(lif_simulate, current, dt)
    if result is not None:
        v, spikes = result
        assert v.shape == spikes.shape == np.shape(current) and spikes.dtype == bool
        assert np.all(np.isfinite(v)) and np.all(v < -50.0)  # below threshold v_th = -50 mV after every step
    rate = outcome(lif_rate, current)
    if rate is not None:
        drive = 10 * ld(current) - 65
        safe = np.where(drive > -50, drive, 0)
        with np.errstate(all="ignore"):
            period = 2 + 10 * np.log((safe + 65) / (safe + 50))
            expected = np.where(drive > -50, 1000 / period, 0)
            # drive's rounding, relative to drive - v_th (the subtraction's condition number), through the log
            condition = 1 + 10 * (abs(10 * ld(current)) + abs(drive)) / (abs(safe + 50) * period)
        if np.all(np.isfinite(expected)):
            assert_close(rate, expected, abs(expected) * condition, terms=8)
    spikes = data.draw(arrays(shaped((steps, neurons))))
    rates = outcome(rate_from_spikes, spikes, dt)
    if rates is not None:
        assert rates.shape == (np.shape(spikes)[1],) and np.all(np.isfinite(rates)) and np.all(rates >= 0)


@SETTINGS
@given(n=st.integers(0, 6), features=st.integers(0, 3), lr=st.one_of(st.just(1.0), sizes()), epochs=sizes(),
       data=st.data())  # fmt: skip
def test_perceptron(n, features, lr, epochs, data):
    x = data.draw(arrays(shaped((n, features))))
    y = data.draw(st.one_of(hnp.arrays(np.int64, n, elements=st.integers(0, 1)), arrays(shaped((n,)))))
    history = outcome(perceptron_train, x, y, lr, epochs)
    if history is not None:
        assert all(np.all(np.isfinite(w)) for w in history.weights)
        assert all(0 <= a <= 1 for a in history.accuracy)


@SETTINGS
@given(
    sizes_=st.one_of(st.lists(st.integers(1, 3), min_size=2, max_size=4), st.lists(sizes(), max_size=4)),
    activation=st.sampled_from(["relu", "tanh", "relu", "softsign", 3]),
    loss=st.sampled_from(["cross_entropy", "mse", "cross_entropy", "hinge"]),
    data=st.data(),
)
def test_mlp_forward_and_gradients(sizes_, activation, loss, data):
    model = outcome(MLP, sizes_, activation=activation, loss=loss)
    if model is None:
        return
    ok = data.draw(st.booleans())
    x = data.draw(arg((3, model.sizes[0]), ok))
    targets = data.draw(
        labels_for(3, model.sizes[-1], ok) if loss == "cross_entropy" else arg((3, model.sizes[-1]), ok)
    )
    result = outcome(model.loss_and_grads, x, targets)
    if result is not None:
        value, grads = result
        assert np.isfinite(value) and all(np.all(np.isfinite(g)) for g in grads.values())


@pytest.mark.parametrize("junk", JUNK)
def test_junk_arguments_are_refused_clearly(junk):
    calls = [
        lambda: dense_forward(junk, np.ones((2, 2)), np.ones(2)),
        lambda: softmax_cross_entropy(junk, [0]),
        lambda: conv2d_forward(np.ones((1, 3, 3, 1)), junk, np.ones(1)),
        lambda: conv2d_backward_naive(junk, np.ones((1, 3, 3, 1)), np.ones((2, 2, 1, 1))),
        lambda: maxpool2d_backward(junk, maxpool2d_forward(np.ones((1, 2, 2, 1)))[1]),
        lambda: rnn_forward(np.ones((1, 2, 1)), junk, np.ones((1, 2)), np.eye(2), np.zeros(2)),
        lambda: clip_gradients({"a": junk}, 1.0),
        lambda: relative_error(junk, np.ones(2)),
        lambda: lif_rate(junk),
        lambda: SGD().step({"w": np.ones(2)}, {"w": junk}),
        lambda: get_activation("relu")[0](junk),
    ]
    for call in calls:
        assert outcome(call) is None
