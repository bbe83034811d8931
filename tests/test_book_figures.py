"""The figures' translation at the Chinese build (tools/book_figures.py) and the check of the built figures.

The pure parts: which lines of a figure are messages, how a translation replaces them in the
SVG, and what tools/check_figures.py calls a problem (a figure wider than the column, text too
small, English left in a Chinese figure, texts that collide, a figure message not translated).
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from babel.messages.catalog import Catalog  # noqa: E402
from babel.messages.pofile import write_po  # noqa: E402
from docutils import nodes  # noqa: E402

from companion.figure_svg import figure_svg  # noqa: E402
from companion.plotting import use_book_style  # noqa: E402
from tools.book_figures import (  # noqa: E402
    figure_lines,
    figure_messages,
    figure_name,
    in_notebook_output,
    is_book_figure,
    translate_svg,
)
from tools.check_figures import (  # noqa: E402
    catalog_problems,
    collisions,
    language_problems,
    rendered_px,
    svg_facts,
)


@pytest.fixture(scope="module")
def svg() -> str:
    use_book_style()
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([1, 2], [3, 4], label=r"threshold $V_{th}$")
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("V (mV)")
    ax.set_title("true 3, said 5\n97%")
    ax.legend()
    text = figure_svg(fig)
    plt.close(fig)
    return text


TRANSLATIONS = {
    "time (ms)": "时间 (ms)",
    "true {0}, said {1}": "真实 {0}，判为 {1}",
    "threshold $V_{th}$": "阈值 $V_{th}$",
}


def test_messages_are_the_lines_with_words_numbers_as_placeholders(svg):
    assert is_book_figure(svg) and not is_book_figure("<svg width='1'></svg>")
    assert "97%" in figure_lines(svg) and "V (mV)" in figure_lines(svg)
    assert figure_messages(svg) == ["time (ms)", "true {0}, said {1}", "threshold $V_{th}$"]


def test_translation_replaces_each_line_and_keeps_numbers_maths_and_layout(svg):
    translated, missing = translate_svg(svg, TRANSLATIONS, "zh_CN")
    assert missing == []
    lines = figure_lines(translated)
    assert {"时间 (ms)", "真实 3，判为 5", "阈值 $V_{th}$", "97%", "V (mV)"} <= set(lines)
    assert 'xml:lang="zh-CN"' in translated
    assert translated.count("<text ") == svg.count("<text ")  # same elements, same positions
    assert '<tspan font-style="italic">V</tspan>' in translated  # the maths is typeset again


def test_a_line_without_translation_stays_english_and_is_reported(svg):
    translated, missing = translate_svg(svg, {"time (ms)": "时间 (ms)"}, "zh_CN")
    assert missing == ["true {0}, said {1}", "threshold $V_{th}$"]
    assert "true 3, said 5" in figure_lines(translated)


def test_svg_facts_give_natural_width_and_smallest_text(svg):
    facts = svg_facts(svg)
    assert facts["min_font"] == 10.5
    assert facts["natural_px"] == pytest.approx(facts["viewbox_width"] * 4 / 3)
    assert rendered_px(10, 300, 400) == pytest.approx(13.33, abs=0.01)


def test_language_problems_name_english_left_in_a_chinese_figure():
    assert language_problems(["时间 (ms)", "V (mV)", "ReLU", "$x_1$", "97%"], "一个柱状图") == []
    assert language_problems(["validation"], "一个柱状图") == ["English words in the figure: 'validation'"]
    assert language_problems([], "A bar chart")[0].startswith("alt text not Chinese")
    assert language_problems([], "柱状图 with bars")[0].startswith("alt text not Chinese")


def _box(text, left, top, right, bottom):
    return {"text": text, "left": left, "top": top, "right": right, "bottom": bottom}


def test_collisions_find_overlaps_and_texts_outside_the_figure():
    frame = _box("", 0, 0, 100, 50)
    assert collisions([_box("a", 0, 0, 10, 10), _box("b", 10, 0, 20, 10)], frame) == []  # touching is fine
    assert collisions([_box("a", 0, 0, 12, 10), _box("b", 8, 2, 20, 10)], frame) == ["texts overlap: 'a' and 'b'"]
    assert collisions([_box("c", 95, 0, 110, 10)], frame) == ["text outside the figure: 'c'"]


def test_catalog_problems_report_missing_fuzzy_and_untranslated(tmp_path, svg):
    catalog = Catalog(locale="zh_CN")
    catalog.add("time (ms)", "时间 (ms)")
    catalog.add("true {0}, said {1}", "真实 {0}，判为 {1}", flags=["fuzzy"])
    catalog.add("unused", "")
    with (tmp_path / "ch9.po").open("wb") as f:
        write_po(f, catalog)
    problems = catalog_problems({"ch9": [svg]}, tmp_path)
    assert "ch9: figure text without a translation: 'threshold $V_{th}$'" in problems
    assert "ch9: figure text without a translation: 'true {0}, said {1}'" in problems  # fuzzy does not count
    assert any(p.endswith("fuzzy: 'true {0}, said {1}'") for p in problems)
    assert any(p.endswith("untranslated: 'unused'") for p in problems)
    assert not any("time (ms)" in p for p in problems)


def test_notebook_outputs_and_their_figure_names_are_found():
    output, markdown = nodes.image(uri="a.svg", alt="x"), nodes.image(uri="b.png", alt="y")
    figure = nodes.figure("", nodes.container("", nodes.container("", output, nb_element="mime_bundle")))
    figure["names"].append("fig-spirals")
    nodes.paragraph("", "", markdown)
    assert in_notebook_output(output) and not in_notebook_output(markdown)
    assert figure_name(output) == "fig-spirals" and figure_name(markdown) == "without a label"
