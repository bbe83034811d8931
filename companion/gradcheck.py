"""Finite-difference gradient checking (chapters 2 to 4); NumPy only.

The analytic gradient of a scalar function is checked against central differences,
(f(x + eps e_i) - f(x - eps e_i)) / (2 eps), whose truncation error is O(eps^2) and whose
rounding error is about 1e-16 / eps in float64. Their sum is smallest for eps near the
cube root of float64's precision, about 1e-5 for functions of order one, the default here;
the two then agree to a relative error around 1e-9 or better for smooth functions, and an
error above 1e-7 means the analytic gradient is wrong. (At eps = 1e-6, rounding alone
pushed about one small random network in a hundred over 1e-7.)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["check_gradients", "numerical_gradient", "relative_error"]


def numerical_gradient(f: Callable[[], float], x: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """Central-difference gradient of the scalar ``f()`` with respect to ``x``, perturbed in place.

    ``f`` takes no arguments and reads ``x`` (typically a parameter array of a model), so
    any model can be checked without reshaping its parameters. ``x`` is restored exactly
    after each perturbation. Used in chapters 2 to 4.
    """
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"x must be a floating-point NumPy array; got {type(x).__name__} {getattr(x, 'dtype', '')}")
    if not eps > 0:
        raise ValueError(f"eps must be positive; got {eps}")
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    for _ in it:
        i = it.multi_index
        original = x[i].copy()
        x[i] = original + eps
        f_plus = float(f())
        x[i] = original - eps
        f_minus = float(f())
        x[i] = original
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(a, b, floor: float = 1e-12) -> float:
    """max |a - b| / max(|a|, |b|, floor) over all entries: scale-free agreement (chapters 2 to 4)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ValueError("relative_error got NaN or infinity")
    scale = max(np.max(np.abs(a), initial=0.0), np.max(np.abs(b), initial=0.0), floor)
    return float(np.max(np.abs(a - b), initial=0.0) / scale)


def check_gradients(loss: Callable[[], float], params: dict, grads: dict, eps: float = 1e-5) -> dict:
    """Relative error of each analytic gradient in ``grads`` against finite differences of ``loss()``.

    ``params`` maps names to the arrays that ``loss`` reads; ``grads`` maps the same names to
    the analytic gradients (copied first, in case ``loss`` overwrites them). Returns
    ``{name: relative error}``. Used in chapters 2 to 4 and their tests.
    """
    if set(params) != set(grads):
        raise ValueError(f"params and grads must have the same names; got {sorted(params)} and {sorted(grads)}")
    analytic = {name: np.array(g, copy=True) for name, g in grads.items()}
    return {name: relative_error(analytic[name], numerical_gradient(loss, params[name], eps)) for name in params}
