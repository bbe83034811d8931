"""Figures for training from-scratch networks: curves, decision boundaries, per-layer norms (chapter 2+)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["plot_curves", "plot_decision_boundary", "plot_history", "plot_layer_norms"]


def plot_curves(curves: dict, xlabel: str = "epoch", ylabel: str = "loss", logy: bool = True, title: str = ""):
    """One line per named curve, on a log scale by default (chapter 2)."""
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for name, values in curves.items():
        ax.plot(np.arange(1, len(values) + 1), values, label=name)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    return fig


def plot_decision_boundary(predict_proba, x, y, resolution: int = 300, title: str = ""):
    """Colour the plane by the predicted probability of class 1 and overlay the data (chapter 2)."""
    pad = 0.4
    x0 = np.linspace(x[:, 0].min() - pad, x[:, 0].max() + pad, resolution)
    x1 = np.linspace(x[:, 1].min() - pad, x[:, 1].max() + pad, resolution)
    grid = np.stack(np.meshgrid(x0, x1), axis=-1).reshape(-1, 2)
    p = predict_proba(grid).reshape(resolution, resolution)
    fig, ax = plt.subplots(figsize=(5, 4))
    mesh = ax.contourf(x0, x1, p, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.6)
    ax.contour(x0, x1, p, levels=[0.5], colors="k", linewidths=1.5)
    ax.scatter(*x[y == 0].T, s=12, color="C0", edgecolor="k", linewidth=0.3, label="class 0")
    ax.scatter(*x[y == 1].T, s=12, color="C3", edgecolor="k", linewidth=0.3, label="class 1")
    fig.colorbar(mesh, ax=ax, label="P(class 1)")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(False)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_history(history: dict, test_accuracy: float | None = None):
    """Training loss and validation accuracy per epoch side by side (chapters 2 and 3)."""
    fig, (ax_l, ax_a) = plt.subplots(1, 2, figsize=(9, 3.4))
    epochs = np.arange(1, len(history["loss"]) + 1)
    ax_l.plot(epochs, history["loss"], marker="o")
    ax_l.set_yscale("log")
    ax_l.set_xlabel("epoch")
    ax_l.set_ylabel("mean training loss")
    ax_a.plot(epochs, 100 * np.asarray(history["val_accuracy"]), marker="o", label="validation")
    if test_accuracy is not None:
        ax_a.axhline(100 * test_accuracy, color="C3", ls="--", label="test (final model)")
    ax_a.set_xlabel("epoch")
    ax_a.set_ylabel("accuracy (%)")
    ax_a.legend()
    fig.tight_layout()
    return fig


def plot_layer_norms(norms: dict, ylabel: str = "gradient norm"):
    """Grouped bars of a per-layer quantity (e.g. gradient norm) for several networks, log scale (chapter 2)."""
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    width = 0.8 / len(norms)
    for i, (name, values) in enumerate(norms.items()):
        layers = np.arange(1, len(values) + 1)
        ax.bar(layers + (i - (len(norms) - 1) / 2) * width, values, width=width, label=name)
    ax.set_yscale("log")
    ax.set_ylim(top=30 * max(max(v) for v in norms.values()))  # room for the legend above the bars
    ax.set_xlabel("layer (1 = nearest the input)")
    ax.set_ylabel(ylabel)
    ax.legend(loc="upper left", ncols=len(norms))
    fig.tight_layout()
    return fig
