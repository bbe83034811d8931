"""Small synthetic data sets made with NumPy (chapters 2 to 4)."""

from __future__ import annotations

import numpy as np

from companion._checks import check_int, check_number, check_seed

__all__ = ["noisy_sine", "recall_task", "sine_sequences", "two_moons", "two_spirals"]


def _check_common(n, noise, seed, min_n: int = 1):
    """The size, noise level and seed every data set takes."""
    return check_int("n", n, minimum=min_n), check_number("noise", noise, minimum=0.0), check_seed(seed)


def two_moons(n: int = 200, noise: float = 0.1, seed: int = 0):
    """Two interleaving half circles, labels 0 and 1 (chapter 2's decision boundary)."""
    n, noise, seed = _check_common(n, noise, seed, min_n=2)
    rng = np.random.default_rng(seed)
    n0 = n // 2
    t0, t1 = np.linspace(0, np.pi, n0), np.linspace(0, np.pi, n - n0)
    upper = np.column_stack([np.cos(t0), np.sin(t0)])
    lower = np.column_stack([1 - np.cos(t1), 0.5 - np.sin(t1)])
    x = np.vstack([upper, lower]) + rng.normal(scale=noise, size=(n, 2))
    return x, np.repeat([0, 1], [n0, n - n0])


def two_spirals(n: int = 200, turns: float = 1.5, noise: float = 0.05, seed: int = 0):
    """Two intertwined spirals, labels 0 and 1: hard for a linear model (chapter 2)."""
    n, noise, seed = _check_common(n, noise, seed, min_n=2)
    turns = check_number("turns", turns, positive=True)
    rng = np.random.default_rng(seed)
    n0 = n // 2
    t = np.sqrt(rng.uniform(0.05, 1.0, n)) * turns * 2 * np.pi
    r = t / (turns * 2 * np.pi)
    sign = np.where(np.arange(n) < n0, 1.0, -1.0)
    x = sign[:, None] * np.column_stack([r * np.cos(t), r * np.sin(t)]) + rng.normal(scale=noise, size=(n, 2))
    return x, (np.arange(n) >= n0).astype(int)


def noisy_sine(n: int = 200, noise: float = 0.1, low: float = -np.pi, high: float = np.pi, seed: int = 0):
    """Inputs (n, 1) uniform in [low, high] and targets sin(x) + Gaussian noise (chapter 2)."""
    n, noise, seed = _check_common(n, noise, seed)
    low, high = check_number("low", low), check_number("high", high)
    if not low < high:
        raise ValueError(f"need low < high; got low={low}, high={high}")
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(low, high, n))[:, None]
    return x, np.sin(x) + rng.normal(scale=noise, size=x.shape)


def sine_sequences(n: int = 256, steps: int = 40, noise: float = 0.1, seed: int = 0):
    """Windows of a noisy sine wave and the next value at every step (chapter 4).

    Returns ``x`` (n, steps, 1) and ``y`` (n, steps, 1) with y[:, t] = clean sin at t + 1:
    the network must predict the next value of the underlying wave from noisy readings.
    """
    n, noise, seed = _check_common(n, noise, seed)
    steps = check_int("steps", steps)
    rng = np.random.default_rng(seed)
    start = rng.uniform(0, 2 * np.pi, size=(n, 1))
    t = start + 0.3 * np.arange(steps + 1)
    clean = np.sin(t)
    x = clean[:, :-1] + rng.normal(scale=noise, size=(n, steps))
    return x[..., None], clean[:, 1:, None]


def recall_task(n: int, steps: int, n_symbols: int = 4, n_distractors: int = 4, seed: int = 0):
    """Remember the first of ``steps`` one-hot symbols through random distractors (chapter 4).

    Step 0 shows one of ``n_symbols`` symbols; steps 1 .. steps-1 show random distractor
    symbols from a separate set. The label is the first symbol, to be reported after the last
    step, so a model must carry it through ``steps - 1`` steps. Chance is 1 / n_symbols.
    """
    n, steps, seed = check_int("n", n), check_int("steps", steps), check_seed(seed)
    n_symbols, n_distractors = check_int("n_symbols", n_symbols), check_int("n_distractors", n_distractors)
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, n_symbols, n)
    tokens = n_symbols + rng.integers(0, n_distractors, (n, steps))
    tokens[:, 0] = labels
    x = np.zeros((n, steps, n_symbols + n_distractors), dtype=np.float32)  # one-hot without an identity matrix
    np.put_along_axis(x, tokens[..., None], 1.0, axis=2)
    return x, labels
