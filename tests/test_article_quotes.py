"""Every passage the book marks as the article's words is in the article, character for character.

The book marks quotations with ``{article}`…``, ``{article-math}`…`` and the ``{article-code}``
directive (tools/book_article.py), in its pages and, unchanged, in the Chinese catalogs. The
article is not redistributed with the book: it is read from ``$ARTICLE_PATH``, else from
``../shared/article/article.zh.txt`` beside the project. Without it these tests skip and say
why, unless ``REQUIRE_ARTICLE=1`` (CI sets it), which turns the skip into a failure.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tools.book_article import article_path

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
LOCALE = ROOT / "locale"

ROLE = re.compile(r"\{(article|article-math|article-code)\}`([^`]+)`")
DIRECTIVE = re.compile(r"^(`{3,}|:{3,})\{article-code\}[^\n]*\n(.*?)\n\1\s*$", re.DOTALL | re.MULTILINE)


def quotations(text: str) -> list[tuple[str, str]]:
    """(marker, quoted text) for every article quotation in a page's MyST source."""
    found = [(m.group(1), m.group(2)) for m in ROLE.finditer(text)]
    for m in DIRECTIVE.finditer(text):
        body = "\n".join(line for line in m.group(2).splitlines() if not line.startswith(":"))
        found.append(("article-code", body.strip("\n")))
    return found


def page_sources() -> dict[str, str]:
    """The MyST text of every page: Markdown pages whole, notebooks' Markdown cells joined."""
    sources = {}
    for path in sorted(BOOK.glob("*.md")):
        sources[path.name] = path.read_text(encoding="utf-8")
    for path in sorted(BOOK.glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        sources[path.name] = "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return sources


def catalog_messages() -> list[tuple[str, str, str]]:
    """(catalog, msgid, msgstr) of every message of every Chinese catalog."""
    messages = []
    for path in sorted(LOCALE.rglob("*.po")):
        with path.open("rb") as handle:
            catalog = read_po(handle)
        messages += [(path.name, m.id, m.string) for m in catalog if m.id and isinstance(m.id, str)]
    return messages


def missing_from(article: str, quotes: list[tuple[str, str]]) -> list[str]:
    """The quotations that do not occur in the article's text."""
    return [f"{marker}: {text!r}" for marker, text in quotes if text not in article]


@pytest.fixture(scope="module")
def article() -> str:
    path = article_path(ROOT)
    if not path.is_file():
        reason = f"the article's text is not at {path} (set ARTICLE_PATH to its file)"
        if os.environ.get("REQUIRE_ARTICLE") == "1":
            pytest.fail(reason + "; REQUIRE_ARTICLE=1 forbids skipping")
        pytest.skip(reason)
    return path.read_text(encoding="utf-8")


def test_the_parser_finds_each_kind_of_marker():
    text = (
        "It says {article}`每个神经元都有输入和输出` and {article-math}`a_i = x_i`, {article-code}`Adam(lr=0.001)`.\n\n"
        "```{article-code}\nimport numpy as np\n```\n\n:::{article-code}\n:class: x\nmodel = Sequential()\n:::\n"
    )
    assert quotations(text) == [
        ("article", "每个神经元都有输入和输出"),
        ("article-math", "a_i = x_i"),
        ("article-code", "Adam(lr=0.001)"),
        ("article-code", "import numpy as np"),
        ("article-code", "model = Sequential()"),
    ]


def test_an_altered_quotation_is_caught(article):
    true = [("article", "每个神经元都有输入和输出"), ("article-math", r"v_{jk} = v_{jk} + \alpha\delta_j(y_k - d_k)")]
    assert missing_from(article, true) == []
    altered = [
        ("article", "每个神经元都有一个输入和输出"),
        ("article-math", r"v_{jk} = v_{jk} - \alpha\delta_j(y_k - d_k)"),
    ]
    assert len(missing_from(article, altered)) == 2


def test_the_faq_quotes_each_question_and_the_bibliography_each_reference(article):
    """The article's five FAQ questions and ten references, each quoted whole on its page."""
    questions = re.findall(r"^Q: (.+)$", article, re.MULTILINE)
    references = re.findall(r"^\d+\. (.+)$", article.split("# 参考文献", 1)[1], re.MULTILINE)
    assert (len(questions), len(references)) == (5, 10)
    faq = {text for _, text in quotations(page_sources()["faq.md"])}
    bibliography = {text for _, text in quotations(page_sources()["bibliography.md"])}
    assert [q for q in questions if q not in faq] == [], "questions the FAQ page does not quote"
    assert [r for r in references if r not in bibliography] == [], "references the bibliography does not quote"


@pytest.mark.parametrize("page", sorted(page_sources()))
def test_every_quotation_on_a_page_is_the_articles(article, page):
    missing = missing_from(article, quotations(page_sources()[page]))
    assert not missing, f"{page} marks text as the article's words that the article does not contain:\n" + "\n".join(
        missing
    )


def test_every_quotation_in_the_catalogs_is_the_articles(article):
    missing = []
    for catalog, _msgid, msgstr in catalog_messages():
        missing += [f"{catalog}: {m}" for m in missing_from(article, quotations(msgstr))]
    assert not missing, "translations mark text as the article's words that it does not contain:\n" + "\n".join(missing)


def test_translations_keep_every_quotation_unchanged():
    """A translated message quotes exactly what its English quotes: the article is Chinese already."""
    changed = []
    for catalog, msgid, msgstr in catalog_messages():
        if msgstr and sorted(quotations(msgid)) != sorted(quotations(msgstr)):
            changed.append(f"{catalog}: {msgid[:60]!r}")
    assert not changed, "these translations change or drop an article quotation:\n" + "\n".join(changed)
