"""companion.outlook: the cost formulas count what the models hold, and the attack measures separation."""

from __future__ import annotations

import numpy as np
import pytest

from companion.cnn_model import NumpyCNN
from companion.fnn import MLP, softmax_cross_entropy
from companion.outlook import (
    conv2d_cost,
    dense_cost,
    loss_threshold_attack,
    per_example_cross_entropy,
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
    with pytest.raises(ValueError, match="n_in, n_out >= 1"):
        dense_cost(0, 3)
    with pytest.raises(ValueError, match="sizes must be >= 1"):
        conv2d_cost((3, 3), 1, 8, (0, 4))


def test_training_flops_is_three_forward_passes_per_example():
    assert training_flops(2.0, examples=10, epochs=3) == 180.0


def test_per_example_cross_entropy_averages_to_the_batch_loss():
    rng = np.random.default_rng(1)
    logits, labels = rng.normal(size=(7, 10)) * 30, rng.integers(0, 10, size=7)
    losses = per_example_cross_entropy(logits, labels)
    assert np.all(np.isfinite(losses)) and np.all(losses >= 0)
    assert np.isclose(losses.mean(), softmax_cross_entropy(logits, labels)[0])
    with pytest.raises(ValueError, match="logits must be"):
        per_example_cross_entropy(logits[0], labels)


def test_attack_is_at_chance_on_identical_losses_and_perfect_on_separated_ones():
    losses = np.linspace(0, 1, 50)
    assert loss_threshold_attack(losses, losses) == 0.5
    assert loss_threshold_attack(losses * 0.1, losses + 2) == 1.0
    assert loss_threshold_attack([0.1, 0.2], [0.15, 0.3]) == 0.75
    with pytest.raises(ValueError, match="non-empty"):
        loss_threshold_attack([], [1.0])
