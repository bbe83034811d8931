"""Figures for chapter 1: membrane traces, rasters, f-I curves, activations, perceptrons, graphs."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch

from companion.activations import get_activation

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
    fig, (ax_i, ax_v) = plt.subplots(2, 1, figsize=(7, 4.2), sharex=True, height_ratios=[1, 2.5])
    ax_i.plot(t, current, color="C1")
    ax_i.set_ylabel("I (nA)")
    ax_v.plot(t, v, color="C0", lw=1)
    ax_v.axhline(params.v_th, color="C3", ls="--", lw=1, label=r"threshold $V_{th}$")
    ax_v.axhline(params.v_reset, color="0.5", ls=":", lw=1, label=r"reset $V_{reset}$")
    spike_times = t[spikes]
    ax_v.vlines(spike_times, params.v_th, params.v_th + 15, color="C3", lw=1, label="spike")
    ax_v.set_xlabel("time (ms)")
    ax_v.set_ylabel("V (mV)")
    ax_v.legend(loc="upper left", fontsize=8, ncol=3)
    fig.tight_layout()
    return fig


def plot_raster(spikes, dt, labels=None):
    """One row of ticks per neuron, a tick per spike (chapter 1)."""
    fig, ax = plt.subplots(figsize=(7, 2.8))
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
    fig, ax = plt.subplots(figsize=(6, 3.6))
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
    fig, ax = plt.subplots(figsize=(6, 3.6))
    for i, (label, rates) in enumerate(curves.items()):
        ax.plot(currents, rates, color=f"C{i}", label=label)
        if len(marks):
            ax.plot(marks, np.interp(marks, currents, rates), "o", color=f"C{i}", ms=4)
    ax.axvline(rheobase, color="0.5", ls=":", lw=1, label="rheobase")
    ax.set_xlabel("input current I (nA)")
    ax.set_ylabel("firing rate (Hz)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_activations(names, z=None):
    """Each activation (left) and its derivative (right) on the same axis (chapter 1)."""
    z = np.linspace(-4, 4, 801) if z is None else z
    fig, (ax_f, ax_d) = plt.subplots(1, 2, figsize=(8, 3.2), sharex=True)
    for name in names:
        f, f_prime = get_activation(name)
        ax_f.plot(z, f(z), label=name)
        ax_d.plot(z, f_prime(z), label=name)
    ax_f.set_title("activation $f(z)$")
    ax_d.set_title("derivative $f'(z)$")
    for ax in (ax_f, ax_d):
        ax.set_xlabel("z")
        ax.set_ylim(-1.2, 1.6)
    ax_f.legend(fontsize=8)
    fig.tight_layout()
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

    ``runs`` holds ``(title, x, y, history)`` tuples, one panel each.
    """
    fig, axes = plt.subplots(1, len(runs), figsize=(4.2 * len(runs), 3.8))
    for ax, (title, x, y, history) in zip(np.atleast_1d(axes), runs, strict=True):
        pad = 0.5
        xlim = (x[:, 0].min() - pad, x[:, 0].max() + pad)
        ax.scatter(*x[y == 0].T, marker="o", color="C0", label="class 0", zorder=3)
        ax.scatter(*x[y == 1].T, marker="s", color="C1", label="class 1", zorder=3)
        for w in history.weights[1:]:
            _boundary(ax, w, xlim, color="0.6", lw=0.8, alpha=0.6)
        best = len(history.accuracy) - 1 - int(np.argmax(history.accuracy[::-1]))  # latest of the best
        label = f"best boundary ({history.accuracy[best]:.0%} correct)"
        _boundary(ax, history.weights[best + 1], xlim, color="C3", lw=2, label=label)
        ax.set_xlim(xlim)
        ax.set_ylim(x[:, 1].min() - pad, x[:, 1].max() + pad)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        ax.legend(fontsize=7, loc="lower left", framealpha=0.9)
    fig.tight_layout()
    return fig


def draw_graph(ax, positions, edges, title="", colors=None):
    """Draw a small directed graph: ``positions`` maps node to (x, y); ``edges`` are (src, dst, bend).

    A bend of 0 is a straight arrow; other values curve it (recurrent loops); an edge from
    a node to itself is drawn as a loop above the node (chapter 1's connectivity figures).
    """
    colors = colors or {}
    for src, dst, bend in edges:
        (x0, y0), (x1, y1) = positions[src], positions[dst]
        if src == dst:
            arrow = FancyArrowPatch(
                (x0 - 0.12, y0 + 0.15),
                (x0 + 0.12, y0 + 0.15),
                connectionstyle="arc3,rad=-2.2",
                arrowstyle="-|>",
                mutation_scale=10,
                color="C3",
                lw=1.2,
            )
        else:
            arrow = FancyArrowPatch(
                (x0, y0),
                (x1, y1),
                connectionstyle=f"arc3,rad={bend}",
                arrowstyle="-|>",
                mutation_scale=10,
                shrinkA=11,
                shrinkB=11,
                color="C3" if bend else "0.35",
                lw=1.2 if bend else 0.9,
            )
        ax.add_patch(arrow)
    for node, (x, y) in positions.items():
        ax.scatter([x], [y], s=620, color=colors.get(node, "white"), edgecolor="k", zorder=3)
        ax.text(x, y, node, ha="center", va="center", fontsize=7, zorder=4)
    xs, ys = zip(*positions.values(), strict=True)
    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    ax.set_ylim(min(ys) - 0.6, max(ys) + 0.8)
    ax.set_title(title, fontsize=10)
    ax.set_aspect("equal")
    ax.set_axis_off()
    return ax
