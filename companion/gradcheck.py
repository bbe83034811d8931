"""Finite-difference gradient checking (chapters 2 to 4); NumPy only.

The analytic gradient of a scalar function is checked against central differences,
(f(x + eps e_i) - f(x - eps e_i)) / (2 eps), whose truncation error is O(eps^2) and whose
rounding error is about 1e-16 / eps in float64. Their sum is smallest for eps near the
cube root of float64's precision, about 1e-5 for functions of order one, the default here;
the two then agree to a relative error around 1e-9 or better for smooth functions, and an
error above 1e-7 means the analytic gradient is wrong. (Chapter 2, §2.6, measures both
steps on random small networks: at eps = 1e-5 all stay below 1e-8, at 1e-6 rounding pushes
some of them above it.)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from companion._checks import as_float_array, check_finite, check_number, check_param_dicts

__all__ = ["check_gradients", "numerical_gradient", "numerical_hessian", "relative_error"]


def _value(f, x, index) -> float:
    """f() as a float, refusing arrays, NaN and infinity (which would make the difference meaningless)."""
    value = f()
    if np.ndim(value) != 0:
        raise TypeError(f"f() must return a scalar loss; got shape {np.shape(value)}")
    value = float(value)
    if not np.isfinite(value):
        where = f"x[{', '.join(map(str, index))}]"
        raise FloatingPointError(f"f() returned {value} with {where} perturbed to {x[index]}: no finite difference")
    return value


def _check_step(x, index, original, eps) -> None:
    """Refuse a step so small next to x[index] that float64 rounding swallows it."""
    step = (original + eps) - (original - eps)
    if not abs(step - 2 * eps) <= 0.01 * eps:
        position = ", ".join(map(str, index))
        spacing = np.spacing(abs(original))
        raise FloatingPointError(
            f"eps={eps} is lost in rounding next to x[{position}] = {original}, where float64 numbers are "
            f"{spacing:.1e} apart: use eps >= {200 * spacing:.0e}"
        )


def numerical_gradient(f: Callable[[], float], x: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """Central-difference gradient of the scalar ``f()`` with respect to ``x``, perturbed in place.

    ``f`` takes no arguments and reads ``x`` (typically a parameter array of a model), so
    any model can be checked without reshaping its parameters. ``x`` is restored exactly
    after each perturbation, even if ``f`` raises. ``x`` must be float64: in float32 the
    differences are accurate to about 1e-3 only, far above the chapters' thresholds.
    Used in chapters 2 to 4.
    """
    if not callable(f):
        raise TypeError(f"f must be a function of no arguments returning the loss; got {type(f).__name__}")
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        got = f"{type(x).__name__} {getattr(x, 'dtype', '')}".strip()
        raise TypeError(
            f"x must be the float64 NumPy array that f reads; got {got} (finite differences in float32 "
            "are accurate to ~1e-3 only: convert the model to float64 for a gradient check)"
        )
    if not x.flags.writeable:
        raise ValueError("x must be writeable: it is perturbed in place")
    eps = check_number("eps", eps, positive=True)
    check_finite("x", x)
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    for _ in it:
        i = it.multi_index
        original = x[i].copy()
        _check_step(x, i, original, eps)
        try:
            x[i] = original + eps
            f_plus = _value(f, x, i)
            x[i] = original - eps
            f_minus = _value(f, x, i)
        finally:
            x[i] = original
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(a, b, floor: float = 1e-12) -> float:
    """max |a - b| / max(|a|, |b|, floor) over all entries: scale-free agreement (chapters 2 to 4)."""
    a = as_float_array("a", a).astype(np.float64, copy=False)
    b = as_float_array("b", b).astype(np.float64, copy=False)
    floor = check_number("floor", floor, positive=True)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ValueError("relative_error got NaN or infinity")
    scale = max(np.max(np.abs(a), initial=0.0), np.max(np.abs(b), initial=0.0), floor)
    with np.errstate(over="ignore"):
        difference = np.max(np.abs(a - b), initial=0.0)
    if not np.isfinite(difference):  # a - b overflowed (entries near the float64 limit): compare scaled copies
        return float(np.max(np.abs(a / scale - b / scale)))
    return float(difference / scale)


def check_gradients(loss: Callable[[], float], params: dict, grads: dict, eps: float = 1e-5) -> dict:
    """Relative error of each analytic gradient in ``grads`` against finite differences of ``loss()``.

    ``params`` maps names to the arrays that ``loss`` reads; ``grads`` maps the same names to
    the analytic gradients (copied first, in case ``loss`` overwrites them). Returns
    ``{name: relative error}``. Used in chapters 2 to 4 and their tests.
    """
    check_param_dicts(params, grads)
    if set(params) != set(grads):
        raise ValueError(f"params and grads must have the same names; got {sorted(params)} and {sorted(grads)}")
    analytic = {name: np.array(g, copy=True) for name, g in grads.items()}
    return {name: relative_error(analytic[name], numerical_gradient(loss, params[name], eps)) for name in params}


def numerical_hessian(grads_of: Callable[[], dict], params: dict, eps: float = 1e-5) -> np.ndarray:
    """The Hessian of a loss over every entry of ``params``, by central differences of its gradient.

    ``grads_of()`` returns the analytic gradients ``{name: array}`` at the current ``params``
    (float64 arrays that it reads, perturbed in place and restored). Rows and columns follow
    the entries of ``params`` in its order, each array flattened. The result is symmetrised,
    (H + H^T) / 2. Used in chapter 2 (the learning rate against 2 / the largest eigenvalue).
    """
    if not callable(grads_of):
        raise TypeError(f"grads_of must be a function of no arguments returning the gradients; got {grads_of!r}")
    check_param_dicts(params, params)
    eps = check_number("eps", eps, positive=True)
    for name, x in params.items():
        if not isinstance(x, np.ndarray) or x.dtype != np.float64 or not x.flags.writeable:
            raise TypeError(f"params[{name!r}] must be a writeable float64 NumPy array (it is perturbed in place)")
        check_finite(f"params[{name!r}]", x)

    def flat_gradient() -> np.ndarray:
        grads = grads_of()
        if not isinstance(grads, dict) or set(grads) != set(params):
            raise ValueError(f"grads_of() must return a dict with the names of params {sorted(params)}")
        return np.concatenate([np.asarray(grads[name], dtype=np.float64).ravel() for name in params])

    columns = []
    for x in params.values():
        for index in np.ndindex(x.shape):
            original = x[index].copy()
            _check_step(x, index, original, eps)
            try:
                x[index] = original + eps
                plus = flat_gradient()
                x[index] = original - eps
                minus = flat_gradient()
            finally:
                x[index] = original
            columns.append((plus - minus) / (2 * eps))
    hessian = np.stack(columns, axis=1)
    return (hessian + hessian.T) / 2
