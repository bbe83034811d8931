"""Open every page of the built book in headless Chromium, offline, and report what a reader would see broken.

Usage (after `jupyter-book build .` and `python tools/zh_edition.py build`):

    python tools/check_pages.py [--html _build/html] [--warn code-scroll] [--http]

Checks, one line per failing page: JavaScript console errors, requests that left the
build (the network is blocked) or failed, images that did not load, math left untypeset
(`\\(`, `\\[` or `$$` in the rendered text), broken internal links and anchors and any link
that leaves the book's folder, pages without a title or a favicon, code cells that scroll
sideways at 1,280 px, launch buttons (Binder, Colab) that do not point at the page's
notebook in the configured repository, a chapter whose cost line is missing or differs from
what ``benchmarks/results.json`` says (tools/book_costs.py), test machinery or MyST syntax
shown to readers (``NBVAL``, ``noqa``, IPython's "Exception reporting mode", a literal
``{term}`…` ``), Chinese words on an English page without ``lang="zh…"``, and accessibility
(axe-core: no critical or serious violation, at 1,280 px and on a 390-px phone, light and
dark). On the phone: no page wider than the screen, errata tables stacked, six controls at
most in the top bar. Then, once per edition (tools/check_interactions.py): the sidebar and
contents buttons at 390, 1,024 and 1,280 px, the keyboard (Tab stops, a visible focus on
each), the language switch keeping the reader's place, and search finding chapter 2 with
excerpts. A full-page screenshot of each page goes to `_build/screenshots/`, with phone
views of the navigation, the errata and the glossary in `_build/screenshots/views/`.

`--http` serves the build on 127.0.0.1 instead (as GitHub Pages does) and runs the checks
that depend on it: console, requests and their status, search with excerpts fetched online;
it leaves axe, the phone and the interactions to the run from files. Exit status 1 when any
check not passed to `--warn` fails.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import posixpath
import re
import shutil
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from functools import partial
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml

try:
    from tools.book_costs import badge_text, words
except ModuleNotFoundError:  # run as a script, with tools/ on sys.path
    from book_costs import badge_text, words

ROOT = Path(__file__).resolve().parents[1]
CHECKS = (
    "console", "network", "image", "math", "link", "title", "favicon", "code-scroll", "launch", "cost",
    "machinery", "lang", "phone-width", "top-bar", "axe",
    "navigation", "keyboard", "language-switch", "search",
)  # fmt: skip
VIEWPORT = {"width": 1280, "height": 800}  # a common laptop width, the narrowest column of the usual desktops
PHONE = {"width": 390, "height": 844}  # the width of most phones held upright (iPhone 12 to 15)
TOP_BAR_MAX = 6  # controls in the phone's top bar: toggles, launch, download, colour mode, search
AXE = ROOT / "_build" / "axe" / "node_modules" / "axe-core" / "axe.min.js"  # .ci/browser installs it (npm ci)
AXE_IMPACTS = ("critical", "serious")
AXE_COLOUR_RULES = ["color-contrast", "link-in-text-block"]  # what dark mode changes
# Violations that are the theme's, not the book's: {rule id: (CSS selector fragment, upstream issue)}.
AXE_KNOWN: dict[str, tuple[str, str]] = {}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",  # no host resolves: nothing leaves the machine
]
_TEX_DELIMITERS = re.compile(r"\\\(|\\\[|\$\$")


# ---------------------------------------------------------------- pure parts (tests/test_check_pages.py)


def untypeset_math(text: str) -> list[str]:
    """Snippets of `text` around each TeX delimiter that MathJax should have replaced."""
    return [text[max(m.start() - 15, 0) : m.end() + 25].replace("\n", " ") for m in _TEX_DELIMITERS.finditer(text)]


class PageParser(HTMLParser):
    """Collects a page's title, element ids and the links it makes (the static half of the checks)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.title = ""
        self.redirect: str | None = None  # target of a <meta http-equiv="refresh"> page (the book's index.html)
        self.icons: list[str] = []  # <link rel="icon"> targets
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name") if tag == "a" else ("id",):
            if attrs.get(key):
                self.ids.add(attrs[key])
        if tag in ("a", "area") and attrs.get("href") is not None:
            self.hrefs.append(attrs["href"])
        if tag == "link" and "icon" in (attrs.get("rel") or "").lower().split() and attrs.get("href"):
            self.icons.append(attrs["href"])
        refresh = tag == "meta" and (attrs.get("http-equiv") or "").lower() == "refresh"
        if refresh and "url=" in attrs.get("content", ""):
            self.redirect = attrs["content"].split("url=", 1)[1].strip()
            self.hrefs.append(self.redirect)
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def parse_page(html: str) -> PageParser:
    """Parse one page's HTML."""
    parser = PageParser()
    parser.feed(html)
    parser.close()
    return parser


_COST_LINE = re.compile(r'<p class="cost-badge">(.*?)</p>', re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def cost_problem(html: str, expected: str | None) -> str | None:
    """Why a chapter's cost line is missing or not ``expected`` (its text, links removed), or None."""
    found = [" ".join(_TAG.sub("", m).split()) for m in _COST_LINE.findall(html)]
    if expected is None:
        return "a cost line, but results.json does not measure this chapter" if found else None
    if not found:
        return "no cost line under the title (is the chapter in benchmarks/results.json?)"
    if found != [expected]:
        return f"cost line {found} differs from results.json: {expected!r}"
    return None


def expected_cost_line(results: dict, docname: str, language: str = "en") -> str | None:
    """The text of a chapter's cost line as tools/book_costs.py renders it from ``results``."""
    cost = results.get("notebooks", {}).get(posixpath.basename(docname))
    if cost is None:
        return None
    text = words(language)["badge_label"] + badge_text(cost, results["machine"], language)
    return " ".join(re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text).split())


def edition_page(docname: str) -> tuple[str, str]:
    """'zh/book/ch1' -> ('book/ch1', 'zh'): the Chinese edition lives in zh/ (tools/zh_edition.py)."""
    if docname.startswith("zh/"):
        return docname.removeprefix("zh/"), "zh"
    return docname, "en"


def title_problem(title: str) -> str | None:
    """Why a page's <title> does not name it, or None (Sphinx writes '<no title>' for a page without a heading)."""
    title = title.strip()
    if not title or title.startswith("<no title>"):
        return f"page has no title ({title!r})"
    return None


def outside_book(page: str, href: str) -> str | None:
    """Why a link leaves the book's folder for the reader's own files (``file:``, ``/etc/…``, ``../../``), or None."""
    parts = urlsplit(href)
    if parts.scheme.lower() == "file":
        return "a file: address"
    if parts.scheme or parts.netloc or not parts.path:
        return None
    if parts.path.startswith("/") or parts.path.startswith("\\"):
        return "an absolute path (the root of the reader's disk when opened from files)"
    target = posixpath.normpath(posixpath.join(posixpath.dirname(page), unquote(parts.path).replace("\\", "/")))
    if target == ".." or target.startswith("../"):
        return "a path above the book's folder"
    return None


def broken_links(pages: dict[str, PageParser], files: set[str]) -> dict[str, list[str]]:
    """Internal links whose file or anchor is missing, and links out of the book's folder, per page.

    Keys and `files` are paths relative to the build.
    """
    broken: dict[str, list[str]] = {}
    for page, parsed in pages.items():
        for href in parsed.hrefs:
            if leaves := outside_book(page, href):
                broken.setdefault(page, []).append(f"{href} (leaves the book: {leaves})")
                continue
            parts = urlsplit(href)
            if parts.scheme or parts.netloc:
                continue  # external (http, mailto, …): not ours to check offline
            target = page
            if parts.path:
                target = posixpath.normpath(posixpath.join(posixpath.dirname(page), unquote(parts.path)))
            if target not in files and posixpath.normpath(posixpath.join(target, "index.html")) in files:
                target = posixpath.normpath(posixpath.join(target, "index.html"))  # a folder opens its index.html
            if target not in files:
                broken.setdefault(page, []).append(f"{href} (no file {target})")
            elif parts.fragment and target in pages and unquote(parts.fragment) not in pages[target].ids:
                broken.setdefault(page, []).append(f"{href} (no anchor #{parts.fragment} in {target})")
    return broken


def icon_problem(page: str, parsed: PageParser, files: set[str]) -> str | None:
    """Why a page has no favicon (a served book then answers /favicon.ico with a 404), or None."""
    if not parsed.icons:
        return 'no <link rel="icon">: browsers ask the server for /favicon.ico, a 404'
    for href in parsed.icons:
        target = posixpath.normpath(posixpath.join(posixpath.dirname(page), unquote(urlsplit(href).path)))
        if not urlsplit(href).scheme and target not in files:
            return f"favicon {href} is missing ({target})"
    return None


# Test machinery and authoring syntax that must not reach a reader (searched in all the page's text, code too).
MACHINERY = (
    (re.compile(r"NBVAL"), "an nbval marker"),
    (re.compile(r"\bnoqa\b"), "a linter directive (noqa)"),
    (re.compile(r"Exception reporting mode"), "IPython's %xmode banner"),
    (re.compile(r"\{[a-z][\w:-]*\}`"), "MyST role syntax"),
    (re.compile(r"(?:```|:::)\{[a-z]"), "MyST directive syntax"),
)


def machinery_problems(text: str) -> list[str]:
    """Test machinery or authoring syntax in a page's rendered text: one problem per kind, with an example."""
    problems = []
    for pattern, kind in MACHINERY:
        found = list(pattern.finditer(text))
        if found:
            first = found[0]
            snippet = " ".join(text[max(first.start() - 20, 0) : first.end() + 30].split())
            problems.append(f"shows {kind} {len(found)}×, e.g. …{snippet}…")
    return problems


def axe_problems(violations: list[dict], where: str, known: dict[str, tuple[str, str]] = AXE_KNOWN) -> list[str]:
    """axe-core's critical and serious violations, less the theme's known ones, one line per rule."""
    problems = []
    for violation in violations:
        if violation["impact"] not in AXE_IMPACTS:
            continue
        targets = [" ".join(node["target"]) for node in violation["nodes"]]
        if violation["id"] in known:
            targets = [t for t in targets if known[violation["id"]][0] not in t]
        if targets:
            problems.append(
                f"axe {violation['id']} ({violation['impact']}, {where}): {len(targets)}× e.g. {targets[0]}"
                f" — {violation['help']}"
            )
    return problems


def phone_problems(seen: dict, width: int = PHONE["width"], top_bar_max: int = TOP_BAR_MAX) -> dict[str, list[str]]:
    """What a phone shows wrong, from `_PHONE_JS`'s measurements, by check."""
    found: dict[str, list[str]] = {}
    if seen["documentWidth"] > width:
        wide = ", ".join(seen["wideElements"][:3])
        found["phone-width"] = [f"page is {seen['documentWidth']} px wide on a {width}-px phone (widest: {wide})"]
    for table in seen["wideTables"]:
        found.setdefault("phone-width", []).append(f"errata table scrolls sideways on a phone: {table}")
    controls = seen["topBar"]
    if len(controls) > top_bar_max:
        listed = ", ".join(controls)
        found["top-bar"] = [f"{len(controls)} controls in the phone's top bar (at most {top_bar_max}): {listed}"]
    for pair in seen["overlapping"]:
        found.setdefault("top-bar", []).append(f"top-bar controls overlap: {pair}")
    return found


def expected_launch_urls(config: dict, docname: str) -> dict[str, str]:
    """The Binder and Colab URLs that `_config.yml` gives the notebook page `docname` ('book/ch1_neurons')."""
    repository, launch = config["repository"], config["launch_buttons"]
    org, repo = urlsplit(repository["url"]).path.strip("/").split("/")[:2]
    branch = repository.get("branch", "main")
    notebook = posixpath.join(repository.get("path_to_book", "").strip("/"), docname + ".ipynb")
    interface = {"classic": "tree", "jupyterlab": "lab/tree"}[launch.get("notebook_interface", "classic")]
    return {
        "Binder": f"{launch['binderhub_url'].rstrip('/')}/v2/gh/{org}/{repo}/{branch}?urlpath={interface}/{notebook}",
        "Colab": f"{launch['colab_url'].rstrip('/')}/github/{org}/{repo}/blob/{branch}/{notebook}",
    }


def launch_problems(hrefs: list[str], expected: dict[str, str]) -> list[str]:
    """Launch buttons that are missing or point elsewhere than `expected` (from `expected_launch_urls`)."""
    problems = []
    for service, url in expected.items():
        service_root = url.split("/v2/")[0] if service == "Binder" else url.split("/github/")[0]
        found = [href for href in hrefs if href.startswith(service_root)]
        if url not in found:
            problems.append(f"{service} button {'points at ' + found[0] if found else 'missing'}; expected {url}")
    return problems


def page_line(found: dict[str, list[str]], checks: list[str], limit: int = 3) -> str:
    """A page's problems from `checks` on one line, at most `limit` of each kind."""
    shown = []
    for check in checks:
        problems = found.get(check, [])
        shown += problems[:limit]
        if len(problems) > limit:
            shown.append(f"and {len(problems) - limit} more ({check})")
    return "; ".join(shown)


def notebook_path(config: dict, docname: str, root: Path = ROOT) -> Path:
    """The notebook in the repository that a launch button for page `docname` opens."""
    return root / config["repository"].get("path_to_book", "") / (docname + ".ipynb")


# ---------------------------------------------------------------- the browser


_PAGE_REPORT_JS = """async () => {
  // Hidden cells and solutions too: a reader may open them.
  document.querySelectorAll('details').forEach(d => d.open = true);
  document.querySelectorAll('.toggle-hidden').forEach(e => e.classList.remove('toggle-hidden'));
  const images = [...document.images];
  images.forEach(img => img.loading = 'eager');
  await Promise.all(images.map(img => img.decode().catch(() => null)));
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  await document.fonts.ready;

  // The text a reader sees, without code (MathJax leaves code alone) and without typeset math.
  const skip = new Set(['PRE', 'CODE', 'SCRIPT', 'STYLE', 'TEXTAREA', 'NOSCRIPT', 'TEMPLATE', 'MJX-CONTAINER']);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {acceptNode(node) {
    for (let e = node.parentElement; e; e = e.parentElement) if (skip.has(e.tagName)) return NodeFilter.FILTER_REJECT;
    return NodeFilter.FILTER_ACCEPT;
  }});
  const text = [];
  while (walker.nextNode()) text.push(walker.currentNode.nodeValue);

  const brokenImages = images.filter(i => !i.complete || !i.naturalWidth).map(i => i.getAttribute('src'));

  // Code blocks wider than their box, and how many characters the box shows.
  let columnChars = null;
  const wideCode = [];
  for (const pre of document.querySelectorAll('div.highlight pre')) {
    if (!pre.offsetParent) continue;
    if (columnChars === null) {
      const probe = pre.appendChild(document.createElement('span'));
      probe.textContent = 'x'.repeat(200);
      const charWidth = probe.getBoundingClientRect().width / 200;
      probe.remove();
      const style = getComputedStyle(pre);
      const inner = pre.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      columnChars = Math.floor(inner / charWidth);
    }
    if (pre.scrollWidth > pre.clientWidth + 1) {
      const kind = pre.closest('.cell_input') ? 'input' : pre.closest('.cell_output') ? 'output' : 'other';
      wideCode.push([kind, Math.max(...pre.textContent.split('\\n').map(line => line.length))]);
    }
  }
  // Chinese text on an English page that no element marks as Chinese (screen readers need lang).
  const untaggedChinese = [];
  if (!document.documentElement.lang.toLowerCase().startsWith('zh')) {
    const chinese = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/;
    const notText = 'script, style, noscript, template, title, svg, mjx-container';
    const cjk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {acceptNode(node) {
      if (!chinese.test(node.nodeValue) || node.parentElement.closest(notText)) return NodeFilter.FILTER_REJECT;
      return NodeFilter.FILTER_ACCEPT;
    }});
    while (cjk.nextNode()) {
      const marked = cjk.currentNode.parentElement.closest('[lang]');
      if (!marked || !marked.lang.toLowerCase().startsWith('zh')) {
        untaggedChinese.push(cjk.currentNode.nodeValue.trim().slice(0, 20));
      }
    }
  }
  const shown = e => e.getBoundingClientRect().width > 0 && getComputedStyle(e).visibility !== 'hidden';
  const searchFields = [...document.querySelectorAll('.search-button-field')].filter(shown).length;
  return {text: text.join(' '), allText: document.body.innerText, brokenImages, columnChars, wideCode, untaggedChinese,
          searchFields};
}"""

# Measured after the window is narrowed to a phone's width.
_PHONE_JS = """async () => {
  await new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  const width = document.documentElement.clientWidth;
  const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
    + (e.classList.length ? '.' + [...e.classList].slice(0, 2).join('.') : '');
  // The elements that stick out on the right, outermost first, outside anything that scrolls or clips them.
  const wideElements = [];
  if (document.documentElement.scrollWidth > width) {
    for (const e of document.body.querySelectorAll('*')) {
      const box = e.getBoundingClientRect();
      if (box.right <= width + 1 || !box.width) continue;
      let clipped = false;
      for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
        if (getComputedStyle(p).overflowX !== 'visible') { clipped = true; break; }
      }
      const hidden = getComputedStyle(e).visibility === 'hidden' ? ' (hidden)' : '';
      if (!clipped && !wideElements.some(w => w.element.contains(e))) {
        wideElements.push({element: e, text: `${name(e)} to ${Math.round(box.right)} px${hidden}`});
      }
    }
  }
  const wideTables = [...document.querySelectorAll('table.errata')]
    .filter(t => t.scrollWidth > t.parentElement.clientWidth + 1 || t.getBoundingClientRect().right > width + 1)
    .map(t => `${name(t)} ${Math.round(t.scrollWidth)} px in ${t.parentElement.clientWidth} px`);
  // The controls of the top bar a reader can see.
  const bar = document.querySelector('.bd-header-article');
  const controls = bar ? [...bar.querySelectorAll('button, a, [role=button]')].filter(e => {
    const box = e.getBoundingClientRect();
    const shown = box.width > 0 && box.height > 0 && getComputedStyle(e).visibility !== 'hidden';
    return shown && !e.closest('.dropdown-menu');
  }) : [];
  const label = e => e.getAttribute('aria-label') || e.getAttribute('title') || e.textContent.trim() || name(e);
  const overlapping = [];
  controls.forEach((a, i) => controls.slice(i + 1).forEach(b => {
    const p = a.getBoundingClientRect(), q = b.getBoundingClientRect();
    const overlap = p.left < q.right - 1 && q.left < p.right - 1 && p.top < q.bottom - 1 && q.top < p.bottom - 1;
    if (overlap) overlapping.push(`${label(a)} / ${label(b)}`);
  }));
  return {documentWidth: document.documentElement.scrollWidth, wideElements: wideElements.map(w => w.text), wideTables,
          topBar: controls.map(label), overlapping};
}"""

_AXE_JS = """async (rules) => {
  // preload: false — axe would fetch every stylesheet, which a file:// page may not (CORS errors).
  const options = {resultTypes: ['violations'], preload: false};
  if (rules) options.runOnly = {type: 'rule', values: rules};
  const result = await axe.run(document, options);
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => ({target: n.target.map(String)}))}));
}"""

# Wait until the page is as a reader sees it: MathJax has typeset (and _static/book.js has made
# the formulas that scroll Tab stops), the theme and book.js have answered a resize (two
# animation frames) and no CSS transition (colour mode) is still running.
_SETTLED_JS = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  const frame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));
  await frame();
  await frame();
  const finite = document.getAnimations().filter((a) => a.effect && a.effect.getComputedTiming().endTime < Infinity);
  const finished = Promise.all(finite.map((animation) => animation.finished.catch(() => null)));
  await Promise.race([finished, new Promise((resolve) => setTimeout(resolve, 5000))]);
}"""

_COLOUR_MODE_JS = """(mode) => {
  document.documentElement.dataset.mode = mode;
  document.documentElement.dataset.theme = mode;
}"""


def scrolling_code_message(wide_code: list[tuple[str, int]], column_chars: int) -> str:
    """One sentence on the code blocks that scroll sideways, by kind (cell inputs, outputs, other blocks)."""
    kinds = {"input": "cell inputs", "output": "cell outputs", "other": "other code blocks"}
    parts = []
    for kind, name in kinds.items():
        lengths = [length for k, length in wide_code if k == kind]
        if lengths:
            parts.append(f"{len(lengths)} {name} (longest line {max(lengths)})")
    return f"code scrolls sideways: {', '.join(parts)}; the column shows {column_chars} characters"


def find_chromium() -> str:
    """Path of a Chromium (or Chrome) binary: $CHROMIUM, else the first on PATH."""
    for name in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        if name and shutil.which(name):
            return shutil.which(name)
    sys.exit("No Chromium found: `apt-get install chromium` (Debian) or set CHROMIUM=/path/to/chrome")


def watched_page(context, allowed: tuple, report):
    """A new tab whose console errors, failed responses and requests outside `allowed` (blocked) go to `report`."""

    def block_network(route) -> None:
        if route.request.url.startswith(allowed):
            route.continue_()
        else:
            report("network", f"blocked request to {route.request.url}")
            route.abort()

    def console_error(message) -> None:
        if message.type == "error":
            where = message.location.get("url", "") if message.text.startswith("Failed to load") else ""
            report("console", f"console: {message.text}" + (f" ({where})" if where else ""))

    def failed_response(response) -> None:
        if response.status >= 400:
            report("network", f"HTTP {response.status} for {response.url}")

    page = context.new_page()
    page.on("console", console_error)
    page.on("pageerror", lambda error: report("console", f"JavaScript error: {error}"))
    page.on("response", failed_response)
    page.route("**/*", block_network)
    return page


def run_axe(page, axe: Path, where: str, rules: list[str] | None = None) -> list[str]:
    """axe-core on the page as it is now: its critical and serious violations."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(axe))
    return axe_problems(page.evaluate(_AXE_JS, rules), where)


def check_page_in_browser(
    context, url: str, allowed: tuple, screenshot: Path | None, axe: Path | None = None, phone: bool = True
) -> tuple[dict, int | None]:
    """Open one page, every request outside `allowed` blocked; return its problems by check and its code column.

    At 1,280 px, then (``phone``) narrowed to 390 px; axe-core (``axe``, its script) at both
    widths in light mode with every rule, and in dark mode with the colour rules.
    """
    found: dict[str, list[str]] = {}

    def report(check: str, problem: str) -> None:
        found.setdefault(check, []).append(problem)

    page = watched_page(context, allowed, report)
    page.set_viewport_size(VIEWPORT)
    page.goto(url, wait_until="load")
    page.evaluate(_SETTLED_JS)
    seen = page.evaluate(_PAGE_REPORT_JS)
    for src in seen["brokenImages"]:
        report("image", f"image did not load: {src}")
    for snippet in untypeset_math(seen["text"]):
        report("math", f"untypeset math: …{snippet}…")
    if seen["wideCode"]:
        report("code-scroll", scrolling_code_message(seen["wideCode"], seen["columnChars"]))
    for problem in machinery_problems(seen["allText"]):
        report("machinery", problem)
    if seen["searchFields"] > 1:
        report("search", f"{seen['searchFields']} search fields at {VIEWPORT['width']} px (the sidebar's is enough)")
    if seen["untaggedChinese"]:
        words = seen["untaggedChinese"]
        report("lang", f'{len(words)} Chinese text(s) without lang="zh" on an English page, e.g. {words[:3]}')
    if screenshot is not None:
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshot), full_page=True)
        page.evaluate(_SETTLED_JS)  # the full-page shot resized the page (no scrollbar) and back
    for width, size in (("1280 px", VIEWPORT), ("390 px", PHONE)):
        if size is PHONE:
            if not phone:
                break
            page.set_viewport_size(PHONE)
            page.evaluate(_SETTLED_JS)
            for check, problems in phone_problems(page.evaluate(_PHONE_JS)).items():
                found.setdefault(check, []).extend(problems)
        if axe is not None:
            for problem in run_axe(page, axe, f"{width}, light"):
                report("axe", problem)
            page.evaluate(_COLOUR_MODE_JS, "dark")
            page.evaluate(_SETTLED_JS)
            for problem in run_axe(page, axe, f"{width}, dark", AXE_COLOUR_RULES):
                report("axe", problem)
            page.evaluate(_COLOUR_MODE_JS, "light")
            page.evaluate(_SETTLED_JS)
    page.close()
    return found, seen["columnChars"]


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@contextmanager
def served(html_dir: Path, http: bool):
    """Base URL of the build: its file:// address, or (http=True) a server on 127.0.0.1 as a web host would serve it."""
    if not http:
        yield html_dir.resolve().as_uri() + "/"
        return
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(html_dir)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()


def _check_shard(
    html_dir: Path, pages: list[str], screenshots: Path | None, http: bool, axe: Path | None, all_pages: set[str] | None
) -> tuple[dict, set[int]]:
    """One browser's share of `check_in_browser`: `pages` one by one, then the interactions if given ``all_pages``."""
    from playwright.sync_api import sync_playwright

    try:
        from tools import check_interactions
    except ModuleNotFoundError:  # run as a script, with tools/ on sys.path
        import check_interactions

    problems, columns = {}, set()
    with served(html_dir, http) as base, sync_playwright() as playwright:
        allowed = (base, "data:", "blob:")
        browser = playwright.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=VIEWPORT, service_workers="block")
        for page in pages:
            screenshot = screenshots / Path(page).with_suffix(".png") if screenshots else None
            found, column = check_page_in_browser(
                context, base + page, allowed, screenshot, axe=None if http else axe, phone=not http
            )
            problems[page] = found
            if column is not None:
                columns.add(column)
        if all_pages is not None:
            views = None if screenshots is None else screenshots / "views"
            found = check_interactions.run_all(context, base, allowed, all_pages, views, http)
            merge_problems(problems, found)
        browser.close()
    return problems, columns


def merge_problems(problems: dict, more: dict) -> dict:
    """{page: {check: [problems]}} with `more`'s problems added to each page's and check's list."""
    for page, found in more.items():
        for check, found_problems in found.items():
            problems.setdefault(page, {}).setdefault(check, []).extend(found_problems)
    return problems


def shares(pages: list[str], jobs: int) -> list[list[str]]:
    """`pages` dealt into 3 shares per job (fewer if there are fewer pages): no browser waits long for the last."""
    n = max(1, min(len(pages), 3 * jobs))
    return [pages[i::n] for i in range(n)]


def check_in_browser(
    html_dir: Path, pages: list[str], screenshots: Path | None, http: bool, axe: Path | None = None, jobs: int = 2
) -> tuple[dict, set[int]]:
    """Open every page; return {page: {check: [problems]}} and the code column widths seen (characters).

    From files: every check, the phone and axe (unless ``axe`` is None) on every page, and the
    interactions (tools/check_interactions.py). Served (``http``): the per-page checks at
    1,280 px and the search. With ``jobs`` > 1, that many browsers, each in a process of its
    own, take the interactions and shares of the pages as each becomes free.
    """
    if jobs < 2:
        return _check_shard(html_dir, pages, screenshots, http, axe, set(pages))
    shards = [([], set(pages))] + [(share, None) for share in shares(pages, jobs)]
    problems, columns = {}, set()
    spawn = multiprocessing.get_context("spawn")  # fresh processes: nothing of the parent's state
    with ProcessPoolExecutor(max_workers=jobs, mp_context=spawn) as pool:
        futures = [pool.submit(_check_shard, html_dir, share, screenshots, http, axe, every) for share, every in shards]
        for future in futures:
            found, seen = future.result()
            merge_problems(problems, found)
            columns |= seen
    return problems, columns


def main(argv: list[str] | None = None) -> int:
    """Run every check on every page; print one line per failing page; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html", help="the built book")
    parser.add_argument("--screenshots", type=Path, default=ROOT / "_build" / "screenshots")
    parser.add_argument("--no-screenshots", action="store_true", help="skip the screenshots (faster)")
    parser.add_argument("--http", action="store_true", help="serve the build on 127.0.0.1 instead of opening files")
    parser.add_argument("--config", type=Path, default=ROOT / "_config.yml")
    parser.add_argument("--warn", action="append", default=[], choices=CHECKS, help="report this check, do not fail")
    parser.add_argument("--axe", type=Path, default=AXE, help="axe-core's axe.min.js (.ci/browser installs it)")
    parser.add_argument("--no-axe", action="store_true", help="skip the accessibility check (faster)")
    parser.add_argument("--jobs", type=int, default=2, help="browsers at once, each in its own process (default 2)")
    args = parser.parse_args(argv)

    html_dir = args.html
    if not (html_dir / "index.html").is_file():
        print(f"{html_dir}/index.html not found: build the book first (jupyter-book build .)")
        return 2
    config = yaml.safe_load(args.config.read_text(encoding="utf-8"))
    results = json.loads((ROOT / "benchmarks" / "results.json").read_text(encoding="utf-8"))
    files = {p.relative_to(html_dir).as_posix() for p in html_dir.rglob("*") if p.is_file()}
    assets = {"_static", "_sources", "_images"}  # also the Chinese edition's, under zh/
    pages = sorted(f for f in files if f.endswith(".html") and not assets & set(f.split("/")[:-1]))
    parsed = {page: parse_page((html_dir / page).read_text(encoding="utf-8")) for page in pages}

    axe = None if args.no_axe or args.http else args.axe
    if axe is not None and not axe.is_file():
        print(f"{axe} not found: run .ci/browser (it installs axe-core), pass --axe PATH, or --no-axe")
        return 2
    redirects = [page for page in pages if parsed[page].redirect]  # no content of their own: only their link is checked
    screenshots = None if args.no_screenshots else args.screenshots
    opened = [p for p in pages if p not in redirects]
    problems, columns = check_in_browser(html_dir, opened, screenshots, args.http, axe, args.jobs)
    for page, links in broken_links(parsed, files).items():
        problems.setdefault(page, {})["link"] = [f"broken link {link}" for link in links]
    for page in pages:
        found = problems.setdefault(page, {})
        if page not in redirects and (problem := title_problem(parsed[page].title)):
            found["title"] = [problem]
        if page not in redirects and (problem := icon_problem(page, parsed[page], files)):
            found["favicon"] = [problem]
        docname, language = edition_page(page.removesuffix(".html"))
        if notebook_path(config, docname, args.config.parent).is_file():
            if launch := launch_problems(parsed[page].hrefs, expected_launch_urls(config, docname)):
                found["launch"] = launch
            expected = expected_cost_line(results, docname, language)
            if problem := cost_problem((html_dir / page).read_text(encoding="utf-8"), expected):
                found["cost"] = [problem]

    failed = 0
    for page in sorted(set(pages) | set(problems)):
        if errors := page_line(problems[page], [c for c in CHECKS if c not in args.warn]):
            failed += 1
            print(f"FAIL {page}: {errors}")
        if warnings := page_line(problems[page], args.warn):
            print(f"warn {page}: {warnings}")
    column = f"code column shows {min(columns)} characters at {VIEWPORT['width']} px" if columns else "no code seen"
    how = "served on 127.0.0.1" if args.http else "opened as files"
    print(f"{len(pages)} pages {how} in offline Chromium, {failed} failing; {column}")
    if screenshots:
        print(f"screenshots: {screenshots}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
