"""The Elman recurrent network and backpropagation through time (chapter 4); NumPy only.

Shapes follow Keras' SimpleRNN: inputs ``x`` are (batch, time, features), hidden states
``h`` are (batch, time, hidden), and h_t = tanh(x_t W_xh + h_{t-1} W_hh + b_h) with
``W_xh`` (features, hidden), ``W_hh`` (hidden, hidden) and ``b_h`` (hidden,).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from companion._checks import as_float_array, check_batch, check_finite, check_int, check_number, check_seed
from companion.fnn import init_weights, mse_loss

__all__ = ["ElmanRNN", "clip_gradients", "hidden_jacobian_norms", "rnn_backward", "rnn_forward"]


def _check_rnn_args(x, h0, W_xh, W_hh, b_h):
    """Validate rnn_forward's arguments; return them as float arrays."""
    x = as_float_array("x", x, 3, "(batch, time, features)")
    check_batch("x", x, "(batch, time, features) array")
    W_hh = as_float_array("W_hh", W_hh, 2, "(hidden, hidden)")
    h0, W_xh, b_h = as_float_array("h0", h0), as_float_array("W_xh", W_xh), as_float_array("b_h", b_h)
    n, _, d = x.shape
    hidden = W_hh.shape[0]
    if W_xh.shape != (d, hidden) or W_hh.shape != (hidden, hidden) or b_h.shape != (hidden,) or hidden == 0:
        raise ValueError(
            f"weights do not fit: x {x.shape} needs W_xh ({d}, H), W_hh (H, H), b_h (H,) with H >= 1; "
            f"got W_xh {W_xh.shape}, W_hh {W_hh.shape}, b_h {b_h.shape}"
        )
    if h0.shape != (n, hidden):
        raise ValueError(f"h0 must be (batch, hidden) = ({n}, {hidden}); got {h0.shape}")
    for name, array in (("x", x), ("h0", h0), ("W_xh", W_xh), ("W_hh", W_hh), ("b_h", b_h)):
        check_finite(name, array)
    return x, h0, W_xh, W_hh, b_h


def _check_backward_args(dh, cache, truncate):
    """Validate rnn_backward's arguments; return dh as a float array."""
    if not isinstance(cache, tuple) or len(cache) != 5:
        raise TypeError("cache must be the second value returned by rnn_forward")
    h = cache[-1]
    dh = as_float_array("dh", dh)
    if dh.shape != h.shape:
        raise ValueError(f"dh must have the shape of h {h.shape}; got {dh.shape}")
    check_finite("dh", dh)
    if truncate is not None:
        check_int("truncate", truncate)
    return dh


def rnn_forward(x, h0, W_xh, W_hh, b_h):
    """Run h_t = tanh(x_t W_xh + h_{t-1} W_hh + b_h) over every time step; returns ``(h, cache)``."""
    x, h0, W_xh, W_hh, b_h = _check_rnn_args(x, h0, W_xh, W_hh, b_h)
    n, steps, _ = x.shape
    h = np.empty((n, steps, W_hh.shape[0]), dtype=np.result_type(x, W_xh))
    previous = h0
    for t in range(steps):
        previous = np.tanh(x[:, t] @ W_xh + previous @ W_hh + b_h)
        h[:, t] = previous
    check_finite("h (the result)", h, error=FloatingPointError)  # inf - inf inside tanh: inputs too large
    return h, (x, h0, W_xh, W_hh, h)


# Chapter 4 prints this function: it stays within the book's 77 columns.
def rnn_backward(dh, cache, truncate: int | None = None):
    """Backpropagation through time (chapter 4).

    Gradients of x, h0, W_xh, W_hh and b_h from dL/dh. ``dh`` (batch, time,
    hidden) is the gradient arriving at each h_t from the outputs. Going
    backwards, the error of step t is
    delta_t = (1 - h_t^2) * (dh_t + delta_{t+1} W_hh^T),
    and every shared weight's gradient is the sum of its per-step gradients.
    With ``truncate=k`` the error is not passed back across the boundaries
    of consecutive k-step chunks (truncated BPTT).
    """
    dh = _check_backward_args(dh, cache, truncate)
    x, h0, W_xh, W_hh, h = cache
    grads = {
        "W_xh": np.zeros_like(W_xh),
        "W_hh": np.zeros_like(W_hh),
        "b_h": np.zeros(W_hh.shape[0], dh.dtype),
    }
    dx = np.zeros_like(x, dtype=dh.dtype)
    # delta_{t+1} W_hh^T: what step t+1 sends back
    carried = np.zeros_like(h0, dtype=dh.dtype)
    for t in range(h.shape[1] - 1, -1, -1):
        delta = (dh[:, t] + carried) * (1.0 - h[:, t] ** 2)
        h_prev = h[:, t - 1] if t > 0 else h0
        grads["W_xh"] += x[:, t].T @ delta
        grads["W_hh"] += h_prev.T @ delta
        grads["b_h"] += delta.sum(axis=0)
        dx[:, t] = delta @ W_xh.T
        carried = delta @ W_hh.T
        if truncate is not None and t % truncate == 0 and t > 0:
            carried = np.zeros_like(carried)
    grads["x"], grads["h0"] = dx, carried
    return grads


def clip_gradients(grads: dict, max_norm: float):
    """Rescale all gradients together so their global norm is at most ``max_norm``; returns (grads, norm)."""
    if not isinstance(grads, Mapping):
        raise TypeError(f"grads must be a dict of arrays; got {type(grads).__name__}")
    max_norm = check_number("max_norm", max_norm, positive=True)
    grads = {name: as_float_array(f"grads[{name!r}]", g) for name, g in grads.items()}
    for name, g in grads.items():
        check_finite(f"grads[{name!r}]", g, error=FloatingPointError)
    norm = _global_norm(grads)
    scale = min(1.0, max_norm / (norm + 1e-12))
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


def hidden_jacobian_norms(W_hh, h=None) -> np.ndarray:
    """Spectral norms of dh_T/dh_t for t = T-1, ..., 0 (index k holds T - t = k + 1) (chapter 4).

    dh_k/dh_{k-1} = diag(1 - h_k^2) W_hh^T, and dh_T/dh_t is the product of those Jacobians.
    ``h`` (time, hidden) are one sequence's hidden states; ``h=None`` means a linear network,
    where every Jacobian is W_hh^T and the norms grow or shrink like the spectral radius^(T - t).
    """
    W_hh, h = _check_jacobian_args(W_hh, h)
    steps = 64 if h is None else h.shape[0]
    product = np.eye(W_hh.shape[0])
    norms = []
    for k in range(steps - 1, -1, -1):
        local = W_hh.T if h is None else (1.0 - h[k] ** 2)[:, None] * W_hh.T
        with np.errstate(over="ignore", invalid="ignore"):
            product = product @ local
        if not np.all(np.isfinite(product)):
            raise FloatingPointError(f"the Jacobian product overflows after {len(norms) + 1} steps: W_hh too large")
        norms.append(np.linalg.norm(product, 2))
    norms = np.array(norms)
    check_finite("the Jacobian norms (W_hh too large for this many steps)", norms, error=FloatingPointError)
    return norms


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


class ElmanRNN:
    """Elman network with a linear read-out y_t = h_t W_hy + b_y and squared loss (chapter 4).

    ``last_only=True`` scores only the final step (sequence-to-one tasks). Parameters live in
    ``params``; the interface (``loss_and_grads``, ``params``) is what `companion.optim.fit`
    trains, with optional gradient clipping and truncated BPTT.
    """

    def __init__(self, n_in, n_hidden, n_out, seed=0, last_only=False, clip=None, truncate=None):
        n_in, n_hidden, n_out = check_int("n_in", n_in), check_int("n_hidden", n_hidden), check_int("n_out", n_out)
        clip = None if clip is None else check_number("clip", clip, positive=True)
        truncate = None if truncate is None else check_int("truncate", truncate)
        rng = np.random.default_rng(check_seed(seed))
        self.params = {
            "W_xh": init_weights(n_in, n_hidden, "xavier", rng),
            "W_hh": np.linalg.qr(rng.standard_normal((n_hidden, n_hidden)))[0],  # orthogonal, like Keras
            "b_h": np.zeros(n_hidden),
            "W_hy": init_weights(n_hidden, n_out, "xavier", rng),
            "b_y": np.zeros(n_out),
        }
        self.last_only, self.clip, self.truncate = last_only, clip, truncate
        self.last_grad_norm = None

    def forward(self, x, h0=None):
        """Outputs (batch, time, out), or (batch, out) with ``last_only``, and the hidden states."""
        x = as_float_array("x", x, 3, "(batch, time, features)").astype(np.float64, copy=False)
        h0 = np.zeros((x.shape[0], self.params["W_hh"].shape[0])) if h0 is None else h0
        p = self.params
        h, cache = rnn_forward(x, h0, p["W_xh"], p["W_hh"], p["b_h"])
        y = h @ p["W_hy"] + p["b_y"]
        return (y[:, -1] if self.last_only else y), h, cache

    def loss_and_grads(self, x, targets):
        """Squared loss (mean over batch, summed over steps and outputs) and all gradients."""
        y, h, cache = self.forward(x)
        loss, dy = mse_loss(y, np.asarray(targets, dtype=y.dtype))
        if self.last_only:
            dy_full = np.zeros(h.shape[:2] + (dy.shape[-1],))
            dy_full[:, -1] = dy
            dy = dy_full
        grads = rnn_backward(dy @ self.params["W_hy"].T, cache, truncate=self.truncate)
        grads = {k: grads[k] for k in ("W_xh", "W_hh", "b_h")}
        grads["W_hy"] = np.einsum("nth,nto->ho", h, dy)
        grads["b_y"] = dy.sum(axis=(0, 1))
        if self.clip is not None:
            grads, self.last_grad_norm = clip_gradients(grads, self.clip)
        return loss, grads

    def predict(self, x):
        """Model outputs for ``x``."""
        return self.forward(x)[0]
