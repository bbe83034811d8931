"""Feed-forward networks from scratch: layers, losses, backpropagation, optimisers (chapter 2).

Notation follows chapter 2: a layer computes z = a W + b and h = f(z), with ``a`` the
(batch, inputs) activations below it, ``W`` of shape (inputs, outputs) as in Keras, and
the loss averaged over the batch. NumPy only.
"""

from __future__ import annotations

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


def _check_layer(a, W):
    """A dense layer's input batch a (n, inputs) and weights W (inputs, outputs) as float arrays."""
    a = as_float_array("a", a, 2, "(batch, inputs)")
    W = as_float_array("W", W, 2, "(inputs, outputs)")
    check_batch("a", a, "(batch, inputs) array")
    if a.shape[1] != W.shape[0]:
        raise ValueError(f"dense layer: W {W.shape} needs a of shape (n, {W.shape[0]}); got a {a.shape}")
    return a, W


def _check_dense_forward(a, W, b):
    """dense_forward's arguments, validated and as float arrays."""
    a, W = _check_layer(a, W)
    b = as_float_array("b", b)
    if b.shape != (W.shape[1],):
        raise ValueError(f"dense layer: b must have shape ({W.shape[1]},) to match W {W.shape}; got {b.shape}")
    return a, W, b


def _check_dense_backward(dz, a, W):
    """dense_backward's arguments, validated and as float arrays."""
    a, W = _check_layer(a, W)
    dz = as_float_array("dz", dz)
    if dz.shape != (a.shape[0], W.shape[1]):
        raise ValueError(f"dz must be (batch, outputs) = {(a.shape[0], W.shape[1])}, the shape of z; got {dz.shape}")
    return dz, a, W


def dense_forward(a, W, b):
    """z = a W + b for a batch ``a`` of shape (n, inputs) (chapter 2)."""
    a, W, b = _check_dense_forward(a, W, b)
    return a @ W + b


# Chapter 2 prints this function: it stays within the book's 77 columns.
def dense_backward(dz, a, W):
    """Gradients of z = a W + b: dL/da, dL/dW, dL/db from dL/dz (ch. 2)."""
    dz, a, W = _check_dense_backward(dz, a, W)
    return dz @ W.T, a.T @ dz, dz.sum(axis=0)


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
    """Mean cross-entropy of softmax(logits) against integer labels, and (y_hat - y)/n (chapter 2)."""
    logits = _check_logits(logits)
    n = logits.shape[0]
    y = one_hot(check_labels(labels, logits.shape[1], n=n), logits.shape[1], dtype=logits.dtype)
    shifted = _shift(logits)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -np.sum(np.where(y > 0, log_probs, 0)) / n  # not y * log_probs: 0 * (-inf) would be NaN
    if not np.isfinite(loss):
        raise FloatingPointError(
            f"the cross-entropy exceeds the largest {logits.dtype}: a label's logit lies more than that far "
            "below its row's maximum"
        )
    return loss, (np.exp(log_probs) - y) / n


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


class MLP(Classifier):
    """A multi-layer perceptron with explicit forward and backward passes (chapter 2).

    ``sizes`` lists the width of every layer, input first. Hidden layers use
    ``activation``; the output layer is linear and the loss decides what follows it:
    ``"cross_entropy"`` applies softmax inside the loss, ``"mse"`` compares the linear
    output (or its ``output_activation``) with the targets. Parameters live in
    ``self.params`` as ``W1, b1, W2, b2, ...``; ``backward`` fills ``self.grads``.
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
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self._cache = None

    @property
    def n_layers(self) -> int:
        """Number of weight layers (hidden layers + 1)."""
        return len(self.sizes) - 1

    def forward(self, x):
        """Network output for a batch x of shape (n, inputs): logits, or g(u) for mse."""
        x = as_float_array("x", x, 2, f"(batch, {self.sizes[0]})")
        if x.shape[1] != self.sizes[0]:
            raise ValueError(f"x must be (batch, {self.sizes[0]}); got shape {x.shape}")
        check_batch("x", x, f"(batch, {self.sizes[0]}) array")
        check_finite("x", x)
        activations, pre = [x], []
        for layer in range(1, self.n_layers + 1):
            z = dense_forward(activations[-1], self.params[f"W{layer}"], self.params[f"b{layer}"])
            pre.append(z)
            activations.append(self.f(z) if layer < self.n_layers else self.g(z))
        self._cache = (activations, pre)
        return activations[-1]

    def loss(self, x, targets):
        """Loss of a batch and the gradient with respect to the output pre-activation u."""
        out = self.forward(x)
        if self.loss_name == "cross_entropy":
            return softmax_cross_entropy(out, np.asarray(targets))
        value, dy = mse_loss(out, as_float_array("targets", targets).astype(out.dtype, copy=False))
        return value, dy * self.g_prime(self._cache[1][-1])  # delta_k = (y_k - d_k) g'(u_k)

    # Chapter 2 prints this method: it stays within the book's 77 columns.
    def backward(self, du):
        """Backpropagate dL/du through every layer; fill ``self.grads``."""
        if self._cache is None:
            raise RuntimeError("call forward (or loss) before backward")
        activations, pre = self._cache
        delta = du
        for layer in range(self.n_layers, 0, -1):
            W = self.params[f"W{layer}"]
            da, dW, db = dense_backward(delta, activations[layer - 1], W)
            self.grads[f"W{layer}"], self.grads[f"b{layer}"] = dW, db
            if layer > 1:
                # delta_j = f'(z_j) sum_k v_jk delta_k
                delta = da * self.f_prime(pre[layer - 2])
        return self.grads

    def loss_and_grads(self, x, targets):
        """One forward and one backward pass: (loss, grads)."""
        value, du = self.loss(x, targets)
        return value, self.backward(du)


def article_update(model: MLP, x, d, lr: float) -> float:
    """One step of the article's update rules, implemented literally; returns the loss (chapter 2).

    For a one-hidden-layer network with squared loss, the article computes an output error
    delta_k = (y_k - d_k) g'(u_k), a hidden error delta_j = g'(h_j) sum_k v_jk delta_k (the
    *output* derivative evaluated at the hidden *activation*), an "input-layer error"
    delta_i = f'(a_i) sum_j w_ij delta_j, and then updates
    v_jk <- v_jk + lr delta_j (y_k - d_k) and w_ij <- w_ij + lr delta_i (h_j - a_i), leaving
    the biases alone. Batches average the updates over examples. This is NOT gradient
    descent: it exists so the book can show what these rules do.
    """
    if not isinstance(model, MLP):
        raise TypeError(f"model must be an MLP; got {type(model).__name__}")
    lr = check_number("lr", lr, positive=True)
    if model.n_layers != 2 or model.loss_name != "mse":
        raise ValueError("the article's rule is stated for one hidden layer and squared loss")
    loss, delta_k = model.loss(x, d)  # includes 1/n: delta_k = (y - d) g'(u) / n
    (a, h, y), (z, u) = model._cache
    V, W = model.params["W2"], model.params["W1"]
    delta_j = model.g_prime(h) * (delta_k @ V.T)  # the article's g'(h_j)
    delta_i = model.f_prime(a) * (delta_j @ W.T)  # an error for the inputs, which have no weights
    err = y - np.asarray(d, dtype=y.dtype)  # (y_k - d_k)
    V += lr * delta_j.T @ err  # v_jk += lr sum_n delta_j (y_k - d_k)
    W += lr * np.einsum("ni,nij->ij", delta_i, h[:, None, :] - a[:, :, None])  # w_ij += lr delta_i (h_j - a_i)
    return loss
