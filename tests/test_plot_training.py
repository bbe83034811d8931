"""Smoke tests of the chapter 2 figures: they draw without error and show what they are given."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from companion.plot_training import GRAPH_NODES, plot_computational_graph  # noqa: E402


def test_computational_graph_draws_every_node_and_annotation():
    fig = plot_computational_graph({"z": "z = [2, 0.5]", "W": "dL/dW"})
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert all(f"${node}$" in texts for node in GRAPH_NODES)
    assert "z = [2, 0.5]" in texts and "dL/dW" in texts
    plt.close(fig)


def test_computational_graph_without_annotations():
    fig = plot_computational_graph()
    assert len(fig.axes) == 1
    plt.close(fig)
