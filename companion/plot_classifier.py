"""Figures for evaluating a digit classifier: curves, confusion matrix, mistakes, one prediction (chapter 5)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from companion.plotting import FIGURE_WIDTH, MARKERS, text_colour_on

__all__ = ["confusion_matrix", "plot_confusion", "plot_keras_history", "plot_mistakes", "plot_prediction"]


def confusion_matrix(y_true, y_pred, n_classes: int = 10) -> np.ndarray:
    """Counts C[i, j] of images of class i predicted as j."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must have the same shape; got {y_true.shape} and {y_pred.shape}")
    matrix = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(matrix, (y_true, y_pred), 1)
    return matrix


def plot_keras_history(histories: dict):
    """Training (dashed, hollow markers) and validation (solid) accuracy per epoch for each named Keras history.

    Each model has its own colour and marker shape, so that the lines do not rely on colour alone.
    """
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 3.6))
    for k, (name, history) in enumerate(histories.items()):
        epochs = np.arange(1, len(history["accuracy"]) + 1)
        style = {"color": f"C{k}", "marker": MARKERS[k % len(MARKERS)], "ms": 5}
        ax.plot(epochs, 100 * np.asarray(history["accuracy"]), ls="--", mfc="white", label=f"{name}: training",
                **style)  # fmt: skip
        ax.plot(epochs, 100 * np.asarray(history["val_accuracy"]), ls="-", label=f"{name}: validation", **style)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy (%)")
    ax.legend(ncols=2)
    fig.tight_layout()
    return fig


def plot_confusion(matrix: np.ndarray):
    """Confusion matrix with the diagonal left out of the colour scale, so errors stand out."""
    off = matrix.copy()
    np.fill_diagonal(off, 0)
    fig, ax = plt.subplots(figsize=(5.9, 5.0))
    image = ax.imshow(off, cmap="Reds")
    for i in range(matrix.shape[0]):
        for j in range(matrix.shape[1]):
            # blue on the (white) diagonal; on the red shades, black or white, whichever reads better
            color = "C0" if i == j else text_colour_on(image.cmap(image.norm(off[i, j])))
            ax.text(j, i, str(matrix[i, j]), ha="center", va="center", color=color,
                    fontweight="bold" if i == j else "normal")  # fmt: skip
    ax.set_xticks(range(matrix.shape[1]))
    ax.set_yticks(range(matrix.shape[0]))
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    ax.grid(False)
    fig.colorbar(image, ax=ax, label="errors (off-diagonal counts)")
    fig.tight_layout()
    return fig


def plot_mistakes(images, y_true, probabilities, n: int = 12):
    """The ``n`` misclassified images the model was most confident about, with both labels."""
    predicted = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predicted != y_true)
    order = wrong[np.argsort(-probabilities[wrong, predicted[wrong]])][:n]
    n_cols = min(4, n)
    n_rows = int(np.ceil(n / n_cols))
    cell = FIGURE_WIDTH / n_cols
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(FIGURE_WIDTH, (cell * 0.72 + 0.5) * n_rows), squeeze=False)
    for ax, i in zip(axes.flat, order, strict=False):
        ax.imshow(images[i].squeeze(), cmap="gray_r")
        ax.set_title(f"true {y_true[i]}, said {predicted[i]}\n{probabilities[i, predicted[i]]:.0%}")
        ax.set_axis_off()
    for ax in list(axes.flat)[len(order) :]:
        ax.set_axis_off()
    fig.tight_layout()
    return fig, order


def plot_prediction(image, probabilities):
    """One image and the model's probability for each digit."""
    fig, (ax_img, ax_bar) = plt.subplots(1, 2, figsize=(FIGURE_WIDTH, 2.7), width_ratios=[1, 2.2])
    ax_img.imshow(np.asarray(image).squeeze(), cmap="gray_r")
    ax_img.set_axis_off()
    bars = ax_bar.bar(np.arange(10), probabilities, color="0.6")
    bars[int(np.argmax(probabilities))].set_color("C3")
    ax_bar.set_xticks(np.arange(10))
    ax_bar.set_xlabel("digit")
    ax_bar.set_ylabel("probability")
    ax_bar.set_ylim(0, 1.05)
    fig.tight_layout()
    return fig
