"""Figures of chapter 1: what they show (Agg backend, no display)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import FancyArrowPatch  # noqa: E402

from companion.activations import get_activation  # noqa: E402
from companion.neurons import LIFParams, PerceptronHistory, lif_simulate, perceptron_train  # noqa: E402
from companion.plot_neurons import (  # noqa: E402
    draw_graph,
    plot_activations,
    plot_fi_curve,
    plot_fi_curves,
    plot_membrane_trace,
    plot_perceptron_runs,
    plot_raster,
)


def test_membrane_trace_shows_current_potential_threshold_and_spikes():
    params, dt = LIFParams(), 0.1
    t = np.arange(400) * dt
    current = np.where(t > 5, 2.5, 0.0)
    v, spikes = lif_simulate(current[:, None], dt, params)
    v, spikes = v[:, 0], spikes[:, 0]
    assert spikes.sum() >= 2  # the figure is meant to show spikes
    fig = plot_membrane_trace(t, current, v, spikes, params)
    ax_i, ax_v = fig.axes
    np.testing.assert_array_equal(ax_i.get_lines()[0].get_ydata(), current)
    trace, threshold, reset = ax_v.get_lines()
    np.testing.assert_array_equal(trace.get_ydata(), v)
    assert list(threshold.get_ydata()) == [params.v_th] * 2 and list(reset.get_ydata()) == [params.v_reset] * 2
    ticks = ax_v.collections[0].get_segments()
    np.testing.assert_allclose([seg[0, 0] for seg in ticks], t[spikes])  # one tick per spike, at its time
    assert all(seg[0, 1] == params.v_th and seg[1, 1] == params.v_th + 15 for seg in ticks)
    legend = [x.get_text() for x in ax_v.get_legend().get_texts()]
    assert legend == [r"threshold $V_{th}$", r"reset $V_{reset}$", "spike"]
    assert (ax_i.get_ylabel(), ax_v.get_ylabel(), ax_v.get_xlabel()) == ("I (nA)", "V (mV)", "time (ms)")


def test_raster_puts_each_neurons_spikes_on_its_own_row():
    spikes = np.zeros((10, 3), dtype=bool)
    spikes[[1, 4], 0] = True
    spikes[7, 2] = True  # neuron 1 (the middle row) never fires
    fig = plot_raster(spikes, dt=0.5, labels=["a", "b", "c"])
    (ax,) = fig.axes
    rows = [collection.get_segments() for collection in ax.collections]
    assert len(rows) == 3
    assert [seg[0, 0] for seg in rows[0]] == [0.5, 2.0] and rows[1] == [] and [seg[0, 0] for seg in rows[2]] == [3.5]
    assert all(seg[0, 1] == i + 0.6 and seg[1, 1] == i + 1.4 for i, row in enumerate(rows) for seg in row)
    assert [label.get_text() for label in ax.get_yticklabels()] == ["a", "b", "c"]
    assert list(ax.get_yticks()) == [1, 2, 3]


def test_fi_curve_overlays_simulation_on_the_analytic_curve():
    currents, simulated = np.array([1.0, 2.0, 3.0]), np.array([0.0, 40.0, 80.0])
    fine, analytic = np.linspace(0, 3, 31), np.linspace(0, 90, 31)
    fig = plot_fi_curve(currents, simulated, fine, analytic, threshold=1.5)
    (ax,) = fig.axes
    curve, dots, rheobase = ax.get_lines()
    np.testing.assert_array_equal(curve.get_ydata(), analytic)
    np.testing.assert_array_equal(dots.get_xdata(), currents)
    np.testing.assert_array_equal(dots.get_ydata(), simulated)
    assert dots.get_linestyle() == "None" and dots.get_marker() == "o"  # simulated rates are dots, not a line
    assert list(rheobase.get_xdata()) == [1.5, 1.5]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["analytic $r(I)$", "simulation", "rheobase"]


def test_activations_and_their_derivatives_side_by_side():
    names, z = ["sigmoid", "relu"], np.linspace(-2, 2, 9)
    fig = plot_activations(names, z)
    ax_f, ax_d = fig.axes
    assert (ax_f.get_title(), ax_d.get_title()) == ("activation $f(z)$", "derivative $f'(z)$")
    for name, line_f, line_d in zip(names, ax_f.get_lines(), ax_d.get_lines(), strict=True):
        f, f_prime = get_activation(name)
        np.testing.assert_array_equal(line_f.get_ydata(), f(z))
        np.testing.assert_array_equal(line_d.get_ydata(), f_prime(z))
    assert [t.get_text() for t in ax_f.get_legend().get_texts()] == names
    assert len(plot_activations(["tanh"]).axes[0].get_lines()[0].get_xdata()) == 801  # the default grid


def _best_line(ax):
    (line,) = [line for line in ax.get_lines() if line.get_label().startswith("best boundary")]
    return line


def test_perceptron_runs_draw_the_data_and_the_best_boundary_on_it():
    x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y_and, y_xor = np.array([0, 0, 0, 1]), np.array([0, 1, 1, 0])
    runs = [("AND", x, y_and, perceptron_train(x, y_and)), ("XOR", x, y_xor, perceptron_train(x, y_xor, epochs=5))]
    fig = plot_perceptron_runs(runs)
    assert [ax.get_title() for ax in fig.axes] == ["AND", "XOR"]
    ax = fig.axes[0]
    class0, class1 = ax.collections
    np.testing.assert_array_equal(class0.get_offsets(), x[y_and == 0])
    np.testing.assert_array_equal(class1.get_offsets(), x[y_and == 1])
    w = runs[0][3].weights[-1]  # AND converges: its last weights classify everything
    line = _best_line(ax)
    assert line.get_label() == "best boundary (100% correct)"
    xs, ys = line.get_xdata(), line.get_ydata()
    np.testing.assert_allclose(w[0] * xs + w[1] * ys + w[2], 0, atol=1e-12)  # the line is w . [x, 1] = 0
    assert "100%" not in _best_line(fig.axes[1]).get_label()  # no line separates XOR


def test_best_boundary_is_the_latest_of_the_most_accurate_epochs_and_may_be_vertical():
    x, y = np.array([[0.0, 0.0], [1.0, 1.0]]), np.array([0, 1])
    weights = [np.zeros(3), np.array([1.0, 1.0, -5.0]), np.array([1.0, 1.0, -1.0]), np.array([2.0, 0.0, -1.0]),
               np.array([1.0, 1.0, -9.0])]  # fmt: skip
    history = PerceptronHistory(weights=weights, errors=[1, 0, 0, 1], accuracy=[0.5, 1.0, 1.0, 0.5], converged=False)
    fig = plot_perceptron_runs([("one run", x, y, history)])
    (ax,) = fig.axes  # one run: a single panel
    line = _best_line(ax)
    assert list(line.get_xdata()) == [0.5, 0.5]  # epoch 3's vertical line 2 x - 1 = 0, not epoch 2's
    assert len(ax.get_lines()) == 1 + 4  # the best, and one grey line per epoch


def test_draw_graph_draws_every_node_and_edge():
    positions = {"in": (0.0, 0.0), "hid": (1.0, 0.0), "out": (2.0, 1.0)}
    edges = [("in", "hid", 0), ("hid", "out", 0), ("out", "hid", 0.4), ("hid", "hid", 0)]
    fig, ax = plt.subplots()
    assert draw_graph(ax, positions, edges, title="loop", colors={"hid": "#fde0dd"}) is ax
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == len(edges)
    red = matplotlib.colors.to_rgba("C3")
    assert [arrow.get_edgecolor() == red for arrow in arrows] == [False, False, True, True]  # loops are red
    assert [t.get_text() for t in ax.texts] == list(positions)
    nodes = ax.collections
    np.testing.assert_array_equal([c.get_offsets()[0] for c in nodes], list(positions.values()))
    assert [tuple(c.get_facecolor()[0]) for c in nodes] == [
        matplotlib.colors.to_rgba(c) for c in ("white", "#fde0dd", "white")
    ]
    assert ax.get_xlim() == (-0.6, 2.6) and ax.get_ylim() == (-0.6, 1.8)
    assert ax.get_title() == "loop" and not ax.axison


def test_fi_curves_draw_each_curve_with_dots_at_the_marked_currents():
    currents = np.linspace(1.0, 7.0, 61)
    curves = {"a": 10 * currents, "b": currents**2}
    fig = plot_fi_curves(currents, curves, rheobase=1.5, marks=[3.0, 6.0])
    (ax,) = fig.axes
    line_a, dots_a, line_b, dots_b, rheobase = ax.get_lines()
    np.testing.assert_array_equal(line_a.get_ydata(), curves["a"])
    np.testing.assert_array_equal(line_b.get_ydata(), curves["b"])
    np.testing.assert_allclose(dots_a.get_ydata(), [30.0, 60.0])
    np.testing.assert_allclose(dots_b.get_ydata(), [9.0, 36.0], rtol=1e-3)
    assert list(rheobase.get_xdata()) == [1.5, 1.5]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b", "rheobase"]
    plt.close(fig)
