"""Tests of tools/check_pages.py's pure parts, and of the launch buttons in a real build of the book."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

from tools.check_pages import (
    ROOT,
    axe_problems,
    broken_links,
    expected_launch_urls,
    icon_problem,
    launch_problems,
    machinery_problems,
    merge_problems,
    notebook_path,
    outside_book,
    page_line,
    parse_page,
    phone_problems,
    shares,
    title_problem,
    untypeset_math,
)

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


def test_untypeset_math_finds_each_delimiter():
    assert untypeset_math("a relative error of 1e-7 and $5 prices") == []
    found = untypeset_math(r"error of \(10^{-7}\) or \[x\] or $$y$$")
    assert len(found) == 4  # \(  \[  and two $$
    assert r"\(10^{-7}" in found[0]


def test_parse_page_collects_title_ids_links_and_redirects():
    page = parse_page(
        "<html><head><title>2. Feed-forward &#8212; Book</title></head><body>"
        '<section id="backprop"><a name="old-anchor"></a><a href="ch3.html#conv">next</a></section></body></html>'
    )
    assert page.title == "2. Feed-forward \u2014 Book"
    assert page.ids == {"backprop", "old-anchor"}
    assert page.hrefs == ["ch3.html#conv"]
    redirect = parse_page('<meta http-equiv="Refresh" content="0; url=book/intro.html" />')
    assert redirect.redirect == "book/intro.html" and redirect.hrefs == ["book/intro.html"]


def test_title_problem():
    assert title_problem("1. Neurons \u2014 Book") is None
    assert title_problem("  ") and title_problem("<no title> \u2014 Book")


def test_page_line_keeps_one_line_short_and_leaves_warnings_out():
    found = {"math": [f"formula {i}" for i in range(5)], "code-scroll": ["wide"], "title": ["no title"]}
    assert page_line(found, ["title", "math"]) == "no title; formula 0; formula 1; formula 2; and 2 more (math)"
    assert page_line(found, ["code-scroll"]) == "wide"
    assert page_line(found, ["image"]) == ""


def test_broken_links_checks_files_and_anchors():
    pages = {
        "book/a.html": parse_page(
            '<p id="top"><a href="b.html#eq-1">ok</a> <a href="#top">ok</a> <a href="../index.html">ok</a>'
            '<a href="b.html#missing">bad anchor</a> <a href="c.html">bad file</a>'
            '<a href="https://example.org/x#y">external</a> <a href="mailto:x@y">mail</a>'
            '<a href="../_sources/book/a.ipynb">download</a> <a href="../">folder</a></p>'
        ),
        "book/b.html": parse_page('<div id="eq-1"></div>'),
        "index.html": parse_page("<p>home</p>"),
    }
    files = {"book/a.html", "book/b.html", "index.html", "_sources/book/a.ipynb"}
    assert broken_links(pages, files) == {
        "book/a.html": ["b.html#missing (no anchor #missing in book/b.html)", "c.html (no file book/c.html)"]
    }


def test_launch_urls_follow_the_configured_repository():
    config = {
        "repository": {"url": "https://github.com/org/repo", "branch": "dev", "path_to_book": "docs"},
        "launch_buttons": {"binderhub_url": "https://mybinder.org", "colab_url": "https://colab.research.google.com"},
    }
    assert expected_launch_urls(config, "book/ch1") == {
        "Binder": "https://mybinder.org/v2/gh/org/repo/dev?urlpath=tree/docs/book/ch1.ipynb",
        "Colab": "https://colab.research.google.com/github/org/repo/blob/dev/docs/book/ch1.ipynb",
    }
    expected = expected_launch_urls(config, "book/ch1")
    assert launch_problems(["x.html", *expected.values()], expected) == []
    wrong = launch_problems([expected["Binder"].replace("ch1", "ch2")], expected)
    assert len(wrong) == 2 and "points at" in wrong[0] and "Colab button missing" in wrong[1]


def test_any_colab_install_line_in_the_intro_names_the_configured_repository():
    """The chapters install the companion on Colab themselves (tools/add_colab_cell.py); an intro line must agree."""
    intro = (ROOT / "book" / "intro.md").read_text(encoding="utf-8")
    for repo in re.findall(r'^repo = "([^"]+)"', intro, flags=re.MULTILINE):
        assert f"https://github.com/{repo}" == CONFIG["repository"]["url"].rstrip("/")
    for line in re.findall(r"^%pip install .*$", intro, flags=re.MULTILINE):
        assert '"nnbook-companion[tf,explain] @ git+https://github.com/{repo}"' in line


def test_colab_install_has_the_same_bounds_as_requirements_in():
    """The Colab cell installs pyproject's dependencies and extras: they must not drift from requirements.in."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    declared = project["dependencies"] + extras["tf"] + extras["explain"]
    lines = (ROOT / "requirements.in").read_text(encoding="utf-8").splitlines()
    pinned = {str(Requirement(line.split("#")[0])) for line in lines if line.strip() and line[0] not in "#-"}
    assert {str(Requirement(line)) for line in declared} <= pinned


@pytest.fixture(scope="module")
def built_book(tmp_path_factory) -> Path:
    """The book built from the stored notebooks into a temporary folder (about 10 s)."""
    out = tmp_path_factory.mktemp("book")
    build = "from jupyter_book.cli.main import main; main()"
    command = [sys.executable, "-c", build, "build", str(ROOT), "--path-output", str(out)]
    subprocess.run(command, check=True, capture_output=True, timeout=600)
    return out / "_build" / "html"


def test_every_notebook_page_launches_its_own_notebook(built_book):
    notebooks = sorted(ROOT.glob("book/*.ipynb"))
    assert notebooks
    for notebook in notebooks:
        docname = notebook.relative_to(ROOT).with_suffix("").as_posix()
        assert notebook_path(CONFIG, docname) == notebook
        page = parse_page((built_book / f"{docname}.html").read_text(encoding="utf-8"))
        assert launch_problems(page.hrefs, expected_launch_urls(CONFIG, docname)) == [], docname


def test_links_that_leave_the_books_folder_are_broken():
    pages = {
        "book/a.html": parse_page(
            '<a href="file:///etc/passwd">a</a> <a href="FILE:///C:/x">b</a> <a href="/etc/passwd">c</a>'
            '<a href="../../outside.html">d</a> <a href="..\\..\\x.html">e</a> <a href="b.html">ok</a>'
            '<a href="https://example.org/etc/passwd">external</a> <a href="mailto:x@y">mail</a>'
        ),
        "book/b.html": parse_page("<p>b</p>"),
    }
    broken = broken_links(pages, {"book/a.html", "book/b.html"})["book/a.html"]
    assert [line.split(" ")[0] for line in broken] == [
        "file:///etc/passwd",
        "FILE:///C:/x",
        "/etc/passwd",
        "../../outside.html",
        "..\\..\\x.html",
    ]
    assert all("leaves the book" in line for line in broken)
    assert outside_book("index.html", "book/a.html") is None
    assert outside_book("book/a.html", "../index.html") is None  # up to the book's root is still inside


def test_a_page_needs_a_favicon_that_exists():
    files = {"book/a.html", "_static/favicon.svg"}
    assert icon_problem("book/a.html", parse_page('<link rel="icon" href="../_static/favicon.svg"/>'), files) is None
    assert "no <link" in icon_problem("book/a.html", parse_page("<p>x</p>"), files)
    missing = icon_problem("book/a.html", parse_page('<link rel="shortcut icon" href="../_static/x.ico">'), files)
    assert "missing" in missing and "_static/x.ico" in missing


def test_machinery_shown_to_readers_is_found_in_code_and_text():
    assert machinery_problems("pytest --nbval re-runs every chapter; {1, 2} and `code`") == []
    text = (
        "# NBVAL_TOLERANCE rtol=1e-3: spread\nx = 1  # noqa: B018\nException reporting mode: Minimal\n"
        "linked with {term}`…` and ```{glossary}"
    )
    found = machinery_problems(text)
    assert len(found) == 5
    assert "nbval marker 1×" in found[0] and "NBVAL_TOLERANCE" in found[0]
    assert "noqa" in found[1] and "%xmode" in found[2] and "role" in found[3] and "directive" in found[4]


def test_axe_keeps_critical_and_serious_violations_except_the_known_ones():
    violations = [
        {"id": "image-alt", "impact": "critical", "help": "Images need alt text", "nodes": [{"target": ["img.x"]}]},
        {"id": "region", "impact": "moderate", "help": "Landmarks", "nodes": [{"target": ["div"]}]},
        {
            "id": "label-content-name-mismatch",
            "impact": "serious",
            "help": "Names match",
            "nodes": [{"target": [".theme-switch-button"]}, {"target": ["#mine"]}],
        },
    ]
    known = {"label-content-name-mismatch": (".theme-switch-button", "https://github.com/…/issues/1")}
    problems = axe_problems(violations, "390 px, dark", known)
    assert len(problems) == 2
    assert problems[0].startswith("axe image-alt (critical, 390 px, dark): 1× e.g. img.x")
    assert "1× e.g. #mine" in problems[1]
    assert axe_problems(violations[1:2], "x") == []


def test_phone_problems():
    fine = {"documentWidth": 390, "wideElements": [], "wideTables": [], "topBar": ["☰", "a", "b"], "overlapping": []}
    assert phone_problems(fine) == {}
    bad = {
        "documentWidth": 638,
        "wideElements": ["svg to 638 px"],
        "wideTables": ["table.errata 700 px in 358 px"],
        "topBar": [str(i) for i in range(8)],
        "overlapping": ["Launch / Search"],
    }
    found = phone_problems(bad)
    assert found["phone-width"][0] == "page is 638 px wide on a 390-px phone (widest: svg to 638 px)"
    assert "errata table" in found["phone-width"][1]
    assert found["top-bar"][0].startswith("8 controls in the phone's top bar (at most 6)")
    assert found["top-bar"][1] == "top-bar controls overlap: Launch / Search"


@pytest.mark.parametrize("n_pages", [0, 1, 5, 38])
def test_the_browsers_shares_hold_every_page_once(n_pages):
    pages = [f"p{i}.html" for i in range(n_pages)]
    dealt = shares(pages, jobs=2)
    assert sorted(page for share in dealt for page in share) == sorted(pages)
    assert len(dealt) == max(1, min(n_pages, 6)) and all(dealt) == (n_pages > 0)


def test_problems_from_several_browsers_are_merged_per_page_and_check():
    problems = {"a.html": {"axe": ["x"]}}
    more = {"a.html": {"axe": ["y"], "search": ["z"]}, "b.html": {"navigation": ["w"]}}
    merged = merge_problems(problems, more)
    assert merged == {"a.html": {"axe": ["x", "y"], "search": ["z"]}, "b.html": {"navigation": ["w"]}}
