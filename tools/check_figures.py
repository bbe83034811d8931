"""Check every figure of the built book, both editions, as a reader sees it in headless Chromium.

Usage (after `jupyter-book build .` and `python tools/zh_edition.py build`):

    python tools/check_figures.py [--html _build/html] [--no-screenshots]

For each figure of each page (an image in a figure or a cell's output, or an inline ``<svg>``
figure), one line per problem:

* ``format``: it is SVG; a raster figure must be listed in RASTER_FIGURES with the reason;
* ``width``: at its natural size it is no wider than the text column at a 1280-px window;
* ``text-size``: its smallest text, as rendered, is at least the page's small print at 1280 px
  (the smallest font the page itself uses for text, measured) and at least PHONE_MIN_PX on a
  390-px phone (sub- and superscripts inside a label are 70 % of it, as in typeset maths);
* ``layout``: no text sticks out of the figure and no two texts overlap (measured in the SVG
  itself, so a translation longer than the English shows up);
* ``link``: the figure links to its own full-size file, for zooming on a phone;
* ``language``: in the Chinese edition (``zh/``) every alt text is Chinese and no text of a
  figure has English words left (names, units and maths may stay, companion/figure_text.py);
* ``catalog``: every figure message of the English pages has a translation in
  ``locale/zh_CN/LC_MESSAGES/figures/<page>.po``, none fuzzy.

It also takes screenshots of SCREENSHOT_PAGES at 1280 and 390 px in both languages into
``_build/screenshots/figures/``. Exit status 1 when anything fails.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

try:
    from tools.book_figures import CATALOG_FOLDER, figure_lines, figure_messages, read_translations
except ModuleNotFoundError:  # run as a script, with tools/ on sys.path
    from book_figures import CATALOG_FOLDER, figure_lines, figure_messages, read_translations

from companion.figure_text import latin_words

ROOT = Path(__file__).resolve().parents[1]
CATALOGS = ROOT / "locale" / "zh_CN" / "LC_MESSAGES" / CATALOG_FOLDER
DESKTOP, PHONE = 1280, 390
PHONE_MIN_PX = 7.0  # 21 device pixels on a 3x phone screen: readable; smaller text needs the full-size link
RASTER_FIGURES: dict[str, str] = {}  # image file name -> why it cannot be SVG (none today)
SCREENSHOT_PAGES = ("book/ch1_neurons.html", "book/ch5_keras_mnist.html", "book/ch6_explain.html")
CJK = re.compile(r"[\u3400-\u9fff]")
OVERLAP_PX = 1.0  # texts may touch; overlapping by more than a pixel each way is a collision


# ---------------------------------------------------------------- pure parts (tests/test_check_figures.py)


def svg_facts(svg: str) -> dict:
    """Natural width (CSS px), viewBox width, the smallest text size (user units) and the lines of an SVG."""
    head = svg[svg.index("<svg") : svg.index(">", svg.index("<svg"))]
    width = re.search(r'\swidth="([\d.]+)(pt|px)?"', head)
    viewbox = re.search(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) [\d.]+"', head)
    natural = float(width.group(1)) * (4 / 3 if width.group(2) == "pt" else 1) if width else None
    sizes = [float(s) for s in re.findall(r"<text [^>]*?font-size: ?([\d.]+)px", svg)]
    sizes += [float(s) for s in re.findall(r'<text [^>]*?font-size="([\d.]+)(?:px)?"', svg)]
    return {
        "natural_px": natural,
        "viewbox_width": float(viewbox.group(1)) if viewbox else None,
        "min_font": min(sizes, default=None),
        "lines": figure_lines(svg),
    }


def rendered_px(font: float, viewbox_width: float, shown_width: float) -> float:
    """How many CSS pixels text of ``font`` user units is when the SVG is shown ``shown_width`` px wide."""
    return font * shown_width / viewbox_width


def language_problems(lines: list[str], alt: str) -> list[str]:
    """What is still English in a Chinese figure: its alt text, or words in its texts."""
    problems = []
    if alt and (not CJK.search(alt) or latin_words(alt)):
        problems.append(f"alt text not Chinese: {alt[:60]!r}")
    for line in lines:
        if latin_words(line):
            problems.append(f"English words in the figure: {line!r}")
    return problems


def collisions(boxes: list[dict], frame: dict, slack: float = OVERLAP_PX) -> list[str]:
    """Texts (boxes with text, left, top, right, bottom in px) that leave ``frame`` or overlap each other."""
    problems = []
    for box in boxes:
        if (box["left"] < frame["left"] - slack or box["right"] > frame["right"] + slack
                or box["top"] < frame["top"] - slack or box["bottom"] > frame["bottom"] + slack):  # fmt: skip
            problems.append(f"text outside the figure: {box['text']!r}")
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            dx = min(a["right"], b["right"]) - max(a["left"], b["left"])
            dy = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
            if dx > slack and dy > slack:
                problems.append(f"texts overlap: {a['text']!r} and {b['text']!r}")
    return problems


def catalog_problems(english_svgs: dict[str, list[str]], catalogs: Path = CATALOGS) -> list[str]:
    """Figure messages of each page (page -> its figures' SVG) missing from, or fuzzy in, its catalog."""
    from babel.messages.pofile import read_po

    problems = []
    for page, svgs in sorted(english_svgs.items()):
        path = catalogs / f"{page}.po"
        translated = read_translations(path)
        for svg in svgs:
            for message in figure_messages(svg):
                if message not in translated:
                    problems.append(f"{page}: figure text without a translation: {message!r}")
    for path in sorted(catalogs.glob("*.po")):
        with path.open("rb") as f:
            for message in read_po(f):
                if message.id and (message.fuzzy or not message.string):
                    state = "fuzzy" if message.fuzzy else "untranslated"
                    problems.append(f"{CATALOG_FOLDER}/{path.name}: {state}: {message.id[:60]!r}")
    return sorted(set(problems))


# ---------------------------------------------------------------- the browser

_FIGURES_JS = """async () => {
  const images = [...document.images];
  images.forEach(img => img.loading = 'eager');
  await Promise.all(images.map(img => img.decode().catch(() => null)));
  await document.fonts.ready;
  const column = [...document.querySelectorAll('article p')].map(p => p.getBoundingClientRect().width)
    .filter(w => w > 0);
  // the page's small print: the smallest font size of its own visible text, outside figures
  let smallest = Infinity;
  const walker = document.createTreeWalker(document.querySelector('article') || document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const e = walker.currentNode.parentElement;
    if (!walker.currentNode.nodeValue.trim() || !e || !e.offsetParent) continue;
    if (e.closest('svg, figure img, mjx-container')) continue;
    smallest = Math.min(smallest, parseFloat(getComputedStyle(e).fontSize));
  }
  const figures = [];
  for (const img of document.querySelectorAll('article img')) {
    if (!img.closest('figure, .cell_output')) continue;
    const link = img.closest('a');
    figures.push({kind: 'img', src: img.getAttribute('src'), url: img.src, alt: img.getAttribute('alt') || '',
                  natural: img.naturalWidth, shown: img.getBoundingClientRect().width,
                  href: link ? link.href : null});
  }
  document.querySelectorAll('article figure > svg, article .cell_output svg').forEach((svg, i) => {
    figures.push({kind: 'svg', src: 'inline svg ' + (i + 1), url: null, svg: svg.outerHTML,
                  alt: svg.closest('figure')?.getAttribute('aria-label') || '',
                  natural: null, shown: svg.getBoundingClientRect().width, href: null});
  });
  return {column: column.length ? Math.max(...column) : null, smallPrint: smallest, figures};
}"""

_TEXT_BOXES_JS = """() => {
  const root = document.documentElement;
  const frame = root.getBoundingClientRect();
  const boxes = [...root.querySelectorAll('text')].filter(t => t.textContent.trim()).map(t => {
    const r = t.getBoundingClientRect();
    return {text: t.textContent, left: r.left, top: r.top, right: r.right, bottom: r.bottom};
  });
  return {frame: {left: frame.left, top: frame.top, right: frame.right, bottom: frame.bottom}, boxes};
}"""


def _local(url: str) -> Path | None:
    parts = urlsplit(url)
    return Path(unquote(parts.path)) if parts.scheme == "file" else None


def check_page(page_1280, page_390, url: str, zh: bool) -> tuple[list[str], dict[str, str]]:
    """Problems of one page's figures; and its figure SVG files (path -> text) for the layout check."""
    page_1280.goto(url, wait_until="load")
    desktop = page_1280.evaluate(_FIGURES_JS)
    page_390.goto(url, wait_until="load")
    phone = {f["src"]: f for f in page_390.evaluate(_FIGURES_JS)["figures"]}
    problems, files = [], {}
    small_print = desktop["smallPrint"]
    for figure in desktop["figures"]:
        src = figure["src"]
        path = _local(figure["url"]) if figure["url"] else None
        if figure["kind"] == "img" and not src.lower().endswith(".svg"):
            if Path(src).name not in RASTER_FIGURES:
                problems.append(f"format: {src} is not SVG")
            continue
        svg = path.read_text(encoding="utf-8") if path else figure["svg"]
        facts = svg_facts(svg)
        if path:
            files[str(path)] = svg
        natural = figure["natural"] or facts["natural_px"]
        if desktop["column"] and natural and natural > desktop["column"] + 0.5:
            problems.append(f"width: {src} is {natural:.0f} px at natural size; the column is {desktop['column']:.0f}")
        if facts["min_font"] and facts["viewbox_width"]:
            at_desktop = rendered_px(facts["min_font"], facts["viewbox_width"], figure["shown"])
            shown_phone = phone.get(src, {}).get("shown") or figure["shown"]
            at_phone = rendered_px(facts["min_font"], facts["viewbox_width"], shown_phone)
            if at_desktop < small_print - 0.05:
                problems.append(
                    f"text-size: {src}: {at_desktop:.1f} px at {DESKTOP} px, under the page's {small_print} px"
                )
            if at_phone < PHONE_MIN_PX:
                problems.append(f"text-size: {src}: {at_phone:.1f} px on a {PHONE}-px phone, under {PHONE_MIN_PX} px")
        if figure["kind"] == "img" and (
            not figure["href"] or Path(urlsplit(figure["href"]).path).name != Path(src).name
        ):
            problems.append(f"link: {src} does not link to its full-size file")
        if zh:
            problems += [f"language: {src}: {p}" for p in language_problems(facts["lines"], figure["alt"])]
    return problems, files


def check_layout(browser, files: dict[str, str]) -> dict[str, list[str]]:
    """Open each figure file at its natural size; return the texts that collide or leave it, per file."""
    page = browser.new_page(viewport={"width": DESKTOP, "height": 800})
    found = {}
    for path in sorted(files):
        page.goto(Path(path).as_uri(), wait_until="load")
        seen = page.evaluate(_TEXT_BOXES_JS)
        if problems := collisions(seen["boxes"], seen["frame"]):
            found[path] = problems
    page.close()
    return found


def screenshots(browser, base: str, out: Path) -> list[Path]:
    """Full-page screenshots of SCREENSHOT_PAGES at both widths, in both languages."""
    taken = []
    for language, prefix in (("en", ""), ("zh", "zh/")):
        for width in (DESKTOP, PHONE):
            page = browser.new_page(viewport={"width": width, "height": 900}, device_scale_factor=1)
            for name in SCREENSHOT_PAGES:
                page.goto(base + prefix + name, wait_until="load")
                page.evaluate("async () => { await document.fonts.ready; }")
                target = out / language / f"{Path(name).stem}-{width}.png"
                target.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(target), full_page=True)
                taken.append(target)
            page.close()
    return taken


def main(argv: list[str] | None = None) -> int:
    """Check both editions' figures; print one line per problem; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html", help="the built book (zh/ inside)")
    parser.add_argument("--screenshots", type=Path, default=ROOT / "_build" / "screenshots" / "figures")
    parser.add_argument("--no-screenshots", action="store_true")
    args = parser.parse_args(argv)
    html = args.html.resolve()
    if not (html / "index.html").is_file() or not (html / "zh" / "index.html").is_file():
        print(f"build both editions first: {html}/index.html and {html}/zh/index.html")
        return 2
    from playwright.sync_api import sync_playwright

    try:
        from tools.check_pages import CHROMIUM_ARGS, find_chromium
    except ModuleNotFoundError:
        from check_pages import CHROMIUM_ARGS, find_chromium

    pages = sorted(p.relative_to(html).as_posix() for p in [*html.glob("book/*.html"), *html.glob("zh/book/*.html")])
    problems: dict[str, list[str]] = {}
    english_svgs: dict[str, list[str]] = {}
    figure_count = 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
        page_1280 = browser.new_page(viewport={"width": DESKTOP, "height": 800})
        page_390 = browser.new_page(viewport={"width": PHONE, "height": 800}, device_scale_factor=3)
        files: dict[str, str] = {}
        for name in pages:
            zh = name.startswith("zh/")
            found, page_files = check_page(page_1280, page_390, (html / name).as_uri(), zh)
            figure_count += len(page_files)
            files.update(page_files)
            if found:
                problems[name] = found
            if not zh and page_files:
                english_svgs[Path(name).stem] = list(page_files.values())
        for path, found in check_layout(browser, files).items():
            problems.setdefault(f"layout {Path(path).name}", []).extend(found)
        if not args.no_screenshots:
            taken = screenshots(browser, html.as_uri() + "/", args.screenshots)
            print(f"{len(taken)} screenshots in {args.screenshots}")
        browser.close()
    if found := catalog_problems(english_svgs):
        problems["catalogs"] = found
    for where, found in problems.items():
        for problem in found:
            print(f"FAIL {where}: {problem}")
    total = sum(len(found) for found in problems.values())
    print(f"{figure_count} figure files on {len(pages)} pages of both editions; {total} problems")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
