"""Explaining an image classifier: gradients, Integrated Gradients, occlusion, SHAP, LIME (chapter 6).

Every method explains one class score F_target(x) of a Keras model whose input is a batch of
images (N, H, W, C). Attributions come back shaped like ``x``. TensorFlow is imported here;
call ``companion.setup(tensorflow=True)`` first.
"""

from __future__ import annotations

import contextlib
import warnings

import numpy as np

from companion.fnn import check_finite

__all__ = [
    "integrated_gradients",
    "lime_explanation",
    "occlusion",
    "randomize_layers",
    "rank_correlation",
    "saliency",
    "shap_values",
    "smoothgrad",
]


def _check(model, x, target):
    """Validate a batch and resolve ``target`` (None: the predicted class) to one class per image."""
    x = np.asarray(x, dtype=np.float32)
    expected = tuple(model.input_shape[1:])
    if x.ndim != len(expected) + 1 or x.shape[1:] != expected:
        raise ValueError(f"x must be a batch of shape (N, {', '.join(map(str, expected))}); got {x.shape}")
    check_finite("x", x)
    n_classes = model.output_shape[-1]
    if target is None:
        target = np.asarray(model(x, training=False)).argmax(axis=1)
    target = np.broadcast_to(np.asarray(target), (len(x),)).astype(int)
    if target.min() < 0 or target.max() >= n_classes:
        raise ValueError(f"target must be a class in [0, {n_classes}); got {target.tolist()}")
    return x, target


def _target_gradients(model, x, target):
    """d F_target / d x for a batch, with F the model's output for each image's target class."""
    import tensorflow as tf

    inputs = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        scores = tf.gather(model(inputs, training=False), target, axis=1, batch_dims=1)
    return tape.gradient(scores, inputs).numpy()


def saliency(model, x, target=None):
    """Vanilla gradient saliency (Simonyan et al., 2014): the gradient of the class score."""
    x, target = _check(model, x, target)
    return _target_gradients(model, x, target)


def smoothgrad(model, x, target=None, n_samples: int = 32, sigma: float = 0.15, seed: int = 0):
    """SmoothGrad (Smilkov et al., 2017): the gradient averaged over noisy copies of x."""
    x, target = _check(model, x, target)
    rng = np.random.default_rng(seed)
    total = np.zeros_like(x)
    for _ in range(n_samples):
        noisy = x + rng.normal(scale=sigma, size=x.shape).astype(np.float32)
        total += _target_gradients(model, noisy, target)
    return total / n_samples


def integrated_gradients(model, x, baseline=None, steps: int = 64, target=None):
    """Integrated Gradients (Sundararajan et al., 2017), trapezoid rule, one batch per image.

    IG_i = (x_i - x'_i) * integral_0^1 dF(x' + a (x - x'))/dx_i da, so that the attributions
    sum to F(x) - F(x') (completeness). ``baseline`` defaults to a black image.
    """
    x, target = _check(model, x, target)
    baseline = np.zeros_like(x) if baseline is None else np.broadcast_to(np.asarray(baseline, np.float32), x.shape)
    if steps < 1:
        raise ValueError(f"steps must be >= 1; got {steps}")
    alphas = np.linspace(0.0, 1.0, steps + 1, dtype=np.float32)
    weights = np.full(steps + 1, 1.0 / steps, dtype=np.float32)
    weights[[0, -1]] /= 2  # trapezoid rule
    attributions = np.empty_like(x)
    for i in range(len(x)):
        path = baseline[i] + alphas.reshape(-1, *[1] * (x.ndim - 1)) * (x[i] - baseline[i])
        grads = _target_gradients(model, path, np.full(steps + 1, target[i]))
        attributions[i] = (x[i] - baseline[i]) * np.tensordot(weights, grads, axes=1)
    return attributions


def occlusion(model, x, target=None, patch: int = 4, stride: int = 2, fill: float = 0.0):
    """Drop in the class score when a patch is replaced by ``fill``, averaged per pixel (Zeiler and Fergus, 2014)."""
    x, target = _check(model, x, target)
    n, h, w = x.shape[:3]
    base = np.asarray(model(x, training=False))[np.arange(n), target]
    heat, count = np.zeros(x.shape[:3]), np.zeros(x.shape[:3])
    for top in range(0, h - patch + 1, stride):
        for left in range(0, w - patch + 1, stride):
            occluded = x.copy()
            occluded[:, top : top + patch, left : left + patch] = fill
            drop = base - np.asarray(model(occluded, training=False))[np.arange(n), target]
            heat[:, top : top + patch, left : left + patch] += drop[:, None, None]
            count[:, top : top + patch, left : left + patch] += 1
    return (heat / np.maximum(count, 1))[..., None].astype(np.float32)


@contextlib.contextmanager
def _quiet():
    """Silence the UserWarnings shap and Keras raise about input structures; they are harmless here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def shap_values(model, background, x, target=None, method: str = "deep", seed: int = 0):
    """SHAP values of the target class and the expected value E[F(background)] (Lundberg and Lee, 2017).

    ``method="deep"`` uses DeepExplainer (DeepLIFT rules, additive by construction);
    ``"gradient"`` uses GradientExplainer (expected gradients, sampled).
    """
    x, target = _check(model, x, target)
    background = np.asarray(background, dtype=np.float32)
    with _quiet():
        import shap  # its import warns about a matplotlib API it uses

        if method == "deep":
            explainer = shap.DeepExplainer(model, background)
            values = np.asarray(explainer.shap_values(x, check_additivity=False))
        elif method == "gradient":
            explainer = shap.GradientExplainer(model, background)
            values = np.asarray(explainer.shap_values(x, nsamples=64, rseed=seed))
        else:
            raise ValueError(f"method must be 'deep' or 'gradient'; got {method!r}")
    if method == "deep":
        expected = np.asarray(explainer.expected_value).reshape(-1)
    else:  # GradientExplainer keeps no expected value: it is the mean output over the background
        expected = np.asarray(model(background, training=False)).mean(axis=0)
    return values[np.arange(len(x)), ..., target], expected[target]


def lime_explanation(model, image, target=None, cell: int = 4, num_samples: int = 600, seed: int = 0):
    """LIME (Ribeiro et al., 2016) on a square grid of ``cell`` x ``cell`` superpixels; returns a map like image."""
    from lime import lime_image

    x, target = _check(model, np.asarray(image)[None], target)
    h, w = x.shape[1:3]
    segments = (np.arange(h)[:, None] // cell) * (-(-w // cell)) + np.arange(w)[None, :] // cell

    def classify(rgb_batch):
        return np.asarray(model(rgb_batch[..., :1].astype(np.float32), training=False))

    explainer = lime_image.LimeImageExplainer(random_state=seed)
    progress, lime_image.tqdm = lime_image.tqdm, lambda rows: rows  # lime 0.2 always draws a bar on stderr
    try:
        with _quiet():
            explanation = explainer.explain_instance(
                np.repeat(x[0], 3, axis=-1).astype(np.double), classify, labels=(int(target[0]),), top_labels=None,
                hide_color=0.0, num_samples=num_samples, batch_size=num_samples, segmentation_fn=lambda _: segments,
                random_seed=seed,
            )  # fmt: skip
    finally:
        lime_image.tqdm = progress
    weights = dict(explanation.local_exp[int(target[0])])
    return np.vectorize(lambda s: weights.get(s, 0.0))(segments)[..., None].astype(np.float32)


def rank_correlation(a, b) -> float:
    """Spearman rank correlation of two attribution maps (flattened), as in the sanity checks."""
    from scipy.stats import spearmanr

    a, b = np.ravel(a), np.ravel(b)
    if a.shape != b.shape:
        raise ValueError(f"maps must have the same size; got {a.size} and {b.size}")
    return float(spearmanr(a, b).statistic)


def randomize_layers(model, n_top: int, seed: int = 0):
    """A copy of ``model`` whose top ``n_top`` conv/dense layers get random kernels (Adebayo et al., 2018).

    Only layers with a kernel count; batch-normalisation statistics are left as trained
    (a random "variance" could be negative).
    """
    import keras

    clone = keras.models.clone_model(model)
    clone.set_weights(model.get_weights())
    weighted = [layer for layer in clone.layers if hasattr(layer, "kernel")]
    rng = np.random.default_rng(seed)
    for layer in weighted[::-1][:n_top]:
        layer.set_weights(
            [rng.normal(scale=np.std(w) or 0.05, size=w.shape).astype(w.dtype) for w in layer.get_weights()]
        )
    return clone
