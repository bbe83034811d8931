"""Figure of chapter 7: what it shows (Agg backend, no display)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

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


def test_plot_data_curves_shows_every_seed_and_the_mean():
    from companion.plot_outlook import plot_data_curves

    sizes = [250, 500, 1000]
    errors = np.array([[20.0, 15.0, 12.0], [21.0, 16.0, 12.5]])
    noisy = np.array([[10.0, 12.0], [11.0, 13.0]])
    fig = plot_data_curves(sizes, errors, [0.0, 0.2], noisy)
    left, right = fig.axes
    assert left.get_xscale() == left.get_yscale() == "log"
    *seeds, mean = left.get_lines()
    assert len(seeds) == 2 and np.allclose(mean.get_ydata(), errors.mean(axis=0))
    assert np.allclose(right.get_lines()[-1].get_xdata(), [0.0, 20.0])  # percent
    assert np.allclose(right.get_lines()[-1].get_ydata(), [10.5, 12.5])
    with pytest.raises(ValueError, match="seeds, sizes"):
        plot_data_curves(sizes, errors[:, :2], [0.0, 0.2], noisy)
    plt.close(fig)


def test_plot_membership_draws_the_null_band_under_the_attack():
    from companion.plot_outlook import plot_membership

    sizes, auc = [250, 1000], np.array([[0.7, 0.55], [0.72, 0.56]])
    fig = plot_membership(sizes, auc, null_low=[0.46, 0.48], null_high=[0.54, 0.52])
    (ax,) = fig.axes
    band = ax.collections[0].get_paths()[0].vertices
    assert np.isclose(band[:, 1].min(), 0.46) and np.isclose(band[:, 1].max(), 0.54)
    assert np.allclose(ax.get_lines()[-1].get_ydata(), [0.71, 0.555])
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0].startswith("chance")
    with pytest.raises(ValueError, match="null band"):
        plot_membership(sizes, auc, null_low=[0.46], null_high=[0.54, 0.52])
    plt.close(fig)
