"""Explaining an image classifier: gradients, Integrated Gradients, occlusion, SHAP, LIME (chapter 6).

Every method explains one class score F_target(x) of a Keras model whose input is a batch of
images (N, H, W, C). Attributions come back shaped like ``x``. The methods that replace pixels
by "absent" ones (a baseline, a fill, a masker) take a ``reference``: a number, one image or one
image per input; ``neutral_baseline`` computes one at which the model prefers no class.
TensorFlow is imported here; call ``companion.setup(tensorflow=True)`` first.
"""

from __future__ import annotations

import contextlib
import gc
import warnings

import numpy as np

from companion._checks import as_float_array, check_batch, check_finite, check_int, check_number, check_seed

__all__ = [
    "deep_shap",
    "expected_gradients",
    "integrated_gradients",
    "lime_explanation",
    "logit_model",
    "map_similarity",
    "neighbour_correlation",
    "neutral_baseline",
    "occlusion",
    "partition_shap",
    "randomize_layers",
    "rank_correlation",
    "saliency",
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


def _check_reference(name, reference, x):
    """What stands for "absent": a number, one image or one image per input, broadcast to x's shape."""
    reference = as_float_array(name, reference).astype(np.float32, copy=False)
    if reference.shape not in ((), x.shape[1:], x.shape):
        raise ValueError(
            f"{name} must be a number, one image {x.shape[1:]} or one per image {x.shape}; got shape {reference.shape}"
        )
    check_finite(name, reference)
    return np.broadcast_to(reference, x.shape)


def _target_gradients(model, x, target):
    """d F_target / d x for a batch, with F the model's output for each image's target class."""
    import tensorflow as tf

    inputs = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        scores = tf.gather(model(inputs, training=False), target, axis=1, batch_dims=1)
    return tape.gradient(scores, inputs).numpy()


def _batched_gradients(model, points, target, weights, image_of, n_images, batch_size):
    """Sum over the points of each image of weight * d F_target / d x, ``batch_size`` points at a time."""
    total = np.zeros((n_images, *points.shape[1:]), np.float32)
    for start in range(0, len(points), batch_size):
        rows = slice(start, start + batch_size)
        grads = _target_gradients(model, points[rows], target[rows])
        np.add.at(total, image_of[rows], weights[rows].reshape(-1, *[1] * (grads.ndim - 1)) * grads)
    return total


def _last_dense(model):
    """The model's last layer, which must be a dense layer (kernel of shape (inputs, classes))."""
    last = model.layers[-1]
    if not hasattr(last, "kernel") or len(last.kernel.shape) != 2:
        raise ValueError(f"the model's last layer must be a dense layer; {last.name} is {type(last).__name__}")
    return last


def logit_model(model, centred: bool = False):
    """A copy of a softmax classifier that outputs its class scores (logits) before the softmax (chapter 6).

    The gradient of a saturated probability is near zero everywhere, so plain gradients and
    SmoothGrad explain the score before the softmax (Simonyan et al., 2014). Integrated
    Gradients was defined for a probability (Sundararajan et al., 2017, Definition 1: F maps to
    [0, 1]) and copes with saturation by integrating along a path; explaining a score there is
    a choice of units. Adding one constant to every logit leaves the softmax unchanged, so one
    logit's level means nothing alone: ``centred=True`` subtracts each example's mean over the
    classes (by centring the last layer's weights and bias), so that score k is log p_k minus
    the mean log-probability, zero for every class where the softmax is uniform. The copy shares no state.
    """
    import keras

    last = _last_dense(model)
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
    if centred:
        weights = scores.layers[-1].get_weights()  # kernel (inputs, classes), then the bias if any
        scores.layers[-1].set_weights([w - w.mean(axis=-1, keepdims=True) for w in weights])
    return scores


def neutral_baseline(model, start=0.0, tolerance: float = 1e-3, learning_rate: float = 0.01, max_steps: int = 3000,
                     bounds=(0.0, 1.0)):  # fmt: skip
    """An input at which all of ``model``'s class scores are equal, so its softmax is uniform (chapter 6).

    Adam on the input, from ``start`` (a number or one image), minimising half the sum of the
    squared centred scores and clipping each step to ``bounds``, until every centred score is
    within ``tolerance`` of zero (each probability is then within a factor exp(2 tolerance) of
    1/K). ``model`` outputs class scores, as ``logit_model`` returns them. One such input among
    many: the one this descent finds near ``start``. Returns one image (H, W, C); raises
    RuntimeError if ``max_steps`` steps do not reach the tolerance.
    """
    import tensorflow as tf

    tolerance = check_number("tolerance", tolerance, positive=True)
    learning_rate = check_number("learning_rate", learning_rate, positive=True)
    max_steps = check_int("max_steps", max_steps)
    low, high = (check_number("bounds", b) for b in bounds)
    shape = tuple(model.input_shape[1:])
    image = _check_reference("start", start, np.zeros((1, *shape), np.float32)).clip(low, high)

    @tf.function
    def centred_scores_and_gradient(inputs):
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            z = model(inputs, training=False)
            centred = z - tf.reduce_mean(z, axis=1, keepdims=True)
            loss = 0.5 * tf.reduce_sum(centred**2)
        return centred, tape.gradient(loss, inputs)

    m, v = np.zeros_like(image), np.zeros_like(image)
    for step in range(1, max_steps + 1):
        centred, grad = (t.numpy() for t in centred_scores_and_gradient(tf.constant(image)))
        if np.abs(centred).max() <= tolerance:
            return image[0]
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad**2
        step_size = learning_rate * np.sqrt(1 - 0.999**step) / (1 - 0.9**step)
        image = np.clip(image - step_size * m / (np.sqrt(v) + 1e-7), low, high).astype(np.float32)
    worst = np.abs(centred).max()
    raise RuntimeError(f"no input with equal class scores found in {max_steps} steps (largest centred score "
                       f"{worst:.2g} > tolerance {tolerance}); raise max_steps or the tolerance")  # fmt: skip


def saliency(model, x, target=None):
    """Vanilla gradient saliency (Simonyan et al., 2014): the gradient of the class score."""
    x, target = _check(model, x, target)
    return _target_gradients(model, x, target)


def smoothgrad(model, x, target=None, n_samples: int = 32, sigma: float = 0.15, seed: int = 0,
               batch_size: int = 128):  # fmt: skip
    """SmoothGrad (Smilkov et al., 2017): the gradient averaged over noisy copies of x.

    The average estimates the gradient of the score smoothed by a Gaussian of standard
    deviation ``sigma``; the noisy copies go through the model ``batch_size`` at a time.
    """
    n_samples, sigma = check_int("n_samples", n_samples), check_number("sigma", sigma, minimum=0.0)
    batch_size = check_int("batch_size", batch_size)
    x, target = _check(model, x, target)
    rng = np.random.default_rng(check_seed(seed))
    noisy = x[None] + rng.normal(scale=sigma, size=(n_samples, *x.shape)).astype(np.float32)
    image_of = np.tile(np.arange(len(x)), n_samples)
    weights = np.full(len(image_of), 1.0 / n_samples, np.float32)
    return _batched_gradients(model, noisy.reshape(-1, *x.shape[1:]), target[image_of], weights, image_of, len(x),
                              batch_size)  # fmt: skip


def integrated_gradients(model, x, baseline=None, steps: int = 64, target=None, batch_size: int = 128):
    """Integrated Gradients (Sundararajan et al., 2017), trapezoid rule, ``batch_size`` path points at a time.

    IG_i = (x_i - x'_i) * integral_0^1 dF(x' + a (x - x'))/dx_i da, so that the attributions
    sum to F(x) - F(x') (completeness). ``baseline`` (a number, one image or one per image)
    defaults to a black image. The ``steps + 1`` path points of all images go through the
    model in batches of ``batch_size``: a path of 1,025 points at once would hold some 150 MB
    of activations for the gradient.
    """
    steps, batch_size = check_int("steps", steps), check_int("batch_size", batch_size)
    x, target = _check(model, x, target)
    baseline = np.zeros_like(x) if baseline is None else _check_reference("baseline", baseline, x)
    alphas = np.linspace(0.0, 1.0, steps + 1, dtype=np.float32)
    weights = np.full(steps + 1, 1.0 / steps, dtype=np.float32)
    weights[[0, -1]] /= 2  # trapezoid rule
    image_of = np.repeat(np.arange(len(x)), steps + 1)
    a = np.tile(alphas, len(x)).reshape(-1, *[1] * (x.ndim - 1))
    points = baseline[image_of] + a * (x[image_of] - baseline[image_of])
    total = _batched_gradients(model, points, target[image_of], np.tile(weights, len(x)), image_of, len(x), batch_size)
    return (x - baseline) * total


def expected_gradients(model, x, background, target=None, n_samples: int = 64, seed: int = 0, batch_size: int = 128):
    """Expected gradients (Erion et al., 2021): Integrated Gradients averaged over baselines from ``background``.

    For each image, ``n_samples`` pairs of a background image x' and a point a in [0, 1] are
    drawn at random; the estimate is the mean of (x - x') * dF(x' + a (x - x'))/dx. Its
    attributions add up to F(x) - E[F(x')] only in expectation, with an error that shrinks like
    1/sqrt(n_samples). Returns the maps and E[F(x')], the target's mean score over the background.
    """
    n_samples, batch_size = check_int("n_samples", n_samples), check_int("batch_size", batch_size)
    x, target = _check(model, x, target)
    background = _check_images(model, background, "background")
    rng = np.random.default_rng(check_seed(seed))
    image_of = np.repeat(np.arange(len(x)), n_samples)
    drawn = background[rng.integers(len(background), size=len(image_of))]
    a = rng.random(len(image_of), dtype=np.float32).reshape(-1, *[1] * (x.ndim - 1))
    points = drawn + a * (x[image_of] - drawn)
    weights = np.full(len(image_of), 1.0 / n_samples, np.float32)
    total = np.zeros_like(x)
    for start in range(0, len(points), batch_size):  # (x - x') differs per sample: weight each gradient by it
        rows = slice(start, start + batch_size)
        grads = _target_gradients(model, points[rows], target[image_of[rows]])
        np.add.at(total, image_of[rows], (x[image_of[rows]] - drawn[rows]) * grads * weights[rows, None, None, None])
    # the model called directly, batch by batch: predict() would trace a new function for every new model
    outputs = [np.asarray(model(background[i : i + batch_size], training=False))
               for i in range(0, len(background), batch_size)]  # fmt: skip
    expected = np.concatenate(outputs).mean(axis=0)
    return total, expected[target]


def occlusion(model, x, target=None, patch: int = 4, stride: int = 2, fill=0.0, batch_size: int = 128):
    """Drop in the class score when a patch is replaced by ``fill``, averaged per pixel (Zeiler and Fergus, 2014).

    ``fill`` is a number, one image or one image per input: covered pixels take its values.
    """
    patch, stride = check_int("patch", patch), check_int("stride", stride)
    batch_size = check_int("batch_size", batch_size)
    x, target = _check(model, x, target)
    fill = _check_reference("fill", fill, x)
    n, h, w = x.shape[:3]
    if patch > min(h, w):
        raise ValueError(f"patch must fit in the image ({h} x {w}); got {patch}")
    corners = [(top, left) for top in range(0, h - patch + 1, stride) for left in range(0, w - patch + 1, stride)]
    base = np.asarray(model.predict(x, verbose=0, batch_size=batch_size))[np.arange(n), target]
    heat, count = np.zeros(x.shape[:3]), np.zeros(x.shape[:3])
    for i in range(n):
        occluded = np.repeat(x[i : i + 1], len(corners), axis=0)
        for k, (top, left) in enumerate(corners):
            occluded[k, top : top + patch, left : left + patch] = fill[i, top : top + patch, left : left + patch]
        drop = base[i] - np.asarray(model.predict(occluded, verbose=0, batch_size=batch_size))[:, target[i]]
        for k, (top, left) in enumerate(corners):
            heat[i, top : top + patch, left : left + patch] += drop[k]
            count[i, top : top + patch, left : left + patch] += 1
    return (heat / np.maximum(count, 1))[..., None].astype(np.float32)


@contextlib.contextmanager
def _quiet():
    """Silence the UserWarnings shap and Keras raise about input structures; they are harmless here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _one_class(model, k):
    """A copy of a score model (linear last dense layer) that outputs only class k's score."""
    import keras

    last = _last_dense(model)
    if last.get_config().get("activation") not in ("linear", None):
        raise ValueError(f"to explain one class alone the last layer must be linear (a score); {last.name} has "
                         f"activation {last.get_config().get('activation')!r}: use logit_model(model)")  # fmt: skip

    def copy_layer(layer):
        config = layer.get_config()
        if layer is last:
            config["units"] = 1
        return type(layer).from_config(config)

    single = keras.models.clone_model(model, clone_function=copy_layer)
    weights = [w.copy() for w in model.get_weights()]
    weights[-len(last.get_weights()) :] = [w[..., k : k + 1] for w in last.get_weights()]
    single.set_weights(weights)
    return single


def deep_shap(model, background, x, target=None):
    """Deep SHAP values of the target class and the base value E[F(background)] (Lundberg and Lee, 2017).

    shap's DeepExplainer propagates DeepLIFT multipliers, so the values add up to
    F(x) - E[F(background)] by construction; shap checks that sum (``check_additivity``, on
    here) and raises if it is off by 0.01 or more. Each distinct target is explained with a
    one-class copy of ``model`` (a score model, as ``logit_model`` returns), K times less work
    than explaining all K classes.
    """
    x, target = _check(model, x, target)
    background = _check_images(model, background, "background")
    values, expected = np.empty_like(x), np.empty(len(x))
    with _quiet():
        import shap  # its import warns about a matplotlib API it uses

        for k in np.unique(target):
            rows = np.flatnonzero(target == k)
            explainer = shap.DeepExplainer(_one_class(model, k), background)
            values[rows] = np.asarray(explainer.shap_values(x[rows], check_additivity=True)).reshape(x[rows].shape)
            expected[rows] = np.asarray(explainer.expected_value).reshape(-1)[0]
    gc.collect()  # the explainers and one-class models hold reference cycles: free their ~15 MB now
    return values, expected


def partition_shap(model, x, classes, reference=None, blur: int = 4, max_evals: int = 500, batch_size: int = 500):
    """Model-agnostic SHAP values (Owen values) from shap's Partition explainer (chapter 6).

    Hidden pixels take the values of ``reference`` (a number or one image), or, when it is
    None, of a ``blur`` x ``blur`` box-blurred copy of the image (shap's ``"blur(k,k)"``
    masker). ``classes`` are the outputs to explain, the same for every image (e.g. ``[c]``
    or ``range(10)``); ``max_evals`` model evaluations per image bound how finely the pixel
    groups are split. Returns values of shape (N, H, W, C, len(classes)) and base values
    (N, len(classes)), the scores with every pixel hidden.
    """
    blur, max_evals = check_int("blur", blur), check_int("max_evals", max_evals, minimum=10)
    batch_size = check_int("batch_size", batch_size)
    x, _ = _check(model, x, 0)
    n_classes = model.output_shape[-1]
    classes = [check_int("class", c, minimum=0, maximum=n_classes - 1) for c in np.atleast_1d(classes)]
    if reference is None:
        mask = f"blur({blur},{blur})"
    elif np.ndim(reference) not in (0, x.ndim - 1):
        raise ValueError(f"reference must be a number or one image {x.shape[1:]}; got shape {np.shape(reference)}")
    else:
        mask = np.array(_check_reference("reference", reference, x[:1])[0])
    with _quiet():
        import shap

        masker = shap.maskers.Image(mask, x.shape[1:])
        explainer = shap.Explainer(lambda b: np.asarray(model(np.asarray(b, np.float32), training=False)), masker)
        results = [explainer(x[i : i + 1], max_evals=max_evals, batch_size=batch_size, outputs=classes, silent=True)
                   for i in range(len(x))]  # fmt: skip
    values = np.concatenate([r.values for r in results])
    base = np.concatenate([np.asarray(r.base_values).reshape(1, -1) for r in results])
    del results, explainer
    gc.collect()  # shap's explainer holds reference cycles: free them now, not at the next automatic collection
    return values, base


def lime_explanation(model, image, target=None, cell: int = 4, num_samples: int = 600, seed: int = 0, hide=0.0):
    """LIME (Ribeiro et al., 2016) on a square grid of ``cell`` x ``cell`` superpixels; returns a map like image.

    A cell switched off takes the values of ``hide`` (a number or one image). The model
    classifies the perturbed copies 200 at a time, so that memory does not grow with ``num_samples``.
    """
    cell, num_samples, seed = check_int("cell", cell), check_int("num_samples", num_samples), check_seed(seed)
    image = as_float_array("image", image)
    if image.shape != tuple(model.input_shape[1:]):
        raise ValueError(f"image must be one image of shape {tuple(model.input_shape[1:])}; got {image.shape}")
    x, target = _check(model, image[None], target)
    if np.ndim(hide) not in (0, image.ndim):
        raise ValueError(f"hide must be a number or one image {image.shape}; got shape {np.shape(hide)}")
    hide = np.repeat(_check_reference("hide", hide, x)[0], 3, axis=-1).astype(np.double)  # lime works on RGB
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
                hide_color=hide, num_samples=num_samples, batch_size=200, segmentation_fn=lambda _: segments,
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


def neighbour_correlation(attribution) -> float:
    """How alike adjacent pixels' magnitudes are in one map: mean horizontal and vertical correlation (chapter 6)."""
    a = np.abs(as_float_array("attribution", attribution)).squeeze()
    if a.ndim != 2 or min(a.shape) < 2:
        raise ValueError(f"attribution must be one map of shape (H, W) or (H, W, 1); got shape {np.shape(attribution)}")
    check_finite("attribution", a)
    pairs = [(a[:, :-1], a[:, 1:]), (a[:-1], a[1:])]
    if any(np.all(p == p.flat[0]) for pair in pairs for p in pair):
        raise ValueError("attribution is constant along an axis: the correlation of neighbours is undefined")
    return float(np.mean([np.corrcoef(p.ravel(), q.ravel())[0, 1] for p, q in pairs]))


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

    Cascading randomisation: a randomised layer gets random normal weights of the trained ones'
    standard deviation, and every batch-normalisation layer above the lowest randomised one is
    reset to its initial state (scale 1, offset 0, running mean 0, running variance 1), so
    nothing learned survives above the cut. Each layer's random weights depend only on
    ``seed`` and the layer, so for one seed the steps are cumulative: ``n_top = 2`` keeps the
    top layer of ``n_top = 1`` and redraws the one below it.
    """
    import keras

    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a Keras model; got {type(model).__name__}")
    n_weighted = sum(hasattr(layer, "kernel") for layer in model.layers)
    n_top = check_int("n_top", n_top, minimum=0, maximum=n_weighted)
    seed = check_seed(seed)
    clone = keras.models.clone_model(model)
    clone.set_weights(model.get_weights())
    weighted = [i for i, layer in enumerate(clone.layers) if hasattr(layer, "kernel")]
    if n_top == 0:
        return clone
    cut = weighted[-n_top]
    for i, layer in enumerate(clone.layers[cut:], start=cut):
        if hasattr(layer, "kernel"):
            rng = np.random.default_rng([seed, len(clone.layers) - i])  # the same draw for this layer at every step
            layer.set_weights([rng.normal(scale=np.std(w) or 0.05, size=w.shape).astype(w.dtype)
                               for w in layer.get_weights()])  # fmt: skip
        elif isinstance(layer, keras.layers.BatchNormalization):
            gamma, beta, mean, variance = layer.get_weights()
            layer.set_weights([np.ones_like(gamma), np.zeros_like(beta), np.zeros_like(mean), np.ones_like(variance)])
    return clone
