"""Build the PDF of each edition, English and Chinese, from the stored notebook outputs.

Usage (after the HTML builds, which it reuses; nothing is re-executed):

    python tools/build_pdf.py -W -n --keep-going            # both editions
    python tools/build_pdf.py --edition zh -W -n --keep-going

How: Sphinx's single-page HTML build of each edition (``jupyter-book build --builder
singlehtml``; the Chinese one with tools/zh_edition.py's configuration), then headless
Chromium (Playwright driving Debian's ``chromium``, as tools/check_pages.py does) prints it
with the book's print stylesheet (``_static/print.css``) after MathJax has typeset every
formula and every image has loaded. The page gets a cover, a table of contents with page
numbers, each chapter on a new page; the PDF gets bookmarks from the headings (tagged PDF),
page numbers in the footer, embedded fonts, Chinese in Noto CJK (``fonts-noto-cjk``).

Chinese that a reader can search and copy: Chromium's PDF writes, for each glyph, the lowest
code point that the font maps to it, and Noto CJK draws the Kangxi radicals (U+2F00-U+2FDF) and
the CJK radical supplement (U+2E80-U+2EFF) with the glyphs of ordinary characters, so 大 and 网
would extract as ⼤ and ⽹ and a search for 网络 would find nothing. The print uses copies of the
Noto CJK fonts without those radicals' entries (``cjk_fonts``, made once with fontTools under
``_build/pdf/fonts``), for the text, the figures (each SVG is put into the page itself,
``inline_figures``, so that its words are the page's text) and the words in formulas.
Chromium's header and footer cannot use these fonts, so the Chinese edition's running header
has no title (the English one has it).

The table of contents takes two prints: the first one's bookmarks say on which page each
heading landed, the second prints those numbers (the first reserved their room, so no page
moves). The PDFs go to ``_build/pdf/`` and are copied where the pages' download menus link
them (tools/book_pdf.py): ``_build/html/book.pdf`` and ``_build/html/zh/book.zh.pdf``.
``python tools/check_pdf.py`` (and tests/test_pdf.py) checks them.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

try:
    from tools import zh_edition
    from tools.book_pdf import PDF_FILES
    from tools.check_pages import CHROMIUM_ARGS, find_chromium, untypeset_math
except ModuleNotFoundError:  # run as a script, with tools/ on sys.path
    import zh_edition
    from book_pdf import PDF_FILES
    from check_pages import CHROMIUM_ARGS, find_chromium, untypeset_math

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
OUT = BUILD / "pdf"
PAPER = "A4"
MARGIN_MM = {"top": 20, "bottom": 18, "left": 18, "right": 18}
# The code points that Noto CJK draws with an ordinary character's glyph but that a PDF reader
# must not see in their place: the CJK radicals supplement and the Kangxi radicals.
RADICALS = range(0x2E80, 0x2FE0)
# What the print's CJK fonts set: CJK punctuation, ideographs, full-width forms (not Latin).
CJK_RANGE = "U+3000-9FFF, U+F900-FAFF, U+FE30-FE4F, U+FF00-FFEF"
# The print's CJK fonts: (CSS family, weight) -> the fontconfig pattern of the Noto CJK face.
# Code falls back to the same faces: Chinese in code is rare (the article's comments), and its
# ideographs are one em wide in Noto Sans Mono CJK too; two fewer fonts to make.
CJK_FACES = {
    ("Book CJK SC", 400): "Noto Sans CJK SC:style=Regular",
    ("Book CJK SC", 700): "Noto Sans CJK SC:style=Bold",
}


@dataclass(frozen=True)
class Edition:
    """What differs between the two editions' PDFs."""

    name: str  # "en" or "zh"
    title: str
    contents: str  # the heading of the table of contents
    html: Path  # where the edition's HTML build lives (the PDF is copied there)

    @property
    def pdf_name(self) -> str:
        return PDF_FILES[self.name]

    @property
    def singlehtml(self) -> Path:
        """Where ``jupyter-book build --builder singlehtml`` writes this edition."""
        return BUILD / ("singlehtml" if self.name == "en" else "zh/_build/singlehtml")


def editions() -> dict[str, Edition]:
    """Both editions, their titles from `_config.yml` and tools/zh_edition.py."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return {
        "en": Edition("en", config["title"], "Contents", BUILD / "html"),
        "zh": Edition("zh", zh_edition.TITLE, "目录", BUILD / "html" / "zh"),
    }


def root_page() -> str:
    """The book's first page ('book/intro'), from `_toc.yml`: the single-page build is named after it."""
    return yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))["root"]


def build_singlehtml(edition: Edition, sphinx_args: list[str]) -> Path:
    """The edition as one HTML page (from the stored outputs); return its path."""
    args = ["build", ".", "--builder", "singlehtml", *sphinx_args]
    if edition.name == "zh":
        args += ["--config", str(zh_edition.zh_config()), "--path-output", str(BUILD / "zh")]
    zh_edition.jupyter_book(*args)
    page = edition.singlehtml / f"{root_page()}.html"
    if not page.is_file():
        sys.exit(f"the single-page build wrote no {page}")
    # Sphinx writes the page's addresses (_static/, _images/, its own name) relative to the
    # build's top folder, whatever folder the root page is in: a copy there finds them.
    top = edition.singlehtml / "print.html"
    top.write_text(inline_figures(page.read_text(encoding="utf-8"), edition.singlehtml), encoding="utf-8")
    return top


# A figure as the HTML build shows it: its SVG file in an <img>, in a link to the same file.
FIGURE_IMG = re.compile(
    r'(?:<a class="figure-full-size[^"]*"[^>]*>\s*)?<img alt="(?P<alt>[^"]*)" src="(?P<src>_images/[^"]+\.svg)"\s*/>'
    r"(?:\s*</a>)?"
)
SVG_ID = re.compile(r'\bid="([^"]+)"')
# An id where it is defined (id="x") or referred to (url(#x), href="#x").
SVG_ID_OR_REFERENCE = re.compile(r'(\bid="|#)([^"\)\s#;<>]+)(?=["\)])')


def inline_figure(svg: str, alt: str, number: int) -> str:
    """One figure's SVG as an element of the page: its ids made unique, its alt text its label."""
    svg = svg[svg.index("<svg") :]
    names = set(SVG_ID.findall(svg))

    def rename(match: re.Match) -> str:
        prefix, name = match.groups()
        return f"{prefix}f{number}-{name}" if name in names else match[0]

    svg = SVG_ID_OR_REFERENCE.sub(rename, svg)  # one pass over the file, not one per id
    return svg.replace("<svg ", f'<svg role="img" aria-label="{alt}" ', 1)


def inline_figures(page: str, folder: Path) -> str:
    """The page with each SVG figure's <img> replaced by the SVG itself.

    An <img> is drawn as a picture: the print's radical-free CJK fonts (``cjk_fonts``) cannot
    reach its text, which then extracts as radicals, and the link around it would point to a
    file that is not in the PDF. Inline, its words are the page's text in the page's fonts.
    """
    count = 0

    def replace(match: re.Match) -> str:
        nonlocal count
        count += 1
        svg = (folder / html.unescape(match["src"])).read_text(encoding="utf-8")
        return inline_figure(svg, match["alt"], count)

    return FIGURE_IMG.sub(replace, page)


# ---------------------------------------------------------------- fonts


def font_file(pattern: str) -> tuple[Path, int]:
    """The file and face index that fontconfig gives for `pattern` (a Noto CJK face)."""
    try:
        found = subprocess.run(
            ["fc-match", "--format=%{file}\n%{index}\n%{family}", pattern],
            capture_output=True, text=True, check=True,
        ).stdout.split("\n")  # fmt: skip
    except (OSError, subprocess.CalledProcessError) as error:
        sys.exit(f"fontconfig's fc-match failed ({error}): install fontconfig and fonts-noto-cjk")
    family = pattern.split(":")[0]
    if len(found) < 3 or family not in found[2].split(","):
        sys.exit(f"no font {family!r} (fc-match gave {found[0]!r}): apt-get install fonts-noto-cjk")
    return Path(found[0]), int(found[1] or 0)


def without_radicals(source: Path, index: int, target: Path) -> Path:
    """Copy face `index` of the font `source` to `target` without cmap entries for RADICALS."""
    from fontTools.ttLib import TTFont

    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.partial")  # both editions may make it at once (.ci/browser)
    with TTFont(source, fontNumber=index, lazy=True) as font:
        for table in font["cmap"].tables:
            for code in [code for code in table.cmap if code in RADICALS]:
                del table.cmap[code]
        font.save(partial)
    partial.replace(target)
    return target


def cjk_fonts(folder: Path = OUT / "fonts") -> str:
    """@font-face rules for the print's CJK fonts, made in `folder` unless already there."""
    rules = []
    for (family, weight), pattern in CJK_FACES.items():
        source, index = font_file(pattern)
        target = folder / f"{source.stem}-{index}-noradicals.otf"
        if not target.is_file() or target.stat().st_mtime < source.stat().st_mtime:
            without_radicals(source, index, target)
        rules.append(
            f'@font-face {{ font-family: "{family}"; font-weight: {weight}; unicode-range: {CJK_RANGE}; '
            f'src: url("{target.resolve().as_uri()}"); }}'
        )
    # First in every stack, but only for CJK code points (unicode-range): the generic families
    # after it would otherwise give Chinese pages (lang zh-CN) the unfixed Noto CJK.
    # The figures' words too (their SVG's own style names the system's Noto CJK SC), and the
    # words of a formula's \text{...} (MathJax falls back to the system's CJK serif for them).
    families = (
        'html { --pst-font-family-base: "Book CJK SC", var(--pst-font-family-base-system);\n'
        '  --pst-font-family-heading: "Book CJK SC", var(--pst-font-family-base-system);\n'
        '  --pst-font-family-monospace: "Book CJK SC", var(--pst-font-family-monospace-system); }\n'
        'svg text { font-family: "DejaVu Sans", "Book CJK SC", sans-serif !important; }\n'
        'mjx-utext { font-family: "Book CJK SC", serif !important; }'
    )
    return "\n".join([*rules, families])


# ---------------------------------------------------------------- the page, prepared for print

# Runs in the single page before printing: everything loaded and typeset, hidden content
# shown, each document's headings one level up (its title an <h1>, the bookmarks' top level),
# each document on a new page, the theme's print header replaced by a cover and a table of
# contents whose page numbers the second print fills in. Returns what it found wrong.
_PREPARE_JS = """async ({title, subtitle, contents, root, fonts}) => {
  const fontStyle = document.createElement('style');
  fontStyle.textContent = fonts;
  document.head.appendChild(fontStyle);
  document.querySelectorAll('details').forEach(d => d.open = true);
  document.querySelectorAll('.toggle-hidden').forEach(e => e.classList.remove('toggle-hidden'));
  const images = [...document.images];
  images.forEach(img => img.loading = 'eager');
  await Promise.all(images.map(img => img.decode().catch(() => null)));
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  await document.fonts.ready;

  // Links to other pages of the book point into this one page (the PDF's own links).
  for (const a of document.querySelectorAll(`a[href^="${root}#"]`)) {
    a.setAttribute('href', a.getAttribute('href').slice(root.length));
  }
  const promote = h => {
    const level = Number(h.tagName[1]);
    if (level < 2) return;
    const up = document.createElement('h' + (level - 1));
    for (const a of h.attributes) up.setAttribute(a.name, a.value);
    while (h.firstChild) up.appendChild(h.firstChild);
    h.replaceWith(up);
  };
  const documents = [];
  for (const marker of document.querySelectorAll('span[id^="document-"]')) {
    const section = marker.nextElementSibling;
    if (!section || section.tagName !== 'SECTION') continue;
    section.querySelectorAll('h2, h3, h4, h5, h6').forEach(promote);
    section.classList.add('pdf-document');
    documents.push(section);
  }
  const main = document.querySelector('main section') || document.querySelector('section');
  // A heading as the contents shows it (its maths typeset), and its text as Chromium's
  // bookmarks give it (without the maths), to find its page.
  const content = h => {
    const copy = h.cloneNode(true);
    copy.querySelectorAll('a.headerlink').forEach(a => a.remove());
    return copy.innerHTML;
  };
  const text = h => {
    const copy = h.cloneNode(true);
    copy.querySelectorAll('a.headerlink, mjx-container').forEach(a => a.remove());
    return copy.textContent.replace(/\\s+/g, ' ').trim();
  };
  const entries = [];
  for (const section of [main, ...documents]) {
    const h1 = section.querySelector('h1');
    if (!h1) continue;
    const id = section.id || h1.id;
    entries.push({level: 1, id, text: text(h1), html: content(h1)});
    if (section === main) continue;  // the introduction's sections stay out of the contents
    for (const sub of section.querySelectorAll(':scope > section')) {
      const h2 = sub.querySelector(':scope > h2');
      if (h2 && sub.id) entries.push({level: 2, id: sub.id, text: text(h2), html: content(h2)});
    }
  }

  document.getElementById('jb-print-docs-body')?.remove();
  const front = document.createElement('div');
  front.className = 'pdf-front';
  const esc = s => s.replace(/[&<>"]/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'}[c]));
  front.innerHTML = `<div class="pdf-cover"><p class="pdf-title">${esc(title)}</p>
    <p class="pdf-subtitle">${esc(subtitle)}</p></div>
    <nav class="pdf-toc"><p class="pdf-toc-title">${esc(contents)}</p><ul>` +
    entries.map((e, i) => `<li class="pdf-toc-${e.level}"><a href="#${esc(e.id)}">${e.html}</a>` +
                          `<span class="pdf-page" data-entry="${i}">000</span></li>`).join('') +
    `</ul></nav>`;
  main.parentElement.insertBefore(front, main);
  document.title = title;

  const style = document.createElement('style');
  style.textContent = `
    .pdf-cover { height: 230mm; display: flex; flex-direction: column; justify-content: center; break-after: page; }
    .pdf-title { font-size: 2.6rem; font-weight: bold; line-height: 1.25; margin: 0 0 1.5rem; }
    .pdf-subtitle { font-size: 1.1rem; color: #444; }
    .pdf-toc { break-after: page; }
    .pdf-toc-title { font-size: 1.8rem; font-weight: bold; margin-bottom: 1rem; }
    .pdf-toc ul { list-style: none; padding: 0; margin: 0; }
    .pdf-toc li { display: flex; align-items: baseline; break-inside: avoid; }
    .pdf-toc li a { color: inherit; text-decoration: none; }
    .pdf-toc li::after { content: ""; order: 1; flex: 1; border-bottom: 1px dotted #999; margin: 0 0.4em; }
    .pdf-toc .pdf-page { order: 2; min-width: 2.5em; text-align: right; font-variant-numeric: tabular-nums; }
    .pdf-toc-1 { font-weight: bold; margin-top: 0.6em; }
    .pdf-toc-2 { padding-left: 1.5em; font-size: 0.92rem; }
    section.pdf-document { break-before: page; }
    svg.book-figure { display: block; max-width: 100%; height: auto; margin: 0 auto; }
    .bd-main .bd-content .bd-article h1:first-of-type { display: block; }
    h1 { font-size: 2rem; }
  `;
  document.head.appendChild(style);
  await document.fonts.ready;

  // Formulas wider than the paper's text column (the viewport is that wide) shrink to fit. A
  // formula's width is that of everything it draws (a wide one overflows on both sides).
  const drawn = box => {
    let left = Infinity, right = -Infinity;
    for (const e of box.querySelectorAll('*')) {
      if (e.closest('mjx-assistive-mml')) continue;  // the hidden copy for screen readers
      const r = e.getBoundingClientRect();
      if (r.width > 0) { left = Math.min(left, r.left); right = Math.max(right, r.right); }
    }
    // The room is the parent's: MathJax widens the container itself past the column.
    const room = box.parentElement.getBoundingClientRect();
    return {need: right - left, room: room.width, fits: left >= room.left - 1 && right <= room.right + 1};
  };
  const wide = [];
  for (const box of document.querySelectorAll('mjx-container[display="true"]')) {
    const {need, room, fits} = drawn(box);
    if (!fits && room > 0) {
      const size = parseFloat(getComputedStyle(box).fontSize);
      box.style.fontSize = `${(size * Math.min(1, room / need) * 0.97).toFixed(2)}px`;
      wide.push(box);
    }
  }
  const stillWide = wide.filter(box => !drawn(box).fits)
    .map(box => `${box.textContent.slice(0, 40)} (${JSON.stringify(drawn(box))})`);

  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {acceptNode(node) {
    const skip = node.parentElement.closest('pre, code, script, style, mjx-container');
    return skip ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT;
  }});
  const visible = [];
  while (walker.nextNode()) visible.push(walker.currentNode.nodeValue);
  return {
    entries,
    brokenImages: images.filter(i => !i.complete || !i.naturalWidth).map(i => i.getAttribute('src')),
    shrunk: wide.length,
    stillWide,
    text: visible.join(' '),
  };
}"""

_FILL_PAGES_JS = """pages => {
  document.querySelectorAll('.pdf-toc .pdf-page').forEach(span => {
    span.textContent = pages[Number(span.dataset.entry)] ?? '';
  });
}"""


def running_title(title: str) -> str:
    """The header's title: none when it has CJK text, which the header cannot set searchably."""
    return "" if any("\u2e80" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" for ch in title) else title


def header_footer(edition: Edition) -> dict:
    """Chromium's header (the book's title, if latin) and footer (page n of N) templates."""
    style = "width: 100%; font-family: sans-serif; font-size: 8px; color: #555; margin: 0 18mm;"
    title = html.escape(running_title(edition.title))
    return {
        "display_header_footer": True,
        "header_template": f'<div style="{style} text-align: right;">{title}</div>',
        "footer_template": f'<div style="{style} text-align: center;">'
        '<span class="pageNumber"></span> / <span class="totalPages"></span></div>',
    }


def text_width_px() -> int:
    """The width of A4's text column in CSS pixels (the viewport in which formulas are fitted)."""
    return int((210 - MARGIN_MM["left"] - MARGIN_MM["right"]) / 25.4 * 96)


def print_pdf(page, edition: Edition) -> bytes:
    """One print of the prepared page: A4, the book's margins, bookmarks and tags."""
    return page.pdf(
        format=PAPER,
        margin={side: f"{mm}mm" for side, mm in MARGIN_MM.items()},
        print_background=True,
        outline=True,
        tagged=True,
        **header_footer(edition),
    )


def outline_pages(pdf: bytes) -> list[tuple[int, str, int]]:
    """The PDF's bookmarks in order: (level, title, page number from 1)."""
    import io

    import pdfplumber
    from pdfminer.pdfdocument import PDFNoOutlines
    from pdfminer.pdftypes import resolve1

    with pdfplumber.open(io.BytesIO(pdf)) as document:
        page_of = {page.page_obj.pageid: number for number, page in enumerate(document.pages, 1)}
        found = []
        try:
            outlines = list(document.doc.get_outlines())
        except PDFNoOutlines:
            return []
        for level, title, dest, action, _ in outlines:
            target = resolve1(dest) if dest is not None else resolve1(resolve1(action).get("D"))
            if isinstance(target, dict):
                target = resolve1(target.get("D"))
            if isinstance(target, bytes | str):
                target = resolve1(document.doc.get_dest(target))
                if isinstance(target, dict):
                    target = resolve1(target.get("D"))
            ref = target[0] if target else None
            found.append((level, " ".join(str(title).split()), page_of.get(getattr(ref, "objid", None), 0)))
    return found


def squashed(text: str) -> str:
    """Letters and digits only: Chromium's bookmark titles lose spaces at line ends, and repeat some."""
    return "".join(ch for ch in text if ch.isalnum())


def interleaves_a_repeat(title: str, key: str) -> bool:
    """Whether `title` is `key` interleaved with a repeat of its own beginning, as Chromium
    writes some bookmarks ("Terms (Terms (术语术语))" for "Terms (术语)")."""
    repeat = key[: len(title) - len(key)]
    if len(title) < len(key) or len(repeat) != len(title) - len(key):
        return False
    # reach[j]: title[: i + j] can be split into key[: i] and repeat[: j] (classic interleaving)
    reach = [True] + [False] * len(repeat)
    for j in range(1, len(repeat) + 1):
        reach[j] = reach[j - 1] and repeat[j - 1] == title[j - 1]
    for i in range(1, len(key) + 1):
        reach[0] = reach[0] and key[i - 1] == title[i - 1]
        for j in range(1, len(repeat) + 1):
            char = title[i + j - 1]
            reach[j] = (reach[j] and key[i - 1] == char) or (reach[j - 1] and repeat[j - 1] == char)
    return reach[-1]


def names_heading(bookmark: str, heading: str) -> bool:
    """Whether a bookmark's title is `heading`'s: Chromium may put the part of a heading on a
    page's last line before the whole title ("1.3 A neuron … integrate-and-1.3 A neuron …"), or
    interleave the two ("Terms (Terms (术语术语))")."""
    title, key = squashed(bookmark), squashed(heading)
    return title.startswith(key) or title.endswith(key) or interleaves_a_repeat(title, key)


def toc_page_numbers(entries: list[dict], outline: list[tuple[int, str, int]]) -> list[str]:
    """The page of each contents entry: the next bookmark in document order whose title starts like its heading."""
    numbers, start = [], 0
    for entry in entries:
        for index in range(start, len(outline)):
            if names_heading(outline[index][1], entry["text"]):
                numbers.append(str(outline[index][2]))
                start = index + 1
                break
        else:
            raise RuntimeError(f"no bookmark for the heading {entry['text']!r}: the contents cannot give its page")
    return numbers


def print_edition(edition: Edition, page_path: Path, out: Path, subtitle: str) -> dict:
    """Print the single page to ``out``; return what was measured (pages, seconds)."""
    from playwright.sync_api import sync_playwright

    started = time.monotonic()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": text_width_px(), "height": 1400})
        page.set_default_timeout(600_000)
        page.goto(page_path.resolve().as_uri(), wait_until="load")
        page.emulate_media(media="print")
        words = {"title": edition.title, "subtitle": subtitle, "contents": edition.contents, "fonts": cjk_fonts()}
        seen = page.evaluate(_PREPARE_JS, {**words, "root": f"{root_page()}.html"})
        problems = [f"image did not load: {src}" for src in seen["brokenImages"]]
        problems += [f"untypeset math: …{snippet}…" for snippet in untypeset_math(seen["text"])]
        problems += [f"formula wider than the paper after shrinking: {snippet}…" for snippet in seen["stillWide"]]
        if problems:
            browser.close()
            sys.exit(f"{edition.name}: not printed, the page is broken:\n  " + "\n  ".join(problems))
        first = print_pdf(page, edition)
        page.evaluate(_FILL_PAGES_JS, toc_page_numbers(seen["entries"], outline_pages(first)))
        final = print_pdf(page, edition)
        browser.close()
    pages_first, pages_final = count_pages(first), count_pages(final)
    if pages_first != pages_final:
        sys.exit(f"{edition.name}: the page numbers moved the text ({pages_first} -> {pages_final} pages)")
    check = toc_page_numbers(seen["entries"], outline_pages(final))
    if check != toc_page_numbers(seen["entries"], outline_pages(first)):
        sys.exit(f"{edition.name}: a heading moved to another page once the contents had numbers")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(final)
    return {"pages": pages_final, "seconds": time.monotonic() - started, "bytes": len(final), "shrunk": seen["shrunk"]}


def count_pages(pdf: bytes) -> int:
    """Number of pages of a PDF."""
    import io

    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return len(document.pages)


def subtitle_for(edition: Edition) -> str:
    """The cover's second line: the edition and the book's version."""
    sys.path.insert(0, str(ROOT))
    from companion import __version__

    return f"版本 {__version__}" if edition.name == "zh" else f"Version {__version__}"


def publish(edition: Edition, pdf: Path) -> Path | None:
    """Copy the PDF where the edition's pages link it; None when that edition's HTML is not built."""
    if not (edition.html / "index.html").is_file():
        return None
    target = edition.html / edition.pdf_name
    shutil.copyfile(pdf, target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edition", choices=["en", "zh", "both"], default="both")
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the PDFs (default _build/pdf)")
    parser.add_argument("--print-only", action="store_true", help="reprint the existing single-page build")
    args, sphinx_args = parser.parse_known_args(argv)
    chosen = editions()
    names = ["en", "zh"] if args.edition == "both" else [args.edition]
    for name in names:
        edition = chosen[name]
        started = time.monotonic()
        page = edition.singlehtml / "print.html" if args.print_only else build_singlehtml(edition, sphinx_args)
        built = time.monotonic() - started
        pdf = args.out / edition.pdf_name
        measured = print_edition(edition, page, pdf, subtitle_for(edition))
        copied = publish(edition, pdf)
        where = f", copied to {copied.relative_to(ROOT)}" if copied else " (no HTML build to copy it into)"
        size = f"{measured['pages']} pages, {measured['bytes'] / 2**20:.1f} MiB"
        size += f", {measured['shrunk']} wide formulas shrunk"
        print(f"{name}: {pdf}: {size}; single page {built:.0f} s, printing {measured['seconds']:.0f} s{where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
