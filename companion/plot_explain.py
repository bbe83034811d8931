"""Figures for chapter 6: reference images and their softmax, attribution maps side by side, the sanity check."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from companion.plotting import FIGURE_WIDTH, MARKERS, hide_frame, wrap_label

__all__ = ["plot_attributions", "plot_cascade", "plot_references"]


def plot_attributions(images, maps: dict, row_titles=None, absolute=("saliency", "SmoothGrad")):
    """One column per image, with the image on top and one row per named attribution map below it.

    ``row_titles`` label the images (one each, above their columns; the name is kept from when
    images were rows). Signed maps use a red (positive) / blue (negative) scale centred on zero,
    each map scaled to its own largest magnitude; maps named in ``absolute`` are shown as magnitudes.
    Methods as rows keep their names horizontal and the thumbnails large on a narrow column.
    """
    images = np.asarray(images)
    n_images, n_rows = len(images), len(maps) + 1
    size = plt.rcParams["font.size"]
    names = [wrap_label(name, 1.35, size) for name in ["image", *maps]]
    label = 1.5  # inches for the method names on the left (a translation may be wider)
    cell = min(1.2, (FIGURE_WIDTH - label) / n_images)
    top = (1.6 * size / 72) if row_titles is not None else 0.05
    fig, axes = plt.subplots(n_rows, n_images, figsize=(label + cell * n_images, top + cell * n_rows),
                             squeeze=False, gridspec_kw={"wspace": 0.06, "hspace": 0.06})  # fmt: skip
    for c in range(n_images):
        axes[0, c].imshow(images[c].squeeze(), cmap="gray_r")
        if row_titles is not None:
            axes[0, c].set_title(row_titles[c], fontsize=size, pad=3)
        for r, (name, values) in enumerate(maps.items(), start=1):
            m = np.asarray(values[c]).squeeze()
            if name in absolute:
                axes[r, c].imshow(np.abs(m), cmap="magma_r")
            else:
                limit = np.abs(m).max() or 1.0
                axes[r, c].imshow(m, cmap="RdBu_r", vmin=-limit, vmax=limit)
    for r, name in enumerate(names):
        axes[r, 0].set_ylabel(name, rotation=0, ha="right", va="center", labelpad=6)
    for ax in axes.flat:
        hide_frame(ax)  # thumbnails: no stray L-shaped frame
    width, height = fig.get_size_inches()
    fig.subplots_adjust(left=label / width, right=0.995, bottom=0.005, top=1 - top / height)
    return fig


def plot_cascade(similarity: dict, floor: dict, ceiling: dict, steps, step_labels):
    """Similarity of each method's map to the trained model's, per randomisation step (Adebayo et al., 2018).

    ``similarity[method]`` holds one value per step; ``floor[method]`` (two independent random
    models) and ``ceiling[method]`` (the trained model against itself with another seed) are
    drawn as dotted and dashed lines in the method's colour.
    """
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 3.8))
    # floors and ceilings end in the method's marker, side by side, so that they match without colour
    ends = steps[-1] + 0.25 + 0.12 * np.arange(len(similarity))
    for i, (name, values) in enumerate(similarity.items()):
        style = {"color": f"C{i}", "marker": MARKERS[i % len(MARKERS)]}
        ax.plot(steps, values, "-", label=name, ms=6, **style)
        for level, ls in ((floor[name], ":"), (ceiling[name], "--")):
            ax.plot([steps[0], ends[i]], [level, level], ls=ls, lw=1, alpha=0.8, color=style["color"])
            ax.plot([ends[i]], [level], ls="", mfc="white", ms=5, **style)
    ax.set_xticks(list(steps), step_labels)
    ax.set_xlim(steps[0] - 0.2, ends[-1] + 0.15)
    ax.set_xlabel("layers randomised, from the top")
    ax.set_ylabel("rank correlation on ink pixels")
    ax.set_ylim(-0.1, 1.05)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    fig.tight_layout()
    return fig


def plot_references(images, probabilities, titles):
    """One column per reference image: the image on a fixed 0-1 scale above the model's softmax for it.

    The class the model picks is drawn red (none when the softmax is uniform to within 0.01); the
    dashed line is the uniform probability 1/K, where the model prefers no class.
    """
    images, probabilities = np.asarray(images), np.asarray(probabilities)
    n, n_classes = probabilities.shape
    fig, axes = plt.subplots(2, n, figsize=(FIGURE_WIDTH, 3.8), squeeze=False, height_ratios=[1.2, 1])
    for c in range(n):
        axes[0, c].imshow(images[c].squeeze(), cmap="gray_r", vmin=0.0, vmax=1.0)
        axes[0, c].set_title(wrap_label(titles[c], FIGURE_WIDTH / n))
        hide_frame(axes[0, c])
        decided = np.ptp(probabilities[c]) > 0.01  # a uniform softmax picks no class
        colors = ["C3" if decided and k == probabilities[c].argmax() else "C0" for k in range(n_classes)]
        axes[1, c].bar(range(n_classes), probabilities[c], color=colors)
        axes[1, c].axhline(1 / n_classes, color="0.3", ls="--", lw=1)
        axes[1, c].set_ylim(0, 1.05)
        axes[1, c].set_xticks(range(n_classes), minor=True)  # a tick per class, a label on every third
        axes[1, c].set_xticks(range(0, n_classes, 3), [str(k) for k in range(0, n_classes, 3)])
        axes[1, c].set_xlabel("class")
        if c == 0:
            axes[1, c].set_ylabel("softmax")
        else:
            axes[1, c].set_yticklabels([])
    fig.tight_layout()
    return fig
