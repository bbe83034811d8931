"""Benchmark: chapter 4's recall task over seeds, so that the chapter's claims rest on a measured spread.

Trains every model of `companion.recall.KINDS` (Keras' SimpleRNN, the LSTM with its forget-gate
bias at 5, and at Keras' default 1) with `companion.recall.recall_run`, the chapter's own recipe,
for each distance T and seed (the LSTM with the default bias only at the longest), and prints
each run's test accuracy and, at initialisation, the norms of the loss's gradient with respect
to the first and the last input. 5 to 40 s per run on two cores; 35 runs with the defaults.

``--json FILE --label NAME`` records the runs in FILE under NAME (replacing earlier runs of that
label), with the CPU, the kernel settings and the library versions. Chapter 4 prints the seed
table from ``companion/reference/recall_runs.json``, made by::

    python benchmarks/bench_recall_seeds.py --json companion/reference/recall_runs.json --label normal
    ONEDNN_MAX_CPU_ISA=AVX OPENBLAS_NUM_THREADS=1 python benchmarks/bench_recall_seeds.py \
        --json companion/reference/recall_runs.json --label perturbed
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import companion


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--steps", type=int, nargs="+", default=[10, 30, 100])
    parser.add_argument("--json", type=Path, help="record the runs in this JSON file")
    parser.add_argument("--label", default="normal", help="the name the runs are recorded under")
    args = parser.parse_args()
    companion.setup(seed=0, tensorflow=True)
    from companion.recall import KINDS, recall_run

    runs = []
    for seed in args.seeds:
        for kind in KINDS:
            # the LSTM with Keras' default forget-gate bias only at the longest distance, as in the chapter
            for steps in args.steps if KINDS[kind] != 1.0 else args.steps[-1:]:
                start = time.perf_counter()
                run = recall_run(kind, steps, seed=seed)
                run["seconds"] = round(time.perf_counter() - start, 1)
                runs.append(run)
                print(
                    f"seed {seed} {kind:<20} T = {steps:>3}: accuracy {run['accuracy']:.1%},"
                    f" |dL/dx_1| {run['grad_first']:.1e}, |dL/dx_T| {run['grad_last']:.1e}"
                    f" ({run['seconds']} s)",
                    flush=True,
                )
    if args.json:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from bench_mnist_training import record  # the same JSON layout as chapter 5's runs

        record(args.json, args.label, runs)


if __name__ == "__main__":
    main()
