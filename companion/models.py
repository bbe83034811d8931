"""Keras models for MNIST: the article's CNN, fixed for Keras 3, and an improved one (chapters 3, 5, 6).

Importing this module imports TensorFlow/Keras; call ``companion.setup(tensorflow=True)``
first so that TensorFlow starts quietly with fixed threads and seeds.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
from pathlib import Path

import numpy as np

__all__ = [
    "IMPROVED_RECIPE",
    "article_model",
    "cache_dir",
    "improved_model",
    "prepare_images",
    "shifted_batches",
    "store_trained_mnist_cnn",
    "train_improved",
    "trained_mnist_cnn",
]


def prepare_images(x_uint8) -> np.ndarray:
    """uint8 (N, 28, 28) digits -> float32 (N, 28, 28, 1) in [0, 1], the channel axis Conv2D needs."""
    x = np.asarray(x_uint8)
    if x.dtype != np.uint8 or x.ndim != 3:
        raise ValueError(f"expected uint8 images of shape (N, height, width); got {x.dtype} {x.shape}")
    return (x.astype(np.float32) / 255.0)[..., None]


def _compiled(model, learning_rate):
    """Compile a digit classifier with Adam, integer labels (sparse cross-entropy) and accuracy."""
    import keras

    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss="sparse_categorical_crossentropy",
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


def improved_model(learning_rate: float = 5e-3, steps: int | None = None, batch_norm: bool = True):
    """Two strided conv blocks and a dense head, with batch normalisation and a warm-up + cosine schedule (chapter 5).

    Strided convolutions replace max pooling: on a 2-core CPU they halve the time per epoch
    for the same accuracy. Batch normalisation after each convolution and after the hidden
    dense layer lets the model train fast at a high learning rate (``batch_norm=False``
    leaves it out, for comparison). ``steps`` (total optimisation steps) enables the schedule.
    """
    import keras
    from keras import layers

    if steps is not None:
        warmup = max(1, int(0.15 * steps))
        schedule = keras.optimizers.schedules.CosineDecay(
            learning_rate / 10, decay_steps=max(1, steps - warmup), warmup_target=learning_rate, warmup_steps=warmup
        )
    else:
        schedule = learning_rate

    def block(layer_class, **kwargs):
        """A linear layer, then batch normalisation (which makes its bias redundant), then ReLU."""
        if batch_norm:
            return [layer_class(use_bias=False, **kwargs), layers.BatchNormalization(), layers.Activation("relu")]
        return [layer_class(activation="relu", **kwargs)]

    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            *block(layers.Conv2D, filters=32, kernel_size=5, strides=2, padding="same"),
            *block(layers.Conv2D, filters=64, kernel_size=3, strides=2, padding="same"),
            layers.Flatten(),
            *block(layers.Dense, units=128),
            layers.Dropout(0.3),
            layers.Dense(10, activation="softmax"),
        ],
        name="improved_cnn",
    )
    return _compiled(model, schedule)


def shifted_batches(x, y, batch_size: int, shift: float, seed: int = 0):
    """A tf.data pipeline of shuffled batches, each image moved by up to ``shift`` of its size (chapter 5).

    The shifts (`keras.layers.RandomTranslation`, black fill) are drawn afresh every epoch,
    so the model never sees exactly the same image twice: cheap data augmentation.
    """
    import tensorflow as tf
    from keras import layers

    x, y = np.asarray(x), np.asarray(y)
    if not 0 <= shift < 1:
        raise ValueError(f"shift is a fraction of the image size in [0, 1); got {shift!r}")
    if x.ndim != 4 or x.dtype != np.float32 or len(x) != len(y):
        raise ValueError(f"expected float32 images (N, height, width, channels) and N labels; got {x.dtype} "
                         f"{x.shape} and {y.shape} (use prepare_images)")  # fmt: skip
    images, labels = tf.constant(x), tf.constant(y)
    order = tf.data.Dataset.range(len(x)).shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    batches = order.batch(batch_size).map(lambda i: (tf.gather(images, i), tf.gather(labels, i)))
    if shift:
        shifter = layers.RandomTranslation(shift, shift, fill_mode="constant", seed=seed)
        batches = batches.map(lambda a, b: (shifter(a, training=True), b))
    return batches.prefetch(1)


# How the improved model is trained; part of the cache key, so changing it retrains.
IMPROVED_RECIPE = {"epochs": 3, "batch_size": 128, "learning_rate": 5e-3, "shift": 0.08, "batch_norm": True, "seed": 0}
CACHE_ENV_VAR = "NNBOOK_CACHE"


def cache_dir() -> Path:
    """Where trained models are cached: ``$NNBOOK_CACHE``, else ``~/.cache/nnbook`` (chapters 5 and 6)."""
    return Path(os.environ.get(CACHE_ENV_VAR) or Path.home() / ".cache" / "nnbook")


def train_improved(x_train, y_train, validation=None, recipe=None, verbose=0):
    """Build and train `improved_model` with ``recipe``; returns ``(model, history)`` (chapter 5)."""
    import keras

    recipe = {**IMPROVED_RECIPE, **(recipe or {})}
    keras.utils.set_random_seed(recipe["seed"])
    steps = recipe["epochs"] * -(-len(x_train) // recipe["batch_size"])
    model = improved_model(recipe["learning_rate"], steps, recipe["batch_norm"])
    batches = shifted_batches(x_train, y_train, recipe["batch_size"], recipe["shift"], recipe["seed"])
    history = model.fit(batches, epochs=recipe["epochs"], validation_data=validation, shuffle=False, verbose=verbose)
    return model, history


def _cache_key(recipe: dict, n_train: int) -> str:
    """Hash of everything the trained weights depend on: code, recipe, data, library version."""
    import keras

    from companion.data import MNIST_SHA256

    parts = [
        inspect.getsource(improved_model),
        inspect.getsource(_compiled),
        inspect.getsource(train_improved),
        inspect.getsource(shifted_batches),
        json.dumps(recipe, sort_keys=True),
        str(n_train),
        json.dumps(MNIST_SHA256, sort_keys=True),
        keras.__version__,
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _cache_path(recipe, n_train: int, directory) -> Path:
    """The cache file for a recipe and training-set size."""
    recipe = {**IMPROVED_RECIPE, **(recipe or {})}
    folder = Path(directory) if directory is not None else cache_dir()
    return folder / f"improved_cnn-{_cache_key(recipe, n_train)}.keras"


def store_trained_mnist_cnn(model, recipe=None, n_train: int = 55_000, directory=None) -> Path:
    """Save a model trained by `train_improved` where `trained_mnist_cnn` looks for it (chapter 5)."""
    path = _cache_path(recipe, n_train, directory)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial.keras")
    model.save(partial)
    partial.replace(path)  # atomic: a crash never leaves a half-written cache file
    return path


def trained_mnist_cnn(recipe=None, n_train: int = 55_000, directory=None, log=print):
    """The improved CNN trained on the first ``n_train`` MNIST training images, cached on disk.

    The first call trains (about a minute on two cores) and saves a ``.keras`` file named by a
    hash of the model code, the recipe, the data and the Keras version; later calls load it
    with ``safe_mode=True``. A file that fails to load is deleted and rebuilt, never trusted.
    Used by chapters 5 and 6.
    """
    import keras

    from companion.data import load_mnist

    recipe = {**IMPROVED_RECIPE, **(recipe or {})}
    path = _cache_path(recipe, n_train, directory)
    if path.is_file():
        try:
            return keras.models.load_model(path, safe_mode=True)
        except Exception as exc:  # a truncated or foreign file: rebuild it
            log(f"cached model {path.name} is unreadable ({type(exc).__name__}); retraining")
            path.unlink()
    (x_train, y_train), _ = load_mnist()
    model, _ = train_improved(prepare_images(x_train[:n_train]), y_train[:n_train], recipe=recipe)
    store_trained_mnist_cnn(model, recipe, n_train, directory)
    return model
