"""Synchronous data parallelism with tf.distribute: one script, one worker or many (chapter 7).

Every worker holds the same model. At each step it takes its share of the global batch,
computes the gradient of its part of the mean loss, and an all-reduce sums these gradients
across the workers; every worker then applies the same update. `train_steps` is that loop,
written with ``strategy.run``; it runs unchanged in one process (TensorFlow's default
strategy, no ``TF_CONFIG``) or on several workers (``MultiWorkerMirroredStrategy``, one process
each, started by `run_workers` with `companion.launcher`). ``python -m companion.distribute``
is the worker's program; on a real cluster the same command runs on each machine with a
``TF_CONFIG`` naming all of them.

Keras 3's ``fit`` does not run under ``MultiWorkerMirroredStrategy`` (its symbolic build
reduces a batch of per-replica data and fails: keras-team/keras#20585), hence the custom loop.

The float32 comparison with one process (`sync_bound`) is NumPy; TensorFlow is imported
only by the functions that train.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from companion._checks import check_int, check_number

__all__ = [
    "bound_ratio",
    "gradient_magnitudes",
    "make_trainer",
    "run_workers",
    "sync_bound",
    "time_steps",
    "train_steps",
]

UNIT_ROUNDOFF = 2.0**-24  # float32: u, half the distance from 1 to the next float


def _model(weights):
    """Chapter 7's MLP in Keras (784-64-10, ReLU, logits), holding ``weights`` [W1, b1, W2, b2]."""
    import keras

    weights = [np.asarray(w, np.float32) for w in weights]
    model = keras.Sequential(
        [
            keras.Input((weights[0].shape[0],)),
            keras.layers.Dense(weights[0].shape[1], activation="relu"),
            keras.layers.Dense(weights[2].shape[1]),
        ]
    )
    model.set_weights(weights)
    return model


def _shard(strategy) -> tuple[int, int]:
    """(this worker's index, number of workers) under ``strategy``; (0, 1) in one process."""
    resolver = getattr(strategy, "cluster_resolver", None)
    index = resolver.task_id if resolver is not None and resolver.task_type else 0
    return int(index or 0), int(strategy.num_replicas_in_sync)


# Chapter 7 prints this function: it stays within the book's 77 columns.
def make_trainer(strategy, weights, global_batch, lr):
    """A model under ``strategy`` and one compiled step of SGD (ch. 7).

    Each worker calls the step on its own rows of the global batch.
    """
    import keras
    import tensorflow as tf

    with strategy.scope():  # one copy of the model on every worker
        model = _model(weights)
        optimizer = keras.optimizers.SGD(learning_rate=lr)
        optimizer.build(model.trainable_variables)

    def replica_step(x, y):
        with tf.GradientTape() as tape:
            logits = model(x, training=True)
            each = tf.nn.sparse_softmax_cross_entropy_with_logits(y, logits)
            loss = tf.reduce_sum(each) / global_batch  # its part of the mean
        grads = tape.gradient(loss, model.trainable_variables)
        pairs = zip(grads, model.trainable_variables, strict=True)
        # sums the workers' gradients (an all-reduce), then every copy
        # of the model takes the same step
        optimizer.apply_gradients(pairs)
        return loss

    @tf.function
    def step(x, y):
        losses = strategy.run(replica_step, args=(x, y))
        return strategy.reduce("SUM", losses, axis=None)

    return model, step


def train_steps(strategy, weights, x, labels, global_batch: int, lr: float, steps: int) -> dict:
    """``steps`` of plain SGD on consecutive global batches of (x, labels); each worker takes its share (chapter 7).

    Worker i of n trains on rows [i * b, (i + 1) * b) of each global batch, b = global_batch / n.
    Returns the weights after every step (lists [W1, b1, W2, b2]) and each step's mean loss.
    """
    import tensorflow as tf

    index, n_workers = _shard(strategy)
    global_batch, steps = check_int("global_batch", global_batch), check_int("steps", steps)
    lr = check_number("lr", lr, positive=True)
    if global_batch % n_workers or len(x) < steps * global_batch or len(labels) != len(x):
        raise ValueError(
            f"need {steps} global batches of {global_batch} rows (divisible by {n_workers} workers) and one label "
            f"per row; got {len(x)} rows and {len(labels)} labels"
        )
    local = global_batch // n_workers
    model, step = make_trainer(strategy, weights, global_batch, lr)
    history = {"weights": [], "loss": []}
    for t in range(steps):
        rows = slice(t * global_batch + index * local, t * global_batch + (index + 1) * local)
        loss = step(tf.constant(x[rows], tf.float32), tf.constant(labels[rows], tf.int32))
        history["loss"].append(float(loss))
        history["weights"].append([w.copy() for w in model.get_weights()])
    return history


def time_steps(strategy, weights, x, labels, global_batch: int, steps: int = 20, rounds: int = 5) -> dict:
    """Seconds per training step and per all-reduce of the gradients alone, medians over ``rounds`` (chapter 7).

    The two are timed in alternation, so that a machine's changing load affects both alike.
    With one process the all-reduce has nothing to exchange.
    """
    import tensorflow as tf

    index, n_workers = _shard(strategy)
    local = check_int("global_batch", global_batch) // n_workers
    model, step = make_trainer(strategy, weights, global_batch, lr=1e-3)
    shapes = [v.shape for v in model.trainable_variables]

    @tf.function
    def all_reduce():
        def exchange():
            context = tf.distribute.get_replica_context()
            return context.all_reduce("SUM", [tf.ones(shape) for shape in shapes])

        return strategy.run(exchange)

    rows = slice(index * local, (index + 1) * local)
    x_local, y_local = tf.constant(x[rows], tf.float32), tf.constant(labels[rows], tf.int32)
    per_step, per_reduce = [], []
    for _ in range(2):  # trace and warm up both
        step(x_local, y_local)
        all_reduce()
    for _ in range(check_int("rounds", rounds)):
        start = time.perf_counter()
        for _ in range(check_int("steps", steps)):
            step(x_local, y_local)
        per_step.append((time.perf_counter() - start) / steps)
        start = time.perf_counter()
        for _ in range(steps):
            all_reduce()
        per_reduce.append((time.perf_counter() - start) / steps)
    return {"step_seconds": float(np.median(per_step)), "all_reduce_seconds": float(np.median(per_reduce))}


def gradient_magnitudes(weights, x, labels) -> list[np.ndarray]:
    """For each parameter, the mean over the batch of |each example's contribution| to its gradient (chapter 7).

    The gradient of W1 is the mean of x_i^T delta_i over the examples; its magnitude here is the
    mean of |x_i|^T |delta_i|, the scale that bounds the rounding of that sum. Float64, NumPy.
    """
    W1, b1, W2, b2 = (np.asarray(w, np.float64) for w in weights)
    x = np.asarray(x, np.float64)
    z1 = x @ W1 + b1
    h = np.maximum(z1, 0.0)
    z2 = h @ W2 + b2
    d2 = np.exp(z2 - z2.max(axis=1, keepdims=True))
    d2 /= d2.sum(axis=1, keepdims=True)
    d2[np.arange(len(x)), labels] -= 1.0  # d loss_i / d z2 = softmax - one-hot
    d1 = (d2 @ W2.T) * (z1 > 0)
    n = len(x)
    return [np.abs(x).T @ np.abs(d1) / n, np.abs(d1).sum(0) / n, h.T @ np.abs(d2) / n, np.abs(d2).sum(0) / n]


def sync_bound(weights_before, weights_after, batches, lr: float) -> list[list[np.ndarray]]:
    """Largest float32 difference between data-parallel and one-process SGD after each step, per parameter (chapter 7).

    Both runs compute each step's gradient from the same terms, summed in a different order; a
    sum of N float32 terms in any order is within gamma_N = N u / (1 - N u) of the exact sum
    times the sum of the terms' magnitudes (Higham 2002, section 4.2). So, to first order in u,
    the gradients differ by at most 2 gamma_N * gradient_magnitudes, and the weights after k steps
    by the sum of lr times that, plus one rounding (u |w|) of each update in each run. N counts
    the batch and the longest chain of dot products behind each term. ``weights_before[t]`` and
    ``weights_after[t]`` are step t's weights (of the one-process run), ``batches[t]`` its (x, labels).
    """
    lr = check_number("lr", lr, positive=True)
    total, bounds = None, []
    for before, after, (x, labels) in zip(weights_before, weights_after, batches, strict=True):
        fan_ins = sum(w.shape[0] + 1 for w in before[::2])  # every layer's dot product, with its bias
        n_terms = len(x) + fan_ins + 2 * before[-1].shape[0]  # + the softmax's sum and the backward product
        gamma = n_terms * UNIT_ROUNDOFF / (1 - n_terms * UNIT_ROUNDOFF)
        step = [
            2 * gamma * lr * s + 2 * UNIT_ROUNDOFF * (np.abs(w) + lr * s)
            for s, w in zip(gradient_magnitudes(before, x, labels), after, strict=True)
        ]
        total = step if total is None else [a + b for a, b in zip(total, step, strict=True)]
        bounds.append(total)
    return bounds


def bound_ratio(weights_a, weights_b, bounds) -> float:
    """The largest |a - b| / bound over every step and parameter: at most 1 when two runs agree (chapter 7).

    Where the bound is 0 (a dead unit's untouched zero bias) the two must be equal, or the ratio is infinite.
    """
    worst = 0.0
    for step_a, step_b, step_bound in zip(weights_a, weights_b, bounds, strict=True):
        for a, b, bound in zip(step_a, step_b, step_bound, strict=True):
            difference = np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))
            if np.any(difference[bound == 0] > 0):
                return float("inf")
            worst = max(worst, float(np.max(difference[bound > 0] / bound[bound > 0], initial=0.0)))
    return worst


def run_workers(weights, x, labels, *, n_workers: int = 2, global_batch: int = 128, lr: float = 0.1,
                steps: int = 5, timing_steps: int = 0, threads: int = 1, timeout: float = 300.0):  # fmt: skip
    """Train with `train_steps` on ``n_workers`` worker processes on this machine; each one's results (chapter 7).

    The workers run ``python -m companion.distribute`` under ``MultiWorkerMirroredStrategy``, one
    TensorFlow thread each (``threads``), started and watched by `companion.launcher.launch`.
    Each result holds the worker's weights after every step, its losses, and, with
    ``timing_steps``, `time_steps`'s seconds; plus its peak memory (MiB) and wall time.
    """
    from companion.launcher import launch

    package_root = str(Path(__file__).resolve().parents[1])  # the workers import this copy of companion
    env = {
        "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")])),
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "GRPC_VERBOSITY": "ERROR",
        "PYTHONHASHSEED": "0",
    }
    with tempfile.TemporaryDirectory(prefix="data-parallel-") as folder:
        data = Path(folder) / "data.npz"
        np.savez(data, x=np.asarray(x, np.float32), labels=np.asarray(labels, np.int32),
                 **{f"w{k}": np.asarray(w, np.float32) for k, w in enumerate(weights)})  # fmt: skip
        command = [sys.executable, "-m", "companion.distribute", "--data", str(data), "--out", folder,
                   "--global-batch", str(global_batch), "--lr", repr(float(lr)), "--steps", str(steps),
                   "--timing-steps", str(timing_steps), "--threads", str(threads)]  # fmt: skip
        finished = launch(command, n_workers, timeout=timeout, env=env)
        return [_read_result(Path(folder) / f"worker{r.index}.npz", r.seconds) for r in finished]


def _read_result(path: Path, seconds: float) -> dict:
    """A worker's result file as a dict (the inverse of `_write_result`)."""
    with np.load(path) as saved:
        info = json.loads(str(saved["info"]))
        weights = [[saved[f"step{t}_w{k}"] for k in range(info["n_weights"])] for t in range(info["steps"])]
        return {"weights": weights, "loss": list(saved["loss"]), "seconds": seconds, **info["extra"]}


def _write_result(path: Path, history: dict, extra: dict) -> None:
    """Save one worker's weights after every step, its losses and ``extra`` (timings, memory)."""
    arrays = {f"step{t}_w{k}": w for t, ws in enumerate(history["weights"]) for k, w in enumerate(ws)}
    info = {"steps": len(history["weights"]), "n_weights": len(history["weights"][0]), "extra": extra}
    np.savez(path, loss=np.asarray(history["loss"]), info=json.dumps(info), **arrays)


def _die_with_parent() -> None:
    """Ask Linux to kill this worker if the process that started it dies, so no worker outlives its launcher."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the launcher died before the call
            sys.exit("the launcher is gone")


def _start_tensorflow(threads: int):
    """Import TensorFlow quietly with ``threads`` intra-op threads and join the cluster in ``TF_CONFIG``."""
    from companion.tfsetup import silenced_stderr

    with silenced_stderr():
        import tensorflow as tf

        tf.get_logger().setLevel("ERROR")
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
        strategy = tf.distribute.MultiWorkerMirroredStrategy()  # reads TF_CONFIG; must come before any op
        tf.constant(0.0) + 1.0  # start the runtime while its start-up lines go nowhere
    return strategy


def _peak_rss_mib() -> float:
    """This process's peak resident memory in MiB (Linux's VmHWM; ru_maxrss elsewhere).

    On Linux ru_maxrss survives exec: a worker started by a 1 GiB notebook kernel would report
    the kernel's peak, not its own.
    """
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux, bytes on macOS


def main(argv=None) -> None:
    """The worker's program: ``python -m companion.distribute --data D --out DIR ...`` (chapter 7)."""
    parser = argparse.ArgumentParser(prog="python -m companion.distribute", description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="npz with x, labels and the initial weights w0, w1, ...")
    parser.add_argument("--out", required=True, help="folder for worker<i>.npz")
    parser.add_argument("--global-batch", type=int, default=128)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--timing-steps", type=int, default=0, help="also time this many steps (0: no timing)")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    _die_with_parent()
    strategy = _start_tensorflow(args.threads)
    index, n_workers = _shard(strategy)
    print(f"worker {index} of {n_workers}: joined", flush=True)
    with np.load(args.data) as data:
        x, labels = data["x"], data["labels"]
        weights = [data[f"w{k}"] for k in range(sum(key.startswith("w") for key in data.files))]
    history = train_steps(strategy, weights, x, labels, args.global_batch, args.lr, args.steps)
    print(f"worker {index}: trained {args.steps} steps", flush=True)
    extra = {}
    if args.timing_steps:
        extra = time_steps(strategy, weights, x, labels, args.global_batch, steps=args.timing_steps)
        print(f"worker {index}: timed", flush=True)
    extra["peak_rss_mib"] = _peak_rss_mib()
    _write_result(Path(args.out) / f"worker{index}.npz", history, extra)
    print(f"worker {index}: done", flush=True)


if __name__ == "__main__":
    main()
