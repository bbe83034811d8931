"""Figures of chapter 4: what they show (Agg backend, no display)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from companion.plot_rnn import plot_jacobian_norms, plot_sequence_prediction  # noqa: E402


def test_jacobian_norms_one_log_line_per_curve_with_its_style():
    curves = {"vanishing": 0.5 ** np.arange(1, 6), "exploding": 2.0 ** np.arange(1, 4)}
    fig = plot_jacobian_norms(curves, styles={"exploding": {"ls": "--", "color": "C3"}})
    (ax,) = fig.axes
    vanishing, exploding = ax.get_lines()
    assert list(vanishing.get_xdata()) == [1, 2, 3, 4, 5]  # T - t counts steps back from 1
    np.testing.assert_array_equal(exploding.get_ydata(), curves["exploding"])
    assert exploding.get_linestyle() == "--" and vanishing.get_linestyle() == "-"
    assert ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(curves)


def test_sequence_prediction_shows_inputs_truth_and_prediction():
    inputs, truth = np.array([0.1, 0.5, 0.9, 0.4]), np.array([0.0, 0.5, 1.0, 0.5])
    prediction = truth + 0.05
    fig = plot_sequence_prediction(inputs, truth, prediction, title="one sequence")
    (ax,) = fig.axes
    lines = ax.get_lines()
    for line, expected in zip(lines, (inputs, truth, prediction), strict=True):
        np.testing.assert_array_equal(line.get_ydata(), expected)
    assert lines[0].get_linestyle() == "None"  # noisy inputs are dots
    assert ax.get_title() == "one sequence"
    assert len(ax.get_legend().get_texts()) == 3
    assert plot_sequence_prediction(inputs, truth, prediction).axes[0].get_title() == ""
