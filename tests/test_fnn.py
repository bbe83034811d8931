"""Backpropagation in companion.fnn: every gradient against finite differences and TensorFlow."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companion.fnn import (
    MLP,
    article_update,
    dense_backward,
    dense_forward,
    init_weights,
    mse_loss,
    one_hot,
    softmax,
    softmax_cross_entropy,
)
from companion.gradcheck import check_gradients, numerical_gradient, relative_error


def check_model_gradients(model, x, targets, tol=1e-7):
    _, grads = model.loss_and_grads(x, targets)
    errors = check_gradients(lambda: model.loss(x, targets)[0], model.params, grads)
    assert max(errors.values()) < tol, errors


@settings(max_examples=15, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 6), min_size=2, max_size=4),
    activation=st.sampled_from(["sigmoid", "tanh", "relu"]),
    batch=st.integers(1, 5),
    seed=st.integers(0, 10_000),
)
def test_cross_entropy_mlp_gradients_match_finite_differences(sizes, activation, batch, seed):
    sizes = [*sizes[:-1], max(sizes[-1], 2)]  # at least two classes
    rng = np.random.default_rng(seed)
    model = MLP(sizes, activation=activation, loss="cross_entropy", seed=seed)
    for p in model.params.values():  # non-zero biases so no ReLU sits exactly on its kink
        p += rng.normal(scale=0.3, size=p.shape)
    x = rng.normal(size=(batch, sizes[0]))
    labels = rng.integers(0, sizes[-1], batch)
    check_model_gradients(model, x, labels)


@pytest.mark.parametrize("output_activation", ["identity", "sigmoid", "tanh"])
def test_mse_mlp_gradients_match_finite_differences(output_activation):
    rng = np.random.default_rng(3)
    model = MLP([3, 5, 4, 2], activation="tanh", loss="mse", output_activation=output_activation, seed=1)
    x, d = rng.normal(size=(6, 3)), rng.uniform(-0.5, 0.5, size=(6, 2))
    check_model_gradients(model, x, d)


def test_layer_and_loss_gradients_individually():
    rng = np.random.default_rng(0)
    a, W, b = rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=2)
    upstream = rng.normal(size=(4, 2))
    da, dW, db = dense_backward(upstream, a, W)
    for analytic, var in [(da, a), (dW, W), (db, b)]:
        numeric = numerical_gradient(lambda: float(np.sum(upstream * dense_forward(a, W, b))), var)
        assert relative_error(analytic, numeric) < 1e-8
    logits, labels = rng.normal(size=(5, 4)), rng.integers(0, 4, 5)
    _, dlogits = softmax_cross_entropy(logits, labels)
    numeric = numerical_gradient(lambda: softmax_cross_entropy(logits, labels)[0], logits)
    assert relative_error(dlogits, numeric) < 1e-8
    np.testing.assert_allclose(dlogits, (softmax(logits) - one_hot(labels, 4)) / 5, rtol=1e-12)
    y, d = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    _, dy = mse_loss(y, d)
    assert relative_error(dy, numerical_gradient(lambda: mse_loss(y, d)[0], y)) < 1e-8


def test_softmax_is_stable_and_normalised():
    p = softmax(np.array([[1000.0, 1000.0, -1000.0], [0.0, 0.0, 0.0]]))
    np.testing.assert_allclose(p, [[0.5, 0.5, 0.0], [1 / 3, 1 / 3, 1 / 3]], atol=1e-15)
    loss, _ = softmax_cross_entropy(np.array([[1000.0, -1000.0]]), np.array([1]))
    assert loss == pytest.approx(2000.0)


def test_small_network_fits_a_tiny_set_to_near_zero_loss():
    from companion.optim import Adam, fit

    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    d = np.array([0, 1, 1, 0])
    model = MLP([2, 8, 2], activation="tanh", seed=0)
    history = fit(model, x, d, Adam(lr=0.05), epochs=300, batch_size=4, progress=False)
    assert history["loss"][-1] < 1e-2
    assert model.accuracy(x, d) == 1.0


def test_article_rule_is_not_gradient_descent():
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, size=(64, 1))
    d = np.sin(x)
    model = MLP([1, 8, 1], activation="tanh", loss="mse", seed=0)
    before = {k: v.copy() for k, v in model.params.items()}
    _, grads = model.loss_and_grads(x, d)
    grads = {k: v.copy() for k, v in grads.items()}
    article_update(model, x, d, lr=0.1)
    step = np.concatenate([(model.params[k] - before[k]).ravel() for k in ("W1", "W2")])
    descent = -np.concatenate([grads[k].ravel() for k in ("W1", "W2")])
    cosine = step @ descent / (np.linalg.norm(step) * np.linalg.norm(descent))
    assert cosine < 0.5  # nowhere near the steepest-descent direction
    np.testing.assert_array_equal(model.params["b1"], before["b1"])  # biases never move


def test_bad_inputs_raise_clear_errors():
    model = MLP([3, 4, 2], seed=0)
    with pytest.raises(ValueError, match=r"x must be \(batch, 3\); got shape \(5, 4\)"):
        model.forward(np.zeros((5, 4)))
    with pytest.raises(ValueError, match="NaN"):
        model.forward(np.full((2, 3), np.nan))
    with pytest.raises(ValueError, match="labels"):
        model.loss(np.zeros((2, 3)), np.array([0, 5]))
    with pytest.raises(ValueError, match="sizes"):
        MLP([3])
    with pytest.raises(ValueError, match="unknown init"):
        MLP([3, 2], init="uniform")
    with pytest.raises(TypeError, match="cache must be the MLPCache returned by forward_train"):
        MLP([3, 2]).backward(np.zeros((1, 2)), None)


@pytest.mark.tensorflow
@pytest.mark.parametrize(("activation", "loss"), [("relu", "cross_entropy"), ("tanh", "mse"), ("sigmoid", "mse")])
def test_mlp_matches_tensorflow_on_identical_weights(activation, loss):
    import companion
    from companion.tfref import mlp_loss_and_grads_tf

    companion.setup(seed=0, tensorflow=True)
    rng = np.random.default_rng(0)
    model = MLP([6, 5, 4, 3], activation=activation, loss=loss, seed=2)
    x = rng.normal(size=(7, 6))
    targets = rng.integers(0, 3, 7) if loss == "cross_entropy" else rng.normal(size=(7, 3))
    value, grads = model.loss_and_grads(x, targets)
    tf_value, tf_grads = mlp_loss_and_grads_tf(model.params, x, targets, activation, loss)
    assert abs(value - tf_value) < 1e-12
    for name in model.params:
        assert relative_error(grads[name], tf_grads[name]) < 1e-10, name


@pytest.mark.tensorflow
def test_float32_mlp_matches_tensorflow_within_float32_precision():
    import companion
    from companion.tfref import mlp_loss_and_grads_tf

    companion.setup(seed=0, tensorflow=True)

    rng = np.random.default_rng(1)
    model = MLP([20, 16, 10], activation="relu", seed=0, dtype=np.float32)
    x = rng.normal(size=(32, 20)).astype(np.float32)
    labels = rng.integers(0, 10, 32)
    _, grads = model.loss_and_grads(x, labels)
    _, tf_grads = mlp_loss_and_grads_tf(model.params, x, labels)
    for name in model.params:
        assert grads[name].dtype == np.float32
        assert relative_error(grads[name], tf_grads[name]) < 1e-6, name


@pytest.mark.parametrize(("dtype", "big"), [(np.float32, 3e38), (np.float64, 1e308)])
def test_cross_entropy_is_finite_and_exact_at_extreme_finite_logits(dtype, big):
    logits = np.array([[big, -big], [-big, big], [big, big]], dtype=dtype)
    loss, grad = softmax_cross_entropy(logits, np.array([0, 1, 0]))  # was NaN: 0 * (-inf) in y * log p
    assert loss == pytest.approx(np.log(2) / 3, rel=1e-6)
    np.testing.assert_allclose(grad, [[0, 0], [0, 0], [-1 / 6, 1 / 6]], atol=1e-7)
    with pytest.raises(FloatingPointError, match=f"cross-entropy exceeds the largest {np.dtype(dtype).name}"):
        softmax_cross_entropy(logits[:1], np.array([1]))  # the exact loss, 2 * big, is beyond the float range


@pytest.mark.parametrize(
    ("logits", "labels", "error", "match"),
    [
        (np.zeros((0, 3)), np.zeros(0, int), ValueError, r"logits must be a non-empty \(batch, classes\)"),
        (np.zeros(3), np.array([0]), ValueError, r"logits must be \(batch, classes\); got shape \(3,\)"),
        (np.array([[np.nan, 0.0]]), np.array([0]), FloatingPointError, "logits contains NaN"),
        (np.zeros((2, 3)), np.array([0, 1, 2]), ValueError, r"labels must be \(2,\), one per example; got shape"),
        (np.zeros((2, 3)), np.eye(3)[[0, 1]], TypeError, "labels must be integer class indices"),
        (np.zeros((2, 3)), np.eye(3, dtype=int)[[0, 1]], ValueError, "not one-hot rows"),
        (np.zeros((3, 3)), np.array([0, 7, 1]), ValueError, r"labels must lie in \[0, 3\); got 7 at index 1"),
        ("logits", np.array([0]), TypeError, "logits must be an array of numbers; got str"),
    ],
)
def test_cross_entropy_names_what_is_wrong(logits, labels, error, match):
    with pytest.raises(error, match=match):
        softmax_cross_entropy(logits, labels)


def test_softmax_and_losses_accept_lists_and_refuse_nan_logits():
    loss, _ = softmax_cross_entropy([[1.0, 2.0], [0.5, 0.0]], [1, 0])
    assert loss == softmax_cross_entropy(np.array([[1.0, 2.0], [0.5, 0.0]]), np.array([1, 0]))[0]
    np.testing.assert_allclose(softmax([[0.0, 0.0]]), [[0.5, 0.5]])
    with pytest.raises(FloatingPointError, match="logits contains NaN"):
        softmax(np.array([[np.inf, 0.0]]))
    with pytest.raises(ValueError, match="d contains NaN"):
        mse_loss(np.zeros((2, 1)), np.array([[0.0], [np.nan]]))
    with pytest.raises(ValueError, match="non-empty"):
        mse_loss(np.zeros((0, 2)), np.zeros((0, 2)))
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 10\); got -1 at index 2"):
        one_hot([1, 2, -1], 10)
    with pytest.raises(TypeError, match="n_classes must be an integer; got 2.5"):
        one_hot([1], 2.5)


def test_dense_layers_name_the_shapes_and_compute_integers_in_floating_point():
    a, W = np.full((1, 2), 100, np.int8), np.full((2, 1), 100, np.int8)
    z = dense_forward(a, W, np.zeros(1, np.int8))
    assert z.dtype == np.float64 and z[0, 0] == 20_000  # int8 arithmetic would wrap around
    np.testing.assert_array_equal(dense_forward([[1.0, 2.0]], [[1.0], [1.0]], [0.5]), [[3.5]])
    with pytest.raises(ValueError, match=r"W \(2, 1\) needs h of shape \(n, 2\); got h \(1, 3\)"):
        dense_forward(np.zeros((1, 3)), np.zeros((2, 1)), np.zeros(1))
    with pytest.raises(ValueError, match=r"b must have shape \(1,\)"):
        dense_forward(np.zeros((1, 2)), np.zeros((2, 1)), np.zeros(2))
    with pytest.raises(ValueError, match=r"dz must be \(batch, outputs\) = \(1, 1\)"):
        dense_backward(np.zeros((1, 2)), np.zeros((1, 2)), np.zeros((2, 1)))
    with pytest.raises(ValueError, match=r"h must be \(batch, inputs\); got shape \(2,\)"):
        dense_backward(np.zeros((1, 1)), np.zeros(2), np.zeros((2, 1)))


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: MLP([3, 2.5]), TypeError, r"sizes\[1\] must be an integer; got 2.5"),
        (lambda: MLP([3, 0]), ValueError, r"sizes\[1\] must be an integer >= 1; got 0"),
        (lambda: MLP("32"), TypeError, "sizes must be a list"),
        (lambda: MLP([3, 2], dtype=np.int32), TypeError, "dtype must be float16, float32 or float64"),
        (lambda: MLP([3, 2], seed=-1), ValueError, "seed must be an integer >= 0"),
        (lambda: MLP([3, 2], activation=None), TypeError, "activation must be a name"),
        (lambda: MLP([3, 2]).predict(np.zeros((2, 3)), batch_size=0), ValueError, "batch_size must be an integer >= 1"),
        (lambda: MLP([3, 2]).predict(np.zeros((0, 3))), ValueError, "non-empty"),
        (lambda: MLP([3, 2]).accuracy(np.zeros((2, 3)), [0]), ValueError, r"one label per example of x \(2\)"),
        (lambda: MLP([3, 2]).accuracy(3.0, [0]), ValueError, r"one label per example of x \(0\)"),
        (lambda: MLP([3, 2]).forward(np.zeros((0, 3))), ValueError, r"x must be a non-empty \(batch, 3\) array"),
        (lambda: MLP([3, 2]).loss(np.zeros((2, 3)), [0.0, 1.0]), TypeError, "labels must be integer class indices"),
        (lambda: init_weights(3, 2, "he", rng=None), TypeError, "rng must be a numpy.random.Generator"),
        (lambda: init_weights(3.0, 2, "he", np.random.default_rng(0)), TypeError, "fan_in must be an integer"),
        (lambda: article_update(MLP([1, 2, 1], loss="mse"), np.zeros((1, 1)), np.zeros((1, 1)), 0.0), ValueError, "lr"),
    ],
)
def test_models_refuse_bad_arguments_by_name(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_init_schemes_have_their_scale():
    rng = np.random.default_rng(0)
    small = init_weights(200, 100, "small", rng)
    assert small.std() == pytest.approx(0.01, rel=0.02)
    he = init_weights(200, 100, "he", rng, np.float32)
    assert he.dtype == np.float32 and he.std() == pytest.approx(np.sqrt(2 / 200), rel=0.02)
    zeros = init_weights(3, 2, "zeros", rng, np.float32)
    assert zeros.shape == (3, 2) and zeros.dtype == np.float32 and not zeros.any()


def test_mlp_arguments_that_do_not_fit_together():
    with pytest.raises(ValueError, match="with cross_entropy the output is logits"):
        MLP([2, 2], output_activation="sigmoid")
    with pytest.raises(TypeError, match="model must be an MLP; got dict"):
        article_update({}, np.zeros((1, 1)), np.zeros((1, 1)), 0.1)
    with pytest.raises(ValueError, match="one hidden layer and squared loss"):
        article_update(MLP([1, 2, 1]), np.zeros((1, 1)), np.zeros(1, int), 0.1)  # cross-entropy
    with pytest.raises(ValueError, match="one hidden layer and squared loss"):
        article_update(MLP([1, 2, 2, 1], loss="mse"), np.zeros((1, 1)), np.zeros((1, 1)), 0.1)


def test_mse_loss_refuses_targets_of_another_shape():
    with pytest.raises(ValueError, match=r"prediction and target shapes differ: \(2, 3\) vs \(2, 1\)"):
        mse_loss(np.zeros((2, 3)), np.zeros((2, 1)))


def test_backward_differentiates_the_batch_of_its_cache_whatever_ran_in_between():
    """forward_train(x), then accuracy and forward on another batch of the same size, then backward:
    the gradients are still those of x (the model keeps no hidden state)."""
    rng = np.random.default_rng(5)
    model = MLP([4, 6, 3], activation="tanh", seed=0)
    x, x_other = rng.normal(size=(8, 4)), rng.normal(size=(8, 4))
    labels = rng.integers(0, 3, 8)
    _, expected = model.loss_and_grads(x, labels)
    y, cache = model.forward_train(x)
    model.accuracy(x_other, labels)
    model.forward(x_other)
    model.loss(x_other, labels)
    _, du = softmax_cross_entropy(y, labels)
    grads = model.backward(du, cache)
    assert list(grads) == list(model.params)
    for name in model.params:
        np.testing.assert_array_equal(grads[name], expected[name])


def test_backward_refuses_a_cache_that_does_not_fit():
    rng = np.random.default_rng(6)
    model, other = MLP([4, 6, 3], seed=0), MLP([4, 5, 3], seed=0)
    _, cache = other.forward_train(rng.normal(size=(2, 4)))
    with pytest.raises(ValueError, match=r"cache holds layers of widths \[4, 5, 3\], not this network's \[4, 6, 3\]"):
        model.backward(np.zeros((2, 3)), cache)
    _, cache = model.forward_train(rng.normal(size=(2, 4)))
    with pytest.raises(ValueError, match=r"du must have the shape of the output \(2, 3\); got \(5, 3\)"):
        model.backward(np.zeros((5, 3)), cache)


def test_forward_is_the_output_of_forward_train_and_keeps_nothing():
    rng = np.random.default_rng(7)
    model = MLP([3, 4, 4, 2], activation="relu", seed=1)
    x = rng.normal(size=(5, 3))
    before = dict(vars(model))
    y = model.forward(x)
    assert dict(vars(model)).keys() == before.keys()
    y_train, cache = model.forward_train(x)
    np.testing.assert_array_equal(y, y_train)
    np.testing.assert_array_equal(cache.pre[-1], y)  # linear output: y = u
    assert [h.shape for h in cache.inputs] == [(5, 3), (5, 4), (5, 4)]


def test_article_update_uses_the_raw_output_error_and_the_output_derivative_at_h():
    """The article's delta_j = (sum_k v_jk (y_k - d_k)) g'(h_j), here with a tanh output, where it
    differs from anything built on an output error term delta_k = (y_k - d_k) g'(u_k)."""
    rng = np.random.default_rng(8)
    model = MLP([2, 3, 2], activation="tanh", loss="mse", output_activation="tanh", seed=2)
    x, d = rng.normal(size=(4, 2)), rng.uniform(-0.5, 0.5, size=(4, 2))
    W, V = model.params["W1"].copy(), model.params["W2"].copy()
    a = x
    h = np.tanh(a @ W)
    y = np.tanh(h @ V)
    err = y - d
    delta_j = (err @ V.T) * (1 - np.tanh(h) ** 2) / len(x)
    delta_i = (delta_j @ W.T) * (1 - np.tanh(a) ** 2)
    lr = 0.3
    V_expected = V + lr * delta_j.T @ err
    W_expected = W + lr * np.einsum("ni,nij->ij", delta_i, h[:, None, :] - a[:, :, None])
    loss = article_update(model, x, d, lr)
    assert loss == pytest.approx(0.5 * np.sum(err**2) / len(x), rel=1e-12)
    np.testing.assert_allclose(model.params["W2"], V_expected, rtol=1e-12)
    np.testing.assert_allclose(model.params["W1"], W_expected, rtol=1e-12)


def test_error_terms_are_the_derivatives_of_the_loss_with_respect_to_each_pre_activation():
    rng = np.random.default_rng(9)
    model = MLP([3, 5, 4, 2], activation="tanh", seed=3)
    x, labels = rng.normal(size=(6, 3)), rng.integers(0, 2, 6)
    y, cache = model.forward_train(x)
    _, du = softmax_cross_entropy(y, labels)
    deltas = model.error_terms(du, cache)
    assert [d.shape for d in deltas] == [(6, 5), (6, 4), (6, 2)]
    for layer in (1, 2):  # perturb z_l itself and run the rest of the network from there
        z = cache.pre[layer - 1].copy()

        def loss_from(z=z, layer=layer):
            h = model.f(z)
            for upper in range(layer + 1, model.n_layers + 1):
                z_up = h @ model.params[f"W{upper}"] + model.params[f"b{upper}"]
                h = model.f(z_up) if upper < model.n_layers else z_up
            return softmax_cross_entropy(h, labels)[0]

        assert relative_error(deltas[layer - 1], numerical_gradient(loss_from, z)) < 1e-8
