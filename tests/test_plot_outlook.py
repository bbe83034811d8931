"""Figure of chapter 7: what it shows (Agg backend, no display)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from companion.plot_outlook import plot_learning_curve  # noqa: E402


def test_plot_learning_curve_shows_the_fit_and_chance():
    sizes, errors, attack = [100, 1000, 10000], [30.0, 15.0, 7.5], [0.7, 0.6, 0.52]
    fig = plot_learning_curve(sizes, errors, attack, exponent=0.3, scale=120.0)
    left, right = fig.axes
    assert left.get_xscale() == left.get_yscale() == "log"
    measured, fit = left.get_lines()
    assert list(measured.get_ydata()) == errors
    assert np.isclose(fit.get_ydata()[0], 120.0 * 100**-0.3)
    assert "0.30" in left.get_legend().get_texts()[1].get_text()
    assert list(right.get_lines()[0].get_ydata()) == attack
    assert [t.get_text() for t in right.get_legend().get_texts()] == ["chance"]
    plt.close(fig)
