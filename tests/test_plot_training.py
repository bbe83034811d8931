"""Smoke tests of the chapter 2 figures: they draw without error and show what they are given."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from companion.plot_training import (  # noqa: E402
    GRAPH_NODES,
    plot_computational_graph,
    plot_curves,
    plot_decision_boundary,
    plot_history,
    plot_layer_norms,
)


def test_computational_graph_draws_every_node_and_annotation():
    fig = plot_computational_graph({"z": "z = [2, 0.5]", "W_1": "dL/dW1"})
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert all(f"${node}$" in texts for node in GRAPH_NODES)
    assert "z = [2, 0.5]" in texts and "dL/dW1" in texts
    plt.close(fig)


def test_computational_graph_without_annotations():
    fig = plot_computational_graph()
    assert len(fig.axes) == 1
    plt.close(fig)


def test_curves_one_line_per_name_log_scale_by_default():
    curves = {"article": [1.0, 0.9, 0.85], "backprop": [1.0, 0.1, 0.01]}
    fig = plot_curves(curves, title="loss")
    (ax,) = fig.axes
    for line, values in zip(ax.get_lines(), curves.values(), strict=True):
        assert list(line.get_xdata()) == [1, 2, 3] and list(line.get_ydata()) == values
    assert ax.get_yscale() == "log" and ax.get_title() == "loss"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(curves)
    linear = plot_curves({"accuracy": [0.5, 0.9]}, ylabel="accuracy", logy=False).axes[0]
    assert linear.get_yscale() == "linear" and linear.get_ylabel() == "accuracy" and linear.get_title() == ""


def test_decision_boundary_colours_the_plane_by_the_model_and_shows_the_data():
    x = np.array([[-1.0, 0.0], [-0.5, 1.0], [1.0, -1.0], [2.0, 0.5]])
    y = np.array([0, 0, 1, 1])
    seen = []

    def predict_proba(grid):
        seen.append(grid)
        return 1 / (1 + np.exp(-4 * grid[:, 0]))  # class 1 to the right of x_1 = 0

    fig = plot_decision_boundary(predict_proba, x, y, resolution=12, title="logistic")
    ax, colorbar = fig.axes
    (grid,) = seen
    assert grid.shape == (144, 2)
    np.testing.assert_allclose(grid.min(axis=0), x.min(axis=0) - 0.4)  # the plane covers the data plus a margin
    np.testing.assert_allclose(grid.max(axis=0), x.max(axis=0) + 0.4)
    filled, boundary, class0, class1 = ax.collections
    np.testing.assert_allclose(filled.levels, np.linspace(0, 1, 11))
    assert list(boundary.levels) == [0.5]
    np.testing.assert_array_equal(class0.get_offsets(), x[y == 0])
    np.testing.assert_array_equal(class1.get_offsets(), x[y == 1])
    assert colorbar.get_ylabel() == "P(class 1)" and ax.get_title() == "logistic"


def test_history_shows_loss_and_accuracy_in_percent_with_the_test_line():
    history = {"loss": [0.9, 0.4, 0.2], "val_accuracy": [0.8, 0.9, 0.95]}
    fig = plot_history(history, test_accuracy=0.93)
    ax_loss, ax_acc = fig.axes
    assert list(ax_loss.get_lines()[0].get_ydata()) == history["loss"] and ax_loss.get_yscale() == "log"
    validation, test = ax_acc.get_lines()
    np.testing.assert_allclose(validation.get_ydata(), [80, 90, 95])
    np.testing.assert_allclose(test.get_ydata(), [93, 93])
    assert [t.get_text() for t in ax_acc.get_legend().get_texts()] == ["validation", "test (final model)"]
    assert len(plot_history(history).axes[1].get_lines()) == 1  # no test line without a test accuracy


def test_layer_norms_grouped_bars_per_layer_on_a_log_scale():
    norms = {"sigmoid": [1e-4, 1e-2, 0.5], "relu": [0.3, 0.4, 0.5]}
    fig = plot_layer_norms(norms, ylabel="norm")
    (ax,) = fig.axes
    bars = ax.patches
    np.testing.assert_allclose([bar.get_height() for bar in bars], norms["sigmoid"] + norms["relu"])
    centres = np.array([bar.get_x() + bar.get_width() / 2 for bar in bars]).reshape(2, 3)
    np.testing.assert_allclose(centres.mean(axis=0), [1, 2, 3])  # layers count from 1, groups centred on them
    assert ax.get_yscale() == "log" and ax.get_ylim()[1] == 30 * 0.5  # room above the tallest bar for the legend
    assert ax.get_ylabel() == "norm"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(norms)
