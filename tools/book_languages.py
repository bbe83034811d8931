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
"""

from __future__ import annotations

from html import escape

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
    return {"parallel_read_safe": True, "parallel_write_safe": True}
