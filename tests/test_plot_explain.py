"""Figures of chapter 6: what they show (Agg backend, no display)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from companion.plot_explain import plot_attributions, plot_cascade  # noqa: E402


def test_plot_attributions_draws_one_column_per_image_and_one_row_per_map():
    rng = np.random.default_rng(0)
    images = rng.random((3, 8, 8, 1))
    maps = {"saliency": rng.normal(size=(3, 8, 8, 1)), "IG": rng.normal(size=(3, 8, 8, 1))}
    fig = plot_attributions(images, maps, row_titles=["a", "b", "c"])
    axes = np.array(fig.axes).reshape(3, 3)  # rows: the image, then each map; columns: the images
    assert [ax.get_ylabel() for ax in axes[:, 0]] == ["image", "saliency", "IG"]
    assert [ax.get_title() for ax in axes[0]] == ["a", "b", "c"]
    np.testing.assert_array_equal(axes[0, 1].images[0].get_array(), images[1].squeeze())
    signed = axes[2, 0].images[0]
    assert signed.get_clim()[0] == -signed.get_clim()[1]  # signed maps are centred on zero
    np.testing.assert_array_equal(signed.get_array(), maps["IG"][0].squeeze())
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
