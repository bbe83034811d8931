"""Optimisers and a training loop for the from-scratch networks (chapters 2 and 3); NumPy only."""

from __future__ import annotations

import sys

import numpy as np
from tqdm import tqdm

__all__ = ["SGD", "Adam", "fit", "minibatches"]


class SGD:
    """Stochastic gradient descent, optionally with momentum: p <- p - lr * velocity (chapter 2)."""

    def __init__(self, lr: float = 0.1, momentum: float = 0.0):
        if not lr > 0 or not 0 <= momentum < 1:
            raise ValueError(f"need lr > 0 and 0 <= momentum < 1; got lr={lr}, momentum={momentum}")
        self.lr, self.momentum, self.velocity = lr, momentum, {}

    def step(self, params: dict, grads: dict) -> None:
        """Update every parameter in place from its gradient."""
        for name, grad in grads.items():
            v = self.velocity.get(name, 0.0) * self.momentum + grad
            self.velocity[name] = v
            params[name] -= self.lr * v


class Adam:
    """Adam (Kingma and Ba, 2015) with bias-corrected first and second moments (chapter 2)."""

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        if not lr > 0 or not (0 <= beta1 < 1 and 0 <= beta2 < 1):
            raise ValueError(f"need lr > 0 and betas in [0, 1); got lr={lr}, betas=({beta1}, {beta2})")
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m, self.v, self.t = {}, {}, 0

    def step(self, params: dict, grads: dict) -> None:
        """Update every parameter in place from its gradient."""
        self.t += 1
        for name, grad in grads.items():
            self.m[name] = self.beta1 * self.m.get(name, 0.0) + (1 - self.beta1) * grad
            self.v[name] = self.beta2 * self.v.get(name, 0.0) + (1 - self.beta2) * grad**2
            m_hat = self.m[name] / (1 - self.beta1**self.t)
            v_hat = self.v[name] / (1 - self.beta2**self.t)
            params[name] -= (self.lr * m_hat / (np.sqrt(v_hat) + self.eps)).astype(params[name].dtype)


def minibatches(n: int, batch_size: int, rng):
    """Shuffled index arrays covering range(n) once (one epoch)."""
    order = rng.permutation(n)
    return [order[i : i + batch_size] for i in range(0, n, batch_size)]


def fit(model, x, y, optimizer, epochs: int = 10, batch_size: int = 128, seed: int = 0,
        validation=None, progress: bool = True) -> dict:  # fmt: skip
    """Train ``model`` (anything with ``loss_and_grads``, ``params``, ``accuracy``) by mini-batches.

    Returns a history with the mean training loss per epoch and, for classifiers, the
    accuracy on ``validation=(x_val, y_val)``. The progress bar (tqdm, on stdout) shows
    one tick per epoch. Used in chapters 2 and 3.
    """
    if len(x) != len(y):
        raise ValueError(f"x and y must have the same length; got {len(x)} and {len(y)}")
    if epochs < 1 or batch_size < 1:
        raise ValueError(f"epochs and batch_size must be >= 1; got {epochs} and {batch_size}")
    rng = np.random.default_rng(seed)
    history = {"loss": [], "val_accuracy": []}
    bar = tqdm(range(epochs), desc="training", unit="epoch", file=sys.stdout, disable=not progress, ncols=100)
    for _ in bar:
        losses = []
        for idx in minibatches(len(x), batch_size, rng):
            loss, grads = model.loss_and_grads(x[idx], y[idx])
            if not np.isfinite(loss):
                raise FloatingPointError("the loss became NaN or infinite: lower the learning rate")
            optimizer.step(model.params, grads)
            losses.append(loss)
        history["loss"].append(float(np.mean(losses)))
        postfix = {"loss": f"{history['loss'][-1]:.4f}"}
        if validation is not None:
            history["val_accuracy"].append(model.accuracy(*validation))
            postfix["val_acc"] = f"{history['val_accuracy'][-1]:.4f}"
        bar.set_postfix(postfix, refresh=False)
    return history
