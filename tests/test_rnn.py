"""Backpropagation through time: finite differences, Keras' SimpleRNN, clipping, Jacobian norms."""

from __future__ import annotations

import numpy as np
import pytest

from companion.gradcheck import check_gradients, relative_error
from companion.rnn import ElmanRNN, clip_gradients, hidden_jacobian_norms, rnn_backward, rnn_forward


def random_rnn(batch=3, steps=5, features=4, hidden=6, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, steps, features))
    h0 = rng.normal(scale=0.5, size=(batch, hidden))
    w = {
        "W_xh": rng.normal(scale=0.5, size=(features, hidden)),
        "W_hh": rng.normal(scale=0.4, size=(hidden, hidden)),
        "b_h": rng.normal(scale=0.1, size=hidden),
    }
    return x, h0, w


def test_forward_matches_the_recurrence_written_out():
    x, h0, w = random_rnn()
    h, _ = rnn_forward(x, h0, **w)
    h1 = np.tanh(x[:, 0] @ w["W_xh"] + h0 @ w["W_hh"] + w["b_h"])
    h2 = np.tanh(x[:, 1] @ w["W_xh"] + h1 @ w["W_hh"] + w["b_h"])
    np.testing.assert_allclose(h[:, 1], h2, rtol=1e-14)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bptt_gradients_of_every_input_and_weight_match_finite_differences(seed):
    x, h0, w = random_rnn(seed=seed)
    h, cache = rnn_forward(x, h0, **w)
    dh = np.random.default_rng(seed + 10).normal(size=h.shape)
    grads = rnn_backward(dh, cache)
    arrays = {"x": x, "h0": h0, **w}
    errors = check_gradients(lambda: float(np.sum(rnn_forward(x, h0, **w)[0] * dh)), arrays, grads)
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize("last_only", [False, True])
def test_full_model_gradients_match_finite_differences(last_only):
    rng = np.random.default_rng(3)
    model = ElmanRNN(2, 5, 3, seed=1, last_only=last_only)
    x = rng.normal(size=(4, 6, 2))
    y = rng.normal(size=(4, 3) if last_only else (4, 6, 3))
    _, grads = model.loss_and_grads(x, y)
    errors = check_gradients(lambda: model.loss_and_grads(x, y)[0], model.params, grads)
    assert max(errors.values()) < 1e-7, errors


def test_truncated_bptt_stops_the_error_at_chunk_boundaries():
    x, h0, w = random_rnn(steps=6)
    h, cache = rnn_forward(x, h0, **w)
    dh = np.zeros_like(h)
    dh[:, -1] = 1.0  # only the last step has an error
    full = rnn_backward(dh, cache)
    truncated = rnn_backward(dh, cache, truncate=3)
    assert np.all(truncated["x"][:, :3] == 0) and np.any(full["x"][:, :3] != 0)
    np.testing.assert_allclose(truncated["x"][:, 3:], full["x"][:, 3:])
    assert np.all(truncated["h0"] == 0)


def test_clipping_bounds_the_global_norm_and_keeps_direction():
    grads = {"a": np.array([3.0, 0.0]), "b": np.array([[4.0]])}
    clipped, norm = clip_gradients(grads, 1.0)
    assert norm == pytest.approx(5.0)
    np.testing.assert_allclose(clipped["a"], [0.6, 0.0])
    np.testing.assert_allclose(clipped["b"], [[0.8]])
    same, _ = clip_gradients(grads, 10.0)
    np.testing.assert_array_equal(same["a"], grads["a"])


def test_linear_jacobian_norms_follow_the_spectral_radius():
    q = np.linalg.qr(np.random.default_rng(0).normal(size=(8, 8)))[0]  # orthogonal: all |eigenvalues| = 1
    for rho in (0.8, 1.0, 1.2):
        norms = hidden_jacobian_norms(rho * q)
        np.testing.assert_allclose(norms[:20], rho ** np.arange(1, 21), rtol=1e-10)


def test_tanh_jacobian_norms_are_at_most_the_linear_ones():
    rng = np.random.default_rng(1)
    W = 1.5 * np.linalg.qr(rng.normal(size=(6, 6)))[0]
    h, _ = rnn_forward(rng.normal(size=(1, 30, 2)), np.zeros((1, 6)), rng.normal(size=(2, 6)), W, np.zeros(6))
    tanh_norms = hidden_jacobian_norms(W, h[0])
    assert np.all(tanh_norms <= hidden_jacobian_norms(W)[:30] + 1e-12)


@pytest.mark.parametrize(
    ("x_shape", "h0_shape", "wxh", "match"),
    [
        ((3, 5), (3, 6), (4, 6), r"x must be \(batch, time, features\)"),
        ((3, 5, 4), (2, 6), (4, 6), r"h0 must be \(batch, hidden\) = \(3, 6\)"),
        ((3, 5, 4), (3, 6), (5, 6), r"W_xh \(5, 6\)"),
    ],
)
def test_shape_mismatches_name_the_shapes(x_shape, h0_shape, wxh, match):
    with pytest.raises(ValueError, match=match):
        rnn_forward(np.zeros(x_shape), np.zeros(h0_shape), np.zeros(wxh), np.zeros((6, 6)), np.zeros(6))


def test_bad_backward_arguments():
    x, h0, w = random_rnn()
    h, cache = rnn_forward(x, h0, **w)
    with pytest.raises(ValueError, match="dh must have the shape"):
        rnn_backward(h[:, :-1], cache)
    with pytest.raises(ValueError, match="truncate"):
        rnn_backward(h, cache, truncate=0)
    with pytest.raises(ValueError, match="max_norm"):
        clip_gradients({"a": np.ones(2)}, 0.0)


@pytest.mark.tensorflow
def test_numpy_rnn_matches_keras_simple_rnn_outputs_and_gradients():
    import companion
    from companion.tfref import simple_rnn_tf

    companion.setup(seed=0, tensorflow=True)
    rng = np.random.default_rng(5)
    model = ElmanRNN(3, 7, 2, seed=4)
    params = {k: v.astype(np.float32) for k, v in model.params.items()}
    x = rng.normal(size=(4, 9, 3)).astype(np.float32)
    h0 = rng.normal(scale=0.3, size=(4, 7)).astype(np.float32)
    h, cache = rnn_forward(x, h0, params["W_xh"], params["W_hh"], params["b_h"])
    y = h @ params["W_hy"] + params["b_y"]
    dy = rng.normal(size=y.shape).astype(np.float32)
    grads = rnn_backward(dy @ params["W_hy"].T, cache)
    grads["W_hy"], grads["b_y"] = np.einsum("nth,nto->ho", h, dy), dy.sum(axis=(0, 1))
    tf_y, tf_grads = simple_rnn_tf(x, h0, params, dy)
    assert relative_error(y, tf_y) < 1e-5
    for name in ("x", "h0", "W_xh", "W_hh", "b_h", "W_hy", "b_y"):
        assert relative_error(grads[name], tf_grads[name]) < 1e-5, name


def test_clipping_huge_float32_gradients_keeps_their_direction():
    grads = {"a": np.full(4, 1e20, np.float32)}  # each square overflows float32: the norm used to be inf
    clipped, norm = clip_gradients(grads, 1.0)
    assert norm == pytest.approx(2e20, rel=1e-6)
    assert clipped["a"].dtype == np.float32
    np.testing.assert_allclose(clipped["a"], 0.5, rtol=1e-6)  # was all zeros
    assert np.linalg.norm(clipped["a"].astype(np.float64)) == pytest.approx(1.0, rel=1e-6)


def test_clipping_tiny_gradients_reports_their_norm_and_leaves_them_alone():
    grads = {"a": np.full(4, 1e-30, np.float32)}
    clipped, norm = clip_gradients(grads, 1.0)
    assert norm == pytest.approx(2e-30, rel=1e-6, abs=0)  # the float32 squares underflow: it used to be 0
    np.testing.assert_array_equal(clipped["a"], grads["a"])


@pytest.mark.parametrize("bad", [np.inf, np.nan])
def test_clipping_refuses_non_finite_gradients(bad):
    with pytest.raises(FloatingPointError, match=r"grads\['b'\] contains NaN or infinity"):
        clip_gradients({"a": np.ones(2), "b": np.array([1.0, bad])}, 1.0)  # inf used to give NaN everywhere
    with pytest.raises(TypeError, match="grads must be a dict"):
        clip_gradients([np.ones(2)], 1.0)


@pytest.mark.parametrize("name", ["x", "h0", "W_xh", "W_hh", "b_h"])
def test_nan_in_any_input_or_weight_is_refused(name):
    x, h0, w = random_rnn()
    arrays = {"x": x, "h0": h0, **w}
    arrays[name] = arrays[name].copy()
    arrays[name].flat[0] = np.nan  # used to flow through to h for h0, W_xh, W_hh and b_h
    with pytest.raises(ValueError, match=f"{name} contains NaN or infinity"):
        rnn_forward(**arrays)


def test_recurrent_arguments_of_the_wrong_kind_are_named():
    x, h0, w = random_rnn()
    h, cache = rnn_forward(x.tolist(), h0, **w)  # lists are arrays too
    np.testing.assert_array_equal(h, rnn_forward(x, h0, **w)[0])
    for truncate, error in ((2.5, TypeError), (True, TypeError), (-1, ValueError)):
        with pytest.raises(error, match="truncate must be an integer"):
            rnn_backward(h, cache, truncate=truncate)
    with pytest.raises(TypeError, match="cache must be the second value returned by rnn_forward"):
        rnn_backward(h, (h,))
    with pytest.raises(ValueError, match="dh contains NaN"):
        rnn_backward(np.full(h.shape, np.nan), cache)
    with pytest.raises(ValueError, match=r"x must be a non-empty \(batch, time, features\)"):
        rnn_forward(np.zeros((3, 0, 4)), h0, **w)
    with pytest.raises(TypeError, match="n_hidden must be an integer; got 2.5"):
        ElmanRNN(1, 2.5, 1)
    with pytest.raises(ValueError, match="clip must be > 0"):
        ElmanRNN(1, 2, 1, clip=0.0)


def test_jacobian_norms_refuse_overflow_and_bad_shapes():
    with pytest.raises(FloatingPointError, match="W_hh too large"):
        hidden_jacobian_norms(1e10 * np.eye(3))  # (1e10)^64 exceeds float64
    with pytest.raises(ValueError, match="W_hh must be a non-empty square"):
        hidden_jacobian_norms(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"h must be \(time, hidden = 2\)"):
        hidden_jacobian_norms(np.eye(2), np.zeros((5, 3)))


def test_a_clipped_rnn_records_the_norm_before_clipping_and_bounds_the_step():
    rng = np.random.default_rng(0)
    x, targets = rng.normal(size=(3, 5, 2)) * 10, rng.normal(size=(3, 5, 1)) * 10
    free, clipped = ElmanRNN(2, 4, 1, seed=0), ElmanRNN(2, 4, 1, seed=0, clip=0.5)
    loss, grads = free.loss_and_grads(x, targets)
    clipped_loss, clipped_grads = clipped.loss_and_grads(x, targets)
    norm = np.sqrt(sum(np.sum(g**2) for g in grads.values()))
    assert norm > 0.5 and clipped_loss == loss
    assert clipped.last_grad_norm == pytest.approx(norm) and free.last_grad_norm is None
    for name, g in grads.items():
        np.testing.assert_allclose(clipped_grads[name], g * 0.5 / norm, rtol=1e-10)


def test_predict_is_the_forward_output():
    model = ElmanRNN(2, 3, 1, seed=0, last_only=True)
    x = np.random.default_rng(0).normal(size=(4, 6, 2))
    np.testing.assert_array_equal(model.predict(x), model.forward(x)[0])
    assert model.predict(x).shape == (4, 1)


def test_a_global_norm_beyond_float64_is_an_error_not_inf():
    with pytest.raises(FloatingPointError, match="exceeds float64"):
        clip_gradients({"a": np.array([1.5e308, 1.5e308])}, 1.0)
