"""Train chapter 5's improved CNN once and ship it as the package's reference model (chapter 6).

Usage: ``python tools/make_reference_model.py`` (set ``MNIST_PATH`` on a machine without internet).

Trains `companion.models.train_improved` with `IMPROVED_RECIPE` on the first 55,000 MNIST
training images, exactly as chapter 5 does, measures its validation accuracy (the last 5,000
training images) and its test accuracy, and writes into ``companion/reference/``:

* ``improved_cnn.keras``: the weights and architecture, without optimiser state (about 1.7 MB);
* ``improved_cnn.json``: the manifest that `reference_mnist_cnn` checks before loading: the
  file's SHA-256, the recipe, the accuracies, and the library versions and CPU it was made on.

Run it again whenever `improved_model` or the recipe changes (a test fails until you do), then
re-execute chapters 5 and 6. Commit both files.
"""

from __future__ import annotations

import json
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import companion  # noqa: E402


def main() -> int:
    companion.setup(seed=0, tensorflow=True)
    import keras
    import tensorflow as tf

    from companion.data import load_mnist
    from companion.doctor import cpu_model
    from companion.models import (
        IMPROVED_RECIPE,
        REFERENCE_DIR,
        REFERENCE_MANIFEST,
        file_sha256,
        prepare_images,
        train_improved,
    )

    (x_train, y_train), (x_test, y_test) = load_mnist()
    x_fit, y_fit = prepare_images(x_train[:55_000]), y_train[:55_000]
    x_val, y_val = prepare_images(x_train[55_000:]), y_train[55_000:]
    model, _ = train_improved(x_fit, y_fit, validation=(x_val, y_val), verbose=2)
    val_accuracy = float(model.evaluate(x_val, y_val, verbose=0)[1])
    test_accuracy = float(model.evaluate(prepare_images(x_test), y_test, verbose=0)[1])

    config = keras.saving.serialize_keras_object(model)
    config.pop("compile_config", None)  # uncompiled: the file carries no optimiser state
    bare = keras.saving.deserialize_keras_object(config)
    bare.set_weights(model.get_weights())
    REFERENCE_DIR.mkdir(exist_ok=True)
    path = REFERENCE_DIR / "improved_cnn.keras"
    bare.save(path)
    manifest = {
        "file": path.name,
        "sha256": file_sha256(path),
        "recipe": IMPROVED_RECIPE,
        "n_train": len(x_fit),
        "validation_accuracy": round(val_accuracy, 4),
        "test_accuracy": round(test_accuracy, 4),
        "keras": keras.__version__,
        "tensorflow": tf.__version__,
        "python": platform.python_version(),
        "cpu": cpu_model(),
    }
    (REFERENCE_DIR / REFERENCE_MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(manifest, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
