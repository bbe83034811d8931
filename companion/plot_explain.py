"""Figures for chapter 6: attribution maps side by side, and the cascading-randomisation sanity check."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from companion.plotting import FIGURE_WIDTH, MARKERS, hide_frame, wrap_label

__all__ = ["plot_attributions", "plot_cascade"]


def plot_attributions(images, maps: dict, row_titles=None, absolute=("saliency", "SmoothGrad")):
    """Rows are images; the first column shows the image, then one column per named attribution map.

    Signed maps use a red (positive) / blue (negative) scale centred on zero, each map scaled to
    its own largest magnitude; maps named in ``absolute`` are shown as magnitudes.
    """
    images = np.asarray(images)
    n_rows, n_cols = len(images), len(maps) + 1
    cell = min(1.45, (FIGURE_WIDTH - 0.35) / n_cols)
    titles = ["image", *maps]
    title_lines = max(wrap_label(t, cell - 0.05).count("\n") + 1 for t in titles)
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(cell * n_cols + 0.35, cell * n_rows + 0.2 * title_lines + 0.1),
                             squeeze=False)  # fmt: skip
    for r in range(n_rows):
        axes[r, 0].imshow(images[r].squeeze(), cmap="gray_r")
        if row_titles is not None:
            axes[r, 0].set_ylabel(row_titles[r])
        for c, (name, values) in enumerate(maps.items(), start=1):
            m = np.asarray(values[r]).squeeze()
            if name in absolute:
                axes[r, c].imshow(np.abs(m), cmap="magma_r")
            else:
                limit = np.abs(m).max() or 1.0
                axes[r, c].imshow(m, cmap="RdBu_r", vmin=-limit, vmax=limit)
    for c, title in enumerate(titles):
        axes[0, c].set_title(wrap_label(title, cell - 0.05), fontsize=plt.rcParams["font.size"])
    for ax in axes.flat:
        hide_frame(ax)  # thumbnails: no stray L-shaped frame
    fig.tight_layout(pad=0.3, w_pad=0.15, h_pad=0.15)
    return fig


def plot_cascade(similarity: dict, floor: dict, ceiling: dict, steps, step_labels):
    """Similarity of each method's map to the trained model's, per randomisation step (Adebayo et al., 2018).

    ``similarity[method]`` holds one value per step; ``floor[method]`` (two independent random
    models) and ``ceiling[method]`` (the trained model against itself with another seed) are
    drawn as dotted and dashed lines in the method's colour.
    """
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 3.8))
    right = steps[-1] + 0.3  # floors and ceilings end in the method's marker, so they match without colour
    for i, (name, values) in enumerate(similarity.items()):
        style = {"color": f"C{i}", "marker": MARKERS[i % len(MARKERS)]}
        ax.plot(steps, values, "-", label=name, ms=6, **style)
        for level, ls in ((floor[name], ":"), (ceiling[name], "--")):
            ax.plot([steps[0], right], [level, level], ls=ls, lw=1, alpha=0.8, color=style["color"])
            ax.plot([right], [level], ls="", mfc="white", ms=5, **style)
    ax.set_xticks(list(steps), step_labels)
    ax.set_xlim(steps[0] - 0.2, right + 0.15)
    ax.set_xlabel("layers randomised, from the top")
    ax.set_ylabel("rank correlation on ink pixels")
    ax.set_ylim(-0.1, 1.05)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    fig.tight_layout()
    return fig
