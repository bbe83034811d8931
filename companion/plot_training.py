"""Figures for training from-scratch networks: curves, decision boundaries, per-layer norms (chapter 2+)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["plot_computational_graph", "plot_curves", "plot_decision_boundary", "plot_history", "plot_layer_norms"]


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


# Layout of the two-layer network's graph: node -> (x, y); the chain runs left to right at y = 0.
GRAPH_NODES = {
    "x": (0.0, 0.0), "z": (2.0, 0.0), "h": (4.0, 0.0), "u": (6.0, 0.0), "y": (8.0, 0.0), "L": (10.0, 0.0),
    "W_1": (0.9, 1.3), "b_1": (3.1, 1.3), "W_2": (4.9, 1.3), "b_2": (7.1, 1.3), "d": (9.3, 1.3),
}  # fmt: skip
GRAPH_FORWARD = [("x", "z", "$xW_1 + b_1$"), ("z", "h", "$f$"), ("h", "u", "$hW_2 + b_2$"), ("u", "y", "$g$"),
                 ("y", "L", r"$\frac{1}{2}\|y - d\|^2$"), ("W_1", "z", ""), ("b_1", "z", ""), ("W_2", "u", ""),
                 ("b_2", "u", ""), ("d", "L", "")]  # fmt: skip
GRAPH_BACKWARD = [("L", "y", "$y - d$"), ("y", "u", r"$\odot\, g'(u)$"), ("u", "h", r"$\delta_u W_2^\top$"),
                  ("h", "z", r"$\odot\, f'(z)$")]  # fmt: skip


def plot_computational_graph(annotations: dict | None = None):
    """The two-layer network of chapter 2 as a computational graph: forward (black), backward (red).

    ``annotations`` maps a node name (x, z, h, u, y, L, W_1, b_1, W_2, b_2, d) to text drawn beside it,
    e.g. its value and its gradient in a worked example.
    """
    from matplotlib.patches import FancyArrowPatch

    annotations = annotations or {}
    fig, ax = plt.subplots(figsize=(9.5, 3.6))
    for (src, dst, label), backward in [(e, False) for e in GRAPH_FORWARD] + [(e, True) for e in GRAPH_BACKWARD]:
        (x0, y0), (x1, y1) = GRAPH_NODES[src], GRAPH_NODES[dst]
        bend = -0.5 if backward else 0.0  # backward arcs run below the chain
        ax.add_patch(FancyArrowPatch((x0, y0), (x1, y1), connectionstyle=f"arc3,rad={bend}", arrowstyle="-|>",
                                     mutation_scale=11, shrinkA=14, shrinkB=14, lw=1.1,
                                     color="C3" if backward else "0.3", ls="--" if backward else "-"))  # fmt: skip
        if label:
            ax.text((x0 + x1) / 2, -0.62 if backward else 0.18, label, ha="center", fontsize=8,
                    va="top" if backward else "bottom", color="C3" if backward else "0.2")  # fmt: skip
    for node, (x, y) in GRAPH_NODES.items():
        parameter = y > 0
        ax.scatter([x], [y], s=700, marker="s" if parameter else "o", color="#fde0dd" if parameter else "white",
                   edgecolor="k", zorder=3)  # fmt: skip
        ax.text(x, y, f"${node}$", ha="center", va="center", fontsize=11, zorder=4)
        if node in annotations:
            ax.text(x, y + 0.35 if parameter else y - 1.15, annotations[node], ha="center",
                    va="bottom" if parameter else "top", fontsize=8, color="0.15")  # fmt: skip
    ax.set_xlim(-0.8, 10.8)
    ax.set_ylim(-1.9, 2.1)
    ax.set_aspect("equal")
    ax.set_axis_off()
    fig.tight_layout()
    return fig
