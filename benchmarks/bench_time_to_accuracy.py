"""Benchmark: training time to 99.2 % of chapter 5's improved CNN against keras.io's reference convnet.

Both models train in this one process, one after the other, on the first 55,000 MNIST training
images, and are judged after every epoch on the last 5,000 (the validation split chapter 5
chooses its recipe by; the test set is evaluated once, after the last epoch, for the record).
The reference is keras.io's "Simple MNIST convnet" rebuilt from its published description
(`companion.models.keras_io_convnet`: two conv + max-pool blocks of 32 and 64 filters, dropout
0.5, Adam, batch 128, up to 15 epochs); keras.io reports 99.22 % test accuracy for it.
The improved model trains with the book's recipe (`IMPROVED_RECIPE`).

For each model: validation accuracy and elapsed training seconds after each epoch (``fit``'s
wall time including its per-epoch validation pass, the same for both), and the time at which
validation accuracy first reaches the target. The ratio of the two times is the figure that
carries over to other machines; absolute seconds differ 2-3x between CPUs of one kind. If the
reference never reaches the target, the ratio to its whole training time is an upper bound.
Needs MNIST: set ``MNIST_PATH`` on a machine without internet.
Run: ``python benchmarks/bench_time_to_accuracy.py [--reference-epochs 15] [--json FILE]``
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import companion

TARGET = 0.992


def epoch_timer():
    """A Keras callback recording elapsed seconds and validation accuracy after each epoch."""
    import keras

    class EpochTimer(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.epochs = []

        def on_train_begin(self, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.epochs.append(
                {
                    "epoch": epoch + 1,
                    "seconds": round(time.perf_counter() - self.start, 2),
                    "val_accuracy": round(float(logs["val_accuracy"]), 4),
                }
            )

    return EpochTimer()


def first_reaching(epochs: list[dict], target: float) -> dict | None:
    """The first epoch whose validation accuracy is at least ``target``, or None."""
    return next((e for e in epochs if e["val_accuracy"] >= target), None)


def summary(name: str, epochs: list[dict], test_accuracy: float, target: float) -> dict:
    """One model's record: its epochs, when it first reached the target, its final test accuracy."""
    reached = first_reaching(epochs, target)
    return {
        "model": name,
        "epochs": epochs,
        "seconds_to_target": reached["seconds"] if reached else None,
        "epochs_to_target": reached["epoch"] if reached else None,
        "test_accuracy_after_training": round(float(test_accuracy), 4),
    }


def race(reference_epochs: int = 15, target: float = TARGET) -> dict:
    """Train both models; return their per-epoch records and the time ratio (improved / reference)."""
    companion.setup(seed=0, tensorflow=True)
    import keras

    from companion.data import load_mnist
    from companion.models import keras_io_convnet, prepare_images, train_improved

    (x_train, y_train), (x_test, y_test) = load_mnist()
    x_fit, y_fit = prepare_images(x_train[:55_000]), y_train[:55_000]
    x_val, y_val = prepare_images(x_train[55_000:]), y_train[55_000:]
    x_test = prepare_images(x_test)

    timer = epoch_timer()
    model, _ = train_improved(x_fit, y_fit, validation=(x_val, y_val), callbacks=[timer])
    improved = summary("improved CNN (chapter 5)", timer.epochs, model.evaluate(x_test, y_test, verbose=0)[1], target)
    del model
    keras.backend.clear_session()

    keras.utils.set_random_seed(0)
    timer = epoch_timer()
    model = keras_io_convnet()
    model.fit(
        x_fit, y_fit, batch_size=128, epochs=reference_epochs, validation_data=(x_val, y_val), verbose=0,
        callbacks=[timer],
    )  # fmt: skip
    reference = summary("keras.io convnet", timer.epochs, model.evaluate(x_test, y_test, verbose=0)[1], target)

    return {"target": target, "improved": improved, "reference": reference, **time_ratio(improved, reference)}


def time_ratio(improved: dict, reference: dict) -> dict:
    """Improved / reference time to the target; an upper bound if the reference never got there.

    A reference that never reaches the target within its epochs would need more than all of
    its training time, so improved time / reference's total time bounds the ratio from above.
    """
    if improved["seconds_to_target"] is None:
        return {"time_ratio": None, "time_ratio_is_upper_bound": False}
    reached = reference["seconds_to_target"]
    total = reference["epochs"][-1]["seconds"]
    ratio = improved["seconds_to_target"] / (reached if reached is not None else total)
    return {"time_ratio": ratio, "time_ratio_is_upper_bound": reached is None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference-epochs", type=int, default=15)
    parser.add_argument("--json", type=Path, help="write the result to this JSON file")
    args = parser.parse_args()
    result = race(args.reference_epochs)
    for key in ("improved", "reference"):
        record = result[key]
        print(f"{record['model']}:")
        for e in record["epochs"]:
            print(f"  epoch {e['epoch']:>2}: {e['seconds']:7.1f} s  validation {e['val_accuracy']:.2%}")
        print(f"  reaches {result['target']:.1%} after {record['seconds_to_target']} s; "
              f"test accuracy after training {record['test_accuracy_after_training']:.2%}")  # fmt: skip
    ratio, bound = result["time_ratio"], "< " if result["time_ratio_is_upper_bound"] else ""
    print(f"time ratio improved / reference: {bound}{ratio:.2f} (target <= 0.25)" if ratio else "improved missed")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
