"""Figure of chapter 7: how test error and membership leakage change with the training-set size."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FuncFormatter, NullFormatter

from companion.plotting import FIGURE_WIDTH

__all__ = ["plot_learning_curve"]


def plot_learning_curve(sizes, test_error, attack_accuracy, exponent: float, scale: float):
    """Left: test error against training-set size (log-log) with the fitted power law; right: the attack (chapter 7)."""
    sizes = np.asarray(sizes, dtype=float)
    fig, (left, right) = plt.subplots(1, 2, figsize=(FIGURE_WIDTH, 3.2))
    left.loglog(sizes, test_error, "o", label="measured")
    grid = np.geomspace(sizes[0], sizes[-1], 50)
    left.loglog(grid, scale * grid**-exponent, "--", label=f"fit: error ∝ n^-{exponent:.2f}")
    left.set_xlabel("training images n")
    left.set_ylabel("test error (%)")
    left.legend()
    right.semilogx(sizes, attack_accuracy, "o-", color="C3")
    right.axhline(0.5, color="gray", linestyle=":", label="chance")
    right.set_xlabel("training images n")
    right.set_ylabel("membership attack accuracy")
    right.set_ylim(0.45, 1.0)
    right.legend()
    plain = FuncFormatter(lambda value, _: f"{value:,.0f}" if value >= 1 else f"{value:g}")  # 1,000 not 10^3
    for axis in (left.xaxis, left.yaxis, right.xaxis):
        axis.set_major_formatter(plain)
        axis.set_minor_formatter(NullFormatter())
    left.yaxis.set_minor_formatter(plain)  # the error spans less than a decade: label 20, 30, ... too
    fig.tight_layout()
    return fig
