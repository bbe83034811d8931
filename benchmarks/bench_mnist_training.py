"""Benchmark: training time and test accuracy of chapter 5's improved CNN, and what each ingredient buys.

Trains `companion.models.train_improved` on the first 55,000 MNIST training images (kept as uint8,
as chapter 5 does) with the book's recipe (`IMPROVED_RECIPE`), and with one ingredient changed at a
time (``VARIANTS``: with random shifts of up to 8 % of the image, without batch normalisation,
without label smoothing, one epoch less), for each requested seed, and prints the validation
accuracy (last 5,000 training images, what the recipe is chosen by), the wall and CPU seconds of
`fit` (on a shared machine the CPU seconds are the steadier figure), and for the book's recipe
alone the test accuracy. A variant's test accuracy is never computed: a recipe chosen between
variants must not lean on the test set, and a number in a results file is soon a number someone
looked at (chapter 5, test-set hygiene). Also prints the process's peak resident memory. To see how
the numbers move with the CPU's kernels, run it again with
``ONEDNN_MAX_CPU_ISA=AVX OPENBLAS_NUM_THREADS=1``.
Needs MNIST: set ``MNIST_PATH`` on a machine without internet.
Run: ``python benchmarks/bench_mnist_training.py [--seeds 0 1 2] [--epochs 3] [--variants book ...]``

``--json FILE --label NAME`` also records the runs in FILE under NAME (replacing earlier runs of
that label), with the CPU, the kernel settings and the library versions. Chapter 5 reads the
book recipe's seed spread from ``companion/reference/recipe_runs.json``, made by::

    python benchmarks/bench_mnist_training.py --variants book --seeds 0 1 2 3 4 \
        --json companion/reference/recipe_runs.json --label normal
    ONEDNN_MAX_CPU_ISA=AVX OPENBLAS_NUM_THREADS=1 python benchmarks/bench_mnist_training.py \
        --variants book --seeds 0 1 2 3 4 --json companion/reference/recipe_runs.json --label perturbed
    python benchmarks/bench_mnist_training.py --variants with-shifts no-batch-norm no-label-smoothing \
        3-epochs --seeds 0 1 2 3 4 --json companion/reference/recipe_runs.json --label ablation
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path

import companion

# The book's recipe, and the recipe with one ingredient changed (chapter 5 shows what each buys).
VARIANTS = {
    "book": {},
    "with-shifts": {"shift": 0.08},
    "no-batch-norm": {"batch_norm": False},
    "no-label-smoothing": {"label_smoothing": 0.0},
    "3-epochs": {"epochs": 3},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--epochs", type=int, default=None, help="default: the recipe's")
    parser.add_argument("--variants", nargs="+", choices=sorted(VARIANTS), default=list(VARIANTS))
    parser.add_argument("--json", type=Path, help="also record the runs in this JSON file")
    parser.add_argument("--label", default="normal", help="name of this set of runs in the JSON file")
    args = parser.parse_args()
    companion.setup(seed=0, tensorflow=True)
    from companion.data import load_mnist
    from companion.models import IMPROVED_RECIPE, prepare_images, train_improved

    (x_train, y_train), (x_test, y_test) = load_mnist()
    x_fit, y_fit, x_test = x_train[:55_000], y_train[:55_000], prepare_images(x_test)
    x_val, y_val = prepare_images(x_train[55_000:]), y_train[55_000:]
    print(f"recipe {IMPROVED_RECIPE}" + (f", epochs {args.epochs}" if args.epochs else ""))
    print(f"{'variant':<20}{'seed':>5}{'validation':>12}{'test':>9}{'fit seconds':>13}{'CPU seconds':>13}")
    runs = []
    for name in args.variants:
        for seed in args.seeds:
            recipe = {**VARIANTS[name], "seed": seed} | ({"epochs": args.epochs} if args.epochs else {})
            start, start_cpu = time.perf_counter(), time.process_time()
            model, history = train_improved(x_fit, y_fit, validation=(x_val, y_val), recipe=recipe)
            seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - start_cpu
            val = history.history["val_accuracy"][-1]
            # the test set scores the chosen recipe only: a variant's test score could sway the choice
            accuracy = model.evaluate(x_test, y_test, verbose=0)[1] if name == "book" else None
            test = f"{accuracy:>9.2%}" if accuracy is not None else f"{'-':>9}"
            print(f"{name:<20}{seed:>5}{val:>12.2%}{test}{seconds:>13.1f}{cpu_seconds:>13.1f}", flush=True)
            runs.append({"variant": name, "seed": seed, "recipe": {**IMPROVED_RECIPE, **recipe},
                         "validation_accuracy": round(val, 4),
                         "test_accuracy": None if accuracy is None else round(accuracy, 4),
                         "fit_seconds": round(seconds, 1), "fit_cpu_seconds": round(cpu_seconds, 1),
                         "last_epoch": {k: round(v[-1], 4) for k, v in history.history.items()}})  # fmt: skip
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"peak resident memory of this process: {peak:.2f} GiB")
    if args.json:
        record(args.json, args.label, runs)


def machine() -> dict:
    """The CPU, the kernel settings and the library versions that the numbers depend on."""
    import keras
    import numpy as np
    import tensorflow as tf

    from companion.doctor import cpu_model

    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "ONEDNN_MAX_CPU_ISA": os.environ.get("ONEDNN_MAX_CPU_ISA", "default"),
        "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
    }


def record(path: Path, label: str, runs: list) -> None:
    """Store ``runs`` under ``label`` in the JSON file at ``path``, keeping the other labels."""
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    data[label] = {"machine": machine(), "command": " ".join(sys.argv[1:]), "runs": runs}
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
