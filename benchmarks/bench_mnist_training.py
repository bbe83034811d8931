"""Benchmark: training time and test accuracy of chapter 5's improved CNN, and what each ingredient buys.

Trains `companion.models.train_improved` on the first 55,000 MNIST training images with the
book's recipe (`IMPROVED_RECIPE`), and with batch normalisation or the random shifts left out,
for each requested seed, and prints the test accuracy and the wall time of `fit` (target:
>= 99.2 % in <= 60 s on two CPU cores). Also prints the process's peak resident memory.
Needs MNIST: set ``MNIST_PATH`` on a machine without internet.
Run: ``python benchmarks/bench_mnist_training.py [--seeds 0 1 2] [--epochs 3] [--variants book ...]``
"""

from __future__ import annotations

import argparse
import resource
import time

import companion

VARIANTS = {
    "book": {},
    "no-shifts": {"shift": 0.0},
    "no-batch-norm": {"batch_norm": False},
    "neither": {"shift": 0.0, "batch_norm": False},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--epochs", type=int, default=None, help="default: the recipe's")
    parser.add_argument("--variants", nargs="+", choices=sorted(VARIANTS), default=list(VARIANTS))
    args = parser.parse_args()
    companion.setup(seed=0, tensorflow=True)
    from companion.data import load_mnist
    from companion.models import IMPROVED_RECIPE, prepare_images, train_improved

    (x_train, y_train), (x_test, y_test) = load_mnist()
    x_fit, y_fit, x_test = prepare_images(x_train[:55_000]), y_train[:55_000], prepare_images(x_test)
    print(f"recipe {IMPROVED_RECIPE}" + (f", epochs {args.epochs}" if args.epochs else ""))
    print(f"{'variant':<15}{'seed':>5}{'test accuracy':>15}{'fit seconds':>13}")
    for name in args.variants:
        for seed in args.seeds:
            recipe = {**VARIANTS[name], "seed": seed} | ({"epochs": args.epochs} if args.epochs else {})
            start = time.perf_counter()
            model, _ = train_improved(x_fit, y_fit, recipe=recipe)
            seconds = time.perf_counter() - start
            accuracy = model.evaluate(x_test, y_test, verbose=0)[1]
            print(f"{name:<15}{seed:>5}{accuracy:>14.2%}{seconds:>13.1f}", flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"peak resident memory of this process: {peak:.2f} GiB")


if __name__ == "__main__":
    main()
