"""Explanation methods: their defining properties on models where the answer is known."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.tensorflow


@pytest.fixture(scope="module")
def keras():
    import companion

    companion.setup(seed=0, tensorflow=True)
    import keras

    return keras


@pytest.fixture(scope="module")
def linear_model(keras):
    """F(x) = sum(w * x) + c for a single output, so every gradient method knows the answer."""
    model = keras.Sequential([keras.Input((6, 6, 1)), keras.layers.Flatten(), keras.layers.Dense(1)])
    w = np.random.default_rng(0).normal(size=(36, 1)).astype(np.float32)
    model.layers[-1].set_weights([w, np.array([0.5], np.float32)])
    return model, w.reshape(6, 6, 1)


@pytest.fixture(scope="module")
def small_cnn(keras):
    keras.utils.set_random_seed(1)
    return keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Conv2D(4, 3, activation="relu"),
            keras.layers.Flatten(),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )


def images(n, size, seed=0):
    return np.random.default_rng(seed).random((n, size, size, 1), dtype=np.float32)


def test_saliency_of_a_linear_model_is_its_weights(linear_model):
    from companion.explain import saliency

    model, w = linear_model
    grads = saliency(model, images(3, 6), target=0)
    np.testing.assert_allclose(grads, np.broadcast_to(w, grads.shape), rtol=1e-6)


def test_integrated_gradients_is_exact_for_a_linear_model(linear_model):
    from companion.explain import integrated_gradients

    model, w = linear_model
    x, baseline = images(2, 6), images(2, 6, seed=1)
    for steps in (1, 8):
        ig = integrated_gradients(model, x, baseline=baseline, steps=steps, target=0)
        np.testing.assert_allclose(ig, (x - baseline) * w, rtol=1e-5, atol=1e-6)
    constant = integrated_gradients(model, x, baseline=0.5, steps=4, target=0)  # a number is a constant image
    np.testing.assert_allclose(constant, (x - 0.5) * w, rtol=1e-5, atol=1e-6)


def test_integrated_gradients_completeness_on_a_random_cnn(small_cnn):
    from companion.explain import integrated_gradients

    x = images(4, 8)
    ig = integrated_gradients(small_cnn, x, steps=64, target=2)
    f_x = small_cnn.predict(x, verbose=0)[:, 2]
    f_0 = small_cnn.predict(np.zeros_like(x), verbose=0)[:, 2]
    gap = np.abs(ig.sum(axis=(1, 2, 3)) - (f_x - f_0))
    assert np.all(gap <= 0.01 * np.abs(f_x - f_0) + 1e-7)


def test_deep_shap_is_additive(small_cnn):
    from companion.explain import shap_values

    x, background = images(3, 8), images(20, 8, seed=5)
    values, expected = shap_values(small_cnn, background, x, target=1)
    assert values.shape == x.shape
    outputs = small_cnn.predict(x, verbose=0)[:, 1]
    np.testing.assert_allclose(values.sum(axis=(1, 2, 3)) + expected, outputs, atol=1e-4)


def test_occlusion_of_a_linear_model_is_local_and_signed(linear_model):
    from companion.explain import occlusion

    model, w = linear_model
    x = np.ones((1, 6, 6, 1), np.float32)
    heat = occlusion(model, x, target=0, patch=1, stride=1)
    np.testing.assert_allclose(heat[0], w, rtol=1e-5)  # removing pixel i lowers F by w_i * 1


def test_rank_correlation_and_randomisation(small_cnn):
    from companion.explain import randomize_layers, rank_correlation

    a = np.arange(10.0)
    assert rank_correlation(a, a**3) == pytest.approx(1.0)
    assert rank_correlation(a, -a) == pytest.approx(-1.0)
    random_top = randomize_layers(small_cnn, 1)
    assert not np.allclose(random_top.layers[-1].kernel.numpy(), small_cnn.layers[-1].kernel.numpy())
    np.testing.assert_array_equal(random_top.layers[0].kernel.numpy(), small_cnn.layers[0].kernel.numpy())


def test_randomisation_skips_batch_norm_and_counts_only_kernel_layers():
    import keras

    from companion.explain import randomize_layers

    model = keras.Sequential(
        [keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3), keras.layers.BatchNormalization(),
         keras.layers.Flatten(), keras.layers.Dense(3)]
    )  # fmt: skip
    broken = randomize_layers(model, 2, seed=0)
    for trained, random in zip(model.layers, broken.layers, strict=True):
        kept = isinstance(trained, keras.layers.BatchNormalization)
        for w_trained, w_random in zip(trained.get_weights(), random.get_weights(), strict=True):
            assert np.array_equal(w_trained, w_random) == kept, trained.name
    out = broken.predict(np.ones((1, 8, 8, 1), np.float32), verbose=0)
    assert np.all(np.isfinite(out))


def test_lime_returns_a_map_like_the_image(small_cnn):
    from companion.explain import lime_explanation

    explanation = lime_explanation(small_cnn, images(1, 8)[0], target=0, cell=4, num_samples=100)
    assert explanation.shape == (8, 8, 1)
    assert len(np.unique(explanation)) <= 4  # one weight per 4 x 4 cell


@pytest.mark.parametrize(
    ("x", "target", "match"),
    [
        (np.zeros((2, 8, 8)), 0, r"x must be a batch of shape \(N, 8, 8, 1\)"),
        (np.zeros((2, 7, 8, 1)), 0, r"got \(2, 7, 8, 1\)"),
        (np.zeros((2, 8, 8, 1)), 3, r"target must be a class in \[0, 3\)"),
        (np.full((1, 8, 8, 1), np.nan), 0, "NaN"),
    ],
)
def test_bad_inputs_raise_value_errors(small_cnn, x, target, match):
    from companion.explain import integrated_gradients, saliency

    for method in (saliency, integrated_gradients):
        with pytest.raises(ValueError, match=match):
            method(small_cnn, x, target=target)


def test_gradient_shap_is_roughly_additive(small_cnn):
    from companion.explain import shap_values

    x, background = images(2, 8), images(20, 8, seed=5)
    values, expected = shap_values(small_cnn, background, x, target=0, method="gradient")
    outputs = small_cnn.predict(x, verbose=0)[:, 0]
    assert values.shape == x.shape
    np.testing.assert_allclose(values.sum(axis=(1, 2, 3)) + expected, outputs, atol=0.05)


@pytest.mark.parametrize(
    ("method", "kwargs", "error", "match"),
    [
        ("saliency", {"target": 1.7}, TypeError, "target must be an integer class index"),  # was truncated to 1
        ("saliency", {"target": [0, 1, 2]}, ValueError, r"one class per image \(2\); got shape \(3,\)"),
        ("smoothgrad", {"n_samples": 0}, ValueError, "n_samples must be an integer >= 1"),  # returned NaN maps
        ("smoothgrad", {"sigma": -0.1}, ValueError, "sigma must be >= 0.0"),
        ("occlusion", {"patch": 0}, ValueError, "patch must be an integer >= 1"),  # returned an all-zero map
        ("occlusion", {"patch": 9}, ValueError, r"patch must fit in the image \(8 x 8\); got 9"),
        ("occlusion", {"stride": 1.5}, TypeError, "stride must be an integer"),
        ("integrated_gradients", {"steps": 2.5}, TypeError, "steps must be an integer; got 2.5"),
        ("integrated_gradients", {"baseline": np.full((8, 8, 1), np.nan)}, ValueError, "baseline contains NaN"),
        ("integrated_gradients", {"baseline": np.zeros((8, 8))}, ValueError, r"one image \(8, 8, 1\) or one per image"),
    ],
)
def test_bad_explanation_arguments_are_named(small_cnn, method, kwargs, error, match):
    from companion import explain

    with pytest.raises(error, match=match):
        getattr(explain, method)(small_cnn, images(2, 8), **kwargs)


def test_rank_correlation_of_a_constant_map_is_refused_not_nan():
    from companion.explain import rank_correlation

    with pytest.raises(ValueError, match="a is constant"):
        rank_correlation(np.ones((4, 4)), np.arange(16.0))
    with pytest.raises(ValueError, match="b contains NaN"):
        rank_correlation(np.arange(3.0), [0.0, np.nan, 1.0])


def test_randomize_layers_counts_only_what_exists(small_cnn):
    from companion.explain import randomize_layers

    with pytest.raises(ValueError, match="n_top must be an integer >= 0 and <= 2; got -1"):
        randomize_layers(small_cnn, -1)  # was accepted: every layer but the first
    with pytest.raises(ValueError, match="<= 2; got 3"):
        randomize_layers(small_cnn, 3)
    same = randomize_layers(small_cnn, 0)
    np.testing.assert_array_equal(same.layers[-1].kernel.numpy(), small_cnn.layers[-1].kernel.numpy())


def test_shap_and_lime_check_their_arguments_first(small_cnn):
    from companion.explain import lime_explanation, shap_values

    with pytest.raises(ValueError, match="method must be 'deep' or 'gradient'"):
        shap_values(small_cnn, images(4, 8), images(1, 8), method="kernel")
    with pytest.raises(ValueError, match=r"background must be a batch of shape \(N, 8, 8, 1\)"):
        shap_values(small_cnn, images(4, 6), images(1, 8))
    with pytest.raises(ValueError, match="cell must be an integer >= 1"):
        lime_explanation(small_cnn, images(1, 8)[0], target=0, cell=0)
    with pytest.raises(ValueError, match=r"image must be one image of shape \(8, 8, 1\)"):
        lime_explanation(small_cnn, images(2, 8), target=0)
