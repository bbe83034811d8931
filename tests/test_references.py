"""The bibliography: every entry in references.bib is complete and cited, every citation has an entry.

Complete means a year, a venue (journal, book title, publisher, institution, or how it was
published) and an identifier a reader can follow: a DOI, an arXiv id (``eprint``) or a URL.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pybtex.database import parse_file

ROOT = Path(__file__).resolve().parents[1]
BIB = ROOT / "references.bib"
VENUE_FIELDS = ("journal", "booktitle", "publisher", "institution", "school", "howpublished")
IDENTIFIER_FIELDS = ("doi", "eprint", "url")
# {cite}`a,b`, {cite:p}`a`, {cite:t}`a`, {cite:ps}`a` ... as MyST writes them. Code spans are
# matched too, left to right, so that a role shown as code (``{cite}``) is not taken for one.
CITE_ROLE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`|``[^\n]*?``|`[^`\n]*`")


FENCE_LINE = re.compile(r"^[ \t]*(`{3,}|:{3,}).*$", re.MULTILINE)  # a directive's fence is not a code span


def citations(text: str) -> list[str]:
    """The keys cited in ``text``, in order."""
    text = FENCE_LINE.sub("", text)
    return [key.strip() for m in CITE_ROLE.finditer(text) if m.group(1) for key in m.group(1).split(",")]


def entries() -> dict:
    return dict(parse_file(str(BIB), bib_format="bibtex").entries)


def page_texts() -> dict[str, str]:
    """The prose of every page: Markdown files and the Markdown cells of notebooks under book/."""
    texts = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "book").glob("*.md")}
    for path in (ROOT / "book").glob("*.ipynb"):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        texts[path.name] = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return texts


def cited_keys() -> dict[str, set[str]]:
    """Each cited key with the pages that cite it."""
    cited: dict[str, set[str]] = {}
    for page, text in page_texts().items():
        for key in citations(text):
            cited.setdefault(key, set()).add(page)
    return cited


def test_the_bibliography_is_not_empty():
    assert len(entries()) >= 40


@pytest.mark.parametrize("key", sorted(entries()))
def test_entry_has_year_venue_and_identifier(key):
    fields = {name.lower(): value for name, value in entries()[key].fields.items()}
    assert re.fullmatch(r"(1[89]|20)\d\d", fields.get("year", "")), f"{key}: no year (or not a four-digit year)"
    assert any(fields.get(name) for name in VENUE_FIELDS), f"{key}: no venue (one of {VENUE_FIELDS})"
    assert any(fields.get(name) for name in IDENTIFIER_FIELDS), f"{key}: no DOI, arXiv eprint or URL"
    if "doi" in fields:
        assert re.fullmatch(r"10\.\d{4,9}/\S+", fields["doi"]), f"{key}: DOI {fields['doi']!r} is not a bare DOI"
    if "eprint" in fields:
        assert re.fullmatch(r"\d{4}\.\d{4,5}", fields["eprint"]), (
            f"{key}: eprint {fields['eprint']!r} is not an arXiv id"
        )
        assert fields.get("archiveprefix", "").lower() == "arxiv", f"{key}: eprint without archivePrefix = {{arXiv}}"
    if "url" in fields:
        assert fields["url"].startswith(("https://", "http://")), f"{key}: URL {fields['url']!r}"


def test_every_entry_is_cited_by_a_page():
    uncited = sorted(set(entries()) - set(cited_keys()))
    assert not uncited, f"entries that no page cites (cite them or remove them): {uncited}"


def test_every_citation_has_an_entry():
    missing = {key: sorted(pages) for key, pages in cited_keys().items() if key not in entries()}
    assert not missing, f"cited keys missing from references.bib: {missing}"


def test_citations_reads_roles_and_skips_code():
    text = "see {cite:p}`a2020, b2021` and `x` {cite:t}`c1999`, {cite}`d2000`; the `{cite}` role, ``{cite}`e` ``"
    assert citations(text) == ["a2020", "b2021", "c1999", "d2000"]
    table = "```{list-table}\n* - {article}`x`\n  - {cite:t}`f2001`\n```\n\n```python\nx = 1\n```\n{cite:p}`g2002`"
    assert citations(table) == ["f2001", "g2002"]


def chapter_lists() -> dict[str, set[str]]:
    """The keys the bibliography page lists under each chapter ('[Chapter 3](ch3_….ipynb)' items)."""
    text = (ROOT / "book" / "bibliography.md").read_text(encoding="utf-8")
    section = text.split("## Works cited, chapter by chapter", 1)[1].split("\n## ", 1)[0]
    lists = {}
    for item in re.split(r"\n- ", section)[1:]:
        page = re.search(r"\]\(([\w]+\.ipynb)\)", item)
        if page:
            lists[page.group(1)] = set(citations(item))
    return lists


def test_each_chapter_list_on_the_bibliography_page_is_complete():
    """Every work a chapter cites is listed under that chapter on the bibliography page, and nothing else."""
    lists = chapter_lists()
    texts = page_texts()
    chapters = sorted(p for p in texts if p.startswith("ch") and p.endswith(".ipynb"))
    assert sorted(lists) == chapters, "the bibliography page needs one list per chapter"
    for chapter in chapters:
        cited = set(citations(texts[chapter]))
        missing, extra = sorted(cited - lists[chapter]), sorted(lists[chapter] - cited)
        assert not missing and not extra, f"{chapter}: list lacks {missing}, lists uncited {extra}"
