"""Benchmark: chapter 3's NumPy CNN against chapter 2's MLP on the same budget, over seeds.

Chapter 3 (§3.11) trains `companion.cnn_model.NumpyCNN(filters=16)` and the 784-300-10
`companion.fnn.MLP` on the same budget: the first 20,000 MNIST training images, three epochs,
mini-batches of 64, Adam at 2e-3, float32; and it compares their test accuracies. This script
repeats that comparison for each seed (the seed of the initial weights and of the mini-batch
order, both; seed 0 is the chapter's run) and prints each model's test accuracy and final
training loss, so the chapter can show the gap beside the seed-to-seed spread. NumPy only.
Needs MNIST: set ``MNIST_PATH`` on a machine without internet.

``--json FILE --label NAME`` also records the runs in FILE under NAME (replacing earlier runs of
that label), with the CPU, the kernel settings and the library versions. Chapter 3 reads
``companion/reference/cnn_vs_mlp_runs.json``, made by::

    python benchmarks/bench_cnn_vs_mlp.py --seeds 0 1 2 3 4 \
        --json companion/reference/cnn_vs_mlp_runs.json --label normal
    ONEDNN_MAX_CPU_ISA=AVX OPENBLAS_NUM_THREADS=1 python3.12 benchmarks/bench_cnn_vs_mlp.py --seeds 0 1 2 3 4 \
        --json companion/reference/cnn_vs_mlp_runs.json --label perturbed
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

BUDGET = {"images": 20_000, "epochs": 3, "batch_size": 64, "learning_rate": 2e-3}


def train_both(x_fit, d_fit, x_test, d_test, seed: int) -> dict:
    """Test accuracy, final training loss and fit seconds of the CNN and the MLP for one seed."""
    from companion.cnn_model import NumpyCNN
    from companion.fnn import MLP
    from companion.optim import Adam, fit

    models = {
        "cnn": (NumpyCNN(filters=16, seed=seed), x_fit, x_test),
        "mlp": (
            MLP([784, 300, 10], activation="relu", seed=seed, dtype=np.float32),
            x_fit.reshape(len(x_fit), -1),
            x_test.reshape(len(x_test), -1),
        ),
    }
    result = {"seed": seed}
    for name, (model, x_train, x_eval) in models.items():
        start = time.perf_counter()
        history = fit(
            model,
            x_train,
            d_fit,
            Adam(lr=BUDGET["learning_rate"]),
            epochs=BUDGET["epochs"],
            batch_size=BUDGET["batch_size"],
            seed=seed,
            progress=False,
        )
        seconds = time.perf_counter() - start
        result[name] = {
            "test_accuracy": round(model.accuracy(x_eval, d_test), 4),
            "final_loss": round(history["loss"][-1], 4),
            "fit_seconds": round(seconds, 1),
        }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--json", type=Path, help="also record the runs in this JSON file")
    parser.add_argument("--label", default="normal", help="name of this set of runs in the JSON file")
    args = parser.parse_args()
    from companion.data import load_mnist, scale_images

    (x_train, d_train), (x_test, d_test) = load_mnist()
    x_fit = scale_images(x_train[: BUDGET["images"]])[..., None]
    d_fit = d_train[: BUDGET["images"]].astype(np.int64)
    x_test = scale_images(x_test)[..., None]
    print(f"budget {BUDGET}")
    print(f"{'seed':>4}{'CNN test':>10}{'MLP test':>10}{'gap':>8}{'CNN s':>8}{'MLP s':>8}")
    runs = []
    for seed in args.seeds:
        run = train_both(x_fit, d_fit, x_test, d_test, seed)
        cnn, mlp = run["cnn"], run["mlp"]
        gap = cnn["test_accuracy"] - mlp["test_accuracy"]
        print(
            f"{seed:>4}{cnn['test_accuracy']:>10.2%}{mlp['test_accuracy']:>10.2%}{gap:>8.2%}"
            f"{cnn['fit_seconds']:>8.0f}{mlp['fit_seconds']:>8.0f}",
            flush=True,
        )
        runs.append(run)
    if args.json:
        record(args.json, args.label, runs)


def machine() -> dict:
    """The CPU, the kernel settings and the library versions that the numbers depend on."""
    from companion.doctor import cpu_model

    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
        "python": platform.python_version(),
        "numpy": np.__version__,
    }


def record(path: Path, label: str, runs: list) -> None:
    """Store ``runs`` under ``label`` in the JSON file at ``path``, keeping the other labels."""
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    data[label] = {"budget": BUDGET, "machine": machine(), "command": " ".join(sys.argv[1:]), "runs": runs}
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
