"""Figures for chapter 1: membrane traces, rasters, f-I curves, activations, perceptrons, graphs."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch
from matplotlib.transforms import ScaledTranslation

from companion.activations import get_activation
from companion.plotting import FIGURE_WIDTH, LINE_STYLES

__all__ = [
    "draw_graph",
    "plot_activations",
    "plot_fi_curve",
    "plot_fi_curves",
    "plot_membrane_trace",
    "plot_perceptron_runs",
    "plot_raster",
]


def plot_membrane_trace(t, current, v, spikes, params):
    """Input current above, membrane potential with threshold and spikes below (chapter 1)."""
    fig, (ax_i, ax_v) = plt.subplots(2, 1, figsize=(FIGURE_WIDTH, 4.0), sharex=True, height_ratios=[1, 2.8])
    ax_i.plot(t, current, color="C1")
    ax_i.set_ylabel("I (nA)")
    ax_v.plot(t, v, color="C0", lw=1)
    ax_v.axhline(params.v_th, color="C3", ls="--", lw=1, label=r"threshold $V_{th}$")
    ax_v.axhline(params.v_reset, color="0.5", ls=":", lw=1, label=r"reset $V_{reset}$")
    spike_times = t[spikes]
    ax_v.vlines(spike_times, params.v_th, params.v_th + 15, color="C3", lw=1.5, label="spike")
    ax_v.set_xlabel("time (ms)")
    ax_v.set_ylabel("V (mV)")
    ax_v.set_ylim(top=params.v_th + 24)  # room for the legend above the spikes
    ax_v.legend(loc="upper left", ncol=3)
    fig.tight_layout()
    return fig


def plot_raster(spikes, dt, labels=None):
    """One row of ticks per neuron, a tick per spike (chapter 1)."""
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 2.8))
    for i in range(spikes.shape[1]):
        times = np.flatnonzero(spikes[:, i]) * dt
        ax.vlines(times, i + 0.6, i + 1.4, color="k", lw=0.8)
    ax.set_yticks(np.arange(1, spikes.shape[1] + 1))
    if labels is not None:
        ax.set_yticklabels(labels)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("neuron")
    ax.grid(False)
    fig.tight_layout()
    return fig


def plot_fi_curve(currents, simulated, analytic_currents, analytic, threshold):
    """Simulated firing rates as dots over the analytic f-I curve (chapter 1)."""
    fig, ax = plt.subplots(figsize=(5.6, 3.4))
    ax.plot(analytic_currents, analytic, color="C0", label="analytic $r(I)$")
    ax.plot(currents, simulated, "o", color="C1", ms=4, label="simulation")
    ax.axvline(threshold, color="0.5", ls=":", lw=1, label="rheobase")
    ax.set_xlabel("input current I (nA)")
    ax.set_ylabel("firing rate (Hz)")
    ax.legend()
    fig.tight_layout()
    return fig


def plot_fi_curves(currents, curves: dict, rheobase: float, marks=()):
    """Several f-I curves on one axis, each with dots at the currents ``marks`` (chapter 1, §1.4)."""
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 3.6))
    for i, (label, rates) in enumerate(curves.items()):
        ax.plot(currents, rates, color=f"C{i}", ls=LINE_STYLES[i % 3], lw=1.6, label=label)  # ":" marks the rheobase
        if len(marks):
            ax.plot(marks, np.interp(marks, currents, rates), "o", color=f"C{i}", ms=5)
    ax.axvline(rheobase, color="0.5", ls=":", lw=1, label="rheobase")
    ax.set_xlabel("input current I (nA)")
    ax.set_ylabel("firing rate (Hz)")
    ax.legend()
    fig.tight_layout()
    return fig


def plot_activations(names, z=None):
    """Each activation (left) and its derivative (right) on the same axis (chapter 1)."""
    z = np.linspace(-4, 4, 801) if z is None else z
    fig, (ax_f, ax_d) = plt.subplots(1, 2, figsize=(FIGURE_WIDTH, 3.2), sharex=True)
    for k, name in enumerate(names):
        f, f_prime = get_activation(name)
        style = {"ls": LINE_STYLES[k % len(LINE_STYLES)], "lw": 1.6}
        ax_f.plot(z, f(z), label=name, **style)
        ax_d.plot(z, f_prime(z), label=name, **style)
    ax_f.set_title("activation $f(z)$")
    ax_d.set_title("derivative $f'(z)$")
    for ax in (ax_f, ax_d):
        ax.set_xlabel("z")
        ax.set_ylim(-1.2, 1.6)
    fig.legend(*ax_f.get_legend_handles_labels(), loc="lower center", ncols=len(names), frameon=False)
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    return fig


def _boundary(ax, w, xlim, **style):
    """Draw the line w0 x + w1 y + b = 0 within xlim."""
    xs = np.array(xlim)
    if abs(w[1]) > 1e-12:
        ax.plot(xs, -(w[0] * xs + w[2]) / w[1], **style)
    elif abs(w[0]) > 1e-12:
        ax.axvline(-w[2] / w[0], **style)


def plot_perceptron_runs(runs):
    """Data, the boundary after each epoch (grey) and the most accurate one (red), per run (chapter 1).

    ``runs`` holds ``(title, x, y, history)`` tuples, one panel each; each panel's title says how
    many points its best boundary classifies correctly, and one legend below explains all panels.
    """
    fig, axes = plt.subplots(1, len(runs), figsize=(min(FIGURE_WIDTH, 3.3 * len(runs)), 3.7))
    for ax, (title, x, y, history) in zip(np.atleast_1d(axes), runs, strict=True):
        pad = 0.6  # not 0.5: ticks at both axes' ends would meet in the corner
        xlim = (x[:, 0].min() - pad, x[:, 0].max() + pad)
        ax.scatter(*x[y == 0].T, marker="o", color="C0", label="class 0", zorder=3)
        ax.scatter(*x[y == 1].T, marker="s", color="C1", label="class 1", zorder=3)
        for k, w in enumerate(history.weights[1:]):
            _boundary(ax, w, xlim, color="0.6", lw=0.8, alpha=0.6, label="after each epoch" if k == 0 else None)
        best = len(history.accuracy) - 1 - int(np.argmax(history.accuracy[::-1]))  # latest of the best
        _boundary(ax, history.weights[best + 1], xlim, color="C3", lw=2.2, label="most accurate boundary")
        ax.set_xlim(xlim)
        ax.set_ylim(x[:, 1].min() - pad, x[:, 1].max() + pad)
        ax.set_title(f"{title}\nbest: {history.accuracy[best]:.0%} correct")
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
    fig.legend(*ax.get_legend_handles_labels(), loc="lower center", ncols=2, frameon=False)
    fig.tight_layout(rect=(0, 0.17, 1, 1))
    return fig


NODE_RADIUS = 18  # points: room for a 10-pt label of six letters ("retina") or three Chinese characters


def draw_graph(ax, positions, edges, title="", colors=None):
    """Draw a small directed graph: ``positions`` maps node to (x, y); ``edges`` are (src, dst, bend).

    A bend of 0 is a straight arrow; other values curve it (recurrent loops); an edge from
    a node to itself is drawn as a loop above the node (chapter 1's connectivity figures).
    """
    colors = colors or {}
    for src, dst, bend in edges:
        (x0, y0), (x1, y1) = positions[src], positions[dst]
        if src == dst:  # a loop on top of the node, placed in inches from its centre so that it fits any scale
            at_node = ax.figure.dpi_scale_trans + ScaledTranslation(x0, y0, ax.transData)
            top = (NODE_RADIUS - 2) / 72
            loop = FancyArrowPatch((-7 / 72, top), (7 / 72, top), transform=at_node, connectionstyle="arc3,rad=-2.4",
                                   arrowstyle="-|>", mutation_scale=10, shrinkA=0, shrinkB=0, color="C3",
                                   lw=1.2)  # fmt: skip
            loop.set_clip_on(False)
            ax.add_patch(loop)
            continue
        arrow = FancyArrowPatch(
            (x0, y0),
            (x1, y1),
            connectionstyle=f"arc3,rad={bend}",
            arrowstyle="-|>",
            mutation_scale=10,
            shrinkA=NODE_RADIUS,
            shrinkB=NODE_RADIUS,
            color="C3" if bend else "0.35",
            lw=1.2 if bend else 0.9,
        )
        ax.add_patch(arrow)
    for node, (x, y) in positions.items():
        ax.scatter([x], [y], s=(2 * NODE_RADIUS) ** 2, color=colors.get(node, "white"), edgecolor="k", zorder=3)
        ax.text(x, y, node, ha="center", va="center", zorder=4)
    xs, ys = zip(*positions.values(), strict=True)
    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    ax.set_ylim(min(ys) - 0.6, max(ys) + 0.8)
    ax.set_title(title)
    ax.set_aspect("equal")
    ax.set_axis_off()
    return ax
