"""What a reader does on the book's pages, tried in Chromium once per edition (tools/check_pages.py runs it).

- navigation: on a 390-px phone, tapping the visible ☰ opens the chapter list and ☷ the
  page's contents; at 1,024 px ☷ opens the contents; at 1,280 px ☰ hides the sidebar and
  shows it again (the theme's top navbar had copies of these buttons that took their clicks:
  pydata-sphinx-theme#2451);
- keyboard: Tab through chapter 2 from the top to the end: no formula is a Tab stop unless
  it scrolls sideways, and every stop shows where the focus is;
- language-switch: from a section's address (``…#backpropagation-derived``) the link to the
  other edition lands on the same section, also after the address changed on the page;
- search: "backpropagation" on the English search page and "反向传播" on the Chinese one list
  chapter 2, and every page result has an excerpt (from files too).

Views for people to look at (the phone's navigation and contents, the errata and the
glossary on a phone, the glossary on a laptop) go to ``_build/screenshots/views/``.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

try:
    from tools.check_pages import PHONE, VIEWPORT, watched_page
except ModuleNotFoundError:  # run as a script, with tools/ on sys.path
    from check_pages import PHONE, VIEWPORT, watched_page

SAMPLE = "book/ch2_feedforward.html"  # the chapter the interactions are tried on, in each edition
SECTION = "backpropagation-derived"  # one of its sections (both editions have the same anchors)
OTHER_SECTION = "softmax-and-cross-entropy"
EDITIONS = {"en": "", "zh": "zh/"}
SEARCHES = {"en": "backpropagation", "zh": "反向传播"}
TABLET = {"width": 1024, "height": 768}
MAX_TAB_STOPS = 1000

_DIALOG_OPEN_JS = """(id) => {
  const dialog = document.getElementById(id);
  return !!(dialog && dialog.open && dialog.getBoundingClientRect().width > 0);
}"""
_SIDEBAR_SHOWN_JS = """() => {
  const sidebar = document.getElementById('pst-primary-sidebar');
  const box = sidebar.getBoundingClientRect();
  return getComputedStyle(sidebar).visibility !== 'hidden' && box.width > 0 && box.right > 0;
}"""
_TAB_STOP_JS = """(index) => {
  const e = document.activeElement;
  if (!e || e === document.body || e === document.documentElement) return null;
  if (e.dataset.tabStop !== undefined) return {again: true};
  e.dataset.tabStop = index;
  const style = getComputedStyle(e);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 1;
  const shadow = !!style.boxShadow && style.boxShadow !== 'none';
  const label = (e.getAttribute('aria-label') || e.getAttribute('title') || e.textContent || '').trim().slice(0, 30);
  const formula = e.closest('mjx-container');  // a formula that scrolls sideways must be a Tab stop
  const classes = typeof e.className === 'string' && e.className ? '.' + e.className.split(' ')[0] : '';
  return {again: false, formula: !!formula && formula.scrollWidth <= formula.clientWidth + 1,
          visibleFocus: outline || shadow, name: `${e.tagName.toLowerCase()}${classes} "${label}"`};
}"""
_SEARCH_DONE_JS = """() => window.Search && Search.status && Search.status.innerText.trim() !== ''
  && Search._pulse_status < 0"""
_SEARCH_RESULTS_JS = """() => [...document.querySelectorAll('#search-results ul.search > li')].map(li => ({
  href: li.querySelector('a').getAttribute('href'),
  title: li.querySelector('a').textContent,
  object: !!li.querySelector(':scope > span'),
  excerpt: (li.querySelector('p.context') || {textContent: ''}).textContent.trim()}))"""
_EXCERPTS_DONE_JS = """() => [...document.querySelectorAll('#search-results ul.search > li')]
  .every(li => li.querySelector('p.context') || li.querySelector(':scope > span'))"""


class Reporter:
    """Problems by page and check."""

    def __init__(self) -> None:
        self.found: dict[str, dict[str, list[str]]] = {}

    def on(self, page: str):
        """A report(check, problem) function for one page."""
        return lambda check, problem: self.found.setdefault(page, {}).setdefault(check, []).append(problem)


def _shoot(page, views: Path | None, name: str) -> None:
    if views is not None:
        views.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(views / name))


def check_navigation(context, url: str, allowed: tuple, report, views: Path | None, edition: str) -> None:
    """☰ and ☷ on a phone, ☷ at 1,024 px, ☰ at 1,280 px."""
    page = watched_page(context, allowed, report)
    for size, where in ((PHONE, "390 px"), (TABLET, "1,024 px"), (VIEWPORT, "1,280 px")):
        page.set_viewport_size(size)
        buttons = [("☷", ".secondary-toggle", "pst-secondary-sidebar-modal", "contents")]
        if size is PHONE:
            buttons.insert(0, ("☰", ".primary-toggle", "pst-primary-sidebar-modal", "navigation"))
        for symbol, selector, dialog, view in buttons if size is not VIEWPORT else []:
            page.goto(url, wait_until="load")
            visible = page.locator(selector).filter(visible=True)
            if visible.count() != 1:
                report("navigation", f"{where}: {visible.count()} visible {symbol} buttons, expected one")
                continue
            visible.click()
            page.wait_for_timeout(300)
            if not page.evaluate(_DIALOG_OPEN_JS, dialog):
                report("navigation", f"{where}: tapping the visible {symbol} does not open the {view}")
                continue
            if size is PHONE:
                _shoot(page, views, f"phone-{view}-{edition}.png")
            page.keyboard.press("Escape")
        if size is VIEWPORT:
            page.goto(url, wait_until="load")
            toggle = page.locator(".primary-toggle").filter(visible=True)
            if toggle.count() != 1:
                report("navigation", f"{where}: {toggle.count()} visible ☰ buttons, expected one")
                continue
            shown = []
            for _ in range(2):
                toggle.click()
                page.wait_for_timeout(600)  # the theme's transition
                shown.append(page.evaluate(_SIDEBAR_SHOWN_JS))
            if shown != [False, True]:
                report("navigation", f"{where}: clicking ☰ twice: sidebar shown {shown}, expected [False, True]")
    page.close()


def check_keyboard(context, url: str, allowed: tuple, report) -> int:
    """Tab through the page; report formulas in the Tab order and stops without a visible focus; return the stops."""
    page = watched_page(context, allowed, report)
    page.set_viewport_size(VIEWPORT)
    page.goto(url, wait_until="load")
    page.evaluate("async () => { if (window.MathJax && MathJax.startup) await MathJax.startup.promise; }")
    stops = []
    for index in range(MAX_TAB_STOPS):
        page.keyboard.press("Tab")
        stop = page.evaluate(_TAB_STOP_JS, index)
        if stop is None or stop["again"]:
            if stops:
                break
            continue
        stops.append(stop)
    page.close()
    formulas = sum(stop["formula"] for stop in stops)
    if formulas:
        report("keyboard", f"{formulas} of {len(stops)} Tab stops are formulas that do not scroll (inTabOrder)")
    unseen = [stop["name"] for stop in stops if not stop["visibleFocus"] and not stop["formula"]]
    if unseen:
        report("keyboard", f"{len(unseen)} Tab stops show no focus outline, e.g. {unseen[:4]}")
    return len(stops)


def check_language_switch(context, base: str, allowed: tuple, report, edition: str) -> None:
    """The switch carries the address's fragment to the other edition, also after it changed on the page."""
    here, there = EDITIONS[edition], EDITIONS["zh" if edition == "en" else "en"]
    page = watched_page(context, allowed, report)
    page.set_viewport_size(VIEWPORT)
    for section, how in ((SECTION, "opened at"), (OTHER_SECTION, "moved on the page to")):
        if how == "opened at":
            page.goto(f"{base}{here}{SAMPLE}#{section}", wait_until="load")
        else:
            page.goto(f"{base}{here}{SAMPLE}", wait_until="load")
            page.evaluate("(id) => { location.hash = id; }", section)
        with page.expect_navigation():
            page.locator(".language-switch a").click()
        expected = f"{base}{there}{SAMPLE}#{section}"
        if page.url != expected:
            report("language-switch", f"{how} #{section}, the language switch goes to {page.url}, not {expected}")
        elif not page.evaluate("(id) => !!document.getElementById(id)", section):
            report("language-switch", f"the other edition has no #{section}")
    page.close()


def check_search(context, base: str, allowed: tuple, report, edition: str) -> list[str]:
    """Search for the chapter 2's subject: chapter 2 listed, every page result with an excerpt; return the titles."""
    page = watched_page(context, allowed, report)
    page.set_viewport_size(VIEWPORT)
    query = SEARCHES[edition]
    page.goto(f"{base}{EDITIONS[edition]}search.html?q={quote(query)}", wait_until="load")
    try:
        page.wait_for_function(_SEARCH_DONE_JS, timeout=30_000)
        page.wait_for_function(_EXCERPTS_DONE_JS, timeout=10_000)
    except Exception:  # playwright's TimeoutError: report what is there
        pass
    results = page.evaluate(_SEARCH_RESULTS_JS)
    page.close()
    if not any(result["href"].split("#")[0] == SAMPLE for result in results):
        titles = [result["title"] for result in results][:5]
        report("search", f"searching {query!r} does not list {SAMPLE} (found {len(results)}: {titles})")
    bare = [result["title"] for result in results if not result["object"] and not result["excerpt"]]
    if bare:
        report("search", f"searching {query!r}: {len(bare)} of {len(results)} results have no excerpt, e.g. {bare[:3]}")
    return [result["title"] for result in results]


def take_views(context, base: str, allowed: tuple, report, views: Path, edition: str) -> None:
    """Screenshots of the errata and the glossary on a phone, and the glossary on a laptop."""
    page = watched_page(context, allowed, report)
    prefix = EDITIONS[edition]
    page.set_viewport_size(PHONE)
    page.goto(f"{base}{prefix}book/errata.html", wait_until="load")
    page.evaluate("() => document.querySelector('table.errata')?.scrollIntoView()")
    _shoot(page, views, f"phone-errata-{edition}.png")
    page.goto(f"{base}{prefix}book/glossary.html", wait_until="load")
    page.evaluate("() => document.querySelector('.glossary-letters, dl.glossary')?.scrollIntoView()")
    _shoot(page, views, f"phone-glossary-{edition}.png")
    page.set_viewport_size(VIEWPORT)
    page.goto(f"{base}{prefix}book/glossary.html", wait_until="load")
    _shoot(page, views, f"glossary-{edition}.png")
    page.close()


def run_all(context, base: str, allowed: tuple, pages: set[str], views: Path | None, http: bool) -> dict:
    """Every interaction in both editions; {page: {check: [problems]}}. Served (``http``): the search only."""
    reporter = Reporter()
    for edition, prefix in EDITIONS.items():
        sample = prefix + SAMPLE
        if sample not in pages:
            reporter.on(sample)("navigation", f"{sample} is missing: the interactions are tried on it")
            continue
        search_report = reporter.on(f"{prefix}search.html")
        titles = check_search(context, base, allowed, search_report, edition)
        print(f"{edition}: searching {SEARCHES[edition]!r} lists {len(titles)} results")
        if http:
            continue
        report = reporter.on(sample)
        check_navigation(context, base + sample, allowed, report, views, edition)
        stops = check_keyboard(context, base + sample, allowed, report)
        print(f"{edition}: {sample} has {stops} Tab stops")
        check_language_switch(context, base, allowed, report, edition)
        if views is not None:
            take_views(context, base, allowed, reporter.on(f"{prefix}book/glossary.html"), views, edition)
    return reporter.found
