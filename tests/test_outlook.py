"""companion.outlook: the cost formulas count what the models hold, and the attack measures separation."""

from __future__ import annotations

import numpy as np
import pytest

from companion.cnn_model import NumpyCNN
from companion.fnn import MLP, softmax_cross_entropy
from companion.outlook import (
    attack_auc,
    conv2d_cost,
    dense_cost,
    loss_threshold_attack,
    per_example_cross_entropy,
    permutation_null,
    tpr_at_fpr,
    training_flops,
)


def n_params(model) -> int:
    return sum(p.size for p in model.params.values())


def test_dense_cost_counts_the_mlps_parameters():
    sizes = [784, 300, 10]
    costs = [dense_cost(a, b) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    assert sum(p for p, _ in costs) == n_params(MLP(sizes)) == 238_510
    assert sum(f for _, f in costs) == 2 * (784 * 300 + 300 * 10)


def test_conv2d_cost_counts_the_numpy_cnns_parameters():
    conv_params, conv_flops = conv2d_cost((3, 3), 1, 16, (26, 26))
    dense_params, _ = dense_cost(13 * 13 * 16, 10)
    assert conv_params + dense_params == n_params(NumpyCNN(filters=16)) == 27_210
    assert conv_flops == 2 * 9 * 16 * 26 * 26


def test_conv2d_cost_counts_multiply_adds_of_a_direct_convolution():
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=(6, 6, 2)), rng.normal(size=(3, 3, 2, 4))
    multiply_adds = 0
    for i in range(4):
        for j in range(4):
            window = x[i : i + 3, j : j + 3, :, None]
            multiply_adds += (window * w).size  # one multiply and one add per product
    assert conv2d_cost((3, 3), 2, 4, (4, 4))[1] == 2 * multiply_adds


def test_costs_without_bias_and_bad_sizes():
    assert dense_cost(10, 5, bias=False) == (50, 100)
    assert conv2d_cost((5, 5), 1, 32, (14, 14), bias=False)[0] == 800
    with pytest.raises(ValueError, match="n_in must be an integer >= 1; got 0"):
        dense_cost(0, 3)
    with pytest.raises(ValueError, match=r"out_hw\[0\] must be an integer >= 1; got 0"):
        conv2d_cost((3, 3), 1, 8, (0, 4))


def test_costs_refuse_non_integer_sizes():
    with pytest.raises(TypeError, match="n_in must be an integer; got 2.5"):
        dense_cost(2.5, 3)
    with pytest.raises(TypeError, match=r"kernel\[1\] must be an integer"):
        conv2d_cost((3, 3.0), 1, 8, (4, 4))
    with pytest.raises(ValueError, match="height, width"):
        conv2d_cost((3, 3, 3), 1, 8, (4, 4))


def test_training_flops_is_three_forward_passes_per_example():
    assert training_flops(2.0, examples=10, epochs=3) == 180.0
    with pytest.raises(ValueError, match="forward_flops must be > 0; got -5"):
        training_flops(-5, examples=10, epochs=3)
    with pytest.raises(TypeError, match="epochs must be an integer"):
        training_flops(2.0, examples=10, epochs=0.5)
    with pytest.raises(ValueError, match="examples must be an integer >= 1"):
        training_flops(2.0, examples=0, epochs=1)


def test_per_example_cross_entropy_averages_to_the_batch_loss():
    rng = np.random.default_rng(1)
    logits, labels = rng.normal(size=(7, 10)) * 30, rng.integers(0, 10, size=7)
    losses = per_example_cross_entropy(logits, labels)
    assert np.all(np.isfinite(losses)) and np.all(losses >= 0)
    assert np.isclose(losses.mean(), softmax_cross_entropy(logits, labels)[0])
    with pytest.raises(ValueError, match="logits must be"):
        per_example_cross_entropy(logits[0], labels)


def test_attack_is_at_chance_on_equal_losses_and_perfect_on_separated_ones():
    assert loss_threshold_attack(np.ones(40), np.ones(30)) == 0.5
    losses = np.linspace(0, 1, 50)
    assert loss_threshold_attack(losses * 0.1, losses + 2) == 1.0
    assert loss_threshold_attack(losses + 2, losses * 0.1) == 0.5  # members worse: no threshold helps
    with pytest.raises(ValueError, match="at least 2 losses"):
        loss_threshold_attack([0.1], [1.0, 2.0])


def test_attack_is_not_an_oracle_same_distribution_averages_one_half():
    """Two samples from one distribution: the held-out accuracy averages 0.5 (tuning in-sample gave 0.527)."""
    rng = np.random.default_rng(0)
    scores = np.array(
        [loss_threshold_attack(rng.exponential(size=250), rng.exponential(size=250), seed=i) for i in range(2000)]
    )
    standard_error = scores.std() / np.sqrt(len(scores))
    assert abs(scores.mean() - 0.5) < 4 * standard_error
    in_sample = [  # the old attack: threshold tuned and scored on the same examples
        0.5 + 0.5 * _best_separation(rng.exponential(size=250), rng.exponential(size=250)) for _ in range(200)
    ]
    assert np.mean(in_sample) > 0.52 > scores.mean() + 4 * standard_error


def _best_separation(members, others):
    """max over thresholds of TPR - FPR on the same examples (what an oracle attack reports)."""
    thresholds = np.concatenate([[-np.inf], np.sort(np.concatenate([members, others]))])
    return max(np.mean(members <= t) - np.mean(others <= t) for t in thresholds)


def test_attack_detects_a_real_difference():
    rng = np.random.default_rng(1)
    scores = [loss_threshold_attack(rng.exponential(0.5, 250), rng.exponential(1.0, 250), seed=i) for i in range(50)]
    assert 0.6 < np.mean(scores) < 0.7  # optimum for Exp(2) vs Exp(1) is 0.5 + 0.5 * 0.25 = 0.625


def test_attack_scales_to_all_of_mnist_without_a_quadratic_matrix():
    import tracemalloc

    rng = np.random.default_rng(2)
    members, others = rng.exponential(size=60_000), rng.exponential(size=10_000)
    tracemalloc.start()
    try:
        loss_threshold_attack(members, others)
        attack_auc(members, others)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20  # the pairwise version needed 3.9 GiB


@pytest.mark.parametrize("function", [loss_threshold_attack, attack_auc, tpr_at_fpr])
def test_attacks_refuse_nan_losses_clearly(function):
    with pytest.raises(ValueError, match=r"member_losses holds 1 NaN or infinite losses \(first at index 2\)"):
        function([0.1, 0.2, np.nan, 0.3], [0.5, 0.6, 0.7])
    with pytest.raises(ValueError, match="nonmember_losses holds 1 NaN"):
        function([0.1, 0.2, 0.3], [0.5, np.inf, 0.7])
    with pytest.raises(TypeError, match="1-D array of losses"):
        function("0.1 0.2", [0.5, 0.6])
    with pytest.raises(ValueError, match="1-D array"):
        function(np.ones((3, 2)), [0.5, 0.6])


def test_auc_counts_ordered_pairs_with_ties_as_half():
    rng = np.random.default_rng(3)
    members, others = rng.integers(0, 6, size=37).astype(float), rng.integers(2, 9, size=23).astype(float)
    pairs = (members[:, None] < others[None, :]) + 0.5 * (members[:, None] == others[None, :])
    assert np.isclose(attack_auc(members, others), pairs.mean())
    assert attack_auc([1.0, 2.0], [3.0, 4.0]) == 1.0
    assert attack_auc([3.0, 4.0], [1.0, 2.0]) == 0.0
    assert attack_auc([1.0, 1.0], [1.0]) == 0.5


def test_tpr_at_fpr_flags_at_most_that_share_of_non_members():
    others = np.arange(100.0)  # non-members' losses 0..99
    members = np.array([-1.0, 0.5, 5.5, 50.0])
    assert tpr_at_fpr(members, others, fpr=0.0) == 0.25  # below every non-member: only -1
    assert tpr_at_fpr(members, others, fpr=0.01) == 0.5  # threshold 1: one non-member (0) flagged
    assert tpr_at_fpr(members, others, fpr=0.06) == 0.75
    with pytest.raises(ValueError, match=r"fpr must be in \[0, 1\)"):
        tpr_at_fpr(members, others, fpr=1.0)


def test_permutation_null_centres_on_chance_and_keeps_the_sizes():
    rng = np.random.default_rng(4)
    members, others = rng.exponential(0.5, 120), rng.exponential(1.0, 80)
    sizes = []

    def auc_recording_sizes(m, o):
        sizes.append((len(m), len(o)))
        return attack_auc(m, o)

    null = permutation_null(auc_recording_sizes, members, others, n_permutations=300, seed=0)
    assert set(sizes) == {(120, 80)} and null.shape == (300,)
    assert abs(null.mean() - 0.5) < 4 * null.std() / np.sqrt(len(null))
    assert attack_auc(members, others) > np.quantile(null, 0.99)  # a real difference stands out
    assert np.array_equal(null, permutation_null(attack_auc, members, others, n_permutations=300, seed=0))
    with pytest.raises(TypeError, match="statistic must be a function"):
        permutation_null(0.5, members, others)
