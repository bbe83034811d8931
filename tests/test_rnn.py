"""BPTT against finite differences and Keras (SimpleRNN, LSTM); truncated BPTT, clipping, Jacobian norms."""

from __future__ import annotations

import numpy as np
import pytest

from companion.gradcheck import check_gradients, relative_error
from companion.optim import SGD, Adam, fit
from companion.rnn import (
    LSTM,
    ElmanRNN,
    GradientClipping,
    clip_gradients,
    hidden_jacobian_norms,
    lstm_backward,
    lstm_forward,
    rnn_backward,
    rnn_forward,
    truncated_bptt,
)


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
    with pytest.raises(TypeError, match="cache must be rnn_forward's second return value"):
        rnn_backward(h, (h,))
    with pytest.raises(ValueError, match="dh contains NaN"):
        rnn_backward(np.full(h.shape, np.nan), cache)
    with pytest.raises(ValueError, match=r"x must be a non-empty \(batch, time, features\)"):
        rnn_forward(np.zeros((3, 0, 4)), h0, **w)
    with pytest.raises(TypeError, match="n_hidden must be an integer; got 2.5"):
        ElmanRNN(1, 2.5, 1)
    with pytest.raises(TypeError, match="last_only must be True or False"):
        ElmanRNN(1, 2, 1, last_only="yes")
    with pytest.raises(ValueError, match="x must have 1 features"):
        ElmanRNN(1, 2, 1).predict(np.zeros((2, 3, 4)))


def test_jacobian_norms_refuse_overflow_and_bad_shapes():
    with pytest.raises(FloatingPointError, match="W_hh too large"):
        hidden_jacobian_norms(1e10 * np.eye(3))  # (1e10)^64 exceeds float64
    with pytest.raises(ValueError, match="W_hh must be a non-empty square"):
        hidden_jacobian_norms(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"h must be \(time, hidden = 2\)"):
        hidden_jacobian_norms(np.eye(2), np.zeros((5, 3)))


def test_clipping_in_the_optimiser_leaves_the_models_gradient_exact_and_bounds_the_step():
    rng = np.random.default_rng(0)
    x, d = rng.normal(size=(3, 5, 2)) * 10, rng.normal(size=(3, 5, 1)) * 10
    model = ElmanRNN(2, 4, 1, seed=0)
    before = {k: v.copy() for k, v in model.params.items()}
    _, grads = model.loss_and_grads(x, d)
    norm = np.sqrt(sum(np.sum(g**2) for g in grads.values()))
    assert norm > 0.5
    clipping = GradientClipping(SGD(lr=1.0), max_norm=0.5)
    clipping.step(model.params, grads)
    for name, g in grads.items():
        np.testing.assert_allclose(before[name] - model.params[name], g * 0.5 / norm, rtol=1e-10)
    assert clipping.norms == [pytest.approx(norm)] and clipping.clipped_steps == 1
    clipping.step(model.params, {k: g * 1e-3 for k, g in grads.items()})  # small: passed on unchanged
    assert clipping.clipped_steps == 1 and len(clipping.norms) == 2


def test_clipping_wraps_only_an_optimiser():
    with pytest.raises(TypeError, match="optimizer must have a step"):
        GradientClipping("adam", 1.0)
    with pytest.raises(ValueError, match="max_norm must be > 0"):
        GradientClipping(SGD(), 0.0)


def test_predict_is_the_forward_output():
    model = ElmanRNN(2, 3, 1, seed=0, last_only=True)
    x = np.random.default_rng(0).normal(size=(4, 6, 2))
    np.testing.assert_array_equal(model.predict(x), model.forward(x)[0])
    assert model.predict(x).shape == (4, 1)


def test_a_global_norm_beyond_float64_is_an_error_not_inf():
    with pytest.raises(FloatingPointError, match="exceeds float64"):
        clip_gradients({"a": np.array([1.5e308, 1.5e308])}, 1.0)


def test_jacobian_norms_are_those_of_the_recurrence_computed_by_bptt():
    rng = np.random.default_rng(2)
    hidden, steps = 5, 9
    W_xh, W_hh = rng.normal(size=(3, hidden)), rng.normal(scale=0.6, size=(hidden, hidden))
    x = np.repeat(rng.normal(size=(1, steps, 3)), hidden, axis=0)  # one sequence, once per unit of H_T
    h, cache = rnn_forward(x, np.zeros((hidden, hidden)), W_xh, W_hh, np.zeros(hidden))
    dh = np.zeros_like(h)
    dh[:, -1] = np.eye(hidden)  # row j asks for d(H_T)_j / d(H_0)
    jacobian = rnn_backward(dh, cache)["h0"]
    norms = hidden_jacobian_norms(W_hh, np.vstack([np.zeros((1, hidden)), h[0]]))  # H_0 = 0 enters no Jacobian
    assert norms[steps - 1] == pytest.approx(np.linalg.norm(jacobian, 2), rel=1e-12)


def random_lstm(batch=3, steps=6, features=2, hidden=4, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, steps, features))
    h0, c0 = rng.normal(scale=0.5, size=(batch, hidden)), rng.normal(scale=0.5, size=(batch, hidden))
    w = {
        "W_xh": rng.normal(scale=0.5, size=(features, 4 * hidden)),
        "W_hh": rng.normal(scale=0.5, size=(hidden, 4 * hidden)),
        "b_h": rng.normal(scale=0.5, size=4 * hidden),
    }
    return x, h0, c0, w


def test_lstm_forward_matches_its_equations_written_out():
    x, h0, c0, w = random_lstm()
    h, cache = lstm_forward(x, h0, c0, **w)

    def sig(z):
        return 1 / (1 + np.exp(-z))

    z = x[:, 0] @ w["W_xh"] + h0 @ w["W_hh"] + w["b_h"]
    i, f, g, o = sig(z[:, :4]), sig(z[:, 4:8]), np.tanh(z[:, 8:12]), sig(z[:, 12:])
    c1 = f * c0 + i * g
    np.testing.assert_allclose(cache.c[:, 0], c1, rtol=1e-14)
    np.testing.assert_allclose(h[:, 0], o * np.tanh(c1), rtol=1e-14)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lstm_bptt_gradients_of_every_input_and_weight_match_finite_differences(seed):
    x, h0, c0, w = random_lstm(seed=seed)
    h, cache = lstm_forward(x, h0, c0, **w)
    rng = np.random.default_rng(seed + 10)
    dh, dc_last = rng.normal(size=h.shape), rng.normal(size=c0.shape)
    grads = lstm_backward(dh, cache, dc_last)

    def loss():
        h, cache = lstm_forward(x, h0, c0, **w)
        return float(np.sum(h * dh) + np.sum(cache.c[:, -1] * dc_last))

    errors = check_gradients(loss, {"x": x, "h0": h0, "c0": c0, **w}, grads)
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize("last_only", [False, True])
def test_lstm_model_gradients_match_finite_differences(last_only):
    rng = np.random.default_rng(4)
    model = LSTM(2, 5, 3, seed=1, last_only=last_only)
    model.params["b_h"] += rng.normal(scale=0.5, size=20)  # gates away from their initial values
    x = rng.normal(size=(4, 6, 2))
    d = rng.normal(size=(4, 3) if last_only else (4, 6, 3))
    _, grads = model.loss_and_grads(x, d)
    errors = check_gradients(lambda: model.loss_and_grads(x, d)[0], model.params, grads)
    assert max(errors.values()) < 1e-7, errors


def test_the_cell_path_passes_the_gradient_through_the_forget_gates_only():
    # with W_hh = 0 the gates do not depend on H, so dC_0 = dC_T * F_1 * ... * F_T exactly
    x, h0, c0, w = random_lstm(steps=8)
    w["W_hh"] = np.zeros_like(w["W_hh"])
    h, cache = lstm_forward(x, h0, c0, **w)
    dc_last = np.ones_like(c0)
    grads = lstm_backward(np.zeros_like(h), cache, dc_last)
    forget = cache.gates[:, :, 4:8]
    np.testing.assert_allclose(grads["c0"], forget.prod(axis=1), rtol=1e-12)


def test_lstm_initialisation_and_state():
    model = LSTM(3, 4, 2, seed=0, forget_bias=5.0)
    b = model.params["b_h"]
    assert np.all(b[4:8] == 5.0) and np.all(b[:4] == 0) and np.all(b[8:] == 0)
    np.testing.assert_allclose(model.params["W_hh"] @ model.params["W_hh"].T, np.eye(4), atol=1e-12)
    x = np.random.default_rng(0).normal(size=(2, 5, 3))
    _, _, (h, c) = model.loss_grads_and_state(x, np.zeros((2, 5, 2)))
    hs, cache = model._run(x, model._initial_state(2))
    np.testing.assert_array_equal(h, hs[:, -1])
    np.testing.assert_array_equal(c, cache.c[:, -1])
    with pytest.raises(TypeError, match=r"an LSTM's state is the pair \(h, c\)"):
        model.forward(x, state=np.zeros((2, 4)))


def test_fit_trains_the_lstm_like_the_elman_network():
    from companion.toydata import sine_sequences

    x, d = sine_sequences(n=64, steps=12, noise=0.05, seed=0)
    model = LSTM(1, 8, 1, seed=0)
    history = fit(model, x, d, Adam(lr=0.02), epochs=15, batch_size=16, seed=0, progress=False)
    assert history["loss"][-1] < 0.2 * history["loss"][0]


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda w: lstm_forward(np.zeros((2, 3, 2)), np.zeros((2, 4)), np.zeros((2, 4)), **w), None, None),
        (lambda w: lstm_forward(np.zeros((2, 3, 2)), np.zeros((2, 4)), np.zeros((2, 5)), **w), ValueError, "c0 must"),
        (
            lambda w: lstm_forward(
                np.zeros((2, 3, 2)), np.zeros((2, 4)), np.zeros((2, 4)), w["W_xh"][:, :4], w["W_hh"], w["b_h"]
            ),
            ValueError,
            r"needs W_xh \(2, 4H\)",
        ),
        (lambda w: lstm_backward(np.zeros((2, 3, 4)), (1, 2)), TypeError, "returned by lstm_forward"),
    ],
)
def test_bad_lstm_arguments_are_named(call, error, match):
    w = random_lstm()[3]
    if error is None:
        call(w)
        return
    with pytest.raises(error, match=match):
        call(w)


def test_lstm_backward_refuses_a_wrong_upstream_gradient():
    x, h0, c0, w = random_lstm()
    h, cache = lstm_forward(x, h0, c0, **w)
    with pytest.raises(ValueError, match=r"dc_last must have the shape \(3, 4\)"):
        lstm_backward(np.zeros_like(h), cache, np.zeros((3, 5)))
    with pytest.raises(ValueError, match="dh contains NaN"):
        lstm_backward(np.full(h.shape, np.nan), cache)


@pytest.mark.tensorflow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_numpy_lstm_matches_keras_lstm_with_copied_weights(seed):
    import companion
    from companion.tfref import lstm_tf

    companion.setup(seed=0, tensorflow=True)
    rng = np.random.default_rng(seed)
    model = LSTM(3, 8, 2, seed=seed)
    model.params["b_h"] += rng.normal(scale=0.5, size=32)
    params32 = {k: v.astype(np.float32) for k, v in model.params.items()}
    x = rng.normal(size=(4, 12, 3)).astype(np.float32)
    h0, c0 = (rng.normal(scale=0.3, size=(4, 8)).astype(np.float32) for _ in range(2))
    # the NumPy LSTM in float64 on the same float32 numbers: the exact answer, to float64
    p = {k: v.astype(np.float64) for k, v in params32.items()}
    h, cache = lstm_forward(
        x.astype(np.float64), h0.astype(np.float64), c0.astype(np.float64), p["W_xh"], p["W_hh"], p["b_h"]
    )
    y = h @ p["W_hy"] + p["b_y"]
    dy = rng.normal(size=y.shape).astype(np.float32)
    grads = lstm_backward(dy @ p["W_hy"].T, cache)
    grads["W_hy"], grads["b_y"] = np.einsum("nth,nto->ho", h, dy), dy.sum(axis=(0, 1))
    keras_y, keras_grads = lstm_tf(x, h0, c0, params32, dy)
    # float32 rounding: each step's dot products have K = features + hidden + 1 terms, each with
    # a relative error up to K u (u = 2^-24); over T steps they add, and the gradient runs twice
    steps, k, u = 12, 3 + 8 + 1, 2.0**-24
    assert relative_error(y, keras_y) < steps * k * u
    for name in ("x", "h0", "c0", "W_xh", "W_hh", "b_h", "W_hy", "b_y"):
        assert relative_error(grads[name], keras_grads[name]) < 2 * steps * k * u, name


@pytest.mark.parametrize("make", [lambda: ElmanRNN(2, 5, 1, seed=0), lambda: LSTM(2, 4, 1, seed=0)])
def test_truncated_bptt_over_one_chunk_is_full_bptt(make):
    model = make()
    rng = np.random.default_rng(0)
    x, d = rng.normal(size=(3, 10, 2)), rng.normal(size=(3, 10, 1))
    loss, grads = model.loss_and_grads(x, d)
    for k in (10, 25):
        chunked_loss, chunked = truncated_bptt(model, x, d, k)
        assert chunked_loss == loss
        for name, g in grads.items():
            np.testing.assert_array_equal(chunked[name], g)


@pytest.mark.parametrize("make", [lambda: ElmanRNN(2, 5, 1, seed=0), lambda: LSTM(2, 4, 1, seed=0)])
def test_truncated_bptt_is_the_gradient_with_each_chunks_starting_state_held_constant(make):
    model = make()
    rng = np.random.default_rng(1)
    x, d, k = rng.normal(size=(3, 11, 2)), rng.normal(size=(3, 11, 1)), 4
    # the states each chunk starts from, computed once: constants for the finite differences
    starts, state = [None], None
    for begin in range(0, 11, k)[:-1]:
        state = model.loss_grads_and_state(x[:, begin : begin + k], d[:, begin : begin + k], state)[2]
        starts.append(state)

    def loss_with_frozen_states():
        chunks = zip(range(0, 11, k), starts, strict=True)
        return sum(model.loss_grads_and_state(x[:, b : b + k], d[:, b : b + k], s)[0] for b, s in chunks)

    loss, grads = truncated_bptt(model, x, d, k)
    assert loss == pytest.approx(model.loss_and_grads(x, d)[0], rel=1e-12)  # same forward pass
    errors = check_gradients(loss_with_frozen_states, model.params, grads)
    assert max(errors.values()) < 1e-7, errors
    full = model.loss_and_grads(x, d)[1]
    assert relative_error(grads["W_hh"], full["W_hh"]) > 1e-3  # and it is not the full gradient


def test_truncated_bptt_holds_one_chunk_at_a_time_and_updates_after_each():
    class Recording(ElmanRNN):
        def loss_grads_and_state(self, x, d, state=None):
            self.lengths.append(x.shape[1])
            self.starts.append(None if state is None else state.copy())
            return super().loss_grads_and_state(x, d, state)

    model = Recording(1, 3, 1, seed=0)
    model.lengths, model.starts = [], []
    rng = np.random.default_rng(0)
    x, d = rng.normal(size=(2, 23, 1)), rng.normal(size=(2, 23, 1))
    before = {k: v.copy() for k, v in model.params.items()}
    updates = []

    class Counting(SGD):
        def step(self, params, grads):
            updates.append(1)
            super().step(params, grads)

    truncated_bptt(model, x, d, 5, optimizer=Counting(lr=0.1))
    assert model.lengths == [5, 5, 5, 5, 3] and len(updates) == 5
    assert model.starts[0] is None and all(s.shape == (2, 3) for s in model.starts[1:])
    assert not np.allclose(model.params["W_hh"], before["W_hh"])


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda m, x: truncated_bptt(ElmanRNN(1, 2, 1, last_only=True), x, x, 2), TypeError, "last_only=False"),
        (lambda m, x: truncated_bptt("model", x, x, 2), TypeError, "ElmanRNN or LSTM"),
        (lambda m, x: truncated_bptt(m, x, x[:, :3], 2), ValueError, r"d must have x's batch and time axes \(2, 5\)"),
        (lambda m, x: truncated_bptt(m, x, x, 0), ValueError, "k must be an integer >= 1"),
        (lambda m, x: truncated_bptt(m, x, x, 2.0), TypeError, "k must be an integer"),
        (lambda m, x: truncated_bptt(m, x, x, 2, optimizer="sgd"), TypeError, "optimizer must have a step"),
    ],
)
def test_bad_truncated_bptt_arguments_are_named(call, error, match):
    with pytest.raises(error, match=match):
        call(ElmanRNN(1, 2, 1), np.zeros((2, 5, 1)))


def test_clipping_to_a_subnormal_norm_is_refused():
    """A max_norm so small that float32 gradients would underflow is an argument error, not a silent rounding."""
    with pytest.raises(ValueError, match="at least 1e-30"):
        clip_gradients({"b": np.float32(2.0)}, 9.2e-41)
    # float16's smallest normal number is 2**-14: below it, clipped float16 gradients lose digits
    with pytest.raises(ValueError, match="at least 6.1e-05"):
        clip_gradients({"a": np.ones(3), "b": np.float16(2.0)}, 1.2e-7)
    clipped, _ = clip_gradients({"a": np.ones(3), "b": np.float16(2.0)}, 2.0**-14)
    assert clipped["b"].dtype == np.float16 and 0 < clipped["b"] <= 2.0**-14
