"""Figures of chapter 7: test error against data, amount and quality; membership leakage against chance."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["plot_data_curves", "plot_learning_curve", "plot_membership"]


def plot_learning_curve(sizes, test_error, attack_accuracy, exponent: float, scale: float):
    """Left: test error against training-set size (log-log) with the fitted power law; right: the attack (chapter 7)."""
    sizes = np.asarray(sizes, dtype=float)
    fig, (left, right) = plt.subplots(1, 2, figsize=(7.6, 3.4))
    left.loglog(sizes, test_error, "o", label="measured")
    grid = np.geomspace(sizes[0], sizes[-1], 50)
    left.loglog(grid, scale * grid**-exponent, "--", label=f"fit: error ∝ n^-{exponent:.2f}")
    left.set_xlabel("training images n")
    left.set_ylabel("test error (%)")
    left.legend()
    right.semilogx(sizes, attack_accuracy, "o-", color="C3")
    right.axhline(0.5, color="gray", linestyle=":", label="chance")
    right.set_xlabel("training images n")
    right.set_ylabel("membership attack accuracy")
    right.set_ylim(0.45, 1.0)
    right.legend()
    fig.tight_layout()
    return fig


def _plain_log_axis(axis) -> None:
    """Label a log axis 250, 1,000, ... instead of 10^3."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}" if value >= 1 else f"{value:g}"))
    axis.set_minor_formatter(NullFormatter())


def plot_data_curves(sizes, test_error, noise_levels, noisy_error):
    """Test error against training images (left, log-log) and against wrong labels (right), per seed (chapter 7).

    ``test_error`` is (seeds, sizes) and ``noisy_error`` (seeds, noise levels), in percent.
    """
    sizes, test_error = np.asarray(sizes, float), np.asarray(test_error, float)
    noise_levels, noisy_error = 100 * np.asarray(noise_levels, float), np.asarray(noisy_error, float)
    if test_error.shape[1:] != sizes.shape or noisy_error.shape[1:] != noise_levels.shape:
        raise ValueError("test_error must be (seeds, sizes) and noisy_error (seeds, noise levels)")
    fig, (left, right) = plt.subplots(1, 2, figsize=(7.6, 3.3), gridspec_kw={"width_ratios": [3, 2]})
    for errors in test_error:
        left.plot(sizes, errors, "o", color="C0", alpha=0.35, markersize=4)
    left.plot(sizes, test_error.mean(axis=0), "-", color="C0", label="mean of the seeds")
    left.set_xscale("log")
    left.set_yscale("log")
    _plain_log_axis(left.xaxis)
    _plain_log_axis(left.yaxis)
    left.yaxis.set_minor_formatter(left.yaxis.get_major_formatter())  # less than a decade: label 10, 20, ...
    left.set_xlabel("training images n (same compute for each)")
    left.set_ylabel("test error (%)")
    left.legend()
    for errors in noisy_error:
        right.plot(noise_levels, errors, "o", color="C3", alpha=0.35, markersize=4)
    right.plot(noise_levels, noisy_error.mean(axis=0), "-", color="C3", label="mean of the seeds")
    right.set_xlabel("wrong training labels (%)")
    right.set_ylabel("test error (%)")
    right.legend()
    fig.tight_layout()
    return fig


def plot_membership(sizes, auc, null_low, null_high):
    """Attack AUC against training images, each seed and the mean, over a permutation null's band (chapter 7).

    ``auc`` is (seeds, sizes); ``null_low`` and ``null_high`` bound the middle 95 % of the AUCs
    that random relabelling gives at each size.
    """
    sizes, auc = np.asarray(sizes, float), np.asarray(auc, float)
    if auc.shape[1:] != sizes.shape or np.shape(null_low) != sizes.shape or np.shape(null_high) != sizes.shape:
        raise ValueError("auc must be (seeds, sizes) and the null band one value per size")
    fig, ax = plt.subplots(figsize=(5.6, 3.3))
    ax.fill_between(sizes, null_low, null_high, color="gray", alpha=0.3, label="chance (95 % of permutations)")
    for values in auc:
        ax.plot(sizes, values, "o", color="C3", alpha=0.35, markersize=4)
    ax.plot(sizes, auc.mean(axis=0), "-", color="C3", label="attack, mean of the seeds")
    ax.set_xscale("log")
    _plain_log_axis(ax.xaxis)
    ax.set_xlabel("training images n")
    ax.set_ylabel("membership attack AUC")
    ax.legend()
    fig.tight_layout()
    return fig
