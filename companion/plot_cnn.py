"""Figures for chapter 3: images side by side, kernels, and feature maps."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from companion.cnn import conv_output_size
from companion.plotting import FIGURE_WIDTH, hide_frame, wrap_label

__all__ = ["plot_conv_arithmetic", "plot_feature_maps", "plot_image_row", "plot_kernels"]


def plot_image_row(images, titles, cmap="gray_r", symmetric=None):
    """Images in one row with titles; ``symmetric`` lists indices drawn with a diverging map around 0."""
    symmetric = set(symmetric or [])
    panel = min(2.1, FIGURE_WIDTH / len(images))
    fig, axes = plt.subplots(1, len(images), figsize=(panel * len(images), panel + 0.55))
    for k, (ax, image, title) in enumerate(zip(np.atleast_1d(axes), images, titles, strict=True)):
        if k in symmetric:
            limit = np.abs(image).max() or 1.0
            ax.imshow(image, cmap="RdBu_r", vmin=-limit, vmax=limit)
        else:
            ax.imshow(image, cmap=cmap)
        ax.set_title(wrap_label(title, panel - 0.1))
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
    cell = min(1.1, FIGURE_WIDTH / n_cols)
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(cell * n_cols, cell * n_rows + (0.4 if title else 0.05)))
    for k, ax in enumerate(np.atleast_1d(axes).flat):
        if k < n:
            ax.imshow(w[:, :, 0, k], cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_axis_off()
    if title:
        fig.suptitle(title)
    fig.tight_layout(pad=0.2, w_pad=0.2, h_pad=0.2)
    return fig


def plot_feature_maps(stages: dict, n_channels: int = 8):
    """One row per named stage (e.g. conv, ReLU, pool) showing its first channels for one image."""
    cell = min(1.2, (FIGURE_WIDTH - 0.3) / n_channels)
    fig, axes = plt.subplots(len(stages), n_channels, figsize=(cell * n_channels + 0.3, (cell + 0.05) * len(stages)),
                             squeeze=False)  # fmt: skip
    for row, (name, maps) in zip(axes, stages.items(), strict=True):
        limit = np.abs(maps[..., :n_channels]).max() or 1.0
        for k, ax in enumerate(row):
            ax.imshow(maps[..., k], cmap="RdBu_r", vmin=-limit, vmax=limit)
            hide_frame(ax)
            if k == 0:
                ax.set_ylabel(name)
    fig.tight_layout()
    return fig


WINDOW_COLORS = ("C0", "C1")  # the windows of the first two outputs (0, 0) and (0, 1)


def _draw_grid(ax, values, title, shaded=None, side=None):
    """A matrix as labelled squares, centred in a ``side`` x ``side`` box; ``shaded`` cells are grey."""
    rows, cols = values.shape
    for i in range(rows):
        for j in range(cols):
            grey = shaded is not None and shaded[i, j]
            ax.add_patch(Rectangle((j, rows - 1 - i), 1, 1, facecolor="0.85" if grey else "white", edgecolor="0.4"))
            ax.text(j + 0.5, rows - 0.5 - i, f"{values[i, j]:g}", ha="center", va="center",
                    color="0.4" if grey else "k")  # fmt: skip
    side = side or max(rows, cols)
    ax.set_xlim(cols / 2 - side / 2 - 0.2, cols / 2 + side / 2 + 0.2)
    ax.set_ylim(rows / 2 - side / 2 - 0.2, rows / 2 + side / 2 + 0.2)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(title)


def _outline(ax, row, col, height, width, n_rows, color):
    ax.add_patch(Rectangle((col + 0.06, n_rows - row - height + 0.06), width - 0.12, height - 0.12,
                           fill=False, edgecolor=color, lw=2.2))  # fmt: skip


def plot_conv_arithmetic(x, w, cases):
    """Sliding window, padding and stride on one small example (chapter 3, after d2l §7.2-7.3).

    ``x`` (H, W) and ``w`` (KH, KW) are one channel; ``cases`` lists ``(title, stride, padding,
    out)`` with ``out`` the (OH, OW) output that `conv2d_forward` computed. Each row shows the
    zero-padded input (padding grey) with the windows of outputs (0, 0) and (0, 1) outlined,
    the kernel, and the output with those two entries outlined in the same colours.
    """
    x, w = np.asarray(x), np.asarray(w)
    side = max(  # room for the largest padded input, so that every panel draws cells of one size
        max(x.shape[axis] + sum(conv_output_size(x.shape[axis], w.shape[axis], c[1], c[2])[1:]) for axis in (0, 1))
        for c in cases
    )
    fig, axes = plt.subplots(len(cases), 3, figsize=(FIGURE_WIDTH, 2.1 * len(cases)),
                             squeeze=False)  # fmt: skip
    for (ax_in, ax_k, ax_out), (title, stride, padding, out) in zip(axes, cases, strict=True):
        out = np.asarray(out)
        _, top, bottom = conv_output_size(x.shape[0], w.shape[0], stride, padding)
        _, left, right = conv_output_size(x.shape[1], w.shape[1], stride, padding)
        padded = np.pad(x, ((top, bottom), (left, right)))
        shaded = np.pad(np.zeros(x.shape, dtype=bool), ((top, bottom), (left, right)), constant_values=True)
        # two short lines rather than one long one: a translation may be wider than the English line
        titles = [f"{title}:\ninput" + (" (zero-padded)" if shaded.any() else ""), "kernel",
                  f"output {out.shape[0]} × {out.shape[1]}"]  # fmt: skip
        _draw_grid(ax_in, padded, titles[0], shaded, side)
        _draw_grid(ax_k, w, titles[1], side=side)
        _draw_grid(ax_out, out, titles[2], side=side)
        for j, color in enumerate(WINDOW_COLORS[: out.shape[1]]):
            _outline(ax_in, 0, stride * j, w.shape[0], w.shape[1], padded.shape[0], color)
            _outline(ax_out, 0, j, 1, 1, out.shape[0], color)
    fig.tight_layout()
    return fig
