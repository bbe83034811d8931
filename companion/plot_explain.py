"""Figures for chapter 6: attribution maps side by side."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["plot_attributions"]


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
