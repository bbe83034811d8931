"""The appendix pages stay in step with the chapters.

Each chapter lists its terms as links to the one glossary, which holds each of them (English
and Chinese), the exercise index lists every exercise label, and every errata row points
somewhere. Links and
anchors themselves are checked by the book build (``jupyter-book build . -W -n``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
APPENDICES = ["book/faq", "book/errata", "book/glossary", "book/exercises", "book/costs", "book/bibliography"]


def markdown_of(notebook: Path) -> str:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def chapters() -> list[Path]:
    return sorted(BOOK.glob("ch*.ipynb"))


def fenced_block(text: str, directive: str) -> str:
    """The body of the first ```{directive} ... ``` block of a MyST page."""
    match = re.search(r"```\{" + re.escape(directive) + r"\}\n(.*?)\n```", text, re.DOTALL)
    assert match, f"no {directive} directive found"
    return match.group(1)


def glossary_terms() -> set[str]:
    """Every term of book/glossary.md, lower-cased: the unindented lines of the glossary directive."""
    body = fenced_block((BOOK / "glossary.md").read_text(encoding="utf-8"), "glossary")
    return {
        line.strip().lower() for line in body.splitlines() if line.strip() and not line[0].isspace() and line[0] != ":"
    }


# A {term} role, or a code span (matched too, left to right, so that a role shown as code is not taken for one).
TERM_ROLE_OR_CODE = re.compile(r"\{term\}`([^`]+)`|``.*?``|`[^`]*`", re.DOTALL)


def term_roles(text: str) -> list[str]:
    """The text of each {term} role in ``text``, outside code spans."""
    return [m.group(1) for m in TERM_ROLE_OR_CODE.finditer(text) if m.group(1)]


def term_target(role_text: str) -> str:
    """The glossary entry a {term} role points at: 'shown <entry>' -> 'entry', else the text itself."""
    match = re.fullmatch(r"(?s).*<([^>]+)>\s*", role_text)
    return (match.group(1) if match else role_text).strip().lower()


def terms_section(notebook: Path) -> list[str]:
    """The lines of a chapter's "Terms (术语)" section, which links its terms to the glossary."""
    text = markdown_of(notebook)
    assert "## Terms (术语)" in text, f"{notebook.name}: no '## Terms (术语)' section"
    section = text.split("## Terms (术语)", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("- ")]


def chinese_terms(text: str) -> list[str]:
    """'动作电位，脉冲' -> both; '轮（epoch）' -> ['轮']; '梯度消失 / 梯度爆炸' -> both."""
    text = re.sub(r"（[^）]*）|\([^)]*\)", "", text)
    return [t.strip() for t in re.split(r"[，,/、]", text) if t.strip()]


def test_term_targets():
    assert chinese_terms(" 随时间反向传播（BPTT）") == ["随时间反向传播"]
    assert chinese_terms("梯度消失 / 梯度爆炸") == ["梯度消失", "梯度爆炸"]
    assert term_target("recurrent neural network") == "recurrent neural network"
    assert term_target("RNNs <recurrent neural network>") == "recurrent neural network"


def test_every_chapter_lists_its_terms_as_links_to_the_glossary():
    terms = glossary_terms()
    for notebook in chapters():
        lines = terms_section(notebook)
        assert len(lines) >= 5, f"{notebook.name}: fewer than 5 terms listed"
        for line in lines:
            roles = term_roles(line)
            assert roles, f"{notebook.name}: term line without a {{term}} link: {line!r}"
            assert term_target(roles[0]) in terms, f"{notebook.name}: {roles[0]!r} is not in book/glossary.md"
            chinese = line.split("—", 1)[1] if "—" in line else ""
            for word in chinese_terms(chinese):
                assert word.lower() in terms, f"{notebook.name}: Chinese term {word!r} is not in book/glossary.md"
        assert "| English | 中文 |" not in markdown_of(notebook), f"{notebook.name}: still repeats a glossary table"


def test_every_term_role_of_every_page_names_a_glossary_entry():
    terms = glossary_terms()
    pages = {p.name: markdown_of(p) for p in BOOK.glob("*.ipynb")}
    pages |= {p.name: p.read_text(encoding="utf-8") for p in BOOK.glob("*.md")}
    unknown = [f"{name}: {role}" for name, text in pages.items() for role in term_roles(text)
               if term_target(role) not in terms]  # fmt: skip
    assert not unknown, f"{{term}} roles without a glossary entry: {unknown}"


def test_glossary_uses_the_books_chinese_for_recurrent_networks():
    body = fenced_block((BOOK / "glossary.md").read_text(encoding="utf-8"), "glossary")
    entry = body.split("recurrent neural network\n", 1)[1].split("\n\n", 1)[0]
    assert "循环神经网络" in entry and "递归神经网络" not in entry.splitlines()[:4]


def exercise_labels(text: str) -> list[str]:
    return re.findall(r"```\{exercise-start\}\n:label: (\S+)", text)


def test_exercise_index_lists_every_exercise_once():
    labels = [label for path in sorted(BOOK.glob("*.ipynb")) for label in exercise_labels(markdown_of(path))]
    assert len(labels) == len(set(labels)) >= 10
    index = (BOOK / "exercises.md").read_text(encoding="utf-8")
    linked = re.findall(r"\{ref\}`[^`<]*<([^>]+)>`", index)
    assert sorted(linked) == sorted(labels), "book/exercises.md must link every exercise label exactly once"


def list_table_rows(text: str) -> list[str]:
    """The rows of every list-table of a MyST page, header rows excluded."""
    rows = []
    for table in re.findall(r"```\{list-table\}\n(.*?)\n```", text, re.DOTALL):
        rows += re.split(r"\n\* - ", "\n" + table.split("\n* - ", 1)[1])[1:]
    return rows


def test_every_errata_row_quotes_the_article_and_points_somewhere():
    rows = list_table_rows((BOOK / "errata.md").read_text(encoding="utf-8"))
    assert len(rows) >= 30, "the errata tables have lost rows"
    for row in rows:
        said, _, shown_in = re.split(r"\n  - ", row)
        assert re.search(r"\{article(-math|-code)?\}`", said), f"errata row that quotes nothing: {row[:80]!r}"
        assert "](" in shown_in or "{term}" in shown_in, f"errata row without a link: {row[:80]!r}"


def test_the_articles_ten_references_are_listed_with_their_correction():
    text = (BOOK / "bibliography.md").read_text(encoding="utf-8")
    rows = list_table_rows(text[text.index("## The article's references") :])
    assert len(rows) == 10
    for row in rows:
        printed, wrong, correct = re.split(r"\n  - ", row)
        assert printed.startswith("{article}`"), row[:80]
        assert wrong.strip() and "{cite:t}`" in correct, row[:80]


def test_appendices_are_in_the_toc():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [chapter["file"] for chapter in toc["chapters"]]
    assert files[-len(APPENDICES) :] == APPENDICES
