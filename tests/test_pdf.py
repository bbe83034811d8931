"""The PDF editions (tools/build_pdf.py, tools/check_pdf.py, tools/book_pdf.py) and the print stylesheet.

The unit tests run everywhere. The others need what CI builds first: the PDFs
(``python tools/build_pdf.py``) and the HTML editions, or Chromium and the English HTML (the
print stylesheet's test prints chapter 2). They skip, saying what is missing, unless
``REQUIRE_PDF=1`` (set by .ci/run), where anything missing fails.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from tools import book_pdf, build_pdf, check_pdf

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
PDF_DIR = ROOT / "_build" / "pdf"


def need(condition: bool, what: str) -> None:
    """Skip (fail in CI, where REQUIRE_PDF=1) when `condition` does not hold."""
    if not condition:
        message = f"{what} is missing: build it first (see tools/build_pdf.py)"
        if os.environ.get("REQUIRE_PDF") == "1":
            pytest.fail(message)
        pytest.skip(message)


# ---------------------------------------------------------------- a small PDF written by hand


def handmade_pdf(text_x: float, width: float = 595.0) -> bytes:
    """A one-page PDF with one line of Helvetica (not embedded) starting at `text_x` points."""
    content = f"BT /F1 12 Tf {text_x} 700 Td (Hello margin) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width} 842] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>".encode(),
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_read_pdf_finds_unembedded_fonts_and_text_past_the_margin(tmp_path):
    inside, outside = tmp_path / "inside.pdf", tmp_path / "outside.pdf"
    inside.write_bytes(handmade_pdf(text_x=100))
    outside.write_bytes(handmade_pdf(text_x=540))  # 'Hello margin' is ~70 pt long: ends near 610 > 595 - 51
    facts = check_pdf.read_pdf(inside)
    assert facts.pages == 1
    assert "Hello margin" in facts.text
    assert facts.fonts_not_embedded == ["Helvetica"]
    assert facts.past_margin == []
    far = check_pdf.read_pdf(outside)
    assert len(far.past_margin) == 1 and far.past_margin[0].startswith("page 1:")


def test_trailing_blank_measures_the_white_below_the_last_mark():
    page = np.full((100, 50), 255, dtype=np.uint8)
    page[30, 10] = 0  # a mark on row 30
    assert check_pdf.trailing_blank(page, top=10, bottom=90) == pytest.approx(1 - 21 / 80)
    assert check_pdf.trailing_blank(np.full((100, 50), 255, dtype=np.uint8), 10, 90) == 1.0
    page[89, 0] = 0
    assert check_pdf.trailing_blank(page, 10, 90) == 0.0


def facts(**changes) -> check_pdf.PdfFacts:
    """A PDF's facts with nothing wrong, then `changes`."""
    good = dict(
        pages=200,
        text="1. The brain\nand the neuron ... 2. Feed-forward networks",
        outline=[(1, "1. The brain and the neuron", 5), (2, "1.1 Background", 5), (1, "2. Feed-forward networks", 9)],
        fonts_not_embedded=[],
        cjk_fonts={"AAAAAA+NotoSansCJKsc-Regular": 40},
        past_margin=[],
        blank_pages=[],
    )
    return check_pdf.PdfFacts(**{**good, **changes})


TITLES = {"book/ch1": "1. The brain and the neuron", "book/ch2": "2. Feed-forward networks"}


def test_problems_is_empty_for_a_good_pdf():
    assert check_pdf.problems(facts(), TITLES, cjk_expected=True) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"text": "1. The brain and the neuron"}, "title of book/ch2 not in the text"),
        ({"outline": [(1, "1. The brain and the neuron", 5), (2, "2. Feed-forward networks", 9)]}, "no top-level"),
        ({"fonts_not_embedded": ["Helvetica"]}, "font not embedded: Helvetica"),
        ({"cjk_fonts": {"GBZenKai-Medium": 3}}, "3 Chinese characters in a font that is not CJK"),
        ({"cjk_fonts": {}}, "no Chinese text found"),
        ({"past_margin": ["page 7: 'xyz'"]}, "text past the side margins: page 7"),
        ({"blank_pages": [(4, 0.62)]}, "page 4 is 62% blank"),
        ({"pages": 12}, "12 pages, outside"),
        ({"text": f"{' '.join(TITLES.values())} 神经⽹络"}, "1 characters extract as radicals (⽹)"),
    ],
)
def test_problems_reports_each_defect(changes, expected):
    found = check_pdf.problems(facts(**changes), TITLES, cjk_expected=True)
    assert len(found) == 1 and expected in found[0], found


def test_toc_page_numbers_follows_the_bookmarks_in_order():
    entries = [{"text": "Exercises"}, {"text": "2. Networks"}, {"text": "Exercises"}, {"text": "Output , target"}]
    outline = [
        (1, "1. Neurons", 3),
        (2, "Exer-Exercises", 7),  # a heading split by a page break, then whole; maths dropped
        (1, "2. Net-\nworks", 9),
        (2, "Exercises", 12),
        (2, "Output y, target", 13),
    ]
    with pytest.raises(RuntimeError, match="Output , target"):
        build_pdf.toc_page_numbers(entries, outline)  # "Output y" does not start like "Output ,"
    outline[-1] = (2, "Output , target", 13)
    assert build_pdf.toc_page_numbers(entries, outline) == ["7", "9", "12", "13"]


def test_a_bookmark_interleaved_with_a_repeat_of_its_start_names_its_heading():
    assert build_pdf.names_heading("Terms (Terms (术语术语))", "Terms (术语)")
    assert build_pdf.names_heading("3.1 Convolution as frameworks compute3.1 Convolution as frameworks computeit",
                                   "3.1 Convolution as frameworks compute it")  # fmt: skip
    assert not build_pdf.names_heading("Output y, target", "Output , target")  # a letter that is no repeat
    entries = [{"text": "Terms (术语)"}, {"text": "3. Networks"}, {"text": "Terms (术语)"}]
    outline = [(2, "Terms (Terms (术语术语))", 63), (1, "3. Networks", 67), (2, "Terms (术语)", 85)]
    assert build_pdf.toc_page_numbers(entries, outline) == ["63", "67", "85"]


def test_pdf_links_resolve_only_to_a_pdf(tmp_path):
    (tmp_path / "book").mkdir()
    (tmp_path / "zh").mkdir()
    (tmp_path / "book" / "ch1.html").write_text('<a href="../book.pdf">PDF</a><a href="x.html">x</a>', "utf-8")
    (tmp_path / "book" / "ch2.html").write_text('<a href="../book.pdf">PDF</a>', "utf-8")
    (tmp_path / "zh" / "ch1.html").write_text('<a href="book.pdf">other edition</a>', "utf-8")
    links = check_pdf.pdf_links(tmp_path, "book.pdf")
    assert links == {"book/ch1.html": ["../book.pdf"], "book/ch2.html": ["../book.pdf"]}
    assert len(check_pdf.unresolved_links(tmp_path, links)) == 2
    (tmp_path / "book.pdf").write_bytes(b"<html>not a PDF</html>")
    assert len(check_pdf.unresolved_links(tmp_path, links)) == 2
    (tmp_path / "book.pdf").write_bytes(handmade_pdf(100))
    assert check_pdf.unresolved_links(tmp_path, links) == []


def test_download_menu_entry_links_each_editions_pdf():
    def pathto(name, resource):
        assert resource == 1
        return f"../{name}"

    english = book_pdf.pdf_button(pathto, "en")
    chinese = book_pdf.pdf_button(pathto, "zh_CN")
    assert english["url"] == "../book.pdf" and english["type"] == "link"
    assert chinese["url"] == "../book.zh.pdf" and chinese["text"] == "全书 PDF"
    context = {"pathto": pathto, "header_buttons": [{"label": "download-buttons", "buttons": []}, {"label": "x"}]}

    class App:
        class config:  # noqa: N801 (Sphinx's app.config)
            language = "en"

    book_pdf.add_pdf_link(App, "book/ch1", "page.html", context, None)
    assert context["header_buttons"][0]["buttons"] == [english]


def test_header_and_footer_escape_the_title_and_number_pages():
    edition = build_pdf.Edition("en", "Brains <&> machines", "Contents", HTML)
    templates = build_pdf.header_footer(edition)
    assert "Brains &lt;&amp;&gt; machines" in templates["header_template"]
    assert 'class="pageNumber"' in templates["footer_template"]
    assert 'class="totalPages"' in templates["footer_template"]
    chinese = build_pdf.header_footer(build_pdf.Edition("zh", "神经网络：大脑与机器", "目录", HTML))
    assert "神经" not in chinese["header_template"]  # set in a system font, it would extract as radicals


def test_font_without_radicals_maps_them_to_nothing_and_keeps_the_rest(tmp_path):
    """The copy of a font that build_pdf prints Chinese with: 大 keeps its glyph, ⼤ loses its entry."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont

    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder([".notdef", "da"])
    builder.setupCharacterMap({0x5927: "da", 0x2F24: "da", 0x41: "da"})  # 大, KANGXI RADICAL BIG, A
    empty = TTGlyphPen(None).glyph()
    builder.setupGlyf({".notdef": empty, "da": empty})
    builder.setupHorizontalMetrics({".notdef": (500, 0), "da": (1000, 0)})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": "Test", "styleName": "Regular"})
    builder.setupOS2()
    builder.setupPost()
    source = tmp_path / "test.ttf"
    builder.save(source)
    target = build_pdf.without_radicals(source, 0, tmp_path / "out" / "test.otf")
    with TTFont(target) as font:
        cmap = font.getBestCmap()
    assert cmap == {0x5927: "da", 0x41: "da"}


def test_inline_figures_puts_each_svg_in_the_page_with_unique_ids_and_its_label(tmp_path):
    (tmp_path / "_images").mkdir()
    svg = (
        '<?xml version="1.0"?>\n<!DOCTYPE svg>\n<svg class="book-figure" width="10pt" viewBox="0 0 10 10">'
        '<g id="axes_1"><path clip-path="url(#p1)" d="M 0 0"/></g><clipPath id="p1"/>'
        '<use xlink:href="#m1"/><path id="m1" style="fill: #ffffff"/><text>图</text></svg>'
    )
    (tmp_path / "_images" / "a.zh_CN.svg").write_text(svg, encoding="utf-8")
    figure = (
        '<a class="figure-full-size reference internal image-reference" href="_images/a.zh_CN.svg" title="t">'
        '<img alt="一张图" src="_images/a.zh_CN.svg" /> </a>'
    )
    page = build_pdf.inline_figures(f"<p>{figure}</p><p>{figure}</p><img alt='x' src='_images/b.png' />", tmp_path)
    assert '<img alt="一张图"' not in page and "figure-full-size" not in page and "<?xml" not in page
    assert page.count('<svg role="img" aria-label="一张图" class="book-figure"') == 2
    for n in (1, 2):  # every id and every reference to it renamed per figure, nothing else
        assert f'id="f{n}-axes_1"' in page and f'id="f{n}-p1"' in page and f"url(#f{n}-p1)" in page
        assert f'xlink:href="#f{n}-m1"' in page
    assert page.count("fill: #ffffff") == 2 and page.count("<text>图</text>") == 2
    assert "<img alt='x' src='_images/b.png' />" in page  # not an SVG figure: left as it is


# ---------------------------------------------------------------- the built PDFs (CI)


@pytest.mark.parametrize("jobs", [1, 2])
def test_each_edition_gets_its_own_problems_whether_checked_at_once_or_in_turn(tmp_path, jobs):
    found = check_pdf.check_editions(["en", "zh"], tmp_path, tmp_path, jobs=jobs)
    assert found == {
        "en": [f"{tmp_path / 'book.pdf'} not found: python tools/build_pdf.py"],
        "zh": [f"{tmp_path / 'book.zh.pdf'} not found: python tools/build_pdf.py"],
    }


def test_built_pdfs_pass_every_check():
    """Both editions, checked at once (tools/check_pdf.py, each in a process of its own)."""
    for edition in ("en", "zh"):
        pdf = PDF_DIR / book_pdf.PDF_FILES[edition]
        need(pdf.is_file(), f"{pdf.relative_to(ROOT)}")
    need((HTML / "index.html").is_file(), "the HTML build")
    problems = {
        edition: [line for line in found if not any(check_pdf.KINDS[kind] in line for kind in check_pdf.KNOWN)]
        for edition, found in check_pdf.check_editions(["en", "zh"], PDF_DIR, HTML).items()
    }  # the known kinds: tools/check_pdf.py's KNOWN
    assert problems == {"en": [], "zh": []}, "\n".join(
        f"{e}: {line}" for e, lines in problems.items() for line in lines
    )


# ---------------------------------------------------------------- the print stylesheet

# In print layout, code blocks wider than their box (they would print a scrollbar and cut the text).
_WIDE_CODE_JS = """() => [...document.querySelectorAll('pre')]
  .filter(pre => pre.offsetParent && pre.scrollWidth > pre.clientWidth + 1)
  .map(pre => pre.textContent.slice(0, 40))"""


def test_print_stylesheet_prints_chapter_2_cleanly(tmp_path):
    """Chapter 2 printed as a reader would (A4, the book's margins): the issue found a page 62 %
    blank (a box pushed to the next page), code cut off at the right, and the 中文版 link."""
    from playwright.sync_api import sync_playwright

    from tools.check_pages import CHROMIUM_ARGS

    page_path = HTML / "book" / "ch2_feedforward.html"
    need(page_path.is_file(), "the English HTML build (_build/html)")
    need(any(shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome")), "Chromium")
    width_px = round((210 - build_pdf.MARGIN_MM["left"] - build_pdf.MARGIN_MM["right"]) / 25.4 * 96)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=build_pdf.find_chromium(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": width_px, "height": 1000})
        page.goto(page_path.as_uri(), wait_until="load")
        page.evaluate("async () => { if (window.MathJax) await MathJax.startup.promise; await document.fonts.ready; }")
        page.emulate_media(media="print")
        wide_code = page.evaluate(_WIDE_CODE_JS)
        pdf = tmp_path / "ch2.pdf"
        page.pdf(path=str(pdf), format=build_pdf.PAPER, margin={k: f"{v}mm" for k, v in build_pdf.MARGIN_MM.items()})
        browser.close()
    assert wide_code == []
    facts = check_pdf.read_pdf(pdf)
    assert "中文版" not in facts.text
    assert facts.past_margin == []
    assert facts.blank_pages == []  # no page but the last more than half blank
    assert facts.fonts_not_embedded == []


# ---------------------------------------------------------------- the page prepared for print

_WIDE_FORMULA_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<main><section id="chapter"><h1>A chapter</h1>
<div class="math"><mjx-container display="true"
  style="display: block; text-align: center; margin: 0 -200px; font-size: 20px">
  <mjx-math style="display: inline-block"><span style="display: inline-block; width: 45em">wide</span></mjx-math>
</mjx-container></div>
<div class="math"><mjx-container display="true" style="display: block; text-align: center; font-size: 20px">
  <mjx-math style="display: inline-block"><span style="display: inline-block; width: 10em">narrow</span></mjx-math>
</mjx-container></div>
</section></main></body></html>"""


def test_prepare_shrinks_a_formula_wider_than_the_column_and_no_other(tmp_path):
    """A display formula 900 px wide in a 657 px column, its container widened past both edges
    as MathJax does: it shrinks until all it draws lies in the column; a narrow one keeps its size."""
    from playwright.sync_api import sync_playwright

    from tools.check_pages import CHROMIUM_ARGS

    need(any(shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome")), "Chromium")
    page_path = tmp_path / "page.html"
    page_path.write_text(_WIDE_FORMULA_PAGE, encoding="utf-8")
    words = {"title": "T", "subtitle": "S", "contents": "Contents", "root": "page.html", "fonts": ""}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=build_pdf.find_chromium(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": build_pdf.text_width_px(), "height": 1000})
        page.goto(page_path.as_uri(), wait_until="load")
        seen = page.evaluate(build_pdf._PREPARE_JS, words)
        sizes = page.evaluate("() => [...document.querySelectorAll('mjx-container')].map(b => b.style.fontSize)")
        spans = page.evaluate(
            "() => [...document.querySelectorAll('mjx-math span')].map(s => s.getBoundingClientRect().width)"
        )
        column = page.evaluate("() => document.querySelector('div.math').getBoundingClientRect().width")
        browser.close()
    assert seen["shrunk"] == 1 and seen["stillWide"] == []
    assert sizes[1] == "20px" and sizes[0] != "20px"  # only the wide formula shrinks
    assert spans[0] <= column and spans[0] > 0.9 * column  # fits, and not shrunk more than needed
    assert spans[1] == pytest.approx(200)
