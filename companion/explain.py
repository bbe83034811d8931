"""Explaining an image classifier: gradients, Integrated Gradients, occlusion, SHAP, LIME (chapter 6).

Every method explains one class score F_target(x) of a Keras model whose input is a batch of
images (N, H, W, C). Attributions come back shaped like ``x``. TensorFlow is imported here;
call ``companion.setup(tensorflow=True)`` first.
"""

from __future__ import annotations

import contextlib
import warnings

import numpy as np

from companion._checks import as_float_array, check_batch, check_finite, check_int, check_number, check_seed

__all__ = [
    "integrated_gradients",
    "lime_explanation",
    "logit_model",
    "map_similarity",
    "occlusion",
    "partition_shap",
    "randomize_layers",
    "rank_correlation",
    "saliency",
    "shap_values",
    "smoothgrad",
]


def _check_images(model, x, name="x"):
    """A non-empty, finite float32 batch shaped like the model's input (N, H, W, C)."""
    if not (hasattr(model, "input_shape") and hasattr(model, "output_shape") and callable(model)):
        raise TypeError(f"model must be a Keras model with one image input; got {type(model).__name__}")
    x = as_float_array(name, x).astype(np.float32, copy=False)
    expected = tuple(model.input_shape[1:])
    if x.ndim != len(expected) + 1 or x.shape[1:] != expected:
        raise ValueError(f"{name} must be a batch of shape (N, {', '.join(map(str, expected))}); got {x.shape}")
    check_batch(name, x, "batch of images")
    check_finite(name, x)
    return x


def _check(model, x, target):
    """Validate a batch and resolve ``target`` (None: the predicted class) to one class per image."""
    x = _check_images(model, x)
    n_classes = model.output_shape[-1]
    if target is None:
        target = np.asarray(model(x, training=False)).argmax(axis=1)
    target = np.asarray(target)
    if target.dtype.kind not in "ui":
        raise TypeError(f"target must be an integer class index (or one per image); got {target.tolist()!r}")
    if target.ndim > 1 or target.size not in (1, len(x)):
        raise ValueError(f"target must be one class or one class per image ({len(x)}); got shape {target.shape}")
    target = np.broadcast_to(target.reshape(-1), (len(x),)).astype(int)
    if target.min() < 0 or target.max() >= n_classes:
        raise ValueError(f"target must be a class in [0, {n_classes}); got {target.tolist()}")
    return x, target


def _check_baseline(baseline, x):
    """The Integrated Gradients baseline, broadcast to x's shape: a constant, one image, or one per image."""
    if baseline is None:
        return np.zeros_like(x)
    baseline = as_float_array("baseline", baseline).astype(np.float32, copy=False)
    if baseline.shape not in ((), x.shape[1:], x.shape):
        raise ValueError(
            f"baseline must be a number, one image {x.shape[1:]} or one per image {x.shape}; got shape {baseline.shape}"
        )
    check_finite("baseline", baseline)
    return np.broadcast_to(baseline, x.shape)


def _target_gradients(model, x, target):
    """d F_target / d x for a batch, with F the model's output for each image's target class."""
    import tensorflow as tf

    inputs = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        scores = tf.gather(model(inputs, training=False), target, axis=1, batch_dims=1)
    return tape.gradient(scores, inputs).numpy()


def logit_model(model):
    """A copy of a softmax classifier that outputs the class scores before the softmax (chapter 6).

    Explanations of a saturated probability are near zero everywhere; the logit is what
    Simonyan et al. (2014) and Sundararajan et al. (2017) explain. The copy shares no state.
    """
    import keras

    last = model.layers[-1]
    if last.get_config().get("activation") != "softmax":
        raise ValueError(f"the model's last layer must end in a softmax; {last.name} has "
                         f"activation {last.get_config().get('activation')!r}")  # fmt: skip

    def copy_layer(layer):
        config = layer.get_config()
        if layer is last:
            config["activation"] = "linear"
        return type(layer).from_config(config)

    scores = keras.models.clone_model(model, clone_function=copy_layer)
    scores.set_weights(model.get_weights())
    return scores


def saliency(model, x, target=None):
    """Vanilla gradient saliency (Simonyan et al., 2014): the gradient of the class score."""
    x, target = _check(model, x, target)
    return _target_gradients(model, x, target)


def smoothgrad(model, x, target=None, n_samples: int = 32, sigma: float = 0.15, seed: int = 0):
    """SmoothGrad (Smilkov et al., 2017): the gradient averaged over noisy copies of x."""
    n_samples, sigma = check_int("n_samples", n_samples), check_number("sigma", sigma, minimum=0.0)
    x, target = _check(model, x, target)
    rng = np.random.default_rng(check_seed(seed))
    total = np.zeros_like(x)
    for _ in range(n_samples):
        noisy = x + rng.normal(scale=sigma, size=x.shape).astype(np.float32)
        total += _target_gradients(model, noisy, target)
    return total / n_samples


def integrated_gradients(model, x, baseline=None, steps: int = 64, target=None, batch_size: int = 128):
    """Integrated Gradients (Sundararajan et al., 2017), trapezoid rule, ``batch_size`` path points at a time.

    IG_i = (x_i - x'_i) * integral_0^1 dF(x' + a (x - x'))/dx_i da, so that the attributions
    sum to F(x) - F(x') (completeness). ``baseline`` defaults to a black image. The gradients
    of one image's ``steps + 1`` path points are computed in batches of ``batch_size``: a
    path of 1,025 points at once would hold some 150 MB of activations for the gradient.
    """
    steps, batch_size = check_int("steps", steps), check_int("batch_size", batch_size)
    x, target = _check(model, x, target)
    baseline = _check_baseline(baseline, x)
    alphas = np.linspace(0.0, 1.0, steps + 1, dtype=np.float32)
    weights = np.full(steps + 1, 1.0 / steps, dtype=np.float32)
    weights[[0, -1]] /= 2  # trapezoid rule
    attributions = np.empty_like(x)
    for i in range(len(x)):
        path = baseline[i] + alphas.reshape(-1, *[1] * (x.ndim - 1)) * (x[i] - baseline[i])
        grads = np.concatenate([_target_gradients(model, chunk, np.full(len(chunk), target[i]))
                                for chunk in np.split(path, range(batch_size, steps + 1, batch_size))])  # fmt: skip
        attributions[i] = (x[i] - baseline[i]) * np.tensordot(weights, grads, axes=1)
    return attributions


def occlusion(model, x, target=None, patch: int = 4, stride: int = 2, fill: float = 0.0):
    """Drop in the class score when a patch is replaced by ``fill``, averaged per pixel (Zeiler and Fergus, 2014)."""
    patch, stride, fill = check_int("patch", patch), check_int("stride", stride), check_number("fill", fill)
    x, target = _check(model, x, target)
    n, h, w = x.shape[:3]
    if patch > min(h, w):
        raise ValueError(f"patch must fit in the image ({h} x {w}); got {patch}")
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


def shap_values(model, background, x, target=None, method: str = "deep", seed: int = 0, nsamples: int = 64):
    """SHAP values of the target class and the expected value E[F(background)] (Lundberg and Lee, 2017).

    ``method="deep"`` uses DeepExplainer (DeepLIFT rules, additive by construction);
    ``"gradient"`` uses GradientExplainer (expected gradients, ``nsamples`` samples per image).
    """
    if method not in ("deep", "gradient"):
        raise ValueError(f"method must be 'deep' or 'gradient'; got {method!r}")
    seed = check_seed(seed)
    nsamples = check_int("nsamples", nsamples)
    x, target = _check(model, x, target)
    background = _check_images(model, background, "background")
    with _quiet():
        import shap  # its import warns about a matplotlib API it uses

        if method == "deep":
            explainer = shap.DeepExplainer(model, background)
            values = np.asarray(explainer.shap_values(x, check_additivity=False))
        else:
            explainer = shap.GradientExplainer(model, background)
            values = np.asarray(explainer.shap_values(x, nsamples=nsamples, rseed=seed))
    if method == "deep":
        expected = np.asarray(explainer.expected_value).reshape(-1)
    else:  # GradientExplainer keeps no expected value: it is the mean output over the background
        expected = np.asarray(model(background, training=False)).mean(axis=0)
    return values[np.arange(len(x)), ..., target], expected[target]


def partition_shap(model, x, classes, blur: int = 4, max_evals: int = 500):
    """Model-agnostic SHAP values from shap's Partition explainer with a blurring masker (chapter 6).

    Hidden pixels are replaced by a ``blur`` x ``blur`` box-blurred copy of the image, not by
    black. ``classes`` are the outputs to explain, the same for every image (e.g. ``[c]`` or
    ``range(10)``). Returns values of shape (N, H, W, C, len(classes)) and base values (N, len(classes)).
    """
    blur, max_evals = check_int("blur", blur), check_int("max_evals", max_evals, minimum=10)
    x, _ = _check(model, x, 0)
    n_classes = model.output_shape[-1]
    classes = [check_int("class", c, minimum=0, maximum=n_classes - 1) for c in np.atleast_1d(classes)]
    with _quiet():
        import shap

        masker = shap.maskers.Image(f"blur({blur},{blur})", x.shape[1:])
        explainer = shap.Explainer(lambda b: np.asarray(model(np.asarray(b, np.float32), training=False)), masker)
        results = [explainer(x[i : i + 1], max_evals=max_evals, batch_size=100, outputs=classes, silent=True)
                   for i in range(len(x))]  # fmt: skip
    values = np.concatenate([r.values for r in results])
    base = np.concatenate([np.asarray(r.base_values).reshape(1, -1) for r in results])
    return values, base


def lime_explanation(model, image, target=None, cell: int = 4, num_samples: int = 600, seed: int = 0):
    """LIME (Ribeiro et al., 2016) on a square grid of ``cell`` x ``cell`` superpixels; returns a map like image.

    The model classifies the perturbed copies 200 at a time, so that memory does not grow
    with ``num_samples``.
    """
    cell, num_samples, seed = check_int("cell", cell), check_int("num_samples", num_samples), check_seed(seed)
    image = as_float_array("image", image)
    if image.shape != tuple(model.input_shape[1:]):
        raise ValueError(f"image must be one image of shape {tuple(model.input_shape[1:])}; got {image.shape}")
    x, target = _check(model, image[None], target)
    h, w = x.shape[1:3]
    if cell > min(h, w):
        raise ValueError(f"cell must fit in the image ({h} x {w}); got {cell}")
    from lime import lime_image

    segments = (np.arange(h)[:, None] // cell) * (-(-w // cell)) + np.arange(w)[None, :] // cell

    def classify(rgb_batch):
        return np.asarray(model(rgb_batch[..., :1].astype(np.float32), training=False))

    explainer = lime_image.LimeImageExplainer(random_state=seed)
    progress, lime_image.tqdm = lime_image.tqdm, lambda rows: rows  # lime 0.2 always draws a bar on stderr
    try:
        with _quiet():
            explanation = explainer.explain_instance(
                np.repeat(x[0], 3, axis=-1).astype(np.double), classify, labels=(int(target[0]),), top_labels=None,
                hide_color=0.0, num_samples=num_samples, batch_size=200, segmentation_fn=lambda _: segments,
                random_seed=seed,
            )  # fmt: skip
    finally:
        lime_image.tqdm = progress
    weights = dict(explanation.local_exp[int(target[0])])
    return np.vectorize(lambda s: weights.get(s, 0.0))(segments)[..., None].astype(np.float32)


def rank_correlation(a, b, mask=None) -> float:
    """Spearman rank correlation of two attribution maps (flattened), over the pixels where ``mask`` is true."""
    from scipy.stats import spearmanr

    a, b = np.ravel(as_float_array("a", a)), np.ravel(as_float_array("b", b))
    if a.shape != b.shape:
        raise ValueError(f"maps must have the same size; got {a.size} and {b.size}")
    if mask is not None:
        mask = np.ravel(np.asarray(mask, dtype=bool))
        if mask.shape != a.shape or mask.sum() < 3:
            raise ValueError(f"mask must have the maps' size ({a.size}) and select >= 3 pixels; got {mask.size}, "
                             f"{mask.sum()} selected")  # fmt: skip
        a, b = a[mask], b[mask]
    check_finite("a", a)
    check_finite("b", b)
    for name, m in (("a", a), ("b", b)):
        if m.size < 2 or np.all(m == m[0]):
            raise ValueError(f"{name} is constant (or has < 2 entries): a rank correlation with it is undefined")
    return float(spearmanr(a, b).statistic)


def map_similarity(a, b, image, ink: float = 0.1) -> dict:
    """How alike two attribution maps of one image are, as Adebayo et al. (2018) measure it (chapter 6).

    Both maps are compared by magnitude. ``spearman``: rank correlation over all pixels;
    ``spearman_ink``: over the pixels where the image exceeds ``ink`` (a black-baseline method is
    zero on every other pixel, which alone would make two such maps agree); ``ssim``: structural
    similarity of the two maps, each scaled to [0, 1].
    """
    from skimage.metrics import structural_similarity

    a, b = np.abs(np.asarray(a, np.float64)).squeeze(), np.abs(np.asarray(b, np.float64)).squeeze()
    unit = [m / m.max() if m.max() > 0 else m for m in (a, b)]
    return {
        "spearman": rank_correlation(a, b),
        "spearman_ink": rank_correlation(a, b, np.asarray(image).squeeze() > ink),
        "ssim": float(structural_similarity(unit[0], unit[1], data_range=1.0)),
    }


def randomize_layers(model, n_top: int, seed: int = 0):
    """A copy of ``model`` whose top ``n_top`` conv/dense layers are re-initialised (Adebayo et al., 2018).

    Cascading randomisation: a randomised layer gets random weights of the trained ones' scale
    (normal, same standard deviation), and every batch-normalisation layer above the lowest
    randomised one is reset to its initial state (scale 1, offset 0, running mean 0,
    running variance 1), so nothing learned survives above the cut.
    """
    import keras

    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a Keras model; got {type(model).__name__}")
    n_weighted = sum(hasattr(layer, "kernel") for layer in model.layers)
    n_top = check_int("n_top", n_top, minimum=0, maximum=n_weighted)
    rng = np.random.default_rng(check_seed(seed))
    clone = keras.models.clone_model(model)
    clone.set_weights(model.get_weights())
    weighted = [i for i, layer in enumerate(clone.layers) if hasattr(layer, "kernel")]
    if n_top == 0:
        return clone
    cut = weighted[-n_top]
    for layer in clone.layers[cut:]:
        if hasattr(layer, "kernel"):
            layer.set_weights([rng.normal(scale=np.std(w) or 0.05, size=w.shape).astype(w.dtype)
                               for w in layer.get_weights()])  # fmt: skip
        elif isinstance(layer, keras.layers.BatchNormalization):
            gamma, beta, mean, variance = layer.get_weights()
            layer.set_weights([np.ones_like(gamma), np.zeros_like(beta), np.zeros_like(mean), np.ones_like(variance)])
    return clone
