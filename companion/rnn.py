"""Recurrent networks from scratch (chapter 4): the Elman network, BPTT, truncated BPTT, the LSTM; NumPy only.

Row vectors, as on the book's notation page and in Keras: inputs ``x`` are (batch, time,
features), hidden states ``h`` are (batch, time, hidden), and step t = 1, ..., T is stored at
index t - 1. The Elman network computes H_t = tanh(X_t W_xh + H_{t-1} W_hh + b_h) with
``W_xh`` (features, hidden), ``W_hh`` (hidden, hidden) and ``b_h`` (hidden,): Keras' kernel,
recurrent_kernel and bias. The LSTM stacks its four gates' weights in Keras' order i, f, c, o.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np

from companion._checks import as_float_array, check_batch, check_finite, check_int, check_number, check_seed
from companion.fnn import init_weights, mse_loss

__all__ = [
    "LSTM",
    "ElmanRNN",
    "GradientClipping",
    "LSTMCache",
    "RNNCache",
    "clip_gradients",
    "hidden_jacobian_norms",
    "lstm_backward",
    "lstm_forward",
    "rnn_backward",
    "rnn_forward",
    "truncated_bptt",
]


class RNNCache(NamedTuple):
    """What rnn_forward keeps for the backward pass: the inputs, the weights and every hidden state."""

    x: np.ndarray
    h0: np.ndarray
    W_xh: np.ndarray
    W_hh: np.ndarray
    h: np.ndarray


class LSTMCache(NamedTuple):
    """What lstm_forward keeps: inputs, weights, the gates (i, f, c, o side by side), cell and hidden states."""

    x: np.ndarray
    h0: np.ndarray
    c0: np.ndarray
    W_xh: np.ndarray
    W_hh: np.ndarray
    gates: np.ndarray
    c: np.ndarray
    h: np.ndarray


def _check_recurrent_args(x, states: dict, W_xh, W_hh, b_h, gates: int):
    """Validate x, the initial states and the weights of a layer with ``gates`` blocks; return float arrays."""
    x = as_float_array("x", x, 3, "(batch, time, features)")
    check_batch("x", x, "(batch, time, features) array")
    W_hh = as_float_array("W_hh", W_hh, 2, f"(hidden, {gates} * hidden)" if gates > 1 else "(hidden, hidden)")
    W_xh, b_h = as_float_array("W_xh", W_xh), as_float_array("b_h", b_h)
    n, _, d = x.shape
    hidden = W_hh.shape[0]
    width = "H" if gates == 1 else f"{gates}H"
    if (
        hidden == 0
        or W_hh.shape != (hidden, gates * hidden)
        or W_xh.shape != (d, gates * hidden)
        or b_h.shape != (gates * hidden,)
    ):
        raise ValueError(
            f"weights do not fit: x {x.shape} needs W_xh ({d}, {width}), W_hh (H, {width}), b_h ({width},) "
            f"with H >= 1; got W_xh {W_xh.shape}, W_hh {W_hh.shape}, b_h {b_h.shape}"
        )
    states = {name: as_float_array(name, s) for name, s in states.items()}
    for name, s in states.items():
        if s.shape != (n, hidden):
            raise ValueError(f"{name} must be (batch, hidden) = ({n}, {hidden}); got {s.shape}")
    for name, array in (("x", x), *states.items(), ("W_xh", W_xh), ("W_hh", W_hh), ("b_h", b_h)):
        check_finite(name, array)
    return x, states, W_xh, W_hh, b_h


def _check_upstream(name: str, grad, shape):
    """A gradient arriving from above, as a finite float array of the given shape."""
    grad = as_float_array(name, grad)
    if grad.shape != shape:
        raise ValueError(f"{name} must have the shape {shape}; got {grad.shape}")
    check_finite(name, grad)
    return grad


def rnn_forward(x, h0, W_xh, W_hh, b_h):
    """Run H_t = tanh(X_t W_xh + H_{t-1} W_hh + b_h) for t = 1, ..., T; returns ``(h, cache)`` (chapter 4)."""
    x, states, W_xh, W_hh, b_h = _check_recurrent_args(x, {"h0": h0}, W_xh, W_hh, b_h, gates=1)
    n, steps, _ = x.shape
    h = np.empty((n, steps, W_hh.shape[0]), dtype=np.result_type(x, W_xh))
    previous = states["h0"]
    for t in range(steps):
        previous = np.tanh(x[:, t] @ W_xh + previous @ W_hh + b_h)
        h[:, t] = previous
    check_finite("h (the result)", h, error=FloatingPointError)  # inf - inf inside tanh: inputs too large
    return h, RNNCache(x, states["h0"], W_xh, W_hh, h)


# Chapter 4 prints this function: it stays within the book's 77 columns.
def rnn_backward(dh, cache):
    """Backpropagation through time (chapter 4).

    Gradients of x, h0, W_xh, W_hh and b_h from dL/dH. ``dh`` (batch, time,
    hidden) is the gradient arriving at each H_t from the outputs. Going
    backwards from t = T, the error at the pre-activation Z_t is
    delta_t = (dh_t + delta_{t+1} W_hh^T) * (1 - H_t^2),
    and every shared weight's gradient is the sum of its per-step gradients.
    """
    if not isinstance(cache, RNNCache):
        raise TypeError("cache must be rnn_forward's second return value")
    x, h0, W_xh, W_hh, h = cache
    dh = _check_upstream("dh", dh, h.shape)
    grads = {
        "W_xh": np.zeros_like(W_xh),
        "W_hh": np.zeros_like(W_hh),
        "b_h": np.zeros(W_hh.shape[0], dh.dtype),
    }
    dx = np.zeros_like(x, dtype=dh.dtype)
    # delta_{t+1} W_hh^T: what step t + 1 sends back (zero after step T)
    carried = np.zeros_like(h0, dtype=dh.dtype)
    for t in range(h.shape[1] - 1, -1, -1):  # index t holds step t + 1
        delta = (dh[:, t] + carried) * (1.0 - h[:, t] ** 2)
        h_prev = h[:, t - 1] if t > 0 else h0
        grads["W_xh"] += x[:, t].T @ delta
        grads["W_hh"] += h_prev.T @ delta
        grads["b_h"] += delta.sum(axis=0)
        dx[:, t] = delta @ W_xh.T
        carried = delta @ W_hh.T
    grads["x"], grads["h0"] = dx, carried
    return grads


def _sigmoid(z):
    """The logistic function, without overflow warnings for large |z|."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def lstm_forward(x, h0, c0, W_xh, W_hh, b_h):
    """Run the LSTM (Keras' gate order i, f, c, o) for t = 1, ..., T; returns ``(h, cache)`` (chapter 4).

    Z_t = X_t W_xh + H_{t-1} W_hh + b_h is split into four blocks; I, F, O = sigmoid of
    three of them, G = tanh of the third (the candidate); C_t = F * C_{t-1} + I * G and
    H_t = O * tanh(C_t). The cache holds the gates and the cell states C_t for the backward pass.
    """
    x, states, W_xh, W_hh, b_h = _check_recurrent_args(x, {"h0": h0, "c0": c0}, W_xh, W_hh, b_h, gates=4)
    h0, c0 = states["h0"], states["c0"]
    n, steps, _ = x.shape
    hidden = W_hh.shape[0]
    dtype = np.result_type(x, W_xh, h0, c0)
    h, c = np.empty((n, steps, hidden), dtype), np.empty((n, steps, hidden), dtype)
    gates = np.empty((n, steps, 4 * hidden), dtype)
    h_prev, c_prev = h0, c0
    for t in range(steps):
        z = x[:, t] @ W_xh + h_prev @ W_hh + b_h
        i, f, g, o = np.split(z, 4, axis=1)
        i, f, g, o = _sigmoid(i), _sigmoid(f), np.tanh(g), _sigmoid(o)
        c_prev = f * c_prev + i * g
        h_prev = o * np.tanh(c_prev)
        gates[:, t], c[:, t], h[:, t] = np.concatenate([i, f, g, o], axis=1), c_prev, h_prev
    check_finite("h (the result)", h, error=FloatingPointError)
    return h, LSTMCache(x, h0, c0, W_xh, W_hh, gates, c, h)


def lstm_backward(dh, cache, dc_last=None):
    """Backpropagation through time for the LSTM: gradients of x, h0, c0, W_xh, W_hh and b_h (chapter 4).

    ``dh`` (batch, time, hidden) is dL/dH_t from the outputs; ``dc_last`` (batch, hidden),
    optional, is a gradient arriving at the last cell state C_T. The cell state passes its
    gradient back through dC_{t-1} = dC_t * F_t: no weight matrix and no tanh' on that path.
    """
    if not isinstance(cache, LSTMCache):
        raise TypeError("cache must be the second value returned by lstm_forward")
    x, h0, c0, W_xh, W_hh, gates, c, h = cache
    dh = _check_upstream("dh", dh, h.shape)
    dc_next = np.zeros_like(c0) if dc_last is None else _check_upstream("dc_last", dc_last, c0.shape)
    dh_next = np.zeros_like(h0)
    grads = {"W_xh": np.zeros_like(W_xh), "W_hh": np.zeros_like(W_hh), "b_h": np.zeros(W_hh.shape[1], dh.dtype)}
    dx = np.zeros_like(x, dtype=dh.dtype)
    for t in range(h.shape[1] - 1, -1, -1):
        i, f, g, o = np.split(gates[:, t], 4, axis=1)
        c_prev, h_prev = (c[:, t - 1], h[:, t - 1]) if t > 0 else (c0, h0)
        tanh_c = np.tanh(c[:, t])
        dh_t = dh[:, t] + dh_next
        dc_t = dc_next + dh_t * o * (1.0 - tanh_c**2)
        dz = np.concatenate(
            [dc_t * g * i * (1 - i), dc_t * c_prev * f * (1 - f), dc_t * i * (1 - g**2), dh_t * tanh_c * o * (1 - o)],
            axis=1,
        )
        grads["W_xh"] += x[:, t].T @ dz
        grads["W_hh"] += h_prev.T @ dz
        grads["b_h"] += dz.sum(axis=0)
        dx[:, t] = dz @ W_xh.T
        dh_next, dc_next = dz @ W_hh.T, dc_t * f
    grads["x"], grads["h0"], grads["c0"] = dx, dh_next, dc_next
    return grads


def clip_gradients(grads: dict, max_norm: float):
    """Rescale all gradients together so their global norm is at most ``max_norm``; returns (grads, norm)."""
    if not isinstance(grads, Mapping):
        raise TypeError(f"grads must be a dict of arrays; got {type(grads).__name__}")
    max_norm = check_number("max_norm", max_norm, positive=True)
    grads = {name: as_float_array(f"grads[{name!r}]", g) for name, g in grads.items()}
    # gradients scaled below their type's smallest normal number fall into subnormals and lose digits
    floor = max([1e-30] + [float(np.finfo(g.dtype).tiny) for g in grads.values()])
    if max_norm < floor:
        raise ValueError(f"max_norm must be at least {floor:.2g} to clip these gradients meaningfully (below it "
                         f"they become subnormal numbers and lose digits); got {max_norm!r}")  # fmt: skip
    for name, g in grads.items():
        check_finite(f"grads[{name!r}]", g, error=FloatingPointError)
    norm = _global_norm(grads)
    scale = min(1.0, max_norm / (norm + 1e-12))
    if scale < np.finfo(np.float64).tiny:  # subnormal (a norm of 1e304 clipped to 1e-16): divide first, keep the digits
        return {k: g / (norm + 1e-12) * max_norm for k, g in grads.items()}, norm
    return {k: g * scale for k, g in grads.items()}, norm


def _global_norm(grads: dict) -> float:
    """sqrt(sum of g^2) over all gradients, rescaled by the largest entry when the squares over- or underflow."""
    with np.errstate(over="ignore", under="ignore"):
        norm = float(np.sqrt(sum(np.sum(g**2) for g in grads.values())))
    if 1e-18 < norm < np.inf:
        return norm
    largest = max((float(np.max(np.abs(g), initial=0.0)) for g in grads.values()), default=0.0)
    if largest == 0.0:
        return 0.0
    with np.errstate(under="ignore"):
        scaled = float(np.sqrt(sum(np.sum((g.astype(np.float64) / largest) ** 2) for g in grads.values())))
    if largest * scaled == np.inf:
        raise FloatingPointError(f"the global gradient norm, about {largest:.1e} * {scaled:.3g}, exceeds float64")
    return largest * scaled


class GradientClipping:
    """An optimiser that clips the global gradient norm to ``max_norm``, then lets ``optimizer`` step (chapter 4).

    The model's gradient stays exact (and checkable); only the update is bounded, as with
    Keras' ``global_clipnorm``. ``norms`` records every norm before clipping.
    """

    def __init__(self, optimizer, max_norm: float):
        if not callable(getattr(optimizer, "step", None)):
            raise TypeError(f"optimizer must have a step(params, grads) method; got {type(optimizer).__name__}")
        self.optimizer, self.max_norm, self.norms = optimizer, check_number("max_norm", max_norm, positive=True), []

    def step(self, params: dict, grads: dict) -> None:
        """Clip ``grads`` together, record their norm, and update ``params`` in place."""
        clipped, norm = clip_gradients(grads, self.max_norm)
        self.norms.append(norm)
        self.optimizer.step(params, clipped)

    @property
    def clipped_steps(self) -> int:
        """How many steps so far had a gradient norm above ``max_norm``."""
        return sum(norm > self.max_norm for norm in self.norms)


def hidden_jacobian_norms(W_hh, h=None) -> np.ndarray:
    """Spectral norms of dH_T/dH_t for T - t = 1, 2, ... (index k holds T - t = k + 1) (chapter 4).

    In rows, a change dH_{k-1} moves H_k by dH_{k-1} J_k with J_k = W_hh diag(1 - H_k^2), so
    dH_T/dH_t is the product J_{t+1} ... J_T. ``h`` (time, hidden) are one sequence's hidden
    states; ``h=None`` means a linear network, where every J_k is W_hh and the norms are those
    of the powers W_hh^(T - t) (64 of them).
    """
    W_hh, h = _check_jacobian_args(W_hh, h)
    steps = 64 if h is None else h.shape[0]
    product = np.eye(W_hh.shape[0])
    norms = []
    for k in range(steps - 1, -1, -1):
        local = W_hh if h is None else W_hh * (1.0 - h[k] ** 2)
        with np.errstate(over="ignore", invalid="ignore"):
            product = local @ product
        if not np.all(np.isfinite(product)):
            raise FloatingPointError(f"the Jacobian product overflows after {len(norms) + 1} steps: W_hh too large")
        norms.append(np.linalg.norm(product, 2))
    return np.array(norms)


def _check_jacobian_args(W_hh, h):
    """W_hh (hidden, hidden) and h (time, hidden) or None, as finite float arrays."""
    W_hh = as_float_array("W_hh", W_hh, 2, "(hidden, hidden)")
    if W_hh.shape[0] != W_hh.shape[1] or W_hh.size == 0:
        raise ValueError(f"W_hh must be a non-empty square (hidden, hidden) matrix; got shape {W_hh.shape}")
    check_finite("W_hh", W_hh)
    if h is not None:
        h = as_float_array("h", h, 2, f"(time, hidden = {W_hh.shape[0]})")
        if h.shape[1] != W_hh.shape[0] or h.shape[0] == 0:
            raise ValueError(f"h must be (time, hidden = {W_hh.shape[0]}) with time >= 1; got shape {h.shape}")
        check_finite("h", h)
    return W_hh, h


class _Recurrent:
    """What the Elman network and the LSTM share: a linear read-out y_t = H_t W_hy + b_y and the squared loss."""

    def _init_readout(self, n_hidden, n_out, last_only, rng):
        if not isinstance(last_only, bool):
            raise TypeError(f"last_only must be True or False; got {last_only!r}")
        self.params["W_hy"] = init_weights(n_hidden, n_out, "xavier", rng)
        self.params["b_y"] = np.zeros(n_out)
        self.last_only = last_only

    def _inputs(self, x, state):
        x = as_float_array("x", x, 3, "(batch, time, features)").astype(np.float64, copy=False)
        n_in = self.params["W_xh"].shape[0]
        if x.shape[2] != n_in:
            raise ValueError(f"x must have {n_in} features (the model's n_in); got shape {x.shape}")
        return x, self._initial_state(x.shape[0]) if state is None else state

    def forward(self, x, state=None):
        """Outputs y (batch, time, out), or (batch, out) with ``last_only``, the hidden states and the cache."""
        x, state = self._inputs(x, state)
        h, cache = self._run(x, state)
        y = h @ self.params["W_hy"] + self.params["b_y"]
        return (y[:, -1] if self.last_only else y), h, cache

    def loss_grads_and_state(self, x, d, state=None):
        """Squared loss against targets ``d``, every parameter's gradient, and the final state (chapter 4).

        ``state`` is the state to start from (zeros when None); the returned final state is
        what a next chunk of the same sequences starts from (truncated BPTT).
        """
        y, h, cache = self.forward(x, state)
        loss, dy = mse_loss(y, as_float_array("d", d))
        if self.last_only:
            dy_all = np.zeros(h.shape[:2] + dy.shape[-1:])
            dy_all[:, -1] = dy
            dy = dy_all
        grads = self._backward(dy @ self.params["W_hy"].T, cache)
        grads["W_hy"] = np.einsum("nth,nto->ho", h, dy)
        grads["b_y"] = dy.sum(axis=(0, 1))
        return loss, grads, self._final_state(cache)

    def loss_and_grads(self, x, d):
        """Squared loss (mean over the batch, summed over steps and outputs) and all gradients."""
        loss, grads, _ = self.loss_grads_and_state(x, d)
        return loss, grads

    def predict(self, x):
        """Model outputs for ``x``."""
        return self.forward(x)[0]


class ElmanRNN(_Recurrent):
    """Elman network with a linear read-out y_t = H_t W_hy + b_y and the squared loss (chapter 4).

    ``last_only=True`` scores only the final step (sequence-to-one tasks). Parameters live in
    ``params``; ``loss_and_grads`` and ``params`` are what `companion.optim.fit` trains. The
    state carried between steps is H, (batch, hidden).
    """

    def __init__(self, n_in, n_hidden, n_out, seed=0, last_only=False):
        n_in, n_hidden, n_out = check_int("n_in", n_in), check_int("n_hidden", n_hidden), check_int("n_out", n_out)
        rng = np.random.default_rng(check_seed(seed))
        self.params = {
            "W_xh": init_weights(n_in, n_hidden, "xavier", rng),
            "W_hh": np.linalg.qr(rng.standard_normal((n_hidden, n_hidden)))[0],  # orthogonal, like Keras
            "b_h": np.zeros(n_hidden),
        }
        self._init_readout(n_hidden, n_out, last_only, rng)

    def _initial_state(self, n):
        return np.zeros((n, self.params["W_hh"].shape[0]))

    def _run(self, x, state):
        return rnn_forward(x, state, self.params["W_xh"], self.params["W_hh"], self.params["b_h"])

    def _backward(self, dh, cache):
        grads = rnn_backward(dh, cache)
        return {k: grads[k] for k in ("W_xh", "W_hh", "b_h")}

    def _final_state(self, cache):
        return cache.h[:, -1].copy()


class LSTM(_Recurrent):
    """LSTM (Keras' gates i, f, c, o), linear read-out, squared loss; ElmanRNN's interface (chapter 4).

    ``params``: W_xh (n_in, 4H), W_hh (H, 4H), b_h (4H,) in Keras' layout (kernel,
    recurrent_kernel, bias), then W_hy, b_y. The forget gates' biases start at
    ``forget_bias`` (Keras' default 1). The state carried between steps is the pair (H, C).
    """

    def __init__(self, n_in, n_hidden, n_out, seed=0, last_only=False, forget_bias=1.0):
        n_in, n_hidden, n_out = check_int("n_in", n_in), check_int("n_hidden", n_hidden), check_int("n_out", n_out)
        forget_bias = check_number("forget_bias", forget_bias)
        rng = np.random.default_rng(check_seed(seed))
        b_h = np.zeros(4 * n_hidden)
        b_h[n_hidden : 2 * n_hidden] = forget_bias
        self.params = {
            "W_xh": init_weights(n_in, 4 * n_hidden, "xavier", rng),
            "W_hh": np.linalg.qr(rng.standard_normal((4 * n_hidden, n_hidden)))[0].T,  # orthonormal rows, like Keras
            "b_h": b_h,
        }
        self._init_readout(n_hidden, n_out, last_only, rng)

    def _initial_state(self, n):
        hidden = self.params["W_hh"].shape[0]
        return np.zeros((n, hidden)), np.zeros((n, hidden))

    def _run(self, x, state):
        if not isinstance(state, tuple) or len(state) != 2:
            raise TypeError("an LSTM's state is the pair (h, c) of (batch, hidden) arrays")
        return lstm_forward(x, *state, self.params["W_xh"], self.params["W_hh"], self.params["b_h"])

    def _backward(self, dh, cache):
        grads = lstm_backward(dh, cache)
        return {k: grads[k] for k in ("W_xh", "W_hh", "b_h")}

    def _final_state(self, cache):
        return cache.h[:, -1].copy(), cache.c[:, -1].copy()


def truncated_bptt(model, x, d, k: int, optimizer=None):
    """Chunked truncated BPTT over long sequences (chapter 4); returns (loss, grads) summed over the chunks.

    The T steps are cut into consecutive chunks of ``k`` (the last may be shorter). Each chunk
    runs forward from the state the previous chunk ended in, and backward within itself only:
    that state enters as a constant (detached), so no error crosses a chunk boundary and only
    k steps of states are stored at a time. With ``optimizer``, the weights are updated after
    every chunk (d2l's sequential partitioning); without, the chunks' gradients are summed.
    """
    if not hasattr(model, "loss_grads_and_state") or getattr(model, "last_only", False):
        raise TypeError("model must be an ElmanRNN or LSTM with a target at every step (last_only=False)")
    x = as_float_array("x", x, 3, "(batch, time, features)")
    d = as_float_array("d", d, 3, "(batch, time, outputs)")
    if d.shape[:2] != x.shape[:2]:
        raise ValueError(f"d must have x's batch and time axes {x.shape[:2]}; got shape {d.shape}")
    k = check_int("k", k)
    if optimizer is not None and not callable(getattr(optimizer, "step", None)):
        raise TypeError(f"optimizer must have a step(params, grads) method; got {type(optimizer).__name__}")
    total_loss, total, state = 0.0, None, None
    for start in range(0, x.shape[1], k):
        loss, grads, state = model.loss_grads_and_state(x[:, start : start + k], d[:, start : start + k], state)
        if optimizer is not None:
            optimizer.step(model.params, grads)
        total_loss += loss
        total = grads if total is None else {name: total[name] + g for name, g in grads.items()}
    return total_loss, total
