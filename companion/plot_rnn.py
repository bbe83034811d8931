"""Figures for chapter 4: Jacobian norms over time and sequence predictions."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from companion.plotting import FIGURE_WIDTH, MARKERS

__all__ = ["plot_jacobian_norms", "plot_sequence_prediction"]


def plot_jacobian_norms(curves: dict, styles: dict | None = None):
    """||dh_T/dh_t|| against T - t on a log scale, one line per named curve (chapter 4).

    Each curve also gets its own marker, so that no two are told apart by colour alone.
    """
    styles = styles or {}
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 3.8))
    for k, (name, norms) in enumerate(curves.items()):
        steps = np.arange(1, len(norms) + 1)
        style = {"marker": MARKERS[k % len(MARKERS)], "markevery": (k % 4 * 2, 8), "ms": 5, **styles.get(name, {})}
        ax.plot(steps, norms, label=name, **style)
    ax.set_yscale("log")
    ax.set_xlabel("T − t (steps back in time)")
    ax.set_ylabel(r"$\|\partial h_T / \partial h_t\|_2$")
    ax.legend(ncols=2)
    fig.tight_layout()
    return fig


def plot_sequence_prediction(inputs, truth, prediction, title: str = ""):
    """Noisy inputs, the clean next values and a model's predictions for one sequence (chapter 4)."""
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 3.2))
    t = np.arange(len(inputs))
    ax.plot(t, inputs, ".", color="0.6", label="noisy input $x_t$")
    ax.plot(t, truth, color="C0", label="true next value")
    ax.plot(t, prediction, "--", color="C3", label="RNN prediction")
    ax.set_xlabel("time step t")
    ax.legend(ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.2), frameon=False)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig
