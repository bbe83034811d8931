"""Figures for chapter 6: attribution maps side by side, and the cascading-randomisation sanity check."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["plot_attributions", "plot_cascade"]


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
