"""Feed-forward networks from scratch: layers, losses, backpropagation, optimisers (chapter 2).

Notation follows the book's notation page: examples are rows, a layer computes z = h W + b
and its activation f(z), with ``h`` the (batch, inputs) activations below it (the input x for
the first layer) and ``W`` of shape (inputs, outputs) as in Keras; the network's output is y,
the target d, and the loss is averaged over the batch. NumPy only.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from companion._checks import (
    as_float_array,
    check_batch,
    check_finite,
    check_float_dtype,
    check_int,
    check_labels,
    check_number,
    check_seed,
)
from companion.activations import get_activation

__all__ = [
    "MLP",
    "MLPCache",
    "Classifier",
    "article_update",
    "dense_backward",
    "dense_forward",
    "init_weights",
    "mse_loss",
    "one_hot",
    "softmax",
    "softmax_cross_entropy",
]


def _check_layer(h, W):
    """A dense layer's input batch h (n, inputs) and weights W (inputs, outputs) as float arrays."""
    h = as_float_array("h", h, 2, "(batch, inputs)")
    W = as_float_array("W", W, 2, "(inputs, outputs)")
    check_batch("h", h, "(batch, inputs) array")
    if h.shape[1] != W.shape[0]:
        raise ValueError(f"dense layer: W {W.shape} needs h of shape (n, {W.shape[0]}); got h {h.shape}")
    return h, W


def _check_dense_forward(h, W, b):
    """dense_forward's arguments, validated and as float arrays."""
    h, W = _check_layer(h, W)
    b = as_float_array("b", b)
    if b.shape != (W.shape[1],):
        raise ValueError(f"dense layer: b must have shape ({W.shape[1]},) to match W {W.shape}; got {b.shape}")
    return h, W, b


def _check_dense_backward(dz, h, W):
    """dense_backward's arguments, validated and as float arrays."""
    h, W = _check_layer(h, W)
    dz = as_float_array("dz", dz)
    if dz.shape != (h.shape[0], W.shape[1]):
        raise ValueError(f"dz must be (batch, outputs) = {(h.shape[0], W.shape[1])}, the shape of z; got {dz.shape}")
    return dz, h, W


def dense_forward(h, W, b):
    """z = h W + b for a batch ``h`` of shape (n, inputs) (chapter 2)."""
    h, W, b = _check_dense_forward(h, W, b)
    return h @ W + b


# Chapter 2 prints this function: it stays within the book's 77 columns.
def dense_backward(dz, h, W):
    """Gradients of z = h W + b: dL/dh, dL/dW, dL/db from dL/dz (ch. 2)."""
    dz, h, W = _check_dense_backward(dz, h, W)
    return dz @ W.T, h.T @ dz, dz.sum(axis=0)


def _check_logits(logits):
    """Logits as a non-empty (batch, classes) float array without NaN or infinity."""
    logits = as_float_array("logits", logits, 2, "(batch, classes)")
    check_batch("logits", logits, "(batch, classes) array")
    check_finite("logits", logits, error=FloatingPointError)  # a network's output: NaN means it diverged
    return logits


def _shift(logits):
    """Logits minus each row's maximum (all <= 0), so that exp never overflows."""
    with np.errstate(over="ignore"):  # a gap beyond the float range gives -inf: probability exactly 0
        return logits - logits.max(axis=1, keepdims=True)


def softmax(logits):
    """Row-wise softmax, shifted by the row maximum so that exp never overflows (chapter 2)."""
    e = np.exp(_shift(_check_logits(logits)))
    return e / e.sum(axis=1, keepdims=True)


def one_hot(labels, n_classes: int, dtype=np.float64):
    """Integer labels (n,) to a (n, n_classes) one-hot matrix (chapter 2)."""
    n_classes = check_int("n_classes", n_classes)
    labels = check_labels(labels, n_classes)
    rows = np.zeros((len(labels), n_classes), dtype=dtype)  # what the result needs, not an (n_classes, n_classes) eye
    rows[np.arange(len(labels)), labels] = 1
    return rows


def mse_loss(y, d):
    """L = 1/(2n) sum (y - d)^2 and its gradient (y - d)/n with respect to y (chapter 2)."""
    y, d = as_float_array("y", y), as_float_array("d", d)
    if y.shape != d.shape:
        raise ValueError(f"prediction and target shapes differ: {y.shape} vs {d.shape}")
    if y.ndim == 0 or y.size == 0:
        raise ValueError(f"y and d must be non-empty (batch, ...) arrays; got shape {y.shape}")
    check_finite("d", d)  # targets are data; a diverged network's NaN prediction y gives a NaN loss (chapter 2)
    diff = y - d
    n = y.shape[0]
    return 0.5 * np.sum(diff**2) / n, diff / n


def softmax_cross_entropy(logits, labels):
    """Mean cross-entropy of y = softmax(logits) against integer labels, and its gradient (y - d)/n (chapter 2).

    d is the one-hot target of each label; the gradient is with respect to the logits.
    """
    logits = _check_logits(logits)
    n = logits.shape[0]
    d = one_hot(check_labels(labels, logits.shape[1], n=n), logits.shape[1], dtype=logits.dtype)
    shifted = _shift(logits)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -np.sum(np.where(d > 0, log_probs, 0)) / n  # not d * log_probs: 0 * (-inf) would be NaN
    if not np.isfinite(loss):
        raise FloatingPointError(
            f"the cross-entropy exceeds the largest {logits.dtype}: a label's logit lies more than that far "
            "below its row's maximum"
        )
    return loss, (np.exp(log_probs) - d) / n


def init_weights(fan_in: int, fan_out: int, scheme: str, rng, dtype=np.float64):
    """Initial weight matrix: 'he' (ReLU), 'xavier' (tanh/sigmoid), 'zeros' or 'small' (chapter 2)."""
    fan_in, fan_out = check_int("fan_in", fan_in), check_int("fan_out", fan_out)
    dtype = check_float_dtype("dtype", dtype)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, e.g. np.random.default_rng(0); got {rng!r}")
    if scheme == "he":
        scale = np.sqrt(2.0 / fan_in)
    elif scheme == "xavier":
        scale = np.sqrt(2.0 / (fan_in + fan_out))
    elif scheme == "small":
        scale = 0.01
    elif scheme == "zeros":
        return np.zeros((fan_in, fan_out), dtype=dtype)
    else:
        raise ValueError(f"unknown init scheme {scheme!r}; choose he, xavier, small or zeros")
    return (rng.standard_normal((fan_in, fan_out)) * scale).astype(dtype)


class Classifier:
    """Class predictions and accuracy for any model with a ``forward`` returning logits (chapters 2, 3)."""

    predict_batch_size = 4096

    def predict(self, x, batch_size: int | None = None):
        """Class predictions (argmax of the logits), computed in batches."""
        batch_size = self.predict_batch_size if batch_size is None else check_int("batch_size", batch_size)
        if np.ndim(x) == 0 or len(x) == 0:
            raise ValueError(f"x must be a non-empty batch; got shape {np.shape(x)}")
        batches = range(0, len(x), batch_size)
        return np.concatenate([self.forward(x[i : i + batch_size]).argmax(axis=1) for i in batches])

    def accuracy(self, x, labels) -> float:
        """Fraction of correct class predictions."""
        labels, n = np.asarray(labels), np.shape(x)[0] if np.ndim(x) else 0
        if labels.shape != (n,):
            raise ValueError(f"labels must be (n,) with one label per example of x ({n}); got {labels.shape}")
        return float(np.mean(self.predict(x) == labels))


class MLPCache(NamedTuple):
    """What `MLP.forward_train` keeps for `MLP.backward`: each layer's input and pre-activation."""

    inputs: list  # x, h_1, ..., h_{L-1}: the input of each weight layer
    pre: list  # z_1, ..., z_L: each layer's pre-activation (z_L = u, the output's)


class MLP(Classifier):
    """A multi-layer perceptron with explicit forward and backward passes (chapter 2).

    ``sizes`` lists the width of every layer, input first. Hidden layers use
    ``activation``; the output layer is linear and the loss decides what follows it:
    ``"cross_entropy"`` applies softmax inside the loss, ``"mse"`` compares the linear
    output (or its ``output_activation``) with the targets. Parameters live in
    ``self.params`` as ``W1, b1, W2, b2, ...``. The model keeps no state between calls:
    `forward_train` returns the cache that `backward` needs, so a gradient is always the
    gradient of the batch whose cache it is given.
    """

    def __init__(self, sizes, activation="relu", loss="cross_entropy", output_activation="identity",
                 init=None, seed=0, dtype=np.float64):  # fmt: skip
        if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
            raise TypeError(f"sizes must be a list of layer widths, input first; got {sizes!r}")
        sizes = [check_int(f"sizes[{i}]", s) for i, s in enumerate(sizes)]
        if len(sizes) < 2:
            raise ValueError(f"sizes must list at least an input and an output width, all >= 1; got {sizes}")
        if loss not in ("mse", "cross_entropy"):
            raise ValueError(f"loss must be 'mse' or 'cross_entropy'; got {loss!r}")
        if loss == "cross_entropy" and output_activation != "identity":
            raise ValueError("with cross_entropy the output is logits: output_activation must be 'identity'")
        self.sizes = [int(s) for s in sizes]
        self.f, self.f_prime = get_activation(activation)
        self.g, self.g_prime = get_activation(output_activation)
        self.loss_name = loss
        init = init or ("he" if activation == "relu" else "xavier")
        dtype = check_float_dtype("dtype", dtype)
        rng = np.random.default_rng(check_seed(seed))
        self.params = {}
        for layer, (fan_in, fan_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:], strict=True), start=1):
            self.params[f"W{layer}"] = init_weights(fan_in, fan_out, init, rng, dtype)
            self.params[f"b{layer}"] = np.zeros(fan_out, dtype=dtype)

    @property
    def n_layers(self) -> int:
        """Number of weight layers (hidden layers + 1)."""
        return len(self.sizes) - 1

    def _check_input(self, x):
        """x as a finite (batch, inputs) float array."""
        x = as_float_array("x", x, 2, f"(batch, {self.sizes[0]})")
        if x.shape[1] != self.sizes[0]:
            raise ValueError(f"x must be (batch, {self.sizes[0]}); got shape {x.shape}")
        check_batch("x", x, f"(batch, {self.sizes[0]}) array")
        check_finite("x", x)
        return x

    def _layer(self, layer: int, h):
        """Layer ``layer``'s pre-activation z and its activation (f, or g for the output layer)."""
        z = dense_forward(h, self.params[f"W{layer}"], self.params[f"b{layer}"])
        return z, (self.f(z) if layer < self.n_layers else self.g(z))

    def forward(self, x):
        """Network output y for a batch x of shape (n, inputs): logits, or g(u) for mse; keeps nothing."""
        h = self._check_input(x)
        for layer in range(1, self.n_layers + 1):
            _, h = self._layer(layer, h)
        return h

    def forward_train(self, x):
        """The output y and the `MLPCache` that `backward` needs: every layer's input and pre-activation."""
        inputs, pre, h = [], [], self._check_input(x)
        for layer in range(1, self.n_layers + 1):
            inputs.append(h)
            z, h = self._layer(layer, h)
            pre.append(z)
        return h, MLPCache(inputs, pre)

    def _output_loss(self, y, cache, targets):
        """Loss of the output y against the targets, and dL/du at the output pre-activation u."""
        if self.loss_name == "cross_entropy":
            return softmax_cross_entropy(y, np.asarray(targets))
        value, dy = mse_loss(y, as_float_array("targets", targets).astype(y.dtype, copy=False))
        return value, dy * self.g_prime(cache.pre[-1])  # delta_k = (y_k - d_k) g'(u_k)

    def loss(self, x, targets):
        """Loss of a batch and its gradient dL/du with respect to the output pre-activation u."""
        y, cache = self.forward_train(x)
        return self._output_loss(y, cache, targets)

    def _check_cache(self, cache, du):
        """The cache's lists, refused unless they come from `forward_train` on this network and fit ``du``."""
        if not isinstance(cache, MLPCache):
            raise TypeError(f"cache must be the MLPCache returned by forward_train; got {type(cache).__name__}")
        widths = [h.shape[1] for h in cache.inputs] + [z.shape[1] for z in cache.pre[-1:]]
        if len(cache.pre) != self.n_layers or widths != self.sizes:
            raise ValueError(f"cache holds layers of widths {widths}, not this network's {self.sizes}")
        du = as_float_array("du", du)
        if du.shape != cache.pre[-1].shape:
            raise ValueError(f"du must have the shape of the output {cache.pre[-1].shape}; got {du.shape}")
        return cache.inputs, cache.pre, du

    # Chapter 2 prints these two methods: they stay within 77 columns.
    def error_terms(self, du, cache):
        """The error terms dL/dz of every layer, first to last."""
        _, pre, du = self._check_cache(cache, du)
        deltas = [du]  # the output layer's: dL/du
        for layer in range(self.n_layers, 1, -1):
            dh = deltas[0] @ self.params[f"W{layer}"].T  # sum_k v_jk delta_k
            # delta_j = f'(z_j) sum_k v_jk delta_k
            deltas.insert(0, dh * self.f_prime(pre[layer - 2]))
        return deltas

    def backward(self, du, cache):
        """Every weight's and bias's gradient, from dL/du and the cache."""
        deltas, grads = self.error_terms(du, cache), {}
        for layer, delta in enumerate(deltas, start=1):
            h = cache.inputs[layer - 1]  # the layer's input
            grads[f"W{layer}"] = h.T @ delta  # dL/dw_ij = h_i delta_j
            grads[f"b{layer}"] = delta.sum(axis=0)  # dL/db_j = delta_j
        return grads

    def loss_and_grads(self, x, targets):
        """One forward and one backward pass on the same batch: (loss, grads)."""
        y, cache = self.forward_train(x)
        value, du = self._output_loss(y, cache, targets)
        return value, self.backward(du, cache)


def article_update(model: MLP, x, d, lr: float) -> float:
    """One step of the article's update rules (its §3.1.3), implemented literally; returns the loss (chapter 2).

    For a one-hidden-layer network with squared loss, the article computes a hidden error
    delta_j = (sum_k v_jk (y_k - d_k)) g'(h_j): the raw output errors y_k - d_k (it has no
    output error term delta_k), weighted by v_jk and multiplied by the *output* derivative g'
    evaluated at the hidden *activation* h_j; an "input-layer error"
    delta_i = sum_j delta_j w_ij f'(a_i) with a_i = x_i; and then updates
    v_jk <- v_jk + lr delta_j (y_k - d_k) and w_ij <- w_ij + lr delta_i (h_j - a_i), leaving the
    biases alone. Batches average the updates over examples. This is NOT gradient descent: it
    exists so the book can show what these rules do.
    """
    if not isinstance(model, MLP):
        raise TypeError(f"model must be an MLP; got {type(model).__name__}")
    lr = check_number("lr", lr, positive=True)
    if model.n_layers != 2 or model.loss_name != "mse":
        raise ValueError("the article's rule is stated for one hidden layer and squared loss")
    y, ((a, h), _) = model.forward_train(x)
    loss, err_mean = mse_loss(y, as_float_array("d", d).astype(y.dtype, copy=False))  # err_mean = (y - d) / n
    V, W = model.params["W2"], model.params["W1"]
    delta_j = model.g_prime(h) * (err_mean @ V.T)  # (sum_k v_jk (y_k - d_k)) g'(h_j), averaged over the batch
    delta_i = model.f_prime(a) * (delta_j @ W.T)  # an error for the inputs, which have no weights
    err = y - np.asarray(d, dtype=y.dtype)  # (y_k - d_k)
    V += lr * delta_j.T @ err  # v_jk += lr sum_n delta_j (y_k - d_k)
    W += lr * np.einsum("ni,nij->ij", delta_i, h[:, None, :] - a[:, :, None])  # w_ij += lr delta_i (h_j - a_i)
    return loss
