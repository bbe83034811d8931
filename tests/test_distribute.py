"""companion.distribute: workers end bit-identical, one process agrees within the float32 bound, a bad split not."""

from __future__ import annotations

import os
import signal
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

from companion.distribute import UNIT_ROUNDOFF, bound_ratio, gradient_magnitudes, run_workers, sync_bound
from companion.fnn import MLP
from companion.launcher import WorkerError, launch

STEPS, BATCH, LR = 3, 64, 0.1


def data(seed=0, rows=STEPS * BATCH):
    rng = np.random.default_rng(seed)
    return rng.uniform(0, 1, (rows, 784)).astype(np.float32), rng.integers(0, 10, rows).astype(np.int32)


def initial_weights(seed=0, dtype=np.float32):
    mlp = MLP([784, 64, 10], seed=seed, dtype=dtype)
    return [mlp.params[k] for k in ("W1", "b1", "W2", "b2")]


def batches(x, labels):
    return [(x[t * BATCH : (t + 1) * BATCH], labels[t * BATCH : (t + 1) * BATCH]) for t in range(STEPS)]


def test_gradient_magnitudes_of_one_example_are_the_gradient_s_absolute_values():
    x, labels = data(rows=1)
    mlp = MLP([784, 64, 10], seed=0)  # float64
    mlp.params["b1"][:] = 0.1  # some hidden units on, some off
    _, grads = mlp.loss_and_grads(x.astype(np.float64), labels)
    weights = [mlp.params[k] for k in ("W1", "b1", "W2", "b2")]
    for magnitude, key in zip(gradient_magnitudes(weights, x, labels), ("W1", "b1", "W2", "b2"), strict=True):
        np.testing.assert_allclose(magnitude, np.abs(grads[key]), rtol=1e-12, atol=1e-15)


def test_gradient_magnitudes_bound_the_batch_gradient():
    x, labels = data()
    mlp = MLP([784, 64, 10], seed=1)
    _, grads = mlp.loss_and_grads(x.astype(np.float64), labels)
    weights = [mlp.params[k] for k in ("W1", "b1", "W2", "b2")]
    magnitudes = gradient_magnitudes(weights, x, labels)
    for magnitude, key in zip(magnitudes, ("W1", "b1", "W2", "b2"), strict=True):
        assert np.all(magnitude >= np.abs(grads[key]) - 1e-15)
    assert magnitudes[2].sum() > 1.5 * np.abs(grads["W2"]).sum()  # cancellation: the bound is not the gradient


def test_sync_bound_adds_up_the_rounding_of_every_step():
    x, labels = data()
    before = [initial_weights(0), initial_weights(1), initial_weights(2)]
    after = [initial_weights(1), initial_weights(2), initial_weights(3)]
    bounds = sync_bound(before, after, batches(x, labels), LR)
    n_terms = BATCH + (784 + 1) + (64 + 1) + 2 * 10
    gamma = n_terms * UNIT_ROUNDOFF / (1 - n_terms * UNIT_ROUNDOFF)
    first = [
        2 * gamma * LR * s + 2 * UNIT_ROUNDOFF * (np.abs(w) + LR * s)
        for s, w in zip(gradient_magnitudes(before[0], x[:BATCH], labels[:BATCH]), after[0], strict=True)
    ]
    for got, want in zip(bounds[0], first, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    for earlier, later in zip(bounds[1], bounds[2], strict=True):
        assert np.all(later >= earlier) and later.sum() > earlier.sum()
    with pytest.raises(ValueError):
        sync_bound(before, after[:2], batches(x, labels), LR)


def test_bound_ratio_is_the_worst_parameter_and_refuses_any_difference_where_the_bound_is_zero():
    bounds = [[np.array([1.0, 2.0, 0.0])]]
    assert bound_ratio([[np.array([0.5, 1.0, 3.0])]], [[np.array([0.0, 0.0, 3.0])]], bounds) == 0.5
    assert bound_ratio([[np.array([0.0, 0.0, 3.0])]], [[np.array([0.0, 0.0, 3.5])]], bounds) == float("inf")


@pytest.fixture(scope="module")
def one_process():
    """The single-process run and its bound (TensorFlow in this process, two threads)."""
    import companion

    companion.setup(seed=0, tensorflow=True)
    import tensorflow as tf

    from companion.distribute import train_steps

    x, labels = data()
    weights = initial_weights()
    run = train_steps(tf.distribute.get_strategy(), weights, x, labels, BATCH, LR, STEPS)
    bounds = sync_bound([weights, *run["weights"][:-1]], run["weights"], batches(x, labels), LR)
    return x, labels, weights, run, bounds


@pytest.mark.tensorflow
def test_a_wrong_split_of_the_batch_breaks_the_bound(one_process):
    """The control: had a worker trained on other rows, the comparison would fail by orders of magnitude."""
    import tensorflow as tf

    from companion.distribute import train_steps

    x, labels, weights, run, bounds = one_process
    swapped = x.copy()
    swapped[BATCH // 2 : BATCH] = x[STEPS * BATCH - BATCH // 2 :]  # half of the first batch from elsewhere
    wrong = train_steps(tf.distribute.get_strategy(), weights, swapped, labels, BATCH, LR, STEPS)
    assert bound_ratio(wrong["weights"], run["weights"], bounds) > 100


@pytest.mark.tensorflow
@pytest.mark.distributed
def test_two_workers_end_identical_and_equal_one_process_within_the_bound(one_process):
    x, labels, weights, run, bounds = one_process
    workers = run_workers(weights, x, labels, n_workers=2, global_batch=BATCH, lr=LR, steps=STEPS, timeout=600)
    first, second = (w["weights"] for w in workers)
    for step_a, step_b in zip(first, second, strict=True):
        assert all(np.array_equal(a, b) for a, b in zip(step_a, step_b, strict=True))
    assert bound_ratio(first, run["weights"], bounds) <= 1
    np.testing.assert_allclose(workers[0]["loss"], run["loss"], rtol=1e-6)
    assert all(w["peak_rss_mib"] < 1024 for w in workers)


def worker_processes():
    import psutil

    return [p for p in psutil.Process().children() if "companion.distribute" in " ".join(p.cmdline())]


def stdout_of(process) -> str:
    """What a worker has printed so far (its stdout is a file of the launcher's; Linux's /proc finds it)."""
    with open(f"/proc/{process.pid}/fd/1", encoding="utf-8", errors="replace") as out:
        return out.read()


@pytest.mark.tensorflow
@pytest.mark.distributed
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds the workers' output through /proc")
def test_killing_a_tensorflow_worker_mid_run_stops_the_other_and_leaves_nothing():
    import psutil

    x, labels = data()
    outcome = {}

    def target():
        try:  # a long timing phase: the kill lands while both workers train
            run_workers(initial_weights(), x, labels, global_batch=BATCH, lr=LR, steps=STEPS,
                        timing_steps=100_000, timeout=600)  # fmt: skip
        except WorkerError as error:
            outcome["error"] = error

    thread = threading.Thread(target=target)
    thread.start()
    deadline = time.monotonic() + 300
    workers = []
    while time.monotonic() < deadline:
        workers = worker_processes()
        if len(workers) == 2 and all("trained" in stdout_of(w) for w in workers):
            break
        time.sleep(0.2)
    assert len(workers) == 2, "the workers did not get as far as training"
    family = [p.pid for w in workers for p in (w, *w.children(recursive=True))]
    victim = next(w for w in workers if "worker 1 of 2" in stdout_of(w))
    os.kill(victim.pid, signal.SIGKILL)
    thread.join(timeout=120)
    assert not thread.is_alive()
    assert "worker 1 of 2 was killed by SIGKILL" in str(outcome["error"])
    alive = [pid for pid in family if psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]
    assert not alive and not worker_processes()


FIT_WORKER = textwrap.dedent(
    """
    import numpy as np
    from companion.distribute import _start_tensorflow
    strategy = _start_tensorflow(1)
    import keras
    with strategy.scope():
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
        model.compile(optimizer="sgd", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(np.ones((32, 4), "float32"), np.zeros(32, "int32"), batch_size=8, epochs=1, verbose=0)
    """
)


@pytest.mark.tensorflow
@pytest.mark.distributed
def test_keras_fit_still_fails_under_multi_worker_mirrored_strategy():
    """Why chapter 7 writes its own loop; when Keras fixes keras-team/keras#20585, this fails: update the chapter."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {"PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
           "TF_CPP_MIN_LOG_LEVEL": "3"}  # fmt: skip
    with pytest.raises(WorkerError, match="PerReplica"):
        launch([sys.executable, "-c", FIT_WORKER], 2, env=env, timeout=600)


def test_a_worker_s_result_file_reads_back_as_written(tmp_path):
    from companion.distribute import _peak_rss_mib, _read_result, _write_result

    history = {"weights": [initial_weights(0), initial_weights(1)], "loss": [2.5, 2.25]}
    _write_result(tmp_path / "worker0.npz", history, {"step_seconds": 0.01, "peak_rss_mib": 1.0})
    result = _read_result(tmp_path / "worker0.npz", seconds=3.0)
    assert result["loss"] == [2.5, 2.25] and result["seconds"] == 3.0 and result["step_seconds"] == 0.01
    for got, want in zip(result["weights"], history["weights"], strict=True):
        assert all(np.array_equal(a, b) for a, b in zip(got, want, strict=True))
    assert 1 < _peak_rss_mib() < 1e6


@pytest.mark.tensorflow
def test_time_steps_measures_a_step_and_an_all_reduce_in_one_process(one_process):
    import tensorflow as tf

    from companion.distribute import time_steps

    x, labels, weights, _, _ = one_process
    timing = time_steps(tf.distribute.get_strategy(), weights, x, labels, BATCH, steps=3, rounds=2)
    assert set(timing) == {"step_seconds", "all_reduce_seconds"}
    assert 0 < timing["all_reduce_seconds"] and 0 < timing["step_seconds"] < 10


@pytest.mark.tensorflow
def test_train_steps_refuses_batches_it_cannot_split(one_process):
    import tensorflow as tf

    from companion.distribute import train_steps

    x, labels, weights, _, _ = one_process
    with pytest.raises(ValueError, match="need 5 global batches of 64 rows"):
        train_steps(tf.distribute.get_strategy(), weights, x, labels, BATCH, LR, steps=5)
    with pytest.raises(ValueError, match="lr must be > 0"):
        train_steps(tf.distribute.get_strategy(), weights, x, labels, BATCH, -1.0, steps=1)
