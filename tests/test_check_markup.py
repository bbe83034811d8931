"""tools/check_markup.py finds emphasis markers and backticks that a page shows as text."""

from __future__ import annotations

import pytest

from tools.check_markup import leaks


def page(body: str) -> str:
    return f"<html><body><nav>**menu**</nav><main>{body}</main></body></html>"


@pytest.mark.parametrize(
    "body",
    [
        "<p>**§2，人类大脑神经系统原理。**神经元之间</p>",
        "<p>the *unpaired* emphasis</p>",
        "<p>a stray `backtick</p>",
        "<td><p>两个**相邻</p></td>",
    ],
)
def test_a_leaked_marker_is_found(body):
    assert leaks(page(body))


@pytest.mark.parametrize(
    "body",
    [
        "<p><strong>§2，人类大脑神经系统原理。</strong>神经元之间</p>",
        "<p>code <code>x ** 2</code> and <span class='math notranslate nohighlight'>\\(a * b * c\\)</span></p>",
        "<div class='highlight'><pre>print(`x`)</pre></div>",
        "<p>5 * 3 = 15 and 2 * 4, a footnote*</p>",
        "<p>maths left for MathJax: \\(x^*\\) and \\(y * z *\\)</p>",
    ],
)
def test_rendered_markup_and_code_are_not_leaks(body):
    assert leaks(page(body)) == []


def test_text_outside_main_content_is_not_checked():
    assert leaks("<html><nav>**menu**</nav><main><p>fine</p></main></html>") == []
