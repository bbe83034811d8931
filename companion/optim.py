"""Optimisers and a training loop for the from-scratch networks (chapters 2 and 3); NumPy only."""

from __future__ import annotations

import sys

import numpy as np
from tqdm import tqdm

from companion._checks import as_float_array, check_int, check_number, check_param_dicts, check_seed

__all__ = ["SGD", "Adam", "fit", "minibatches"]


def _checked_grads(params, grads) -> list:
    """(name, gradient array) pairs, each gradient shaped like the float parameter array it updates."""
    check_param_dicts(params, grads)
    pairs = []
    for name, grad in grads.items():
        if name not in params:
            raise ValueError(f"grads has {name!r}, which params lacks; params has {sorted(params)}")
        param = params[name]
        if not isinstance(param, np.ndarray) or param.dtype.kind != "f":
            raise TypeError(f"params[{name!r}] must be a float NumPy array (it is updated in place); got {param!r}")
        grad = as_float_array(f"grads[{name!r}]", grad)
        if grad.shape != param.shape:
            raise ValueError(f"grads[{name!r}] must have the shape of params[{name!r}] {param.shape}; got {grad.shape}")
        pairs.append((name, grad))
    return pairs


class SGD:
    """Stochastic gradient descent, optionally with momentum: p <- p - lr * velocity (chapter 2)."""

    def __init__(self, lr: float = 0.1, momentum: float = 0.0):
        lr, momentum = check_number("lr", lr), check_number("momentum", momentum)
        if not lr > 0 or not 0 <= momentum < 1:
            raise ValueError(f"need lr > 0 and 0 <= momentum < 1; got lr={lr}, momentum={momentum}")
        self.lr, self.momentum, self.velocity = lr, momentum, {}

    def step(self, params: dict, grads: dict) -> None:
        """Update every parameter in place from its gradient (NaN gradients give NaN parameters)."""
        for name, grad in _checked_grads(params, grads):
            v = self.velocity.get(name, 0.0) * self.momentum + grad
            self.velocity[name] = v
            params[name] -= self.lr * v


class Adam:
    """Adam (Kingma and Ba, 2015) with bias-corrected first and second moments (chapter 2, §2.9).

    With g the gradient at step t: m <- b1 m + (1 - b1) g, v <- b2 v + (1 - b2) g^2,
    p <- p - lr m^ / (sqrt(v^) + eps), where m^ = m / (1 - b1^t) and v^ = v / (1 - b2^t).
    """

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        lr, beta1, beta2 = check_number("lr", lr), check_number("beta1", beta1), check_number("beta2", beta2)
        if not lr > 0 or not (0 <= beta1 < 1 and 0 <= beta2 < 1):
            raise ValueError(f"need lr > 0 and betas in [0, 1); got lr={lr}, betas=({beta1}, {beta2})")
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, check_number("eps", eps, positive=True)
        self.m, self.v, self.t = {}, {}, 0

    def step(self, params: dict, grads: dict) -> None:
        """Update every parameter in place from its gradient (NaN gradients give NaN parameters)."""
        pairs = _checked_grads(params, grads)
        self.t += 1
        for name, grad in pairs:
            self.m[name] = self.beta1 * self.m.get(name, 0.0) + (1 - self.beta1) * grad
            self.v[name] = self.beta2 * self.v.get(name, 0.0) + (1 - self.beta2) * grad**2
            m_hat = self.m[name] / (1 - self.beta1**self.t)
            v_hat = self.v[name] / (1 - self.beta2**self.t)
            params[name] -= (self.lr * m_hat / (np.sqrt(v_hat) + self.eps)).astype(params[name].dtype)


def minibatches(n: int, batch_size: int, rng):
    """Shuffled index arrays covering range(n) once (one epoch)."""
    n, batch_size = check_int("n", n), check_int("batch_size", batch_size)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, e.g. np.random.default_rng(0); got {rng!r}")
    order = rng.permutation(n)
    return [order[i : i + batch_size] for i in range(0, n, batch_size)]


def _all_finite(arrays) -> bool:
    return all(np.all(np.isfinite(a)) for a in arrays)


def _train_step(model, optimizer, x, d) -> float:
    """One mini-batch step; a FloatingPointError says the training diverged."""
    advice = "training diverged: lower the learning rate"
    try:
        loss, grads = model.loss_and_grads(x, d)
    except FloatingPointError as exc:
        raise FloatingPointError(f"{advice} ({exc})") from None
    if not np.isfinite(loss):
        raise FloatingPointError(f"the loss became NaN or infinite: {advice}")
    if not _all_finite(grads.values()):
        raise FloatingPointError(f"a gradient became NaN or infinite: {advice}")
    optimizer.step(model.params, grads)
    if not _all_finite(model.params.values()):
        raise FloatingPointError(f"a parameter became NaN or infinite: {advice}")
    return loss


def _check_fit_args(model, x, d, optimizer, validation):
    for obj, name, attributes in ((model, "model", ("loss_and_grads", "params")), (optimizer, "optimizer", ("step",))):
        if not all(hasattr(obj, a) for a in attributes):
            raise TypeError(f"{name} must have {' and '.join(attributes)}; got {type(obj).__name__}")
    if np.ndim(x) == 0 or np.ndim(d) == 0:
        got = f"{type(x).__name__} and {type(d).__name__}"
        raise TypeError(f"x and d must be arrays with one row per example; got {got}")
    if len(x) != len(d):
        raise ValueError(f"x and d must have the same length; got {len(x)} and {len(d)}")
    if len(x) == 0:
        raise ValueError("x and d must hold at least one example; got none")
    if validation is not None and (not isinstance(validation, (tuple, list)) or len(validation) != 2):
        raise TypeError(f"validation must be a pair (x_val, d_val); got {type(validation).__name__}")


def fit(model, x, d, optimizer, epochs: int = 10, batch_size: int = 128, seed: int = 0,
        validation=None, progress: bool = True) -> dict:  # fmt: skip
    """Train ``model`` (anything with ``loss_and_grads``, ``params``, ``accuracy``) on inputs x, targets d.

    Returns a history with the mean training loss per epoch and, for classifiers, the
    accuracy on ``validation=(x_val, d_val)``. The progress bar (tqdm, on stdout) shows
    one tick per epoch. A NaN or infinite loss, gradient or parameter stops the training
    with a FloatingPointError. Used in chapters 2 and 3.
    """
    _check_fit_args(model, x, d, optimizer, validation)
    epochs, batch_size = check_int("epochs", epochs), check_int("batch_size", batch_size)
    rng = np.random.default_rng(check_seed(seed))
    history = {"loss": [], "val_accuracy": []}
    # 77 columns, the width of the book's column; no description, so the postfix fits
    bar = tqdm(range(epochs), unit="epoch", file=sys.stdout, disable=not progress, ncols=77)
    for _ in bar:
        losses = [_train_step(model, optimizer, x[idx], d[idx]) for idx in minibatches(len(x), batch_size, rng)]
        history["loss"].append(float(np.mean(losses)))
        postfix = {"loss": f"{history['loss'][-1]:.4f}"}
        if validation is not None:
            history["val_accuracy"].append(model.accuracy(*validation))
            postfix["val_acc"] = f"{history['val_accuracy'][-1]:.4f}"
        bar.set_postfix(postfix, refresh=False)
    return history
