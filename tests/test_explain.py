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
    from companion.explain import deep_shap, logit_model

    scores = logit_model(small_cnn)
    x, background = images(3, 8), images(20, 8, seed=5)
    values, expected = deep_shap(scores, background, x, target=[1, 2, 1])  # two one-class explainers
    assert values.shape == x.shape
    outputs = scores.predict(x, verbose=0)[[0, 1, 2], [1, 2, 1]]
    np.testing.assert_allclose(values.sum(axis=(1, 2, 3)) + expected, outputs, atol=1e-4)
    mean_scores = scores.predict(background, verbose=0).mean(axis=0)
    np.testing.assert_allclose(expected, mean_scores[[1, 2, 1]], rtol=1e-5, atol=1e-6)


def test_deep_shap_explains_scores_not_probabilities(small_cnn):
    from companion.explain import deep_shap

    with pytest.raises(ValueError, match=r"last layer must be linear .* use logit_model"):
        deep_shap(small_cnn, images(4, 8), images(1, 8), target=0)


def test_expected_gradients_is_integrated_gradients_averaged_over_the_background(small_cnn):
    from companion.explain import expected_gradients, integrated_gradients, logit_model

    scores = logit_model(small_cnn)
    x, background = images(2, 8), images(3, 8, seed=7)
    estimate, expected = expected_gradients(scores, x, background, target=2, n_samples=8192, seed=0)
    exact = np.mean([integrated_gradients(scores, x, baseline=b, steps=256, target=2) for b in background], axis=0)
    # a Monte Carlo mean of 8,192 samples: its error is ~1 % of the map's scale
    np.testing.assert_allclose(estimate, exact, atol=0.03 * np.abs(exact).max())
    np.testing.assert_allclose(expected, scores.predict(background, verbose=0)[:, 2].mean(), rtol=1e-5)


def test_expected_gradients_of_a_linear_model_with_one_baseline_is_exact(linear_model):
    from companion.explain import expected_gradients

    model, w = linear_model
    x, baseline = images(2, 6), images(1, 6, seed=1)
    values, expected = expected_gradients(model, x, baseline, target=0, n_samples=3, seed=4, batch_size=2)
    np.testing.assert_allclose(values, (x - baseline) * w, rtol=1e-5, atol=1e-6)
    assert expected == pytest.approx(float((baseline[0] * w).sum() + 0.5), rel=1e-5)


def test_expected_gradients_additivity_improves_with_samples(small_cnn):
    from companion.explain import expected_gradients, logit_model

    scores = logit_model(small_cnn)
    x, background = images(3, 8), images(50, 8, seed=5)
    outputs = scores.predict(x, verbose=0)[:, 0]
    gaps = {}
    for n in (4, 4096):
        values, expected = expected_gradients(scores, x, background, target=0, n_samples=n, seed=1)
        gaps[n] = np.abs(values.sum(axis=(1, 2, 3)) + expected - outputs).max()
    assert gaps[4096] < gaps[4] and gaps[4096] < 0.05 * np.abs(outputs).max()


def test_occlusion_of_a_linear_model_is_local_and_signed(linear_model):
    from companion.explain import occlusion

    model, w = linear_model
    x = np.ones((1, 6, 6, 1), np.float32)
    heat = occlusion(model, x, target=0, patch=1, stride=1)
    # removing pixel i lowers F by w_i * 1, a difference of two float32 sums of 36 terms
    np.testing.assert_allclose(heat[0], w, rtol=1e-5, atol=1e-5)


def test_rank_correlation_and_randomisation(small_cnn):
    from companion.explain import randomize_layers, rank_correlation

    a = np.arange(10.0)
    assert rank_correlation(a, a**3) == pytest.approx(1.0)
    assert rank_correlation(a, -a) == pytest.approx(-1.0)
    random_top = randomize_layers(small_cnn, 1)
    assert not np.allclose(random_top.layers[-1].kernel.numpy(), small_cnn.layers[-1].kernel.numpy())
    np.testing.assert_array_equal(random_top.layers[0].kernel.numpy(), small_cnn.layers[0].kernel.numpy())


def _trained_like_bn_model(keras):
    """conv -> BN -> conv -> BN -> dense, with batch-norm weights moved away from their initial state."""
    keras.utils.set_random_seed(3)
    model = keras.Sequential(
        [keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3), keras.layers.BatchNormalization(),
         keras.layers.Conv2D(2, 3), keras.layers.BatchNormalization(), keras.layers.Flatten(), keras.layers.Dense(3)]
    )  # fmt: skip
    rng = np.random.default_rng(0)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.set_weights([rng.uniform(0.5, 2, size=w.shape).astype(np.float32) for w in layer.get_weights()])
    return model


@pytest.mark.parametrize("n_top", [1, 2, 3])
def test_cascading_randomisation_resets_everything_above_the_cut(keras, n_top):
    from companion.explain import randomize_layers

    model = _trained_like_bn_model(keras)
    broken = randomize_layers(model, n_top, seed=0)
    kernel_layers = [i for i, layer in enumerate(model.layers) if hasattr(layer, "kernel")]
    cut = kernel_layers[-n_top]
    for i, (trained, random) in enumerate(zip(model.layers, broken.layers, strict=True)):
        kept = i < cut
        for w_trained, w_random in zip(trained.get_weights(), random.get_weights(), strict=True):
            assert np.array_equal(w_trained, w_random) == kept, (n_top, trained.name)
        if not kept and isinstance(random, keras.layers.BatchNormalization):
            gamma, beta, mean, variance = random.get_weights()
            assert np.all(gamma == 1) and np.all(beta == 0) and np.all(mean == 0) and np.all(variance == 1)
    assert np.all(np.isfinite(broken.predict(np.ones((1, 8, 8, 1), np.float32), verbose=0)))


def test_randomisation_refuses_impossible_layer_counts(keras):
    from companion.explain import randomize_layers

    model = _trained_like_bn_model(keras)
    for n_top in (-1, 4, 1.5, True):
        with pytest.raises((ValueError, TypeError), match="n_top"):
            randomize_layers(model, n_top)
    untouched = randomize_layers(model, 0)
    for a, b in zip(model.get_weights(), untouched.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_logit_model_gives_the_scores_whose_softmax_is_the_output(small_cnn):
    from companion.explain import logit_model

    scores = logit_model(small_cnn)
    x = images(4, 8)
    z = scores.predict(x, verbose=0)
    p = small_cnn.predict(x, verbose=0)
    softmax = np.exp(z - z.max(axis=1, keepdims=True))
    np.testing.assert_allclose(softmax / softmax.sum(axis=1, keepdims=True), p, rtol=1e-5, atol=1e-7)
    assert not np.allclose(z.sum(axis=1), 1.0)  # really scores, not probabilities
    with pytest.raises(ValueError, match="softmax"):
        logit_model(scores)


def test_map_similarity_ignores_the_background_when_asked():
    from companion.explain import map_similarity

    rng = np.random.default_rng(0)
    image = np.zeros((28, 28))
    image[8:20, 12:16] = 1.0  # the "ink"
    a, b = rng.random((28, 28)) * image, rng.random((28, 28)) * image  # independent orderings of the ink
    similarity = map_similarity(a, b, image)
    # zeros on the same background pixels make the whole-image correlation high by themselves
    assert similarity["spearman"] > 0.8 and abs(similarity["spearman_ink"]) < 0.3
    same = map_similarity(a, -a, image)  # magnitudes are compared
    assert same["spearman_ink"] == pytest.approx(1.0) and same["ssim"] == pytest.approx(1.0)


def test_rank_correlation_mask_must_fit():
    from companion.explain import rank_correlation

    with pytest.raises(ValueError, match="mask"):
        rank_correlation(np.arange(5.0), np.arange(5.0), mask=np.ones(4, bool))


def test_partition_shap_is_additive_in_the_explained_output(small_cnn):
    from companion.explain import partition_shap

    x = images(2, 8)
    values, base = partition_shap(small_cnn, x, classes=[0, 2], blur=2, max_evals=200)
    assert values.shape == (2, 8, 8, 1, 2) and base.shape == (2, 2)
    outputs = small_cnn.predict(x, verbose=0)[:, [0, 2]]
    np.testing.assert_allclose(values.sum(axis=(1, 2, 3)) + base, outputs, atol=1e-5)


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
    from companion.explain import deep_shap, expected_gradients, lime_explanation

    with pytest.raises(ValueError, match=r"background must be a batch of shape \(N, 8, 8, 1\)"):
        deep_shap(small_cnn, images(4, 6), images(1, 8))
    with pytest.raises(ValueError, match=r"background must be a batch of shape \(N, 8, 8, 1\)"):
        expected_gradients(small_cnn, images(1, 8), images(4, 6))
    with pytest.raises(ValueError, match="cell must be an integer >= 1"):
        lime_explanation(small_cnn, images(1, 8)[0], target=0, cell=0)
    with pytest.raises(ValueError, match=r"image must be one image of shape \(8, 8, 1\)"):
        lime_explanation(small_cnn, images(2, 8), target=0)


def test_smoothgrad_of_a_linear_model_is_its_weights_whatever_the_noise(linear_model):
    from companion.explain import smoothgrad

    model, w = linear_model
    grads = smoothgrad(model, images(2, 6), target=0, n_samples=3, sigma=0.5)
    np.testing.assert_allclose(grads, np.broadcast_to(w, grads.shape), rtol=1e-5)


def test_smoothgrad_without_noise_is_saliency_and_noise_is_seeded(small_cnn):
    from companion.explain import saliency, smoothgrad

    x = images(2, 8)
    np.testing.assert_allclose(smoothgrad(small_cnn, x, target=1, n_samples=2, sigma=0.0),
                               saliency(small_cnn, x, target=1), rtol=1e-6)  # fmt: skip
    noisy = smoothgrad(small_cnn, x, target=1, n_samples=2, seed=3)
    np.testing.assert_array_equal(noisy, smoothgrad(small_cnn, x, target=1, n_samples=2, seed=3))
    assert not np.allclose(noisy, smoothgrad(small_cnn, x, target=1, n_samples=2, seed=4))


def test_what_is_not_a_keras_model_or_does_not_fit_is_named(small_cnn):
    from companion.explain import lime_explanation, randomize_layers, rank_correlation, saliency

    with pytest.raises(TypeError, match="model must be a Keras model with one image input; got object"):
        saliency(object(), images(1, 8))
    with pytest.raises(TypeError, match="model must be a Keras model; got str"):
        randomize_layers("model", 1)
    with pytest.raises(ValueError, match="maps must have the same size; got 16 and 15"):
        rank_correlation(np.arange(16.0), np.arange(15.0))
    with pytest.raises(ValueError, match=r"cell must fit in the image \(8 x 8\); got 9"):
        lime_explanation(small_cnn, images(1, 8)[0], target=0, cell=9)


def test_centred_logits_sum_to_zero_and_keep_the_softmax(small_cnn):
    from companion.explain import logit_model

    centred = logit_model(small_cnn, centred=True)
    x = images(4, 8)
    z, p = centred.predict(x, verbose=0), small_cnn.predict(x, verbose=0)
    np.testing.assert_allclose(z.sum(axis=1), 0.0, atol=1e-5)
    softmax = np.exp(z - z.max(axis=1, keepdims=True))
    np.testing.assert_allclose(softmax / softmax.sum(axis=1, keepdims=True), p, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(z, np.log(p) - np.log(p).mean(axis=1, keepdims=True), rtol=1e-4, atol=1e-5)
    plain = logit_model(small_cnn).predict(x, verbose=0)
    np.testing.assert_allclose(z, plain - plain.mean(axis=1, keepdims=True), rtol=1e-5, atol=1e-6)


def test_logit_model_needs_a_dense_softmax_layer_on_top(keras):
    from companion.explain import logit_model

    pooled = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Softmax(axis=1)])
    with pytest.raises(ValueError, match="last layer must be a dense layer"):
        logit_model(pooled)


def test_neutral_baseline_makes_every_class_equally_likely(small_cnn):
    from companion.explain import logit_model, neutral_baseline

    scores = logit_model(small_cnn)
    neutral = neutral_baseline(scores, start=0.5, tolerance=1e-4)
    assert neutral.shape == (8, 8, 1) and neutral.min() >= 0.0 and neutral.max() <= 1.0
    p = small_cnn.predict(neutral[None], verbose=0)[0]
    np.testing.assert_allclose(p, 1 / 3, rtol=3e-4)  # within exp(2 tolerance) of uniform
    assert small_cnn.predict(np.full((1, 8, 8, 1), 0.5, np.float32), verbose=0).std() > 1e-3  # the start was not


def test_neutral_baseline_says_when_it_does_not_get_there(small_cnn):
    from companion.explain import logit_model, neutral_baseline

    scores = logit_model(small_cnn)
    with pytest.raises(RuntimeError, match=r"in 1 steps .* raise max_steps"):
        neutral_baseline(scores, start=0.5, max_steps=1)
    with pytest.raises(ValueError, match=r"start must be a number, one image \(8, 8, 1\)"):
        neutral_baseline(scores, start=np.zeros((8, 8)))


def test_occlusion_fills_with_the_reference(linear_model):
    from companion.explain import occlusion

    model, w = linear_model
    x, fill = np.ones((1, 6, 6, 1), np.float32), images(1, 6, seed=3)
    heat = occlusion(model, x, target=0, patch=1, stride=1, fill=fill[0], batch_size=7)
    # covering pixel i changes F by w_i (x_i - f_i), up to float32 rounding of two sums of 36 terms
    np.testing.assert_allclose(heat[0], w * (x[0] - fill[0]), rtol=1e-5, atol=1e-5)


def test_lime_with_the_image_as_its_own_reference_sees_no_change(small_cnn):
    from companion.explain import lime_explanation

    image = images(1, 8)[0]
    explanation = lime_explanation(small_cnn, image, target=0, cell=4, num_samples=50, hide=image)
    np.testing.assert_allclose(explanation, 0.0, atol=1e-6)  # switching a cell "off" changes nothing
    with pytest.raises(ValueError, match=r"hide must be a number or one image \(8, 8, 1\)"):
        lime_explanation(small_cnn, image, target=0, hide=np.zeros((2, 8, 8, 1)))


def test_partition_shap_base_value_is_the_reference_score(small_cnn):
    from companion.explain import partition_shap

    x, reference = images(2, 8), images(1, 8, seed=9)[0]
    values, base = partition_shap(small_cnn, x, classes=[0, 1], reference=reference, max_evals=100)
    np.testing.assert_allclose(base, np.tile(small_cnn.predict(reference[None], verbose=0)[:, [0, 1]], (2, 1)),
                               rtol=1e-5)  # fmt: skip
    np.testing.assert_allclose(values.sum(axis=(1, 2, 3)) + base, small_cnn.predict(x, verbose=0)[:, [0, 1]], atol=1e-5)
    with pytest.raises(ValueError, match=r"reference must be a number or one image \(8, 8, 1\)"):
        partition_shap(small_cnn, x, classes=[0], reference=np.zeros((2, 8, 8, 1)))


def test_randomisation_steps_are_cumulative_for_one_seed(small_cnn):
    from companion.explain import randomize_layers

    top, both = randomize_layers(small_cnn, 1, seed=5), randomize_layers(small_cnn, 2, seed=5)
    np.testing.assert_array_equal(top.layers[-1].kernel.numpy(), both.layers[-1].kernel.numpy())  # kept
    assert not np.allclose(top.layers[0].kernel.numpy(), both.layers[0].kernel.numpy())  # and one more redrawn
    other = randomize_layers(small_cnn, 1, seed=6)
    assert not np.allclose(top.layers[-1].kernel.numpy(), other.layers[-1].kernel.numpy())


def test_batching_does_not_change_the_maps(small_cnn):
    from companion.explain import integrated_gradients, smoothgrad

    x = images(3, 8)
    ig, ig_small_batches = (integrated_gradients(small_cnn, x, steps=10, target=1, batch_size=b) for b in (256, 4))
    np.testing.assert_allclose(ig_small_batches, ig, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(smoothgrad(small_cnn, x, target=1, n_samples=5, batch_size=2),
                               smoothgrad(small_cnn, x, target=1, n_samples=5), rtol=1e-5, atol=1e-8)  # fmt: skip


def test_neighbour_correlation_tells_smooth_from_speckled_maps():
    from companion.explain import neighbour_correlation

    rows = np.add.outer(np.arange(28.0), np.arange(28.0))  # a smooth ramp
    assert neighbour_correlation(rows) > 0.99
    speckle = np.random.default_rng(0).random((28, 28, 1))
    assert abs(neighbour_correlation(speckle)) < 0.1
    assert neighbour_correlation(-rows) == pytest.approx(neighbour_correlation(rows))  # magnitudes
    with pytest.raises(ValueError, match="one map of shape"):
        neighbour_correlation(np.ones((2, 28, 28)))
    with pytest.raises(ValueError, match="constant"):
        neighbour_correlation(np.ones((5, 5)))
