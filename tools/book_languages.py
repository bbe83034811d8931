"""Sphinx extension: the two editions, English and Chinese, link to each other and both work.

The English edition is built into ``_build/html/`` and the Chinese one (tools/zh_edition.py)
into ``_build/html/zh/``, with the same page names. Every page gets a link at the top of its
content to its twin ("中文版" on English pages, "English" on Chinese ones) and a
``<link rel="alternate" hreflang=…>`` in its head, both relative, so they work from files,
from a local server and from GitHub Pages alike.

One repair for translated builds: MyST-Parser keeps a page's heading anchors (the targets of
links such as ``ch2_feedforward.ipynb#22-backpropagation-derived``) per page, and parsing a
translated heading replaces the page's whole list with that one heading's anchors
(executablebooks/MyST-Parser#844), so links into translated pages break. The page's anchors
are saved before Sphinx translates it and put back after: links keep their English anchors,
which still name the same sections.

Search in Chinese: Sphinx splits Chinese text into words with ``jieba`` (a requirement; without
it the Chinese search index holds no Chinese word at all). The Chinese build gives jieba the
glossary's Chinese terms as a user dictionary, so that a term such as 反向传播 stays one word
in the index and a search for it finds the pages that use it.
"""

from __future__ import annotations

import logging
import re
from html import escape
from pathlib import Path

from sphinx.transforms import SphinxTransform

EDITIONS = {"en": ("zh-CN", "中文版"), "zh": ("en", "English")}


def edition(language: str | None) -> str:
    """'zh' for a Chinese build, else 'en'."""
    return "zh" if (language or "en").startswith("zh") else "en"


def twin_href(pagename: str, language: str | None) -> str:
    """Relative address of ``pagename``'s page in the other edition, from that page itself."""
    up = "../" * pagename.count("/")
    if edition(language) == "en":
        return f"{up}zh/{pagename}.html"
    return f"{up}../{pagename}.html"


def switcher_html(pagename: str, language: str | None) -> str:
    """The link shown at the top of the page."""
    lang, label = EDITIONS[edition(language)]
    href = escape(twin_href(pagename, language))
    link = f'<a href="{href}" hreflang="{lang}" lang="{lang}">{label}</a>'
    return f'<p class="language-switch" style="text-align: right">{link}</p>\n'


def add_switcher(app, pagename, templatename, context, doctree) -> None:
    """Put the other edition's link at the top of each content page and in its head."""
    if doctree is None or "body" not in context:  # generated pages (search, index) have no twin link
        return
    language = app.config.language
    lang, _ = EDITIONS[edition(language)]
    href = escape(twin_href(pagename, language))
    context["body"] = switcher_html(pagename, language) + context["body"]
    context["metatags"] = context.get("metatags", "") + f'\n<link rel="alternate" hreflang="{lang}" href="{href}" />'


CJK = re.compile(r"[\u4e00-\u9fff]")


def glossary_chinese_terms(glossary: Path) -> list[str]:
    """The Chinese terms of the glossary: its term lines (unindented, in the glossary directive) that are Chinese."""
    text = glossary.read_text(encoding="utf-8")
    body = re.search(r"```\{glossary\}\n(.*?)\n```", text, re.DOTALL)
    if not body:
        raise ValueError(f"{glossary}: no glossary directive found; the search dictionary is built from it")
    lines = [line.strip() for line in body.group(1).splitlines() if line.strip() and not line[0].isspace()]
    return sorted({line for line in lines if CJK.search(line) and not line.startswith(":")})


def chinese_search_dictionary(app, config) -> None:
    """For the Chinese edition: a jieba user dictionary of the glossary's terms, for the search index."""
    if edition(config.language) != "zh":
        return
    try:
        import jieba
    except ImportError as exc:
        raise RuntimeError("the Chinese edition's search needs jieba: pip install -r requirements.txt") from exc
    jieba.setLogLevel(logging.WARNING)  # its start-up lines are not the build's business
    terms = glossary_chinese_terms(Path(app.confdir) / "book" / "glossary.md")
    path = Path(app.doctreedir).parent / "jieba_glossary.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{term} 100000 n\n" for term in terms), encoding="utf-8")
    config.html_search_language = "zh"
    config.html_search_options = {**(config.html_search_options or {}), "dict": str(path)}


class SaveHeadingAnchors(SphinxTransform):
    """Keep a copy of the page's MyST heading anchors before Sphinx's Locale transform (priority 20)."""

    default_priority = 15

    def apply(self, **kwargs) -> None:
        slugs = self.env.metadata[self.env.docname].get("myst_slugs")
        if slugs:
            self.document["saved_myst_slugs"] = dict(slugs)


class RestoreHeadingAnchors(SphinxTransform):
    """Put the page's own heading anchors back after the Locale transform re-parsed translated headings."""

    default_priority = 21

    def apply(self, **kwargs) -> None:
        saved = self.document.get("saved_myst_slugs")
        if saved:
            self.env.metadata[self.env.docname]["myst_slugs"] = saved
            del self.document["saved_myst_slugs"]


def setup(app):
    app.add_transform(SaveHeadingAnchors)
    app.add_transform(RestoreHeadingAnchors)
    app.connect("html-page-context", add_switcher)
    app.connect("config-inited", chinese_search_dictionary)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
