"""Chapter 5's evaluation: the confusion matrix counts, and the figures show what they are given."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from companion.plot_classifier import (  # noqa: E402
    confusion_matrix,
    plot_confusion,
    plot_keras_history,
    plot_mistakes,
    plot_prediction,
)


def test_confusion_matrix_counts_each_true_predicted_pair():
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 4, 50), rng.integers(0, 4, 50)
    matrix = confusion_matrix(y_true, y_pred, n_classes=4)
    expected = [[np.sum((y_true == i) & (y_pred == j)) for j in range(4)] for i in range(4)]
    np.testing.assert_array_equal(matrix, expected)
    assert matrix.sum() == 50 and np.trace(matrix) == np.sum(y_true == y_pred)
    np.testing.assert_array_equal(matrix.sum(axis=1), np.bincount(y_true, minlength=4))  # rows are true classes
    assert confusion_matrix([1, 1], [1, 1]).shape == (10, 10)  # ten digits by default


def test_confusion_matrix_refuses_mismatched_labels():
    with pytest.raises(ValueError, match=r"same shape; got \(3,\) and \(2,\)"):
        confusion_matrix([0, 1, 2], [0, 1])


def test_keras_history_draws_training_and_validation_per_model_in_percent():
    histories = {"a": {"accuracy": [0.5, 0.7], "val_accuracy": [0.6, 0.65]}, "b": {"accuracy": [0.8, 0.9, 0.95],
                 "val_accuracy": [0.85, 0.9, 0.92]}}  # fmt: skip
    fig = plot_keras_history(histories)
    (ax,) = fig.axes
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["a: training", "a: validation", "b: training", "b: validation"]
    np.testing.assert_allclose(lines[3].get_ydata(), [85, 90, 92])
    assert list(lines[2].get_xdata()) == [1, 2, 3]  # epochs count from 1
    assert lines[0].get_color() == lines[1].get_color() != lines[2].get_color()  # one colour per model
    assert ax.get_ylabel() == "accuracy (%)"


def test_confusion_figure_colours_only_the_errors_and_prints_every_count():
    matrix = np.array([[50, 2, 0], [1, 40, 3], [0, 0, 30]])
    fig = plot_confusion(matrix)
    ax, colorbar = fig.axes
    shown = ax.images[0].get_array()
    np.testing.assert_array_equal(shown, matrix - np.diag(np.diag(matrix)))  # the diagonal is out of the scale
    assert [int(t.get_text()) for t in ax.texts] == matrix.ravel().tolist()
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("predicted digit", "true digit")
    assert colorbar.get_ylabel() == "errors (off-diagonal counts)"
    assert matrix[0, 0] == 50  # the caller's matrix is left alone


def test_mistakes_are_the_most_confident_errors_first():
    images = np.arange(5 * 4 * 4, dtype=float).reshape(5, 4, 4, 1)
    y_true = np.array([0, 1, 2, 0, 1])
    probabilities = np.array(
        [[0.9, 0.1, 0.0], [0.6, 0.4, 0.0], [0.1, 0.2, 0.7], [0.05, 0.95, 0.0], [0.0, 0.3, 0.7]]
    )  # wrong: image 1 (60 %), 3 (95 %), 4 (70 %)
    fig, order = plot_mistakes(images, y_true, probabilities, n=4)
    assert order.tolist() == [3, 4, 1]
    shown = [ax for ax in fig.axes if ax.images]
    assert len(fig.axes) == 4 and len(shown) == 3  # the fourth panel is left empty
    for ax, i in zip(shown, order, strict=True):
        np.testing.assert_array_equal(ax.images[0].get_array(), images[i, :, :, 0])
    assert shown[0].get_title() == "true 0, said 1\n95%"


def test_prediction_shows_the_image_and_highlights_the_most_probable_digit():
    image = np.arange(16.0).reshape(4, 4, 1)
    probabilities = np.full(10, 0.05)
    probabilities[7] = 0.55
    fig = plot_prediction(image, probabilities)
    ax_img, ax_bar = fig.axes
    np.testing.assert_array_equal(ax_img.images[0].get_array(), image[:, :, 0])
    bars = ax_bar.patches
    np.testing.assert_allclose([bar.get_height() for bar in bars], probabilities)
    red, grey = matplotlib.colors.to_rgba("C3"), matplotlib.colors.to_rgba("0.6")
    assert [bar.get_facecolor() for bar in bars] == [red if k == 7 else grey for k in range(10)]
    assert ax_bar.get_ylim() == (0, 1.05)
