"""Sphinx extension: the notebooks' SVG figures in the reader's language, each linked to its full-size file.

The chapters store their figures as SVG whose words are text (companion/figure_svg.py). This
extension, loaded by `_config.yml`:

* at ``tools/zh_edition.py update`` (the gettext build) writes each page's figure messages, the
  words of its SVG figures line by line (numbers as ``{0}``, companion/figure_text.py) and the
  alt text (``mystnb.image.alt``) of every image a cell outputs, which Sphinx's own extraction
  never sees (myst-nb drops outputs for the gettext builder), into ``figures/<page>.pot``; sphinx-intl
  turns it into ``locale/zh_CN/LC_MESSAGES/figures/<page>.po``, a catalog of its own, so that
  editing a chapter's prose and translating its figures never touch the same file;
* in a translated build (the Chinese edition) writes a translated copy of each figure, every
  word line replaced by its translation, and translates the alt text, from the stored outputs
  (nothing is re-executed); a line or alt text without a translation is a build warning;
* in every HTML build wraps each figure in a link to its full-size file, so a reader on a
  phone can open and zoom it.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from html import escape, unescape
from pathlib import Path

from docutils import nodes
from sphinx.transforms import SphinxTransform
from sphinx.util import logging
from sphinx.util.osutil import relative_uri

from companion.figure_text import MATH, fill, has_words, math_as_tspans, template

logger = logging.getLogger(__name__)

CATALOG_FOLDER = "figures"  # locale/<language>/LC_MESSAGES/figures/<page>.po
MARK = 'class="book-figure"'  # on the <svg> element of every figure companion/figure_svg.py writes
TEXT = re.compile(r"<text (?P<attrs>[^>]*)>(?P<content>.*?)</text>", re.DOTALL)
TEX_ATTRIBUTE = re.compile(r' data-tex="([^"]*)"')
FONT_SIZE = re.compile(r"font-size: ([\d.]+)px")
TAG = re.compile(r"<[^>]+>")
LINK_TITLE = {"en": "Open the figure at full size", "zh": "打开原尺寸图"}


# ---------------------------------------------------------------- what a figure says (pure, tested)


def is_book_figure(svg: str) -> bool:
    """Whether ``svg`` was written by companion/figure_svg.py."""
    head = svg[: svg.find(">", svg.find("<svg")) + 1]
    return MARK in head


def text_source(attrs: str, content: str) -> str:
    """The figure text a ``<text>`` element shows: its ``data-tex`` source, else its characters."""
    tex = TEX_ATTRIBUTE.search(attrs)
    return unescape(tex.group(1)) if tex else unescape(TAG.sub("", content))


def figure_lines(svg: str) -> list[str]:
    """Every line of text in the figure, in drawing order."""
    return [text_source(m.group("attrs"), m.group("content")) for m in TEXT.finditer(svg)]


def figure_messages(svg: str) -> list[str]:
    """The figure's lines of words as catalog messages (numbers as placeholders), each once, in order."""
    messages = []
    for line in figure_lines(svg):
        message, _ = template(line)
        if has_words(message) and message not in messages:
            messages.append(message)
    return messages


def translate_svg(svg: str, translations: dict[str, str], language: str) -> tuple[str, list[str]]:
    """``svg`` with every line of words translated; also the messages that have no translation."""
    missing = []

    def translate(m: re.Match) -> str:
        attrs = m.group("attrs")
        source = text_source(attrs, m.group("content"))
        message, numbers = template(source)
        if not has_words(message):
            return m.group()
        if not translations.get(message):
            missing.append(message)
            return m.group()
        line = fill(translations[message], numbers)
        attrs = TEX_ATTRIBUTE.sub("", attrs)
        if MATH.search(line):
            size = float(FONT_SIZE.search(attrs).group(1))
            return f'<text {attrs} data-tex="{escape(line)}">{math_as_tspans(line, size)}</text>'
        return f"<text {attrs}>{escape(line, quote=False)}</text>"

    translated = TEXT.sub(translate, svg)
    translated = translated.replace(MARK, f'{MARK} xml:lang="{language.replace("_", "-")}"', 1)
    return translated, missing


def read_translations(path: Path) -> dict[str, str]:
    """msgid -> msgstr of a catalog, leaving out fuzzy and empty translations."""
    from babel.messages.pofile import read_po

    if not path.is_file():
        return {}
    with path.open("rb") as f:
        catalog = read_po(f)
    return {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}


# ---------------------------------------------------------------- Sphinx


def page_name(docname: str) -> str:
    """'book/ch1_neurons' -> 'ch1_neurons': the catalog figures/ch1_neurons.po."""
    return posixpath.basename(docname)


def figure_svg_path(app, node) -> Path | None:
    """The SVG file of an image node, if it is one of the book's figures (myst-nb writes it at parse time)."""
    uri = node.get("uri", "")
    if not uri.endswith(".svg") or "://" in uri:
        return None
    path = (
        Path(app.srcdir, uri.lstrip("/"))
        if uri.startswith("/")
        else Path(app.env.doc2path(app.env.docname)).parent / uri
    )
    if not path.is_file():
        return None
    return path if is_book_figure(path.read_text(encoding="utf-8")) else None


def in_notebook_output(node) -> bool:
    """Whether an image node is a notebook cell's output (myst-nb's mime bundles, which the gettext build drops)."""
    parent = node.parent
    while parent is not None:
        if parent.get("nb_element") == "mime_bundle":
            return True
        parent = parent.parent
    return False


def figure_name(node) -> str:
    """The figure's label (``mystnb.figure.name``), or the image's number on the page: context for translators."""
    parent = node.parent
    while parent is not None and not isinstance(parent, nodes.figure):
        parent = parent.parent
    if parent is not None and (parent.get("names") or parent.get("ids")):
        return (parent.get("names") or parent.get("ids"))[0]
    return "without a label"


def catalog_path(app, docname: str) -> Path | None:
    """The figure catalog of a page in the first locale dir that has one (the Chinese build's copy)."""
    for folder in app.config.locale_dirs:
        path = Path(app.srcdir, folder, app.config.language, "LC_MESSAGES", CATALOG_FOLDER, page_name(docname) + ".po")
        if path.is_file():
            return path
    return None


class FigureWords(SphinxTransform):
    """Collect each figure's messages; in a translated build, translate its SVG and alt text."""

    default_priority = 850  # after Sphinx's Locale transform (20), before the image collector (doctree-read)

    def apply(self, **kwargs) -> None:
        app, docname = self.app, self.env.docname
        translating = (self.config.language or "en") != "en"
        translations = None
        messages = []
        for node in self.document.findall(nodes.image):
            if not in_notebook_output(node):
                continue  # images of the pages' own Markdown: Sphinx extracts their alt text itself
            node["notebook_output"] = True  # for link_full_size, after myst-nb has unwrapped the outputs
            path = figure_svg_path(app, node)
            svg = path.read_text(encoding="utf-8") if path else None
            alt, name = node.get("alt", ""), figure_name(node)
            messages += [(alt, f"alt text of figure {name}")] if alt else []
            messages += [(m, f"words in figure {name}") for m in figure_messages(svg)] if svg else []
            if not translating:
                continue
            if translations is None:
                found = catalog_path(app, docname)
                translations = read_translations(found) if found else {}
            missing = []
            if svg:
                translated, missing = translate_svg(svg, translations, self.config.language)
                digest = hashlib.sha256(translated.encode("utf-8")).hexdigest()[:32]
                target = path.with_name(f"{digest}.{self.config.language}.svg")
                if not target.exists():
                    target.write_text(translated, encoding="utf-8")
                node["uri"] = "/" + target.relative_to(app.srcdir).as_posix()
            if alt and translations.get(alt):
                node["alt"] = translations[alt]
            elif alt:
                missing.append(alt)
            for message in missing:
                logger.warning(
                    f"figure text without a translation in {CATALOG_FOLDER}/{page_name(docname)}.po: {message!r} "
                    "(run tools/zh_edition.py update and translate it)",
                    location=node, type="book_figures", subtype="untranslated",
                )  # fmt: skip
        if not hasattr(self.env, "book_figure_messages"):
            self.env.book_figure_messages = {}
        self.env.book_figure_messages[docname] = messages


def purge_doc(app, env, docname) -> None:
    getattr(env, "book_figure_messages", {}).pop(docname, None)


def merge_info(app, env, docnames, other) -> None:
    if not hasattr(env, "book_figure_messages"):
        env.book_figure_messages = {}
    for docname in docnames:
        if docname in getattr(other, "book_figure_messages", {}):
            env.book_figure_messages[docname] = other.book_figure_messages[docname]


def write_templates(app, exception) -> None:
    """For the gettext builder: one template figures/<page>.pot per page that has figures."""
    if exception is not None or app.builder.name != "gettext":
        return
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    for docname, messages in sorted(getattr(app.env, "book_figure_messages", {}).items()):
        if not messages:
            continue
        catalog = Catalog(project=app.config.project, version=app.config.version, fuzzy=False)
        for message, comment in messages:
            if message not in catalog:
                catalog.add(message, auto_comments=[comment])
        path = Path(app.outdir, CATALOG_FOLDER, page_name(docname) + ".pot")
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as f:
            write_po(f, catalog, width=0, omit_header=False)


def link_full_size(app, doctree, docname) -> None:
    """Wrap each figure of the page in a link to its file in _images/ (HTML builders)."""
    if app.builder.format != "html":
        return
    images_dir = relative_uri(app.builder.get_target_uri(docname), app.builder.imagedir)
    language = "zh" if (app.config.language or "en").startswith("zh") else "en"
    for node in list(doctree.findall(nodes.image)):
        uri = node.get("uri", "")
        if not node.get("notebook_output") or isinstance(node.parent, nodes.reference) or uri not in app.env.images:
            continue
        href = posixpath.join(images_dir, app.env.images[uri][1])
        reference = nodes.reference("", "", internal=True, refuri=href, reftitle=LINK_TITLE[language])
        reference["classes"].append("figure-full-size")
        node.replace_self(reference)
        reference.append(node)


def setup(app):
    app.add_transform(FigureWords)
    app.connect("env-purge-doc", purge_doc)
    app.connect("env-merge-info", merge_info)
    app.connect("build-finished", write_templates)
    app.connect("doctree-resolved", link_full_size)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
