"""The toy data sets have the shapes, labels and structure the chapters rely on."""

from __future__ import annotations

import numpy as np
import pytest

from companion.toydata import noisy_sine, recall_task, sine_sequences, two_moons, two_spirals


@pytest.mark.parametrize("make", [two_moons, two_spirals])
def test_classification_sets_are_balanced_and_reproducible(make):
    x, y = make(n=101, seed=3)
    assert x.shape == (101, 2) and y.shape == (101,)
    assert set(np.unique(y)) == {0, 1} and abs(int(y.sum()) - 50) <= 1
    x2, _ = make(n=101, seed=3)
    np.testing.assert_array_equal(x, x2)


def test_moons_without_noise_lie_on_their_circles():
    x, y = two_moons(n=50, noise=0.0)
    np.testing.assert_allclose(np.hypot(*x[y == 0].T), 1.0)
    np.testing.assert_allclose(np.hypot(x[y == 1, 0] - 1, x[y == 1, 1] - 0.5), 1.0)


def test_spirals_follow_archimedes_and_mirror_each_other():
    turns = 1.5
    x, y = two_spirals(n=40, turns=turns, noise=0.0, seed=1)
    r = np.hypot(*x.T)
    t = r * turns * 2 * np.pi  # radius grows linearly with the angle
    sign = np.where(y == 0, 1.0, -1.0)[:, None]  # class 1 is class 0 rotated by 180 degrees
    np.testing.assert_allclose(x, sign * np.column_stack([r * np.cos(t), r * np.sin(t)]), atol=1e-12)


def test_noisy_sine_targets():
    x, d = noisy_sine(n=500, noise=0.0)
    np.testing.assert_allclose(d, np.sin(x))
    assert x.min() >= -np.pi and x.max() <= np.pi and np.all(np.diff(x[:, 0]) >= 0)


def test_bad_sizes():
    with pytest.raises(ValueError, match="n must be an integer >= 2"):
        two_moons(n=1)


def test_recall_task_hides_the_label_in_the_first_step_only():
    from companion.toydata import recall_task

    x, y = recall_task(n=50, steps=7, n_symbols=3, n_distractors=2, seed=0)
    assert x.shape == (50, 7, 5) and y.shape == (50,)
    np.testing.assert_array_equal(x[:, 0].argmax(axis=1), y)
    assert np.all(x[:, 1:].argmax(axis=2) >= 3)  # later steps are distractors only
    np.testing.assert_array_equal(x.sum(axis=2), 1.0)


def test_sine_sequences_targets_are_the_next_clean_value():
    from companion.toydata import sine_sequences

    x, y = sine_sequences(n=5, steps=10, noise=0.0, seed=1)
    assert x.shape == y.shape == (5, 10, 1)
    np.testing.assert_allclose(y[:, :-1], x[:, 1:])


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: two_moons(n=10.5), TypeError, "n must be an integer; got 10.5"),
        (lambda: two_spirals(noise=-0.1), ValueError, "noise must be >= 0.0"),
        (lambda: noisy_sine(low=1.0, high=0.0), ValueError, "need low < high"),
        (lambda: sine_sequences(steps=0), ValueError, "steps must be an integer >= 1"),
        (lambda: recall_task(10, 5, n_distractors=0), ValueError, "n_distractors must be an integer >= 1"),
        (lambda: recall_task(10, 5, seed=-3), ValueError, "seed must be an integer >= 0"),
    ],
)
def test_bad_arguments_are_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_recall_task_allocates_only_what_its_result_needs():
    import tracemalloc

    tracemalloc.start()
    try:
        x, _ = recall_task(n=2, steps=3, n_symbols=30000, n_distractors=4, seed=0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert x.shape == (2, 3, 30004) and np.all(x.sum(axis=2) == 1.0)
    assert peak < 2 * x.nbytes + 100_000  # a 30004 x 30004 identity matrix took 3.4 GiB
