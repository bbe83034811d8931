"""Sphinx extension: the article's own words, marked so that a test can check every one.

The book quotes the article it follows (``../shared/article/article.zh.txt``, not
redistributed) before correcting it. Every quotation uses one of three markers, in the English
pages and, unchanged, in the Chinese catalogs:

- ``{article}`每个神经元都有输入和输出``` — a phrase or sentence, shown in quotation marks
  (``<q lang="zh-CN" class="article-quote">``), followed in the English text by a translation;
- ``{article-math}`v_{jk} = v_{jk} + \\alpha\\delta_j(y_k - d_k)``` — a formula, typeset,
  exactly as the article's TeX writes it;
- ``{article-code}`optimizer=Adam(lr=0.001)``` — a piece of the article's code, inline;
- a ``{article-code}`` directive — lines of the article's program, shown as a code block.

`tests/test_article_quotes.py` checks that each marked text occurs in the article, character
for character. When the article's file is at hand (``ARTICLE_PATH``, else
``../shared/article/article.zh.txt`` beside the project), the build warns about a quotation
that is not in it, so an author sees the mistake at once.
"""

from __future__ import annotations

import os
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import Directive
from sphinx.util import logging

logger = logging.getLogger(__name__)

TITLE = "AI 神经网络与人类大脑神经系统的深度学习"  # as printed at the end of the article
HINT = {"en": f"The article's words ({TITLE})", "zh": f"原文（{TITLE}）"}


def article_path(root: Path | str | None = None) -> Path:
    """Where the article's text is: ``$ARTICLE_PATH``, else ``../shared/article/article.zh.txt`` beside ``root``."""
    if os.environ.get("ARTICLE_PATH"):
        return Path(os.environ["ARTICLE_PATH"])
    root = Path(root) if root is not None else Path(__file__).resolve().parents[1]
    return root.parent / "shared" / "article" / "article.zh.txt"


class article_quote(nodes.inline):
    """Inline text or maths quoted from the article."""


def _hint(document) -> str:
    language = document.settings.env.config.language or "en"
    return HINT["zh" if language.startswith("zh") else "en"]


def _check(inliner_or_state, text: str, lineno: int) -> None:
    """Warn, at build time, about a quotation that the article does not contain."""
    env = inliner_or_state.document.settings.env
    path = article_path(env.app.confdir)
    if not path.is_file():
        return
    if text not in path.read_text(encoding="utf-8"):
        logger.warning(
            "quoted as the article's words but not in %s: %r (quote it character for character)",
            path.name,
            text,
            location=(env.docname, lineno),
        )


def article_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``{article}`…``: a phrase of the article, in quotation marks."""
    _check(inliner, text, lineno)
    node = article_quote(rawtext, "", classes=["article-quote"], kind="text", hint=_hint(inliner.document))
    node += nodes.Text(text)
    return [node], []


def article_math_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``{article-math}`…``: a formula of the article, typeset from its own TeX."""
    _check(inliner, text, lineno)
    node = article_quote(rawtext, "", classes=["article-quote", "article-math"], kind="math")
    node["hint"] = _hint(inliner.document)
    node += nodes.math(text, text)
    return [node], []


def article_code_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``{article-code}`…``: a piece of the article's code, inline."""
    _check(inliner, text, lineno)
    node = article_quote(rawtext, "", classes=["article-quote", "article-code"], kind="code")
    node["hint"] = _hint(inliner.document)
    node += nodes.literal(text, text)
    return [node], []


class ArticleCode(Directive):
    """Lines of the article's program, shown as it prints them."""

    has_content = True
    optional_arguments = 0

    def run(self):
        code = "\n".join(self.content)
        _check(self.state, code, self.lineno)
        block = nodes.literal_block(code, code, language="python", classes=["wrap", "article-code"])
        block["article_hint"] = _hint(self.state.document)
        return [block]


def visit_html(self, node) -> None:
    tag = "q" if node.get("kind") == "text" else "span"
    self.body.append(self.starttag(node, tag, "", lang="zh-CN", title=node.get("hint", "")))


def depart_html(self, node) -> None:
    self.body.append("</q>" if node.get("kind") == "text" else "</span>")


def visit_plain(self, node) -> None:
    if node.get("kind") == "text":
        self.body.append("“") if hasattr(self, "body") else self.add_text("“")


def depart_plain(self, node) -> None:
    if node.get("kind") == "text":
        self.body.append("”") if hasattr(self, "body") else self.add_text("”")


def setup(app):
    app.add_node(
        article_quote,
        html=(visit_html, depart_html),
        latex=(visit_plain, depart_plain),
        text=(visit_plain, depart_plain),
        man=(visit_plain, depart_plain),
        texinfo=(visit_plain, depart_plain),
    )
    app.add_role("article", article_role)
    app.add_role("article-math", article_math_role)
    app.add_role("article-code", article_code_role)
    app.add_directive("article-code", ArticleCode)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
