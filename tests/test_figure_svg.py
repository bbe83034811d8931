"""The book's SVG: words as text in a font stack, maths as outlines, images as they are, nothing that varies."""

from __future__ import annotations

import base64
import io
import re
import xml.etree.ElementTree as ET

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from PIL import Image  # noqa: E402

from companion.figure_svg import FONT_STACK, figure_svg, tidy_svg, use_svg_display  # noqa: E402
from companion.plotting import use_book_style  # noqa: E402

SVG = "{http://www.w3.org/2000/svg}"


def _figure():
    use_book_style()
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1], [0, 1], label=r"threshold $V_{th}$")
    ax.imshow(np.arange(28 * 28).reshape(28, 28), extent=(0, 0.5, 0, 0.5))
    ax.contourf(np.linspace(0, 1, 50)[None, :] * np.ones((50, 1)), extent=(0.5, 1, 0, 0.5), rasterized=True)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("$x_1$")
    ax.legend()
    return fig


def _texts(svg: str) -> dict[str, ET.Element]:
    root = ET.fromstring(svg)
    return {"".join(t.itertext()): t for t in root.iter(f"{SVG}text")}


def test_words_are_text_in_the_book_font_stack_and_maths_are_outlines():
    svg = figure_svg(_figure())
    assert svg.startswith('<svg class="book-figure"')
    texts = _texts(svg)
    label = texts["time (ms)"]
    assert "font-family" not in label.get("style") and "font-size: 10.5px" in label.get("style")
    assert f"text{{font-family: {FONT_STACK}}}" in svg
    assert not any("x" == t.strip() for t in texts)  # $x_1$ is drawn as glyph outlines
    assert "<use xlink:href=" in svg


def test_words_with_maths_are_text_with_tspans_and_keep_their_source():
    fig = _figure()
    svg = figure_svg(fig)
    legend = _texts(svg)["threshold Vth"]
    assert legend.get("data-tex") == r"threshold $V_{th}$"
    assert [t.text for t in legend] == ["V", "th"]
    assert fig.axes[0].get_legend().get_texts()[0].get_text() == r"threshold $V_{th}$"  # the figure is unchanged


def test_images_are_embedded_as_they_are_and_rasterised_artists_are_images():
    svg = figure_svg(_figure())
    images = re.findall(r'<image [^>]*xlink:href="data:image/png;base64,\s*([^"]+)"[^>]*>', svg)
    sizes = [Image.open(io.BytesIO(base64.b64decode(data))).size for data in images]
    assert (28, 28) in sizes  # imshow: the 28 x 28 pixels themselves, drawn pixelated
    assert "image-rendering:pixelated" in svg
    assert len(sizes) == 2  # and the rasterised contours, one image instead of polygons


def test_the_same_figure_gives_the_same_svg_without_dates_or_versions():
    first, second = figure_svg(_figure()), figure_svg(_figure())
    assert first == second
    assert "<metadata" not in first and "Matplotlib v" not in first and "<?xml" not in first
    for value in re.findall(r'\sd="([^"]*)"', first):
        assert not re.search(r"\.\d{3}", value), value  # coordinates at 0.01 pt


def test_saving_to_a_file_writes_the_same_svg(tmp_path):
    fig = _figure()
    fig.savefig(tmp_path / "f.svg", format="svg", backend="module://companion.figure_svg", bbox_inches="tight",
                pad_inches=0.04, dpi=200)  # fmt: skip
    assert (tmp_path / "f.svg").read_text(encoding="utf-8") == figure_svg(fig)


def test_each_line_of_a_multiline_text_is_anchored_as_the_text_is_aligned():
    fig, ax = plt.subplots()
    ax.set_title("a long first line\nshort")
    ax.text(0.5, 0.5, "right\naligned text", ha="right")
    texts = _texts(figure_svg(fig))
    first, second = texts["a long first line"], texts["short"]
    assert "text-anchor: middle" in first.get("style") and first.get("x") == second.get("x")
    right, aligned = texts["right"], texts["aligned text"]
    assert "text-anchor: end" in right.get("style") and right.get("x") == aligned.get("x")
    assert "draw" not in vars(fig.axes[0].title)  # afterwards the figure's texts draw as before


def test_tidy_svg_drops_zero_rotations_and_rounds_only_coordinates():
    raw = (
        '<?xml version="1.0"?>\n<svg width="10pt"><defs><style type="text/css">'
        "*{stroke-linejoin: round; stroke-linecap: butt}</style></defs>"
        "<text style=\"font-size: 10px; font-family: 'DejaVu Sans', sans-serif; text-anchor: middle\" "
        'x="1.23456" y="2" transform="rotate(-0 1.23456 2)">a</text>'
        '<g transform="scale(0.015625)"><path d="M 0.123456 1.5"/></g></svg>'
    )
    tidy = tidy_svg(raw)
    assert '<text style="font-size: 10px; text-anchor: middle" x="1.23" y="2">a</text>' in tidy
    assert 'transform="scale(0.015625)"' in tidy and 'd="M 0.12 1.5"' in tidy


def test_jupyter_shows_figures_as_svg_only(monkeypatch):
    from IPython.core.interactiveshell import InteractiveShell

    monkeypatch.delenv("VIRTUAL_ENV", raising=False)  # IPython warns when it names another environment
    shell = InteractiveShell.instance()
    try:
        monkeypatch.setattr("IPython.get_ipython", lambda: shell)
        use_svg_display()
        formatters = shell.display_formatter.formatters
        assert Figure not in formatters["image/png"].type_printers
        svg = formatters["image/svg+xml"](_figure())
        assert svg.startswith('<svg class="book-figure"')
    finally:
        InteractiveShell.clear_instance()


def test_outside_jupyter_nothing_changes(monkeypatch):
    monkeypatch.setattr("IPython.get_ipython", lambda: None)
    assert use_svg_display() is None


@pytest.mark.parametrize("bad", ["$\\frac{1}{2}$ of it"])
def test_words_with_maths_the_svg_cannot_typeset_fail_loudly(bad):
    fig, ax = plt.subplots()
    ax.set_title(bad)
    with pytest.raises(ValueError, match=r"\\frac"):
        figure_svg(fig)
