"""Argument checks shared by the companion's modules (chapters 1 to 6); NumPy only.

Every public function checks its arguments up front with these helpers, so that a wrong
call stops with one sentence naming the argument, what was expected and what came:
``TypeError`` for the wrong kind of thing (a string for an array, 2.5 for a count) and
``ValueError`` for the right kind with a wrong value (a shape, a range, NaN in data).
Integer and boolean arrays become float64 before any arithmetic, so nothing wraps around.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping

import numpy as np

__all__ = [
    "as_float_array",
    "check_batch",
    "check_bool",
    "check_finite",
    "check_float_dtype",
    "check_int",
    "check_labels",
    "check_number",
    "check_param_dicts",
    "check_seed",
]


def check_finite(name: str, array, error: type[Exception] = ValueError) -> None:
    """Raise ``error`` if ``array`` holds NaN or infinity (the input checks of chapters 1 to 6)."""
    if not np.all(np.isfinite(array)):
        raise error(f"{name} contains NaN or infinity")


def as_float_array(name: str, value, ndim: int | None = None, layout: str | None = None) -> np.ndarray:
    """``value`` as a floating-point array (float16/32/64 kept, bool and integers to float64).

    With ``ndim``, also check the number of axes; ``layout`` names them in the message,
    e.g. ``"(batch, height, width, channels)"``.
    """
    if value is None or isinstance(value, (str, bytes, dict, set)):
        raise TypeError(f"{name} must be an array of numbers; got {type(value).__name__}")
    try:
        array = np.asarray(value)
    except ValueError as exc:  # ragged nested lists
        raise TypeError(f"{name} must be an array of numbers; got a ragged {type(value).__name__} ({exc})") from None
    if array.dtype.kind in "bui":
        array = array.astype(np.float64)
    elif array.dtype.kind != "f" or array.dtype.itemsize > 8:
        raise TypeError(f"{name} must hold real float16, float32 or float64 numbers; got dtype {array.dtype}")
    if ndim is not None and array.ndim != ndim:
        raise ValueError(f"{name} must be {layout or f'{ndim}-dimensional'}; got shape {array.shape}")
    return array


def check_float_dtype(name: str, dtype) -> np.dtype:
    """``dtype`` as a NumPy float16, float32 or float64 dtype (the precisions the networks compute in)."""
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{name} must be a floating-point dtype such as np.float32; got {dtype!r}") from None
    if dtype.kind != "f" or dtype.itemsize > 8:
        raise TypeError(f"{name} must be float16, float32 or float64; got {dtype}")
    return dtype


def check_batch(name: str, array: np.ndarray, layout: str) -> None:
    """Raise ValueError if the batch ``array`` (first axis = examples) has no examples or an empty axis."""
    if array.size == 0:
        raise ValueError(f"{name} must be a non-empty {layout}; got shape {array.shape}")


def check_int(name: str, value, minimum: int | None = 1, maximum: int | None = None) -> int:
    """``value`` as a Python int in [minimum, maximum]; floats, booleans and strings are refused."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer; got {value!r} ({type(value).__name__})")
    value = int(value)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        low = "" if minimum is None else f">= {minimum}"
        high = "" if maximum is None else f"<= {maximum}"
        raise ValueError(f"{name} must be an integer {' and '.join(filter(None, (low, high)))}; got {value}")
    return value


def check_bool(name: str, value) -> bool:
    """``value`` as a Python bool; anything else (the string "no", 0, None) is refused, not read as true or false."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {value!r} ({type(value).__name__})")
    return bool(value)


def check_number(name: str, value, positive: bool = False, minimum: float | None = None) -> float:
    """``value`` as a finite Python float (optionally > 0 or >= minimum); booleans and strings are refused."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {value!r} ({type(value).__name__})")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite; got {value}")
    if positive and not value > 0:
        raise ValueError(f"{name} must be > 0; got {value}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}; got {value}")
    return value


def check_param_dicts(params, grads) -> None:
    """Raise TypeError unless ``params`` and ``grads`` are both dicts (name -> array)."""
    if not isinstance(params, Mapping) or not isinstance(grads, Mapping):
        got = f"{type(params).__name__} and {type(grads).__name__}"
        raise TypeError(f"params and grads must be dicts mapping names to arrays; got {got}")


def check_seed(seed, name: str = "seed") -> int:
    """A seed that NumPy's and Python's generators both accept: an int in [0, 2**32 - 1]."""
    return check_int(name, seed, minimum=0, maximum=2**32 - 1)


def check_labels(labels, n_classes: int, n: int | None = None, name: str = "labels") -> np.ndarray:
    """Integer class labels of shape (n,) in [0, n_classes), as an array; the first bad one is named."""
    labels = np.asarray(labels)
    if labels.dtype.kind not in "ui":
        empty = " (an empty list reads as float: pass np.array([], dtype=int))" if labels.size == 0 else ""
        raise TypeError(f"{name} must be integer class indices; got dtype {labels.dtype}{empty}")
    if n is not None and labels.ndim == 2 and labels.shape == (n, n_classes):
        raise ValueError(f"{name} must be ({n},) class indices, not one-hot rows; got shape {labels.shape}")
    if labels.ndim != 1 or (n is not None and labels.shape[0] != n):
        expected = "(n,)" if n is None else f"({n},), one per example"
        raise ValueError(f"{name} must be {expected}; got shape {labels.shape}")
    bad = np.flatnonzero((labels < 0) | (labels >= n_classes))
    if bad.size:
        raise ValueError(f"{name} must lie in [0, {n_classes}); got {labels[bad[0]]} at index {bad[0]}")
    return labels
