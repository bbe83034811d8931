"""Back-of-the-envelope costs of a network and a simple privacy probe (chapter 7). NumPy only.

FLOPs count one multiplication and one addition per weight use, the convention of Kaplan et
al. (2020): a dense layer costs 2 * inputs * outputs per example, a convolution
2 * kernel height * kernel width * input channels * output channels per output position.
Biases, activations and normalisation add a few per cent and are left out.

The membership attack of Yeom et al. (2018) guesses "member" when an example's loss is below
a threshold. Scored on the examples it was tuned on, such an attack is an oracle: it beats 0.5
even when members and non-members come from one distribution. So ``loss_threshold_attack``
chooses its threshold on one half of the examples and scores it on the other; ``attack_auc``
and ``tpr_at_fpr`` (Carlini et al. 2022) need no tuned threshold; ``permutation_null`` draws
what any of these scores looks like when membership makes no difference.
"""

from __future__ import annotations

import numpy as np

from companion._checks import check_finite, check_int, check_labels, check_number, check_seed

__all__ = [
    "attack_auc",
    "conv2d_cost",
    "dense_cost",
    "loss_threshold_attack",
    "per_example_cross_entropy",
    "permutation_null",
    "tpr_at_fpr",
    "training_flops",
]


def dense_cost(n_in: int, n_out: int, bias: bool = True) -> tuple[int, int]:
    """(parameters, forward FLOPs per example) of a dense layer (chapter 7)."""
    n_in, n_out = check_int("n_in", n_in), check_int("n_out", n_out)
    return (n_in + int(bias)) * n_out, 2 * n_in * n_out


def conv2d_cost(kernel: tuple[int, int], c_in: int, c_out: int, out_hw: tuple[int, int], bias: bool = True):
    """(parameters, forward FLOPs per example) of a convolution with output map ``out_hw`` (chapter 7)."""
    if len(kernel) != 2 or len(out_hw) != 2:
        raise ValueError(f"kernel and out_hw must be (height, width) pairs; got {kernel!r} and {out_hw!r}")
    kh, kw = (check_int(f"kernel[{i}]", k) for i, k in enumerate(kernel))
    h, w = (check_int(f"out_hw[{i}]", k) for i, k in enumerate(out_hw))
    c_in, c_out = check_int("c_in", c_in), check_int("c_out", c_out)
    return (kh * kw * c_in + int(bias)) * c_out, 2 * kh * kw * c_in * c_out * h * w


def training_flops(forward_flops: float, examples: int, epochs: int) -> float:
    """FLOPs to train: the backward pass costs about twice the forward one, so 3x forward per example seen."""
    forward_flops = check_number("forward_flops", forward_flops, positive=True)
    examples, epochs = check_int("examples", examples), check_int("epochs", epochs)
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


def _losses(name: str, values, minimum: int = 1) -> np.ndarray:
    """``values`` as a 1-D float64 array of at least ``minimum`` finite losses, or a clear error."""
    try:
        losses = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a 1-D array of losses (numbers); got {type(values).__name__}") from None
    if losses.ndim != 1 or len(losses) < minimum:
        raise ValueError(f"{name} must be a 1-D array of at least {minimum} losses; got shape {losses.shape}")
    bad = np.flatnonzero(~np.isfinite(losses))
    if len(bad):
        raise ValueError(
            f"{name} holds {len(bad)} NaN or infinite losses (first at index {bad[0]}): an attack cannot rank "
            "them; check the model's outputs (a NaN logit) or drop those examples from both sets"
        )
    return losses


def attack_auc(member_losses, nonmember_losses) -> float:
    """P(a member's loss < a non-member's), ties counting half: the area under the attack's ROC (chapter 7).

    0.5 is chance, 1.0 separates the sets. No threshold is chosen, so nothing is tuned on the
    examples it is scored on. Computed from ranks (Mann-Whitney), in O(n log n) time and O(n) memory.
    """
    members, others = _losses("member_losses", member_losses), _losses("nonmember_losses", nonmember_losses)
    pooled = np.concatenate([members, others])
    values, inverse, counts = np.unique(pooled, return_inverse=True, return_counts=True)
    mid_rank = np.cumsum(counts) - (counts - 1) / 2  # 1-based ranks, ties get their mean rank
    other_ranks = mid_rank[inverse[len(members) :]].sum()
    pairs_above = other_ranks - len(others) * (len(others) + 1) / 2  # pairs with member < non-member
    return float(pairs_above / (len(members) * len(others)))


def tpr_at_fpr(member_losses, nonmember_losses, fpr: float = 0.01) -> float:
    """Fraction of members caught by the loss threshold that flags at most ``fpr`` of the non-members (chapter 7).

    The measure Carlini et al. (2022) ask for: can the attack name *some* members with
    confidence? The threshold is the non-members' ``fpr`` quantile; chance is about ``fpr``.
    """
    members, others = _losses("member_losses", member_losses), _losses("nonmember_losses", nonmember_losses)
    fpr = check_number("fpr", fpr, minimum=0.0)
    if fpr >= 1:
        raise ValueError(f"fpr must be in [0, 1); got {fpr}")
    threshold = np.sort(others)[int(np.floor(fpr * len(others)))]  # at most fpr * n non-members lie below it
    return float(np.mean(members < threshold))


def _best_threshold(members: np.ndarray, others: np.ndarray) -> float:
    """The loss threshold maximising P(member loss <= t) - P(non-member loss <= t) on these samples.

    Of the thresholds that do equally well, the one halfway to the next loss: new examples
    near the edge are then split evenly.
    """
    candidates = np.concatenate([[-np.inf], np.unique(np.concatenate([members, others]))])
    caught = np.searchsorted(np.sort(members), candidates, side="right") / len(members)
    false_alarms = np.searchsorted(np.sort(others), candidates, side="right") / len(others)
    best = int(np.argmax(caught - false_alarms))
    if best == 0 or best == len(candidates) - 1:
        return float(candidates[best])
    return float((candidates[best] + candidates[best + 1]) / 2)


def _balanced_accuracy(members: np.ndarray, others: np.ndarray, threshold: float) -> float:
    """Mean of the accuracies on members (loss <= threshold) and on non-members (loss > threshold)."""
    return 0.5 * (np.mean(members <= threshold) + np.mean(others > threshold))


def loss_threshold_attack(member_losses, nonmember_losses, *, seed: int = 0) -> float:
    """Balanced accuracy of guessing "member" below a loss threshold tuned on held-out examples (chapter 7).

    The attacker of Yeom et al. (2018). Each set is split in two at random (``seed``); the threshold
    that separates one half best is scored on the other half, and the two ways round are averaged.
    The tuning never sees the examples it is scored on, so the expected accuracy is exactly 0.5 when
    members and non-members come from one distribution; 1.0 separates them. O(n log n) time, O(n) memory.
    """
    members = _losses("member_losses", member_losses, minimum=2)
    others = _losses("nonmember_losses", nonmember_losses, minimum=2)
    rng = np.random.default_rng(check_seed(seed))
    member_halves = np.array_split(rng.permutation(members), 2)
    other_halves = np.array_split(rng.permutation(others), 2)
    scores = []
    for tune, score in ((0, 1), (1, 0)):
        threshold = _best_threshold(member_halves[tune], other_halves[tune])
        scores.append(_balanced_accuracy(member_halves[score], other_halves[score], threshold))
    return float(np.mean(scores))


def permutation_null(statistic, member_losses, nonmember_losses, n_permutations: int = 200, seed: int = 0):
    """``statistic`` on ``n_permutations`` random relabellings of the pooled losses (chapter 7).

    Shuffling which examples are called members keeps both sample sizes and the losses, and
    removes any real difference: the values show how far the statistic strays by chance alone.
    """
    if not callable(statistic):
        raise TypeError(f"statistic must be a function of (member_losses, nonmember_losses); got {statistic!r}")
    members, others = _losses("member_losses", member_losses), _losses("nonmember_losses", nonmember_losses)
    n_permutations = check_int("n_permutations", n_permutations)
    rng = np.random.default_rng(check_seed(seed))
    pooled = np.concatenate([members, others])
    null = np.empty(n_permutations)
    for i in range(n_permutations):
        shuffled = rng.permutation(pooled)
        null[i] = statistic(shuffled[: len(members)], shuffled[len(members) :])
    return null
