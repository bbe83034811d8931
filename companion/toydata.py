"""Small synthetic data sets made with NumPy (chapters 2 to 4)."""

from __future__ import annotations

import numpy as np

__all__ = ["noisy_sine", "two_moons", "two_spirals"]


def two_moons(n: int = 200, noise: float = 0.1, seed: int = 0):
    """Two interleaving half circles, labels 0 and 1 (chapter 2's decision boundary)."""
    if n < 2:
        raise ValueError(f"n must be >= 2; got {n}")
    rng = np.random.default_rng(seed)
    n0 = n // 2
    t0, t1 = np.linspace(0, np.pi, n0), np.linspace(0, np.pi, n - n0)
    upper = np.column_stack([np.cos(t0), np.sin(t0)])
    lower = np.column_stack([1 - np.cos(t1), 0.5 - np.sin(t1)])
    x = np.vstack([upper, lower]) + rng.normal(scale=noise, size=(n, 2))
    return x, np.repeat([0, 1], [n0, n - n0])


def two_spirals(n: int = 200, turns: float = 1.5, noise: float = 0.05, seed: int = 0):
    """Two intertwined spirals, labels 0 and 1: hard for a linear model (chapter 2)."""
    if n < 2:
        raise ValueError(f"n must be >= 2; got {n}")
    rng = np.random.default_rng(seed)
    n0 = n // 2
    t = np.sqrt(rng.uniform(0.05, 1.0, n)) * turns * 2 * np.pi
    r = t / (turns * 2 * np.pi)
    sign = np.where(np.arange(n) < n0, 1.0, -1.0)
    x = sign[:, None] * np.column_stack([r * np.cos(t), r * np.sin(t)]) + rng.normal(scale=noise, size=(n, 2))
    return x, (np.arange(n) >= n0).astype(int)


def noisy_sine(n: int = 200, noise: float = 0.1, low: float = -np.pi, high: float = np.pi, seed: int = 0):
    """Inputs (n, 1) uniform in [low, high] and targets sin(x) + Gaussian noise (chapter 2)."""
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(low, high, n))[:, None]
    return x, np.sin(x) + rng.normal(scale=noise, size=x.shape)
