"""Figures for chapter 3: images side by side, kernels, and feature maps."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["plot_feature_maps", "plot_image_row", "plot_kernels"]


def plot_image_row(images, titles, cmap="gray_r", symmetric=None):
    """Images in one row with titles; ``symmetric`` lists indices drawn with a diverging map around 0."""
    symmetric = set(symmetric or [])
    fig, axes = plt.subplots(1, len(images), figsize=(2.1 * len(images), 2.5))
    for k, (ax, image, title) in enumerate(zip(np.atleast_1d(axes), images, titles, strict=True)):
        if k in symmetric:
            limit = np.abs(image).max() or 1.0
            ax.imshow(image, cmap="RdBu_r", vmin=-limit, vmax=limit)
        else:
            ax.imshow(image, cmap=cmap)
        ax.set_title(title, fontsize=9)
        ax.set_axis_off()
    fig.tight_layout()
    return fig


def plot_kernels(w, n_cols: int = 8, title: str = ""):
    """Each output channel's kernel for input channel 0, on a diverging colour map (chapter 3)."""
    w = np.asarray(w)
    if w.ndim != 4:
        raise ValueError(f"w must be (kernel_h, kernel_w, in_channels, out_channels); got shape {w.shape}")
    n = w.shape[3]
    n_rows = -(-n // n_cols)
    limit = np.abs(w[:, :, 0, :]).max()
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(1.1 * n_cols, 1.1 * n_rows + 0.4))
    for k, ax in enumerate(np.atleast_1d(axes).flat):
        if k < n:
            ax.imshow(w[:, :, 0, k], cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_axis_off()
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def plot_feature_maps(stages: dict, n_channels: int = 8):
    """One row per named stage (e.g. conv, ReLU, pool) showing its first channels for one image."""
    fig, axes = plt.subplots(len(stages), n_channels, figsize=(1.2 * n_channels, 1.35 * len(stages)))
    for row, (name, maps) in zip(np.atleast_2d(axes), stages.items(), strict=True):
        limit = np.abs(maps[..., :n_channels]).max() or 1.0
        for k, ax in enumerate(row):
            ax.imshow(maps[..., k], cmap="RdBu_r", vmin=-limit, vmax=limit)
            ax.set_xticks([])
            ax.set_yticks([])
            if k == 0:
                ax.set_ylabel(name, fontsize=9)
    fig.tight_layout()
    return fig
