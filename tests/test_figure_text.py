"""Figure text: what is a message, its numbers as placeholders, and maths inside words as SVG tspans."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from companion.figure_text import fill, has_words, latin_words, math_as_plain, math_as_tspans, template


@pytest.mark.parametrize(
    ("line", "message", "numbers"),
    [
        ("true 3, said 5", "true {0}, said {1}", ["3", "5"]),
        ("fit: error ∝ n^-0.52", "fit: error ∝ n^-{0}", ["0.52"]),
        ("10,000 test images", "{0} test images", ["10,000"]),
        ("best: 100% correct", "best: {0}% correct", ["100"]),
        ("LIME (4×4 grid)", "LIME ({0}×{1} grid)", ["4", "4"]),
        ("areas V1 and x2 at 3", "areas V1 and x2 at {0}", ["3"]),  # digits of a name stay in it
        ("$x_{1}$ at 2.5 ms", "$x_{1}$ at {0} ms", ["2.5"]),  # maths keeps its own numbers
    ],
)
def test_numbers_become_placeholders_and_come_back(line, message, numbers):
    assert template(line) == (message, numbers)
    assert fill(message, numbers) == line


def test_a_translation_may_reorder_the_numbers():
    assert fill("判为 {1}（真实 {0}）", ["3", "5"]) == "判为 5（真实 3）"


def test_placeholders_in_the_figure_or_missing_numbers_are_errors():
    with pytest.raises(ValueError, match="must not contain a placeholder"):
        template("a {0} here")
    with pytest.raises(ValueError, match=r"asks for number \{2\}; the figure has 2"):
        fill("{0} {1} {2}", ["1", "2"])


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("time (ms)", ["time"]),
        ("T − t (steps back in time)", ["steps", "back", "in", "time"]),
        ("LIME (4×4 grid)", ["grid"]),
        ("1.2 nA", []),
        ("V (mV)", []),
        ("$x_1$", []),
        ("sigmoid (Xavier)", []),
        ("Deep SHAP", []),
        ("7 → 7", []),
        ("ctx", []),
        ("验证集", []),
        ("验证 accuracy", ["accuracy"]),
        ("“valid” 填充", []),  # a quoted name from the code
        ("xW + b", []),  # a product of symbols, not a word
        ("GPU time", ["GPU", "time"]),
        ("LIF, t_ref = 2 ms", []),  # a subscripted symbol in plain text
        ("ReLU, equal to t_ref = 0 at 2 I_rh", ["equal", "to", "at"]),
        ("max_norm", ["max", "norm"]),  # a code name of whole words is not one symbol
    ],
)
def test_words_are_latin_words_that_are_not_names_units_or_maths(text, words):
    assert latin_words(text) == words
    assert has_words(text) == bool(words)


def _parse(fragment: str) -> ET.Element:
    return ET.fromstring(f"<text>{fragment}</text>")


def test_maths_inside_words_becomes_italic_letters_and_shifted_subscripts():
    root = _parse(math_as_tspans("threshold $V_{th}$", 10))
    assert root.text == "threshold "
    letter, subscript = list(root)
    assert (letter.text, letter.get("font-style")) == ("V", "italic")
    assert (subscript.text, subscript.get("dy"), subscript.get("font-size")) == ("th", "2.5", "7px")


def test_after_a_superscript_the_baseline_comes_back():
    root = _parse(math_as_tspans(r"$\delta_u V^\top$ end", 10))
    shifts = [float(t.get("dy", 0)) for t in root]
    assert sum(shifts) == 0  # the last run sits on the baseline again
    assert "".join(root.itertext()) == "δuV⊤ end"


def test_minus_prime_and_symbols_are_unicode_and_text_is_escaped():
    fragment = math_as_tspans(r"a < b & $f'(z) - \alpha$", 10)
    assert "a &lt; b &amp; " in fragment
    assert "".join(_parse(fragment).itertext()) == "a < b & f′(z)−α"
    assert math_as_plain(r"threshold $V_{th}$") == "threshold Vth"


@pytest.mark.parametrize(
    ("text", "match"), [(r"$\frac{1}{2}$", r"\\frac"), (r"$x_{1$", "unbalanced"), ("$x^$", "ends")]
)
def test_maths_the_svg_text_cannot_typeset_is_an_error(text, match):
    with pytest.raises(ValueError, match=match):
        math_as_tspans(text, 10)


def test_sizes_are_short_numbers():
    assert re.findall(r'font-size="([^"]+)"', math_as_tspans("$x_1$", 13.33)) == ["9.33px"]
