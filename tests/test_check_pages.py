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
    broken_links,
    expected_launch_urls,
    launch_problems,
    notebook_path,
    page_line,
    parse_page,
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


def test_intro_colab_cell_installs_the_companion_from_the_configured_repository():
    intro = (ROOT / "book" / "intro.md").read_text(encoding="utf-8")
    repo = re.search(r'^repo = "([^"]+)"', intro, flags=re.MULTILINE)
    assert repo, 'the intro\'s Colab cell must set repo = "owner/name"'
    assert f"https://github.com/{repo.group(1)}" == CONFIG["repository"]["url"].rstrip("/")
    assert '%pip install "nnbook-companion[tf,explain] @ git+https://github.com/{repo}"' in intro


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
