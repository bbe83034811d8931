"""Benchmark: the article's own program (§4), run as written with only the two changes Keras 3 requires.

The article loads MNIST, divides ``astype('float32')`` images by 255, builds Conv2D(32, 3 x 3)
-> MaxPooling2D -> Flatten -> Dense(10, softmax), compiles it with ``Adam(lr=0.001)`` and the
function ``categorical_crossentropy``, and trains for 10 epochs of batch 128 on all 60,000
training images with ``validation_data=(x_test, y_test)``; then it evaluates on the test set.
Keras 3 needs two changes to run it, the ones chapter 5 makes: ``learning_rate`` for ``lr``, and
``sparse_categorical_crossentropy`` for ``categorical_crossentropy`` (the labels are integers).
Nothing else changes: no validation split, no channel axis (Keras adds it), the article's batch
size and epochs. The only additions are a seed per run (the article sets none), ``verbose=0``,
and the book's verified loader in place of ``mnist.load_data()`` (identical arrays, offline).

For each seed it prints, and records: the test accuracy of ``model.evaluate`` after the last
epoch, and the accuracy that Keras reports as ``val_accuracy`` after every epoch, which is the
*test* set's (the article passes the test set as its validation data), with the wall time of
``fit`` and the process's peak resident memory after it (Linux ``ru_maxrss``; after the
first seed, the peak of one run of the program, data, TensorFlow and all). Chapter 5 quotes
the results from ``companion/reference/article_recipe_runs.json``, made by::

    python benchmarks/bench_article_recipe.py --seeds 0 1 2 3 4 \
        --json companion/reference/article_recipe_runs.json --label normal
    ONEDNN_MAX_CPU_ISA=AVX OPENBLAS_NUM_THREADS=1 python benchmarks/bench_article_recipe.py \
        --seeds 0 1 2 3 4 --json companion/reference/article_recipe_runs.json --label perturbed

(the second line: other CPU kernels, as the book's CI forces them). About 1 minute per seed on
two CPU cores. Needs MNIST: set ``MNIST_PATH`` on a machine without internet.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import companion

ARTICLE = {"epochs": 10, "batch_size": 128, "learning_rate": 0.001}


def article_program(seed: int, epochs: int = ARTICLE["epochs"]) -> dict:
    """The article's §4 program with Keras 3's two required changes; one seed's record."""
    import keras
    from keras.layers import Conv2D, Dense, Flatten, MaxPooling2D
    from keras.losses import sparse_categorical_crossentropy  # change 2
    from keras.models import Sequential
    from keras.optimizers import Adam

    from companion.data import load_mnist

    keras.utils.set_random_seed(seed)  # the article sets no seed
    (x_train, y_train), (x_test, y_test) = load_mnist()  # mnist.load_data()
    x_train = x_train.astype("float32") / 255
    x_test = x_test.astype("float32") / 255

    model = Sequential()
    model.add(Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)))
    model.add(MaxPooling2D((2, 2)))
    model.add(Flatten())
    model.add(Dense(10, activation="softmax"))

    model.compile(
        optimizer=Adam(learning_rate=ARTICLE["learning_rate"]),  # change 1: lr
        loss=sparse_categorical_crossentropy,
        metrics=["accuracy"],
    )
    start = time.perf_counter()
    history = model.fit(
        x_train,
        y_train,
        epochs=epochs,
        batch_size=ARTICLE["batch_size"],
        validation_data=(x_test, y_test),
        verbose=0,
    )
    seconds = time.perf_counter() - start
    test_loss, test_acc = model.evaluate(x_test, y_test, verbose=0)
    return {
        "seed": seed,
        "epochs": epochs,
        "batch_size": ARTICLE["batch_size"],
        "learning_rate": ARTICLE["learning_rate"],
        "test_accuracy": round(float(test_acc), 4),
        "test_loss": round(float(test_loss), 4),
        "fit_seconds": round(seconds, 1),
        # what Keras calls validation: the test set, after every epoch
        "val_accuracy_per_epoch": [round(float(a), 4) for a in history.history["val_accuracy"]],
        "val_loss_per_epoch": [round(float(a), 4) for a in history.history["val_loss"]],
        "train_accuracy_per_epoch": [round(float(a), 4) for a in history.history["accuracy"]],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--epochs", type=int, default=ARTICLE["epochs"], help="default: the article's 10")
    parser.add_argument("--json", type=Path, help="also record the runs in this JSON file")
    parser.add_argument("--label", default="normal", help="name of this set of runs in the JSON file")
    args = parser.parse_args()
    companion.setup(seed=0, tensorflow=True)
    import warnings

    # Keras 3 accepts input_shape on the first layer but warns that it is deprecated
    warnings.filterwarnings("ignore", message="Do not pass an `input_shape`")
    print(f"the article's program: {ARTICLE | {'epochs': args.epochs}}")
    print(f"{'seed':>4}{'test (evaluate)':>17}{'test after each epoch (reported as val_accuracy)':>52}{'fit s':>8}")
    runs = []
    for seed in args.seeds:
        run = article_program(seed, args.epochs)
        # the process's peak so far: after the first run, the peak of one run of the program
        run["process_peak_rss_gib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2)
        per_epoch = " ".join(f"{a:.4f}" for a in run["val_accuracy_per_epoch"])
        print(f"{seed:>4}{run['test_accuracy']:>17.2%}  {per_epoch:>50}{run['fit_seconds']:>8.1f}", flush=True)
        runs.append(run)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"peak resident memory of this process: {peak:.2f} GiB")
    if args.json:
        record(args.json, args.label, runs)


def record(path: Path, label: str, runs: list) -> None:
    """Store ``runs`` under ``label`` in the JSON file at ``path``, keeping the other labels."""
    from bench_mnist_training import machine  # the benchmarks' folder is on sys.path when run as a script

    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    data[label] = {"machine": machine(), "command": " ".join(sys.argv[1:]), "runs": runs}
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
