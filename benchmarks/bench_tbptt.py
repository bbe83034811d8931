"""Benchmark: chunked truncated BPTT against full BPTT on long sequences (chapter 4).

On 32 noisy sine sequences of T = 2,000 steps and `companion.rnn.ElmanRNN(1, 32, 1)`, times,
interleaved over ``--repeats`` rounds (the fastest is kept, as timeit does: on a shared
machine the slower rounds measure the other processes): one full-BPTT gradient (a forward
pass over all T steps, then a backward pass over all T), one sweep of
`companion.rnn.truncated_bptt` with chunks of k = 50 (the same steps, forward and backward, in
T / k pieces), and one chunk (what one truncated update costs). Measures each one's peak of
NumPy memory with tracemalloc, and trains both ways for the same number of passes over the
sequences with Adam, printing the final loss per step. Numbers depend on the machine: report
the ratios, which are measured in the same run.

``--json FILE --label NAME`` records the result in FILE under NAME, with the CPU and library
versions; chapter 4 quotes ``companion/reference/tbptt_runs.json``, made by::

    python benchmarks/bench_tbptt.py --json companion/reference/tbptt_runs.json --label normal
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

from companion.optim import Adam
from companion.rnn import ElmanRNN, truncated_bptt
from companion.toydata import sine_sequences


def peak_bytes(compute) -> int:
    """Peak NumPy and Python memory allocated while ``compute()`` runs."""
    tracemalloc.start()
    try:
        compute()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def seconds(compute) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one ``compute()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    compute()
    return time.perf_counter() - wall, time.process_time() - cpu


def train(x, d, k, passes: int) -> tuple[float, int]:
    """Train a fresh model for ``passes`` passes (k=None: full BPTT); its final loss per step and updates."""
    model, adam = ElmanRNN(1, 32, 1, seed=0), Adam(lr=0.01)
    for _ in range(passes):
        if k is None:
            adam.step(model.params, model.loss_and_grads(x, d)[1])
        else:
            truncated_bptt(model, x, d, k, optimizer=adam)
    return model.loss_and_grads(x, d)[0] / x.shape[1], adam.t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--k", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--json", type=Path, help="record the result in this JSON file")
    parser.add_argument("--label", default="normal", help="the name the result is recorded under")
    args = parser.parse_args()
    x, d = sine_sequences(n=32, steps=args.steps, noise=0.1, seed=2)
    model, k = ElmanRNN(1, 32, 1, seed=0), args.k
    tasks = {
        "full BPTT, one pass": lambda: model.loss_and_grads(x, d),
        f"truncated (k = {k}), one pass": lambda: truncated_bptt(model, x, d, k),
        f"truncated (k = {k}), one update": lambda: model.loss_grads_and_state(x[:, :k], d[:, :k]),
    }
    times = {name: [] for name in tasks}
    for _ in range(args.repeats):  # interleaved, so that a busy moment hits every task alike
        for name, task in tasks.items():
            times[name].append(seconds(task))
    result = {"steps": args.steps, "k": k, "batch": 32, "hidden": 32, "repeats": args.repeats, "tasks": {}}
    for name, task in tasks.items():
        wall, cpu = (min(t[i] for t in times[name]) for i in (0, 1))
        entry = {"seconds": wall, "cpu_seconds": cpu, "peak_bytes": peak_bytes(task)}
        result["tasks"][name] = entry
        print(f"{name:<32} {wall:.4f} s ({cpu:.4f} s CPU), peak {entry['peak_bytes'] / 2**20:.2f} MiB")
    full, sweep, update = (result["tasks"][name]["seconds"] for name in tasks)
    print(f"per pass: truncated / full = {sweep / full:.2f}; per update: truncated / full = {update / full:.3f}")
    result["training"] = {}
    for name, chunk in (("full BPTT", None), (f"truncated (k = {k})", k)):
        start = time.perf_counter()
        loss, updates = train(x, d, chunk, args.passes)
        result["training"][name] = {"loss_per_step": loss, "updates": updates, "seconds": time.perf_counter() - start}
        print(f"{args.passes} passes, {name:<18}: {updates:>4} updates, loss per step {loss:.4f}")
    if args.json:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from bench_mnist_training import record  # the same JSON layout as the other stored runs

        record(args.json, args.label, [result])


if __name__ == "__main__":
    main()
