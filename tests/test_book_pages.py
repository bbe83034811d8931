"""The appendix pages stay in step with the chapters.

The glossary holds every term of every chapter's glossary table (English and Chinese), the
exercise index lists every exercise label, and every errata row points somewhere. Links and
anchors themselves are checked by the book build (``jupyter-book build . -W -n``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
APPENDICES = ["book/faq", "book/errata", "book/glossary", "book/exercises", "book/bibliography"]


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


def chapter_glossary_rows(notebook: Path) -> list[tuple[str, str]]:
    """(English, Chinese) of each row of a chapter's 术语表 table."""
    text = markdown_of(notebook)
    section = text.split("术语表", 1)[1]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) >= 2 and cells[0] not in ("English", "---"):
            rows.append((cells[0], cells[1]))
        elif rows and not line.startswith("|"):
            break
    return rows


def english_terms(cell: str) -> list[str]:
    """'error term $\\delta$' -> ['error term']; 'vanishing / exploding gradient' -> both gradients."""
    cell = re.sub(r"\$[^$]*\$|\([^)]*\)", "", cell)
    terms = []
    for part in cell.split(","):
        pieces = [p.strip() for p in part.split("/") if p.strip()]
        head = pieces[-1].split()[-1] if len(pieces) > 1 else ""
        terms += [p if " " in p or not head or p == pieces[-1] else f"{p} {head}" for p in pieces]
    return [t for t in terms if t]


def chinese_terms(cell: str) -> list[str]:
    """'动作电位，脉冲' -> both; '轮（epoch）' -> ['轮']; '梯度消失 / 梯度爆炸' -> both."""
    cell = re.sub(r"（[^）]*）", "", cell)
    return [t.strip() for t in re.split(r"[，/]", cell) if t.strip()]


def test_term_splitting():
    assert english_terms("error term $\\delta$") == ["error term"]
    assert english_terms("vanishing / exploding gradient") == ["vanishing gradient", "exploding gradient"]
    assert english_terms("training / validation / test set") == ["training set", "validation set", "test set"]
    assert english_terms("kernel, filter") == ["kernel", "filter"]
    assert chinese_terms("随时间反向传播（BPTT）") == ["随时间反向传播"]
    assert chinese_terms("梯度消失 / 梯度爆炸") == ["梯度消失", "梯度爆炸"]


def test_every_chapter_has_a_glossary_table():
    for notebook in chapters():
        assert len(chapter_glossary_rows(notebook)) >= 5, f"{notebook.name}: no 术语表 table found"


def test_glossary_holds_every_chapter_term():
    terms = glossary_terms()
    missing = []
    for notebook in chapters():
        for english, chinese in chapter_glossary_rows(notebook):
            for term in english_terms(english) + chinese_terms(chinese):
                if term.lower() not in terms:
                    missing.append(f"{notebook.name}: {term}")
    assert not missing, f"terms of the chapters' glossaries missing from book/glossary.md: {missing}"


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


def test_every_errata_row_points_somewhere():
    table = fenced_block((BOOK / "errata.md").read_text(encoding="utf-8"), "list-table")
    rows = re.split(r"\n\* - ", "\n" + table.split("\n* - ", 1)[1])[1:]
    assert len(rows) >= 30, "the errata table has lost rows"
    for row in rows[1:]:  # the first row is the header
        shown_in = re.split(r"\n  - ", row)[-1]
        assert "](" in shown_in or "{term}" in shown_in, f"errata row without a link: {row[:80]!r}"
        if "not yet shown" in shown_in.lower():
            assert shown_in.startswith("Not yet shown in the book"), row[:80]


def test_appendices_are_in_the_toc():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [chapter["file"] for chapter in toc["chapters"]]
    assert files[-len(APPENDICES) :] == APPENDICES
