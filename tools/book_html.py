"""Sphinx extension (loaded by `_config.yml`): repairs to the HTML that the browser check found.

While pages are written: Sphinx 7.4 writes an inline script twice when an extension
registers it after the builder has started (sphinx-thebe's ``const THEBE_JS_URL = …``,
sphinx-togglebutton's selector): once named ``None`` and once ``''``, which
`_JavaScript.__eq__` tells apart. Declaring a ``const`` twice is a SyntaxError in every
reader's console, so each page keeps the first copy of each script.

After the build, every written page is rewritten once (tools/check_pages.py checks each
result in the browser):

- on English pages, every run of Chinese characters is marked ``<span lang="zh-CN">``,
  so that a screen reader reads it with a Chinese voice (the article's quotations,
  tools/book_article.py, are marked already);
- each cell of an errata table (``:class: errata``) gets its column's heading as
  ``data-label``, which _static/book.css shows above the cell when a phone stacks the
  cells of a row;
- the theme's search button and colour-mode button get accessible names that contain
  their visible text (axe-core's ``label-content-name-mismatch``; pydata-sphinx-theme
  0.17.1 names them "Search" and "Color mode" while they show "Search Ctrl+K" and the
  icons' titles "Light", "Dark", "System Settings"), and the bibliography's entries are
  list items (axe-core's ``aria-required-children``).

It also writes each page's text as a small script, ``_static/page-text/<page>.js``: opened
from files, the search page cannot fetch result pages for their excerpts (browsers refuse
``fetch`` on ``file://``), and _static/book.js reads these scripts instead.
"""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

# ---------------------------------------------------------------- duplicate inline scripts


def _script_key(js) -> tuple:
    return (js.filename or "", js.priority, tuple(sorted(js.attributes.items())))


def drop_duplicate_scripts(app, pagename, templatename, context, doctree) -> None:
    """Keep the first of identical <script> entries (runs last, after every extension added its own)."""
    seen, unique = set(), []
    for js in context.get("script_files", []):
        key = _script_key(js) if hasattr(js, "attributes") else (str(js),)
        if key not in seen:
            seen.add(key)
            unique.append(js)
    context["script_files"] = unique


# ---------------------------------------------------------------- Chinese words on English pages

CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_RUN = re.compile(f"[{CJK}]+(?:[ 0-9]+[{CJK}]+)*")
# Comments, elements whose content is not text a reader sees (or where a <span> would be
# invalid), other tags, and text.
_TOKEN = re.compile(
    r"<!--.*?-->|<(script|style|svg|math|textarea|title|template)\b[^>]*>.*?</\1\s*>|<[^>]*>|[^<]+",
    re.DOTALL | re.IGNORECASE,
)
_TAG_NAME = re.compile(r"<\s*(/?)\s*([a-zA-Z][\w:-]*)")
_LANG = re.compile(r"""\slang\s*=\s*["']?([\w-]+)""", re.IGNORECASE)
_CLASS = re.compile(r"""\sclass\s*=\s*["']([^"']*)["']""", re.IGNORECASE)
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}


def mark_chinese(page: str, lang: str = "zh-CN") -> str:
    """Wrap each run of Chinese characters in text outside a Chinese element in ``<span lang=…>``.

    Skipped: scripts, styles, SVG, titles, attributes, and TeX (elements of class ``math``,
    which MathJax reads as one string).
    """
    out = []
    stack: list[tuple[str, str, bool]] = [("", "en", False)]  # (tag, language, skip) of the open elements
    for match in _TOKEN.finditer(page):
        token = match.group(0)
        if token.startswith("<"):
            out.append(token)
            name = _TAG_NAME.match(token)
            if token.startswith("<!") or match.group(1) or not name:
                continue
            closing, tag = name.group(1), name.group(2).lower()
            if closing:
                names = [entry[0] for entry in stack]
                if tag in names[1:]:
                    del stack[len(names) - 1 - names[::-1].index(tag) :]
            elif tag not in VOID and not token.endswith("/>"):
                parent_lang, parent_skip = stack[-1][1], stack[-1][2]
                found = _LANG.search(token)
                classes = _CLASS.search(token)
                skip = parent_skip or bool(classes and "math" in classes.group(1).split())
                stack.append((tag, found.group(1) if found else parent_lang, skip))
            continue
        if stack[-1][2] or stack[-1][1].lower().startswith("zh"):
            out.append(token)
        else:
            out.append(_CJK_RUN.sub(lambda m: f'<span lang="{lang}">{m.group(0)}</span>', token))
    return "".join(out)


# ---------------------------------------------------------------- errata tables stacked on phones

_ERRATA_TABLE = re.compile(r'<table class="[^"]*\berrata\b[^"]*"[^>]*>.*?</table>', re.DOTALL)
_HEADER_CELL = re.compile(r"<th\b[^>]*>(.*?)</th>", re.DOTALL)
_BODY = re.compile(r"<tbody>.*?</tbody>", re.DOTALL)
_ROW = re.compile(r"<tr\b[^>]*>.*?</tr>", re.DOTALL)
_DATA_CELL = re.compile(r"<td(?![^>]*data-label)")
_TAGS = re.compile(r"<[^>]+>")


def label_errata_cells(page: str) -> str:
    """Give every body cell of each errata table its column's heading as ``data-label``."""

    def label_table(table: re.Match) -> str:
        head = table.group(0).split("<tbody>", 1)[0]
        labels = [" ".join(html.unescape(_TAGS.sub("", cell)).split()) for cell in _HEADER_CELL.findall(head)]

        def label_row(row: re.Match) -> str:
            column = iter(labels)
            return _DATA_CELL.sub(lambda _: f'<td data-label="{html.escape(next(column, ""))}"', row.group(0))

        return _BODY.sub(lambda body: _ROW.sub(label_row, body.group(0)), table.group(0))

    return _ERRATA_TABLE.sub(label_table, page)


# ---------------------------------------------------------------- the theme's accessible names

_SEARCH_BUTTON_LABEL = re.compile(r'(<button class="btn search-button-field[^"]*"[^>]*?) aria-label="[^"]*"')
_MODE_ICON_TITLE = re.compile(r'(<i class="theme-switch [^"]*"[^>]*?) title="[^"]*"')


_BIBLIOENTRY = re.compile(r'(<div class="citation"[^>]*?) role="doc-biblioentry"')


def fix_accessible_names(page: str) -> str:
    """The search field button is named by what it shows; the colour-mode icons add no text to "Color mode".

    Also the bibliography: docutils writes its list as ``role="list"`` of ``doc-biblioentry``
    items, a role ARIA 1.3 deprecates and axe-core no longer counts as a list item.
    """
    page = _SEARCH_BUTTON_LABEL.sub(r"\1", page)
    page = _MODE_ICON_TITLE.sub(r"\1", page)
    return _BIBLIOENTRY.sub(r'\1 role="listitem"', page)


# ---------------------------------------------------------------- page text for offline search excerpts


class _MainText(HTMLParser):
    """The text of a page's ``<main>``, keeping only the elements that have an id (what Sphinx's excerpts need)."""

    SKIP = {"script", "style", "svg", "template"}
    BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "dt", "dd", "td", "th", "pre", "div", "section"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[tuple[str, bool, bool]] = []  # (tag, wrote an element, skipped) inside <main>

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        attrs = dict(attrs)
        if not self.stack and not (tag == "main" and attrs.get("role") == "main"):
            return
        skip = bool(self.stack and self.stack[-1][2]) or tag in self.SKIP or "headerlink" in (attrs.get("class") or "")
        element = bool(attrs.get("id")) and not skip
        if element:
            self.parts.append(f'<div id="{html.escape(attrs["id"])}">')
        self.stack.append((tag, element, skip))

    def handle_endtag(self, tag):
        names = [entry[0] for entry in self.stack]
        if tag not in names:
            return
        while self.stack:
            name, element, skipped = self.stack.pop()
            if name in self.BLOCKS and not skipped:
                self.parts.append(" ")  # a block's text does not run into the next one's
            if element:
                self.parts.append("</div>")
            if name == tag:
                break

    def handle_data(self, data):
        if self.stack and not self.stack[-1][2] and data:
            self.parts.append(html.escape(" " * data[0].isspace() + " ".join(data.split()) + " " * data[-1].isspace()))


def main_text(page: str) -> str:
    """A page's main content reduced to its text and the elements with an id, as HTML."""
    parser = _MainText()
    parser.feed(page)
    parser.close()
    return '<div role="main">' + re.sub(r"\s{2,}", " ", "".join(parser.parts)) + "</div>"


def page_text_script(pagename: str, page: str) -> str:
    """The script that hands a page's text to _static/book.js (``window.bookPageText[pagename]``)."""
    return (
        "window.bookPageText = window.bookPageText || {};\n"
        f"window.bookPageText[{json.dumps(pagename)}] = {json.dumps(main_text(page), ensure_ascii=False)};\n"
    )


# ---------------------------------------------------------------- after the build


def rewrite_page(page: str, english: bool) -> str:
    """Every repair of a written page, in order (each is idempotent)."""
    page = label_errata_cells(fix_accessible_names(page))
    return mark_chinese(page) if english else page


def repair_written_pages(app, exception) -> None:
    """Rewrite the pages of a finished HTML build and write their texts for offline search."""
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    english = not (app.config.language or "en").startswith("zh")
    generated = {path.stem for path in outdir.glob("*.html")}  # search, genindex, the redirecting index
    for docname in sorted(set(app.env.found_docs) | generated):
        path = outdir / f"{docname}.html"
        if not path.is_file():
            continue
        page = path.read_text(encoding="utf-8")
        repaired = rewrite_page(page, english)
        if repaired != page:
            path.write_text(repaired, encoding="utf-8")
        if docname in app.env.found_docs:
            script = outdir / "_static" / "page-text" / f"{docname}.js"
            script.parent.mkdir(parents=True, exist_ok=True)
            script.write_text(page_text_script(docname, repaired), encoding="utf-8")


def setup(app):
    app.connect("html-page-context", drop_duplicate_scripts, priority=999)
    app.connect("build-finished", repair_written_pages)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
