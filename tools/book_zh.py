"""Sphinx extension: the Chinese edition speaks Chinese around its text too.

The page catalogs (locale/zh_CN/LC_MESSAGES/book/*.po) translate what the book says; the
words that Sphinx, the theme and the extensions put around it stayed English in the Chinese
edition: "Link to this heading", "Repository", "Launch on Binder", "Click to show" on every
solution, "解答 练习 17" in the wrong order, "Glorot and Bengio [2010]" in Chinese sentences,
and an index that filed each Chinese term under its own first character. This extension acts
only when ``language`` starts with "zh" (the build of ``tools/zh_edition.py``) and leaves the
English edition as it is:

- **The theme's words.** ``locale/zh_CN/chrome/sphinx.po`` (Sphinx's and pydata-sphinx-theme's
  messages, the ``sphinx`` domain, which the page templates use) and ``booktheme.po``
  (sphinx-book-theme's buttons and tooltips, its ``booktheme`` domain) are read before
  everything else, so they fill the gaps of the packages' own zh_CN catalogs and correct
  them ("列印成 PDF" is Taiwanese usage). A few words are written into the theme's
  templates without any catalog ("Toggle primary sidebar"); they are replaced in the
  rendered page (``HARD_CODED``). The search field's text is a theme option.
- **Solutions.** sphinx-togglebutton's hint ("Click to show") is a setting, and
  sphinx-exercise's solution title, "Solution to" + " Exercise 5", is put in Chinese order:
  "练习 5 的解答".
- **Citations.** A sphinxcontrib-bibtex referencing style, ``author_year_zh``: "Glorot 和
  Bengio [2010]", "He 等 [2015]", "[He 等, 2015; Kingma 和 Ba, 2015]".
- **The index.** Sphinx's general index sorts by code point and makes every Chinese
  character a group of its own (about ninety groups of one or two terms). In this book the
  index holds only the glossary's terms, so the Chinese edition's index page becomes a
  中英术语对照表: every Chinese term of ``book/glossary.md`` by Hanyu Pinyin (pypinyin),
  grouped under its initial, with its English, each linked to its entry; the glossary page
  links to it.
"""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from docutils import nodes
from sphinx.locale import translators
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinxcontrib.bibtex.plugin import register_plugin
from sphinxcontrib.bibtex.style.referencing import BracketStyle, PersonStyle
from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle

try:
    from tools.pinyin_order import initial, pinyin_key
except ModuleNotFoundError:  # loaded by Sphinx as a local extension, with tools/ on sys.path
    from pinyin_order import initial, pinyin_key

ROOT = Path(__file__).resolve().parents[1]
CHROME = ROOT / "locale" / "zh_CN" / "chrome"
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
logger = logging.getLogger(__name__)

# Settings of the Chinese edition (the English one keeps the packages' defaults).
TOGGLE_HINTS = {"togglebutton_hint": "点击显示", "togglebutton_hint_hide": "点击隐藏"}
THEME_OPTIONS = {"search_bar_text": "搜索本书……", "toc_title": "本页内容"}
REFERENCE_STYLE = "author_year_zh"

# Words written into sphinx-book-theme's templates (1.3) without a message catalog.
HARD_CODED = {
    'title="Toggle primary sidebar"': 'title="显示或隐藏目录栏"',
    'title="Toggle secondary sidebar"': 'title="显示或隐藏本页内容栏"',
    '<nav class="bd-links bd-docs-nav" aria-label="Main">': '<nav class="bd-links bd-docs-nav" aria-label="全书目录">',
    '<nav aria-label="Page">': '<nav aria-label="本页内容">',
}

SOLUTION_SUFFIX = " 的解答"  # "练习 5 的解答"
TERM_TABLE_TITLE = "中英术语对照表"


def is_chinese(language: str | None) -> bool:
    """Whether ``language`` is the Chinese edition's ("zh", "zh_CN", …)."""
    return (language or "").lower().startswith("zh")


# --- the theme's words -------------------------------------------------------------------


class ChromeTranslations(gettext.NullTranslations):
    """Translations from one of our .po files, in front of the package's own catalogs (its fallbacks)."""

    def __init__(self, messages: dict[str, str]) -> None:
        super().__init__()
        self.messages = messages

    def gettext(self, message: str) -> str:
        found = self.messages.get(message)
        return found if found else super().gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        found = self.messages.get(singular if n == 1 else plural)
        return found if found else super().ngettext(singular, plural, n)


def read_catalog(path: Path) -> dict[str, str]:
    """The translated, non-fuzzy messages of a .po file."""
    from babel.messages.pofile import read_po

    with path.open("rb") as f:
        catalog = read_po(f)
    return {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy and isinstance(m.id, str)}


def install_catalog(domain: str, messages: dict[str, str]) -> ChromeTranslations:
    """Put ``messages`` in front of the ``domain`` catalogs Sphinx has loaded (and of any loaded later)."""
    ours = ChromeTranslations(messages)
    theirs = translators.get(("general", domain))
    if theirs is not None and theirs.__class__ is not gettext.NullTranslations:
        ours.add_fallback(theirs)
    translators["general", domain] = ours
    return ours


def install_chrome_catalogs(app) -> None:
    """Our catalogs first: Sphinx's domain (also the templates' ``_()``) and sphinx-book-theme's."""
    for path in sorted(CHROME.glob("*.po")):
        ours = install_catalog(path.stem, read_catalog(path))
        if path.stem == "sphinx":
            app.translator = ours  # the templates install this one (Sphinx's template loader)


def replace_hard_coded(html: str) -> str:
    """The page with the theme's untranslatable template words in Chinese."""
    for english, chinese in HARD_CODED.items():
        html = html.replace(english, chinese)
    return html


def translate_rendered_pages(app) -> None:
    """Wrap the template renderer so that each page passes through `replace_hard_coded`."""
    if not is_chinese(app.config.language) or not hasattr(app.builder, "templates"):
        return
    templates = app.builder.templates
    render = templates.render

    def render_in_chinese(template: str, context: dict) -> str:
        return replace_hard_coded(render(template, context))

    templates.render = render_in_chinese


def chinese_settings(app, config) -> None:
    """The Chinese edition's settings: toggle hints, theme texts, the citation style."""
    if not is_chinese(config.language):
        return
    for name, value in TOGGLE_HINTS.items():
        setattr(config, name, value)
    config.html_theme_options = {**(config.html_theme_options or {}), **THEME_OPTIONS}
    config.bibtex_reference_style = REFERENCE_STYLE


# --- solutions ---------------------------------------------------------------------------


def chinese_solution_title(title: nodes.title) -> str | None:
    """Rewrite a resolved "解答" + link(" 练习 5") title as link("练习 5") + " 的解答"; its text, or None."""
    if len(title.children) != 2:
        return None
    label, link = title.children
    if not isinstance(label, nodes.Text) or not isinstance(link, nodes.reference):
        return None
    if link.children and isinstance(link.children[0], nodes.Text):
        link.replace(link.children[0], nodes.Text(link.children[0].astext().lstrip()))
    exercise = link.astext()
    title.remove(label)
    title += nodes.Text(SOLUTION_SUFFIX)
    return exercise + SOLUTION_SUFFIX


class ChineseSolutionTitles(SphinxPostTransform):
    """After sphinx-exercise has resolved a solution's title (priority 21), put it in Chinese order."""

    default_priority = 22

    def run(self, **kwargs) -> None:
        if not is_chinese(self.config.language):
            return
        for node in self.document.findall(nodes.Element):
            if "solution" in node.get("classes", []) and node.children and isinstance(node[0], nodes.title):
                text = chinese_solution_title(node[0])
                if text:
                    node["title"] = text


# --- citations ---------------------------------------------------------------------------


@dataclass
class ChineseAuthorYearReferenceStyle(AuthorYearReferenceStyle):
    """Author-year citations in Chinese text: 和 between two authors, 等 after the first of three or more."""

    person: PersonStyle = field(
        default_factory=lambda: PersonStyle(sep="、", sep2=" 和 ", last_sep=" 和 ", other=" 等")
    )
    bracket_parenthetical: BracketStyle = field(default_factory=lambda: BracketStyle(sep="; "))


register_plugin("sphinxcontrib.bibtex.style.referencing", REFERENCE_STYLE, ChineseAuthorYearReferenceStyle)


# --- the index: a 中英术语对照表 ordered by pinyin ------------------------------------------


@dataclass(frozen=True)
class GlossaryEntry:
    """One entry of book/glossary.md: its English terms and its Chinese terms, in the file's order."""

    english: tuple[str, ...]
    chinese: tuple[str, ...]


def glossary_entries(text: str) -> list[GlossaryEntry]:
    """The entries of every ``{glossary}`` directive in ``text`` (term lines are the unindented ones)."""
    blocks = re.findall(r"^```\{glossary\}[^\n]*\n(.*?)^```", text, re.DOTALL | re.MULTILINE)
    if not blocks:
        raise ValueError("no {glossary} directive found; the Chinese term table is built from one")
    entries = []
    for body in blocks:
        for block in re.split(r"\n\s*\n", body):
            terms = [line.strip() for line in block.splitlines() if line.strip() and not line[0].isspace()]
            terms = [t for t in terms if not t.startswith(":")]
            if terms:
                chinese = tuple(t for t in terms if CJK.search(t))
                entries.append(GlossaryEntry(tuple(t for t in terms if t not in chinese), chinese))
    return entries


def term_rows(entries: list[GlossaryEntry]) -> list[tuple[str, str, GlossaryEntry]]:
    """(letter, term, entry) for each Chinese term (an entry without one: its first English term), in pinyin order."""
    rows = [(term, entry) for entry in entries for term in (entry.chinese or entry.english[:1])]
    rows.sort(key=lambda row: pinyin_key(row[0]))
    return [(initial(term), term, entry) for term, entry in rows]


def term_table_html(rows: list[tuple[str, str, GlossaryEntry]], href) -> str:
    """The page: a letter bar, then per letter a table 中文 | 英文; ``href(term)`` is a term's link or None."""
    letters = list(dict.fromkeys(letter for letter, _, _ in rows))
    parts = [
        f'<section id="zh-terms">\n<h1>{TERM_TABLE_TITLE}</h1>',
        "<p>本书术语按汉语拼音排序（同音按声调），每个中文术语后是它的英文名称；"
        "点击中文术语可查看它在术语表中的释义。</p>",
        '<p class="term-table-letters">'
        + " ".join(f'<a href="#pinyin-{letter}">{letter}</a>' for letter in letters)
        + "</p>",
    ]
    for letter in letters:
        parts.append(f'<section id="pinyin-{letter}">\n<h2>{letter}</h2>')
        parts.append('<table class="table term-table">\n<thead><tr><th>中文</th><th>英文</th></tr></thead>\n<tbody>')
        for row_letter, term, entry in rows:
            if row_letter != letter:
                continue
            link = href(term)
            shown = f'<a href="{escape(link)}">{escape(term)}</a>' if link else escape(term)
            english = escape(", ".join(t for t in entry.english if t != term))
            parts.append(f'<tr><td lang="zh-CN">{shown}</td><td lang="en">{english}</td></tr>')
        parts.append("</tbody>\n</table>\n</section>")
    parts.append("</section>")
    return "\n".join(parts)


def term_anchor(env, term: str) -> tuple[str, str] | None:
    """(docname, anchor) of a glossary term, from Sphinx's standard domain."""
    std = env.get_domain("std")
    found = std.objects.get(("term", term))
    return found if found else std._terms.get(term.lower())


def not_from_glossary(genindex) -> list[str]:
    """Index entries that do not point into the glossary (the term table would not show them)."""
    odd = []
    for _letter, entries in genindex or []:
        for name, (links, subitems, _key) in entries:
            uris = [uri for _main, uri in links] + [uri for _sub, sublinks in subitems for _m, uri in sublinks]
            if not uris or any("#term-" not in uri for uri in uris):
                odd.append(name)
    return odd


def chinese_index_page(app, pagename, templatename, context, doctree):
    """The Chinese edition's index page: the 中英术语对照表 instead of one group per character."""
    if not is_chinese(app.config.language) or pagename != "genindex":
        return None
    odd = not_from_glossary(context.get("genindexentries"))
    if odd:
        logger.warning(f"the Chinese index shows the glossary's terms only; these index entries are not from it: {odd}")

    def href(term: str) -> str | None:
        found = term_anchor(app.env, term)
        return f"{app.builder.get_relative_uri(pagename, found[0])}#{found[1]}" if found else None

    entries = glossary_entries(glossary_path(app).read_text(encoding="utf-8"))
    context["body"] = term_table_html(term_rows(entries), href)
    context["title"] = TERM_TABLE_TITLE
    return "page.html"


def glossary_path(app) -> Path:
    """The glossary page the term table is built from (``book_zh_glossary``, relative to the configuration)."""
    return (Path(app.confdir) / app.config.book_zh_glossary).resolve()


def link_term_table(app, doctree, docname) -> None:
    """On the Chinese glossary page, after its first paragraph: where to look terms up by pinyin."""
    if not is_chinese(app.config.language) or Path(app.env.doc2path(docname)).resolve() != glossary_path(app):
        return
    first = next(iter(doctree.findall(nodes.paragraph)), None)
    if first is None:
        return
    href = app.builder.get_relative_uri(docname, "genindex")
    link = nodes.reference("", TERM_TABLE_TITLE, internal=True, refuri=href)
    pointer = nodes.paragraph("", "", nodes.Text("按汉语拼音查找术语，请见"), link, nodes.Text("。"))
    pointer["classes"].append("term-table-link")
    first.parent.insert(first.parent.index(first) + 1, pointer)


def setup(app):
    if is_chinese(app.config.language):
        install_chrome_catalogs(app)
    app.add_config_value("book_zh_glossary", "book/glossary.md", "env")
    app.connect("config-inited", chinese_settings, priority=400)  # before sphinx-togglebutton reads its hints
    app.connect("builder-inited", translate_rendered_pages)
    app.connect("doctree-resolved", link_term_table)
    app.connect("html-page-context", chinese_index_page, priority=600)
    app.add_post_transform(ChineseSolutionTitles)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
