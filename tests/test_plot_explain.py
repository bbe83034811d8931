"""Figures of chapter 6: what they show (Agg backend, no display)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from companion.plot_explain import plot_attributions, plot_cascade, plot_references  # noqa: E402


def test_plot_attributions_draws_one_row_per_image_and_one_column_per_map():
    rng = np.random.default_rng(0)
    images = rng.random((3, 8, 8, 1))
    maps = {"saliency": rng.normal(size=(3, 8, 8, 1)), "IG": rng.normal(size=(3, 8, 8, 1))}
    fig = plot_attributions(images, maps, row_titles=["a", "b", "c"])
    axes = np.array(fig.axes).reshape(3, 3)
    assert [ax.get_title() for ax in axes[0]] == ["image", "saliency", "IG"]
    assert axes[1, 0].get_ylabel() == "b"
    signed = axes[0, 2].images[0]
    assert signed.get_clim()[0] == -signed.get_clim()[1]  # signed maps are centred on zero
    plt.close(fig)


def test_plot_cascade_draws_each_method_with_its_controls():
    similarity = {"saliency": [0.5, 0.2, 0.1], "IG": [0.6, 0.4, 0.3]}
    floor, ceiling = {"saliency": 0.0, "IG": 0.2}, {"saliency": 1.0, "IG": 0.9}
    fig = plot_cascade(similarity, floor, ceiling, [1, 2, 3], ["1", "2", "3"])
    ax = fig.axes[0]
    lines = [line for line in ax.get_lines() if len(line.get_xdata()) == 3]
    assert [list(line.get_ydata()) for line in lines] == list(similarity.values())
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["saliency", "IG"]
    assert "ink" in ax.get_ylabel()
    plt.close(fig)


def test_plot_references_draws_each_image_above_its_softmax():
    rng = np.random.default_rng(0)
    images = rng.random((3, 8, 8, 1))
    probabilities = np.array([[0.7, 0.2, 0.1], [1 / 3, 1 / 3, 1 / 3], [0.1, 0.1, 0.8]])
    fig = plot_references(images, probabilities, ["a", "b", "c"])
    axes = np.array(fig.axes).reshape(2, 3)
    assert [ax.get_title() for ax in axes[0]] == ["a", "b", "c"]
    assert axes[0, 0].images[0].get_clim() == (0.0, 1.0)  # one fixed scale: a faint image looks faint
    heights = [[bar.get_height() for bar in ax.patches] for ax in axes[1]]
    np.testing.assert_allclose(heights, probabilities)
    tallest = axes[1, 2].patches[2].get_facecolor()
    assert tallest != axes[1, 2].patches[0].get_facecolor()  # the chosen class stands out
    assert len({bar.get_facecolor() for bar in axes[1, 1].patches}) == 1  # a uniform softmax picks none
    assert any(line.get_ydata()[0] == pytest.approx(1 / 3) for line in axes[1, 1].get_lines())
    plt.close(fig)
