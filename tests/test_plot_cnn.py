"""Smoke tests of the chapter 3 figures: they draw without error and show what they are given."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from companion.cnn import conv2d_forward  # noqa: E402
from companion.plot_cnn import plot_conv_arithmetic, plot_feature_maps, plot_image_row, plot_kernels  # noqa: E402


def test_conv_arithmetic_shows_padding_and_outputs():
    x, w = np.arange(9.0).reshape(3, 3), np.arange(4.0).reshape(2, 2)
    cases = []
    for stride, padding in ((1, "valid"), (2, "same")):
        out = conv2d_forward(x[None, :, :, None], w[:, :, None, None], np.zeros(1), stride, padding)[0][0, :, :, 0]
        cases.append((f"{padding}, stride {stride}", stride, padding, out))
    fig = plot_conv_arithmetic(x, w, cases)
    assert len(fig.axes) == 6
    valid_out = [t.get_text() for t in fig.axes[2].texts]
    assert valid_out == ["19", "25", "37", "43"]  # d2l's example: [[0, 1, 2], ...] * [[0, 1], [2, 3]]
    padded_in = [t.get_text() for t in fig.axes[3].texts]
    assert len(padded_in) == 16 and padded_in.count("0") == 8  # 3 x 3 input + a row and a column of zeros
    plt.close(fig)


def test_image_row_draws_signed_images_centred_on_zero():
    images = [np.arange(6.0).reshape(2, 3), np.array([[-1.0, 3.0], [0.5, 2.0]]), np.zeros((2, 2))]
    fig = plot_image_row(images, ["input", "edges", "blank"], symmetric=[1, 2])
    assert [ax.get_title() for ax in fig.axes] == ["input", "edges", "blank"]
    for ax, image in zip(fig.axes, images, strict=True):
        np.testing.assert_array_equal(ax.images[0].get_array(), image)
    assert fig.axes[0].images[0].get_cmap().name == "gray_r"
    assert fig.axes[1].images[0].get_cmap().name == "RdBu_r" and fig.axes[1].images[0].get_clim() == (-3.0, 3.0)
    assert fig.axes[2].images[0].get_clim() == (-1.0, 1.0)  # an all-zero map still gets a usable scale
    assert len(plot_image_row([images[0]], ["alone"]).axes) == 1


def test_kernels_show_input_channel_0_of_each_filter_on_one_scale():
    w = np.random.default_rng(0).normal(size=(3, 3, 2, 5))
    fig = plot_kernels(w, n_cols=3, title="learned")
    assert len(fig.axes) == 6  # 5 filters on a 2 x 3 grid
    drawn = [ax for ax in fig.axes if ax.images]
    assert len(drawn) == 5
    limit = np.abs(w[:, :, 0, :]).max()
    for k, ax in enumerate(drawn):
        np.testing.assert_array_equal(ax.images[0].get_array(), w[:, :, 0, k])
        assert ax.images[0].get_clim() == (-limit, limit)
    assert fig.get_suptitle() == "learned"
    with pytest.raises(ValueError, match=r"w must be \(kernel_h, kernel_w, in_channels, out_channels\)"):
        plot_kernels(w[:, :, 0])


def test_feature_maps_one_row_per_stage_one_column_per_channel():
    rng = np.random.default_rng(0)
    stages = {"conv": rng.normal(size=(6, 6, 4)), "pool": np.abs(rng.normal(size=(3, 3, 4)))}
    fig = plot_feature_maps(stages, n_channels=3)
    axes = np.array(fig.axes).reshape(2, 3)
    assert [row[0].get_ylabel() for row in axes] == ["conv", "pool"]
    for row, maps in zip(axes, stages.values(), strict=True):
        limit = np.abs(maps[..., :3]).max()
        for k, ax in enumerate(row):
            np.testing.assert_array_equal(ax.images[0].get_array(), maps[..., k])
            assert ax.images[0].get_clim() == (-limit, limit)  # one scale per stage, centred on zero


def test_feature_maps_of_a_single_stage():
    fig = plot_feature_maps({"conv": np.ones((4, 4, 2))}, n_channels=2)
    assert len(fig.axes) == 2 and fig.axes[0].get_ylabel() == "conv"


def test_feature_maps_with_one_channel_per_stage():
    fig = plot_feature_maps({"conv": np.ones((4, 4, 2)), "pool": np.ones((2, 2, 2))}, n_channels=1)
    assert [ax.get_ylabel() for ax in fig.axes] == ["conv", "pool"]
