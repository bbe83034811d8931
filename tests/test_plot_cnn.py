"""Smoke tests of the chapter 3 figures: they draw without error and show what they are given."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from companion.cnn import conv2d_forward  # noqa: E402
from companion.plot_cnn import plot_conv_arithmetic  # noqa: E402


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
