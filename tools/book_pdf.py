"""Sphinx extension: every page's download menu links the whole book as a PDF (tools/build_pdf.py).

The PDF of each edition lies at the top of that edition's build: ``_build/html/book.pdf`` for the
English book and ``_build/html/zh/book.zh.pdf`` for the Chinese one. The link is relative, so it
works from files, from a local server and from GitHub Pages alike; ``tools/build_pdf.py`` builds
the files after the HTML, and ``tests/test_pdf.py`` checks that every link finds its file.
"""

from __future__ import annotations

PDF_FILES = {"en": "book.pdf", "zh": "book.zh.pdf"}
LABELS = {
    "en": ("Book (PDF)", "Download the whole book as a PDF"),
    "zh": ("全书 PDF", "下载全书 PDF"),
}


def edition(language: str | None) -> str:
    """'zh' for a Chinese build, else 'en'."""
    return "zh" if (language or "en").startswith("zh") else "en"


def pdf_button(pathto, language: str | None) -> dict:
    """The download menu's entry for the edition's PDF, as sphinx-book-theme renders its buttons."""
    name = edition(language)
    text, tooltip = LABELS[name]
    return {
        "type": "link",
        "url": pathto(PDF_FILES[name], 1),
        "text": text,
        "tooltip": tooltip,
        "icon": "fas fa-book",
        "label": "download-book-pdf-button",
    }


def add_pdf_link(app, pagename, templatename, context, doctree) -> None:
    """Append the book's PDF to the page's download menu (after sphinx-book-theme filled it)."""
    for button in context.get("header_buttons", []):
        if button.get("label") == "download-buttons":
            button["buttons"].append(pdf_button(context["pathto"], app.config.language))


def setup(app):
    app.connect("html-page-context", add_pdf_link, priority=600)  # sphinx-book-theme's menu is built at 501
    return {"parallel_read_safe": True, "parallel_write_safe": True}
