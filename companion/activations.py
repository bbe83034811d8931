"""Activation functions and their derivatives (chapters 1 and 2); NumPy only.

Each activation is a pair ``(f, f_prime)`` registered in :data:`ACTIVATIONS`, so the
chapters and the networks look them up by name and never re-derive a derivative.
"""

from __future__ import annotations

import numpy as np

from companion._checks import as_float_array

__all__ = ["ACTIVATIONS", "get_activation", "identity", "relu", "sigmoid", "step", "tanh"]


def _float(z):
    """z as a floating array, keeping float32 as float32 (so float32 networks stay fast).

    Activations are elementwise IEEE arithmetic: NaN in gives NaN out, which is how chapter 2
    shows a diverging network's loss turning NaN.
    """
    return as_float_array("z", z)


def step(z):
    """Heaviside step, 1 where z >= 0 (the perceptron's activation, chapter 1)."""
    z = _float(z)
    return (z >= 0).astype(z.dtype)


def step_prime(z):
    """Derivative of the step: 0 almost everywhere, which is why it cannot be trained by gradients."""
    return np.zeros_like(_float(z))


def sigmoid(z):
    """Logistic function 1 / (1 + e^-z), computed without overflow (chapters 1 and 2)."""
    z = _float(z)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


def sigmoid_prime(z):
    """sigma'(z) = sigma(z) (1 - sigma(z)), at most 1/4 (chapter 2's saturation experiment)."""
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z):
    """Hyperbolic tangent (chapters 1, 2 and 4)."""
    return np.tanh(_float(z))


def tanh_prime(z):
    """tanh'(z) = 1 - tanh(z)^2."""
    return 1.0 - np.tanh(_float(z)) ** 2


def relu(z):
    """max(0, z) (chapters 1 to 3)."""
    return np.maximum(_float(z), 0.0)


def relu_prime(z):
    """1 where z > 0, else 0 (the subgradient 0 is used at z = 0, as frameworks do)."""
    z = _float(z)
    return (z > 0).astype(z.dtype)


def identity(z):
    """f(z) = z, for linear output layers (chapter 2's regression)."""
    return _float(z)


def identity_prime(z):
    """Derivative of the identity: 1."""
    return np.ones_like(_float(z))


ACTIVATIONS = {
    "step": (step, step_prime),
    "sigmoid": (sigmoid, sigmoid_prime),
    "tanh": (tanh, tanh_prime),
    "relu": (relu, relu_prime),
    "identity": (identity, identity_prime),
}


def get_activation(name: str):
    """Return ``(f, f_prime)`` for an activation name (chapters 1 and 2)."""
    if not isinstance(name, str):
        raise TypeError(f"activation must be a name such as 'relu'; got {name!r}")
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}") from None
