"""Figures for the chapters; matplotlib only, drawing what the numeric modules compute."""

from __future__ import annotations

import numpy as np

__all__ = ["digit_grid", "class_counts_bar", "use_book_style"]

BOOK_STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "figure.figsize": (6.4, 4.0),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "font.size": 10,
    "image.cmap": "gray_r",
    "svg.hashsalt": "neural-networks-brain-and-machine",  # stable SVG ids
}


def use_book_style() -> None:
    """Apply the book's matplotlib defaults (called by `companion.setup`)."""
    import matplotlib as mpl

    mpl.rcParams.update(BOOK_STYLE)


def digit_grid(images: np.ndarray, labels, n_rows: int = 3, n_cols: int = 8, title: str | None = None):
    """Show the first ``n_rows * n_cols`` images with their labels (Getting started)."""
    import matplotlib.pyplot as plt

    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError(f"images must be (n, height, width); got shape {images.shape}")
    n = n_rows * n_cols
    if len(images) < n or len(labels) < n:
        raise ValueError(f"need at least {n} images and labels; got {len(images)} and {len(labels)}")
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(1.1 * n_cols, 1.25 * n_rows))
    for ax, image, label in zip(axes.flat, images[:n], labels[:n], strict=True):
        ax.imshow(image, cmap="gray_r", vmin=0, vmax=255)
        ax.set_title(str(int(label)), fontsize=10)
        ax.set_axis_off()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def class_counts_bar(counts_by_split: dict[str, np.ndarray], title: str | None = None):
    """Grouped bar chart of images per class for each split (Getting started)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.5))
    n_splits = len(counts_by_split)
    width = 0.8 / n_splits
    for i, (name, counts) in enumerate(counts_by_split.items()):
        classes = np.arange(len(counts))
        ax.bar(classes + (i - (n_splits - 1) / 2) * width, counts, width=width, label=name)
    ax.set_xticks(np.arange(10))
    ax.set_xlabel("digit class")
    ax.set_ylabel("number of images")
    ax.legend()
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig
