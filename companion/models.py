"""Keras models for MNIST: the article's CNN, fixed for Keras 3, and an improved one (chapters 3, 5, 6).

Importing this module imports TensorFlow/Keras; call ``companion.setup(tensorflow=True)``
first so that TensorFlow starts quietly with fixed threads and seeds.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import zipfile
from pathlib import Path

import numpy as np

from companion._checks import check_finite, check_int, check_labels, check_number, check_seed

__all__ = [
    "IMPROVED_RECIPE",
    "article_model",
    "article_recipe_runs",
    "check_recipe",
    "epoch_log",
    "file_sha256",
    "improved_model",
    "keras_io_convnet",
    "layer_signature",
    "manifest_sha256",
    "prepare_images",
    "recipe_runs",
    "reference_manifest",
    "reference_mnist_cnn",
    "shifted_batches",
    "smoothed_crossentropy",
    "train_improved",
]


def prepare_images(x_uint8) -> np.ndarray:
    """uint8 (N, 28, 28) digits -> float32 (N, 28, 28, 1) in [0, 1], the channel axis Conv2D needs."""
    x = np.asarray(x_uint8)
    if x.dtype != np.uint8 or x.ndim != 3:
        raise ValueError(f"expected uint8 images of shape (N, height, width); got {x.dtype} {x.shape}")
    x = x.astype(np.float32)
    x /= 255.0  # in place: no second float32 copy of the whole set
    return x[..., None]


def _compiled(model, learning_rate, loss="sparse_categorical_crossentropy"):
    """Compile a digit classifier with Adam, integer labels (sparse cross-entropy unless ``loss``) and accuracy."""
    import keras

    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss=loss,
        metrics=["accuracy"],
    )
    return model


def article_model(learning_rate: float = 1e-3):
    """The article's architecture, Conv2D(32) -> MaxPool -> Flatten -> Dense(10), compiled for Keras 3."""
    import keras
    from keras import layers

    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(32, (3, 3), activation="relu"),
            layers.MaxPooling2D((2, 2)),
            layers.Flatten(),
            layers.Dense(10, activation="softmax"),
        ],
        name="article_cnn",
    )
    return _compiled(model, learning_rate)


def keras_io_convnet(learning_rate: float = 1e-3):
    """keras.io's "Simple MNIST convnet": two conv + max-pool blocks (32, 64), dropout 0.5 (chapter 5's comparison)."""
    import keras
    from keras import layers

    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(10, activation="softmax"),
        ],
        name="keras_io_convnet",
    )
    return _compiled(model, learning_rate)


def smoothed_crossentropy(label_smoothing: float = 0.1):
    """Cross-entropy against integer labels with label smoothing, as a Keras loss (chapter 5).

    The one-hot target of class $c$ becomes $1 - s + s/K$ for $c$ and $s/K$ for each of the other
    $K - 1$ classes ($s$ = ``label_smoothing``), so the loss stops rewarding ever more confident
    outputs once the network is right. With ``label_smoothing=0`` it is Keras'
    ``sparse_categorical_crossentropy``. Saved models find it again by its registered name.
    """
    check_number("label_smoothing", label_smoothing)
    if not 0 <= label_smoothing < 1:
        raise ValueError(f"label_smoothing must be in [0, 1); got {label_smoothing!r}")
    return _smoothed_crossentropy_class()(label_smoothing)


@functools.cache
def _smoothed_crossentropy_class():
    """The loss class, defined (and registered for loading saved models) on first use: it needs Keras."""
    import keras

    @keras.saving.register_keras_serializable(package="companion")
    class SmoothedCrossentropy(keras.losses.Loss):
        """Cross-entropy of integer labels against smoothed one-hot targets (`smoothed_crossentropy`)."""

        def __init__(self, label_smoothing=0.1, name="smoothed_crossentropy", **kwargs):
            super().__init__(name=name, **kwargs)
            self.label_smoothing = label_smoothing

        def call(self, d, y):
            one_hot = keras.ops.one_hot(keras.ops.reshape(keras.ops.cast(d, "int32"), (-1,)), keras.ops.shape(y)[-1])
            return keras.losses.categorical_crossentropy(one_hot, y, label_smoothing=self.label_smoothing)

        def get_config(self):
            return {**super().get_config(), "label_smoothing": self.label_smoothing}

    return SmoothedCrossentropy


def improved_model(
    learning_rate: float = 5e-3,
    steps: int | None = None,
    batch_norm: bool = True,
    label_smoothing: float = 0.1,
):
    """Two strided conv blocks and a dense head, batch-normalised (ch. 5).

    Strided convolutions replace max pooling, and without padding each
    block shrinks the image a little more (28 -> 12 -> 5 pixels a side):
    the second block and the dense layer do half the work they would on
    7 x 7 maps. The first block has 16 kernels, the second 64: channels
    cost most where the maps are large. Batch normalisation after the
    second convolution and after the hidden dense layer lets the model
    train fast at a high learning rate (``batch_norm=False`` leaves it
    out, for comparison); Keras' batch normalisation is slow on large
    maps, so the first block goes without. ``label_smoothing`` softens the
    targets (`smoothed_crossentropy`). ``steps`` (total optimisation
    steps) enables the schedule: a warm-up over 15 % of the steps, then
    a cosine decay.
    """
    import keras
    from keras import layers

    if steps is not None:
        warmup = max(1, int(0.15 * steps))
        schedule = keras.optimizers.schedules.CosineDecay(
            learning_rate / 10,
            decay_steps=max(1, steps - warmup),
            warmup_target=learning_rate,
            warmup_steps=warmup,
        )
    else:
        schedule = learning_rate

    def block(layer_class, normalise=True, **kwargs):
        """A linear layer, batch normalisation (its offset replaces the
        linear layer's bias), then ReLU; or the layer with its ReLU."""
        if batch_norm and normalise:
            return [
                layer_class(use_bias=False, **kwargs),
                layers.BatchNormalization(),
                layers.Activation("relu"),
            ]
        return [layer_class(activation="relu", **kwargs)]

    s2 = {"strides": 2, "padding": "valid"}  # stride 2, no padding
    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            # 12 x 12 x 16, not normalised
            *block(layers.Conv2D, False, filters=16, kernel_size=5, **s2),
            # 5 x 5 x 64
            *block(layers.Conv2D, filters=64, kernel_size=3, **s2),
            layers.Flatten(),  # 1,600 values
            *block(layers.Dense, units=128),
            layers.Dropout(0.3),
            layers.Dense(10, activation="softmax"),
        ],
        name="improved_cnn",
    )
    return _compiled(model, schedule, smoothed_crossentropy(label_smoothing))


def shifted_batches(x, y, batch_size: int, shift: float, seed: int = 0):
    """A tf.data pipeline of shuffled batches, each image moved by up to ``shift`` of its size (chapters 3, 5).

    The shifts (`keras.layers.RandomTranslation`, black fill) are drawn afresh every epoch,
    so the model never sees exactly the same image twice: cheap data augmentation.
    ``x`` is float32 (N, height, width, channels), or uint8 (N, height, width) as loaded:
    then the pipeline keeps the bytes (a quarter of float32's memory) and converts each
    batch as `prepare_images` does, with the same float32 values.
    """
    import tensorflow as tf
    from keras import layers

    x, y = np.asarray(x), np.asarray(y)
    if not 0 <= shift < 1:
        raise ValueError(f"shift is a fraction of the image size in [0, 1); got {shift!r}")
    as_bytes = x.ndim == 3 and x.dtype == np.uint8
    if not (as_bytes or (x.ndim == 4 and x.dtype == np.float32)) or len(x) != len(y):
        raise ValueError(f"expected float32 images (N, height, width, channels) or uint8 images (N, height, "
                         f"width), and N labels; got {x.dtype} {x.shape} and {y.shape}")  # fmt: skip
    check_labels(y, 2**31, n=len(x), name="y")  # class indices (N,): not one-hot rows, not floats, not negative
    if not as_bytes:
        check_finite("x", x)  # NaN pixels would train on silently
    order = tf.data.Dataset.range(len(x)).shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    batches = order.batch(batch_size).map(lambda i: _gathered(x, y, i))
    if as_bytes:  # the values prepare_images gives: float32 division by 255, then a channel axis
        batches = batches.map(lambda a, b: ((tf.cast(a, tf.float32) / 255.0)[..., None], b))
    if shift:
        shifter = layers.RandomTranslation(shift, shift, fill_mode="constant", seed=seed)
        batches = batches.map(lambda a, b: (shifter(a, training=True), b))
    return batches.prefetch(1)


def _gathered(x, y, index):
    """The images and labels at ``index`` (a tensor), taken from the NumPy arrays (chapters 3, 5).

    Through `tf.numpy_function`, so TensorFlow never holds the whole set: a tensor made of it
    (``tf.constant``) costs two copies, about 90 MB for MNIST's 55,000 uint8 training images.
    """
    import tensorflow as tf

    images, labels = tf.numpy_function(lambda i: (x[i], y[i]), [index], (tf.as_dtype(x.dtype), tf.as_dtype(y.dtype)))
    images.set_shape((None, *x.shape[1:]))
    labels.set_shape((None, *y.shape[1:]))
    return images, labels


def epoch_log():
    """A Keras callback that prints one short line per epoch (chapter 5).

    Keras' own ``verbose=2`` line (time, ms/step, four metrics) is wider than the book's page.
    """
    import keras

    names = {"loss": "loss", "accuracy": "acc", "val_loss": "val_loss", "val_accuracy": "val_acc"}

    class EpochLog(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            metrics = "".join(f"  {short} {logs[key]:.4f}" for key, short in names.items() if key in logs)
            print(f"epoch {epoch + 1}/{self.params['epochs']}{metrics}")

    return EpochLog()


# How the improved model is trained (chapter 5, and the shipped reference model of chapter 6).
IMPROVED_RECIPE = {
    "epochs": 4,
    "batch_size": 128,
    "learning_rate": 5e-3,
    "label_smoothing": 0.1,
    "batch_norm": True,
    "shift": 0.0,
    "seed": 0,
}


def check_recipe(recipe: dict | None) -> dict:
    """`IMPROVED_RECIPE` updated by ``recipe``; refuses unknown keys and impossible values (chapter 5)."""
    recipe = dict(recipe or {})
    unknown = sorted(set(recipe) - set(IMPROVED_RECIPE))
    if unknown:
        raise ValueError(f"unknown recipe key(s) {unknown}; the recipe has {sorted(IMPROVED_RECIPE)}")
    recipe = {**IMPROVED_RECIPE, **recipe}
    recipe["epochs"] = check_int("recipe['epochs']", recipe["epochs"])
    recipe["batch_size"] = check_int("recipe['batch_size']", recipe["batch_size"])
    recipe["seed"] = check_seed(recipe["seed"], "recipe['seed']")
    if not 0 < check_number("recipe['learning_rate']", recipe["learning_rate"]) < 1:
        raise ValueError(f"recipe['learning_rate'] must be in (0, 1); got {recipe['learning_rate']!r}")
    if not 0 <= check_number("recipe['label_smoothing']", recipe["label_smoothing"]) < 1:
        raise ValueError(f"recipe['label_smoothing'] must be in [0, 1); got {recipe['label_smoothing']!r}")
    if not 0 <= check_number("recipe['shift']", recipe["shift"]) < 1:
        raise ValueError(f"recipe['shift'] is a fraction of the image size in [0, 1); got {recipe['shift']!r}")
    if not isinstance(recipe["batch_norm"], bool):
        raise TypeError(f"recipe['batch_norm'] must be True or False; got {recipe['batch_norm']!r}")
    return recipe


def train_improved(x_train, y_train, validation=None, recipe=None, verbose=0, callbacks=None):
    """Build and train `improved_model` with ``recipe``; returns ``(model, history)`` (chapter 5).

    ``x_train`` is what `shifted_batches` takes: float32 images, or the uint8 images as loaded.
    ``callbacks`` go to Keras' ``fit`` (chapter 5's epoch log; benchmarks/bench_time_to_accuracy.py).
    """
    import keras

    recipe = check_recipe(recipe)
    keras.utils.set_random_seed(recipe["seed"])
    steps = recipe["epochs"] * -(-len(x_train) // recipe["batch_size"])
    model = improved_model(recipe["learning_rate"], steps, recipe["batch_norm"], recipe["label_smoothing"])
    batches = shifted_batches(x_train, y_train, recipe["batch_size"], recipe["shift"], recipe["seed"])
    history = model.fit(
        batches,
        epochs=recipe["epochs"],
        validation_data=validation,
        shuffle=False,
        verbose=verbose,
        callbacks=callbacks,
    )
    return model, history


# The trained improved model shipped with the package (made by tools/make_reference_model.py).
REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
REFERENCE_MANIFEST = "improved_cnn.json"


def file_sha256(path) -> str:
    """Hex SHA-256 of a file, read in chunks (the reference model's check; also used by the doctor)."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def recipe_runs(directory=None) -> dict:
    """Measured runs of the recipe over seeds and CPU kernels (benchmarks/bench_mnist_training.py; chapter 5)."""
    path = Path(directory or REFERENCE_DIR) / "recipe_runs.json"
    return json.loads(path.read_text(encoding="utf-8"))


def article_recipe_runs(directory=None) -> dict:
    """The article's own program run as written over seeds (benchmarks/bench_article_recipe.py; chapter 5)."""
    path = Path(directory or REFERENCE_DIR) / "article_recipe_runs.json"
    return json.loads(path.read_text(encoding="utf-8"))


def reference_manifest(directory=None) -> dict:
    """What the shipped model is: file, SHA-256, recipe, accuracies, library versions (chapters 5 and 6)."""
    path = Path(directory or REFERENCE_DIR) / REFERENCE_MANIFEST
    fix = "reinstall the companion package, or recreate the reference model with `python tools/make_reference_model.py`"
    try:
        manifest = json.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"{path} is missing: {fix}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path} is not a readable manifest (not UTF-8 JSON: {exc}): {fix}") from None
    if not isinstance(manifest, dict) or not {"file", "sha256"} <= set(manifest):
        raise ValueError(f"{path} is not a manifest with 'file' and 'sha256': {fix}")
    name = manifest["file"]
    if not isinstance(name, str) or not name or Path(name).name != name or name in (".", ".."):
        raise ValueError(f"{path}: 'file' must name a file in its own folder; got {name!r}: {fix}")
    return manifest


SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def manifest_sha256(manifest: dict, where="the manifest") -> str:
    """The manifest's SHA-256 as 64 lower-case hex digits (upper case and a ``sha256:`` prefix accepted)."""
    value = manifest["sha256"]
    digest = value.strip().lower().removeprefix("sha256:") if isinstance(value, str) else ""
    if not SHA256_HEX.fullmatch(digest):
        raise ValueError(f"{where}: 'sha256' must be 64 hexadecimal digits (optionally prefixed 'sha256:'); got "
                         f"{value!r}: recreate it with `python tools/make_reference_model.py`")  # fmt: skip
    return digest


def code_in_keras_file(path) -> list[str]:
    """What in a .keras file's config.json would run code other than Keras' own layers (names, empty if none).

    A Keras model file names the Python class of every object it holds; the shipped model
    holds only ``keras.*`` classes. Anything else (``os.system``, a Lambda layer, a custom
    object) is code the file asks to run.
    """
    with zipfile.ZipFile(path) as archive:
        config = json.loads(archive.read("config.json").decode("utf-8"))
    found = []

    def walk(node):
        if isinstance(node, dict):
            module, name = node.get("module"), node.get("class_name")
            if isinstance(name, str) and (module is not None or "config" in node):
                from_keras = isinstance(module, str) and (module == "keras" or module.startswith("keras."))
                if not from_keras or name in ("Lambda", "__lambda__") or node.get("registered_name") is not None:
                    found.append(f"{module}.{name}")
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(config)
    return found


def layer_signature(model) -> list[tuple[str, dict]]:
    """Each layer's class and configuration without its name: what makes two architectures the same."""
    ignored = {"name", "dtype", "trainable"}
    return [
        (type(layer).__name__, {k: v for k, v in layer.get_config().items() if k not in ignored})
        for layer in model.layers
    ]


def reference_mnist_cnn(directory=None):
    """The shipped improved CNN, checked before use: SHA-256, ``safe_mode=True``, today's architecture (chapter 6).

    Every reader's chapter 6 explains this same network, whatever their CPU, without training.
    The SHA-256 check catches a damaged or incomplete file, not a deliberate replacement: the
    manifest ships beside the model, and whoever replaces one can replace both. ``safe_mode`` is
    designed to refuse Python code in a file, and Keras has fixed ways around it (chapter 5):
    load only model files you trust.
    """
    import keras

    folder = Path(directory or REFERENCE_DIR)
    manifest = reference_manifest(folder)
    path = folder / manifest["file"]
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: reinstall the companion package")
    wanted, digest = manifest_sha256(manifest, folder / REFERENCE_MANIFEST), file_sha256(path)
    if digest != wanted:
        raise ValueError(f"{path} has SHA-256 {digest[:16]}…, not the manifest's {wanted[:16]}…: "
                         "the file is corrupt or was replaced; reinstall the companion package")  # fmt: skip
    both_replaced = "its manifest's SHA-256 matches it, so the file and the manifest were both replaced"
    try:
        code = code_in_keras_file(path)
    except (zipfile.BadZipFile, KeyError, UnicodeDecodeError, json.JSONDecodeError, OSError, EOFError) as exc:
        raise ValueError(f"{path} is not a readable .keras archive ({type(exc).__name__}: {exc}); {both_replaced} "
                         "(a truncated copy?): reinstall the companion package") from None  # fmt: skip
    if code:
        raise ValueError(f"{path} tries to run code when loaded (it names {', '.join(sorted(set(code))[:3])}); "
                         f"refused. The shipped model holds only Keras layers; {both_replaced}: reinstall the "
                         "companion package and load only model files you trust")  # fmt: skip
    try:
        model = keras.models.load_model(path, safe_mode=True, compile=False)
    except Exception as exc:  # Keras' messages for a damaged file name no cause ("File not found" for a bad zip)
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise ValueError(f"{path} passed its SHA-256 check but Keras cannot load it ({type(exc).__name__}: "
                         f"{reason}); {both_replaced}: reinstall the companion package") from None  # fmt: skip
    expected = improved_model(batch_norm=manifest["recipe"]["batch_norm"])
    if layer_signature(model) != layer_signature(expected):
        raise ValueError(f"{path} does not have the architecture of companion.models.improved_model: "
                         "recreate it with `python tools/make_reference_model.py`")  # fmt: skip
    return _compiled(model, manifest["recipe"]["learning_rate"])
