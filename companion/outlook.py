"""Back-of-the-envelope costs of a network and a simple privacy probe (chapter 7). NumPy only.

FLOPs count one multiplication and one addition per weight use, the convention of Kaplan et
al. (2020): a dense layer costs 2 * inputs * outputs per example, a convolution
2 * kernel height * kernel width * input channels * output channels per output position.
Biases, activations and normalisation add a few per cent and are left out.
"""

from __future__ import annotations

import numpy as np

from companion._checks import check_finite, check_labels

__all__ = [
    "conv2d_cost",
    "dense_cost",
    "loss_threshold_attack",
    "per_example_cross_entropy",
    "training_flops",
]


def dense_cost(n_in: int, n_out: int, bias: bool = True) -> tuple[int, int]:
    """(parameters, forward FLOPs per example) of a dense layer (chapter 7)."""
    if n_in < 1 or n_out < 1:
        raise ValueError(f"a dense layer needs n_in, n_out >= 1; got {n_in}, {n_out}")
    return (n_in + int(bias)) * n_out, 2 * n_in * n_out


def conv2d_cost(kernel: tuple[int, int], c_in: int, c_out: int, out_hw: tuple[int, int], bias: bool = True):
    """(parameters, forward FLOPs per example) of a convolution with output map ``out_hw`` (chapter 7)."""
    (kh, kw), (h, w) = kernel, out_hw
    if min(kh, kw, c_in, c_out, h, w) < 1:
        raise ValueError(f"sizes must be >= 1; got kernel {kernel}, channels {c_in}->{c_out}, output {out_hw}")
    return (kh * kw * c_in + int(bias)) * c_out, 2 * kh * kw * c_in * c_out * h * w


def training_flops(forward_flops: float, examples: int, epochs: int) -> float:
    """FLOPs to train: the backward pass costs about twice the forward one, so 3x forward per example seen."""
    return 3.0 * forward_flops * examples * epochs


def per_example_cross_entropy(logits, labels) -> np.ndarray:
    """-ln softmax(logits)[label] for every row, computed stably (chapter 7's privacy probe)."""
    logits, labels = np.asarray(logits, dtype=np.float64), np.asarray(labels)
    if logits.ndim != 2 or labels.shape != (len(logits),):
        raise ValueError(f"logits must be (n, classes) and labels (n,); got {logits.shape} and {labels.shape}")
    check_labels(labels, logits.shape[1], n=len(logits))  # -1 would index the last class silently
    check_finite("logits", logits)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(shifted).sum(axis=1))
    return log_norm - shifted[np.arange(len(labels)), labels]


def loss_threshold_attack(member_losses, nonmember_losses) -> float:
    """Best balanced accuracy of guessing "was in the training set" when the loss is below a threshold.

    The attacker of Yeom et al. (2018): a model fits its training examples better than new
    ones, so a low loss betrays membership. 0.5 is chance; 1.0 separates the two sets.
    """
    members, others = np.asarray(member_losses, float), np.asarray(nonmember_losses, float)
    if members.ndim != 1 or others.ndim != 1 or not len(members) or not len(others):
        raise ValueError("member and non-member losses must be non-empty 1-D arrays")
    thresholds = np.concatenate([[-np.inf], np.unique(np.concatenate([members, others]))])
    true_pos = (members[None, :] <= thresholds[:, None]).mean(axis=1)
    false_pos = (others[None, :] <= thresholds[:, None]).mean(axis=1)
    return float(0.5 + 0.5 * np.max(true_pos - false_pos))
