"""Figures for the chapters; matplotlib only, drawing what the numeric modules compute."""

from __future__ import annotations

import numpy as np
from cycler import cycler

__all__ = [
    "FIGURE_WIDTH",
    "LINE_STYLES",
    "MARKERS",
    "class_counts_bar",
    "digit_grid",
    "hide_frame",
    "text_colour_on",
    "use_book_style",
    "wrap_label",
]

# Figures are drawn for the book's column: 688 px at a 1280-px window, 342 px on a 390-px phone.
# At most FIGURE_WIDTH inches (614 px at natural size) and no text under 10.5 pt (14 px, the size of
# the page's code, its smallest print), a figure shows its smallest text at 14 px on a desktop and
# at 7.8 px or more on a phone, where tapping it opens the full-size file (tools/book_figures.py).
FIGURE_WIDTH = 6.4
MIN_FONT_SIZE = 10.5
# Okabe & Ito's palette, in the order of matplotlib's (blue, orange, green, red, purple, ...), so that
# captions naming colours stay true, and green and red stay apart for colour-blind readers.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#8C564B", "#7F7F7F", "#F0E442")

BOOK_STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "figure.figsize": (FIGURE_WIDTH, 3.6),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "font.size": MIN_FONT_SIZE,
    "axes.titlesize": 11.5,
    "figure.titlesize": 11.5,
    "axes.labelsize": MIN_FONT_SIZE,
    "xtick.labelsize": MIN_FONT_SIZE,
    "ytick.labelsize": MIN_FONT_SIZE,
    "legend.fontsize": MIN_FONT_SIZE,
    "legend.title_fontsize": MIN_FONT_SIZE,
    "axes.prop_cycle": cycler(color=PALETTE),
    "image.cmap": "gray_r",
    "image.interpolation": "none",  # images go into the SVG as they are (28 x 28 stays 28 x 28)
    "svg.fonttype": "none",  # words stay text (companion/figure_svg.py)
    "svg.hashsalt": "neural-networks-brain-and-machine",  # stable SVG ids
}


# Lines and points that a legend tells apart get a line style or a marker as well as a colour.
LINE_STYLES = ("-", "--", "-.", ":")
MARKERS = ("o", "s", "^", "D", "v", "P")


def use_book_style() -> None:
    """Apply the book's matplotlib defaults (called by `companion.setup`)."""
    import matplotlib as mpl

    mpl.rcParams.update(BOOK_STYLE)


def hide_frame(ax) -> None:
    """No ticks and no spines: a thumbnail without the stray L-shaped frame the book style would leave."""
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)


def text_colour_on(rgba) -> str:
    """Black or white, whichever reads better on a cell of colour ``rgba`` (WCAG relative luminance)."""
    channels = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgba[:3]]
    luminance = 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]
    # contrast against white (1.05 / (L + 0.05)) beats contrast against black ((L + 0.05) / 0.05)
    return "white" if 1.05 / (luminance + 0.05) > (luminance + 0.05) / 0.05 else "black"


def wrap_label(text: str, width_in: float, fontsize: float | str = MIN_FONT_SIZE) -> str:
    """``text`` broken between words into lines no wider than ``width_in`` inches at ``fontsize`` (measured)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    font = FontProperties(size=fontsize)

    def fits(line: str) -> bool:
        return text_to_path.get_text_width_height_descent(line, font, ismath=False)[0] <= width_in * 72

    lines: list[str] = []
    for word in text.split():
        if lines and fits(f"{lines[-1]} {word}"):
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return "\n".join(lines) or text


def digit_grid(images: np.ndarray, labels, n_rows: int = 3, n_cols: int = 8, title: str | None = None):
    """Show the first ``n_rows * n_cols`` images with their labels (Getting started)."""
    import matplotlib.pyplot as plt

    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError(f"images must be (n, height, width); got shape {images.shape}")
    n = n_rows * n_cols
    if len(images) < n or len(labels) < n:
        raise ValueError(f"need at least {n} images and labels; got {len(images)} and {len(labels)}")
    cell = min(1.1, FIGURE_WIDTH / n_cols)
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(cell * n_cols, (cell + 0.25) * n_rows), squeeze=False)
    for ax, image, label in zip(axes.flat, images[:n], labels[:n], strict=True):
        ax.imshow(image, cmap="gray_r", vmin=0, vmax=255)
        ax.set_title(str(int(label)))
        ax.set_axis_off()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def class_counts_bar(counts_by_split: dict[str, np.ndarray], title: str | None = None):
    """Grouped bar chart of images per class for each split (Getting started)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 3.2))
    n_splits = len(counts_by_split)
    width = 0.8 / n_splits
    for i, (name, counts) in enumerate(counts_by_split.items()):
        classes = np.arange(len(counts))
        offset = (i - (n_splits - 1) / 2) * width
        ax.bar(classes + offset, counts, width=width, label=name, hatch=("", "//", "..")[i % 3], edgecolor="white")
    ax.set_xticks(np.arange(10))
    ax.set_xlabel("digit class")
    ax.set_ylabel("number of images")
    ax.legend()
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig
