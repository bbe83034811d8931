"""Figures for chapter 6: reference images and their softmax, attribution maps side by side, the sanity check."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["plot_attributions", "plot_cascade", "plot_references"]


def plot_attributions(images, maps: dict, row_titles=None, absolute=("saliency", "SmoothGrad")):
    """Rows are images; the first column shows the image, then one column per named attribution map.

    Signed maps use a red (positive) / blue (negative) scale centred on zero, each map scaled to
    its own largest magnitude; maps named in ``absolute`` are shown as magnitudes.
    """
    images = np.asarray(images)
    n_rows, n_cols = len(images), len(maps) + 1
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(1.45 * n_cols, 1.5 * n_rows + 0.3), squeeze=False)
    for r in range(n_rows):
        axes[r, 0].imshow(images[r].squeeze(), cmap="gray_r")
        if row_titles is not None:
            axes[r, 0].set_ylabel(row_titles[r], fontsize=8)
        for c, (name, values) in enumerate(maps.items(), start=1):
            m = np.asarray(values[r]).squeeze()
            if name in absolute:
                axes[r, c].imshow(np.abs(m), cmap="magma_r")
            else:
                limit = np.abs(m).max() or 1.0
                axes[r, c].imshow(m, cmap="RdBu_r", vmin=-limit, vmax=limit)
            if r == 0:
                axes[r, c].set_title(name, fontsize=9)
        if r == 0:
            axes[r, 0].set_title("image", fontsize=9)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return fig


def plot_cascade(similarity: dict, floor: dict, ceiling: dict, steps, step_labels):
    """Similarity of each method's map to the trained model's, per randomisation step (Adebayo et al., 2018).

    ``similarity[method]`` holds one value per step; ``floor[method]`` (two independent random
    models) and ``ceiling[method]`` (the trained model against itself with another seed) are
    drawn as dotted and dashed lines in the method's colour.
    """
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    for i, (name, values) in enumerate(similarity.items()):
        color = f"C{i}"
        ax.plot(steps, values, "o-", color=color, label=name)
        ax.axhline(floor[name], color=color, ls=":", lw=1)
        ax.axhline(ceiling[name], color=color, ls="--", lw=1, alpha=0.6)
    ax.set_xticks(list(steps), step_labels)
    ax.set_xlabel("layers randomised, from the top")
    ax.set_ylabel("rank correlation on ink pixels")
    ax.set_ylim(-0.1, 1.05)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    return fig


def plot_references(images, probabilities, titles):
    """One column per reference image: the image on a fixed 0-1 scale above the model's softmax for it.

    The class the model picks is drawn red (none when the softmax is uniform to within 0.01); the
    dashed line is the uniform probability 1/K, where the model prefers no class.
    """
    images, probabilities = np.asarray(images), np.asarray(probabilities)
    n, n_classes = probabilities.shape
    fig, axes = plt.subplots(2, n, figsize=(1.6 * n + 0.4, 3.5), squeeze=False, height_ratios=[1.2, 1])
    for c in range(n):
        axes[0, c].imshow(images[c].squeeze(), cmap="gray_r", vmin=0.0, vmax=1.0)
        axes[0, c].set_title(titles[c], fontsize=9)
        axes[0, c].set_xticks([])
        axes[0, c].set_yticks([])
        decided = np.ptp(probabilities[c]) > 0.01  # a uniform softmax picks no class
        colors = ["C3" if decided and k == probabilities[c].argmax() else "C0" for k in range(n_classes)]
        axes[1, c].bar(range(n_classes), probabilities[c], color=colors)
        axes[1, c].axhline(1 / n_classes, color="0.3", ls="--", lw=1)
        axes[1, c].set_ylim(0, 1.05)
        axes[1, c].set_xticks(range(n_classes), [str(k) for k in range(n_classes)], fontsize=7)
        if c == 0:
            axes[1, c].set_ylabel("softmax", fontsize=9)
        else:
            axes[1, c].set_yticklabels([])
    fig.tight_layout()
    return fig
