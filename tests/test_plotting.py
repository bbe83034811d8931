"""The book's style and the Getting-started figures (Agg backend, no display)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from companion.plotting import BOOK_STYLE, class_counts_bar, digit_grid, use_book_style  # noqa: E402


def test_book_style_sets_every_default():
    with matplotlib.rc_context():  # leave the other tests' defaults alone
        use_book_style()
        for key, value in BOOK_STYLE.items():
            expected = list(value) if isinstance(value, tuple) else value
            assert matplotlib.rcParams[key] == expected, key


def test_digit_grid_shows_the_first_images_with_their_labels():
    images = np.arange(7 * 3 * 3, dtype=np.uint8).reshape(7, 3, 3)
    labels = np.array([3, 1, 4, 1, 5, 9, 2])
    fig = digit_grid(images, labels, n_rows=2, n_cols=3, title="digits")
    assert len(fig.axes) == 6
    for ax, image, label in zip(fig.axes, images, labels, strict=False):
        np.testing.assert_array_equal(ax.images[0].get_array(), image)
        assert ax.get_title() == str(label)
        assert ax.images[0].get_clim() == (0, 255)  # pixels on their absolute scale, not stretched per image
    assert fig.get_suptitle() == "digits"


@pytest.mark.parametrize(
    ("images", "match"),
    [
        (np.zeros((6, 9)), r"images must be \(n, height, width\); got shape \(6, 9\)"),
        (np.zeros((5, 3, 3)), "need at least 6 images and labels; got 5 and 6"),
    ],
)
def test_digit_grid_refuses_wrong_input(images, match):
    with pytest.raises(ValueError, match=match):
        digit_grid(images, np.zeros(6), n_rows=2, n_cols=3)


def test_class_counts_are_grouped_bars_one_colour_per_split():
    train, test = np.arange(10, 20), np.arange(10)
    fig = class_counts_bar({"train": train, "test": test}, title="counts")
    (ax,) = fig.axes
    bars = ax.patches
    assert len(bars) == 20
    np.testing.assert_array_equal([bar.get_height() for bar in bars], np.concatenate([train, test]))
    centres = np.array([bar.get_x() + bar.get_width() / 2 for bar in bars]).reshape(2, 10)
    np.testing.assert_allclose(centres.mean(axis=0), np.arange(10))  # each class's group is centred on its digit
    assert np.all(centres[0] < centres[1])  # train left of test
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train", "test"]
    assert (ax.get_title(), ax.get_xlabel()) == ("counts", "digit class")
    assert class_counts_bar({"all": train}).axes[0].get_title() == ""
