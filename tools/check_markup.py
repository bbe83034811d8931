"""Markup that leaked into the rendered text: `python tools/check_markup.py [_build/html]`.

MyST (CommonMark) leaves emphasis markers as literal characters when it cannot pair them,
for example a closing ``**`` after full-width punctuation followed by a Han character
("**§2，人类大脑神经系统原理。**神经元…"), and a stray backtick stays a backtick. This reads
every built page of both editions and reports each ``**``, ``*…*`` pair or backtick left in
the visible text, outside code, maths and scripts, with the page and the words around it.
Exits 1 when it finds any (CI runs it after both builds).
"""

from __future__ import annotations

import re
import sys
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKIP_TAGS = {"code", "pre", "script", "style", "kbd", "samp", "textarea", "math", "svg"}
SKIP_CLASSES = {"math", "highlight", "MathJax", "notranslate", "headerlink"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
LEAK = re.compile(r"\*\*|`|(?<![\w*\\])\*(?=\S)[^*\n]{1,80}?(?<=\S)\*(?![\w*])")


class VisibleText(HTMLParser):
    """The text a reader sees in a page's main content, outside code and maths."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []  # for each open element: does it hide its text from this check?
        self.in_main = 0
        self.chunks: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        classes = set((dict(attrs).get("class") or "").split())
        hidden = tag in SKIP_TAGS or bool(classes & SKIP_CLASSES) or (self.stack and self.stack[-1])
        self.stack.append(bool(hidden))
        if tag == "main":
            self.in_main += 1

    def handle_endtag(self, tag):
        if tag in VOID or not self.stack:
            return
        self.stack.pop()
        if tag == "main":
            self.in_main -= 1

    def handle_data(self, data):
        if self.in_main and not (self.stack and self.stack[-1]):
            self.chunks.append(data)


def leaks(html: str) -> list[str]:
    """Each leaked marker with up to 30 characters of context on either side."""
    parser = VisibleText()
    parser.feed(html)
    text = re.sub(r"\s+", " ", " ".join(parser.chunks))
    text = re.sub(r"\\\([^)]*?\\\)|\$[^$]+\$", " ", text)  # maths MathJax has not typeset in the file
    return [text[max(0, m.start() - 30) : m.end() + 30] for m in LEAK.finditer(text)]


def main(argv: list[str]) -> int:
    site = Path(argv[0]) if argv else ROOT / "_build" / "html"
    pages = sorted(p for p in site.rglob("*.html") if "_static" not in p.parts and "_sources" not in p.parts)
    if not pages:
        print(f"no built pages under {site}: build the book first", file=sys.stderr)
        return 2
    failures = 0
    for page in pages:
        for context in leaks(page.read_text(encoding="utf-8")):
            failures += 1
            print(f"{page.relative_to(site)}: markup shown as text: …{context}…")
    print(f"{len(pages)} pages, {failures} markup leak(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
