"""Hygiene of the stored chapters: what nbval compares and the book renders must be clean.

The book builds with ``execute_notebooks: auto``, which re-runs a notebook if any code
cell lacks an output; every cell therefore keeps one, and the build never re-executes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))


def toc_files() -> set[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = {toc["root"]}
    for chapter in toc.get("chapters", []):
        files.add(chapter["file"])
    return files


def output_text(output: dict) -> str:
    data = output.get("data", {})
    return "".join(output.get("text", "")) + "".join(data.get("text/plain", "")) + "".join(data.get("text/html", ""))


def test_every_notebook_is_in_the_toc():
    listed = toc_files()
    missing = [p.name for p in NOTEBOOKS if f"book/{p.stem}" not in listed]
    assert not missing, f"notebooks not in _toc.yml: {missing}"
    assert NOTEBOOKS, "no chapters found under book/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_executed_and_clean(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert [c["execution_count"] for c in code] == list(range(1, len(code) + 1)), (
        f"{path.name}: re-run it top to bottom in a fresh kernel (tools/execute_notebooks.py)"
    )
    for i, cell in enumerate(code, start=1):
        assert cell["outputs"], f"{path.name} code cell {i} has no output, so the book build would re-execute it"
        for output in cell["outputs"]:
            text = output_text(output)
            assert output.get("name") != "stderr", f"{path.name} cell {i} stored stderr: {text[:120]!r}"
            assert output["output_type"] != "error" or "raises-exception" in cell["metadata"].get("tags", [])
            assert not re.search(r"0x[0-9a-f]{6,}", text), f"{path.name} cell {i} stores a memory address"
            assert "<Figure size" not in text or output["output_type"] == "display_data", (
                f"{path.name} cell {i} shows a Figure repr: end the plotting line with ';'"
            )
            figures = sum(any(k.startswith("image/") for k in o.get("data", {})) for o in cell["outputs"])
            assert figures <= 1, f"{path.name} cell {i} shows {figures} figures: one per cell, ending with ';'"
            assert not re.search(r"(/work/|/tmp/|/root/|/home/)", text), f"{path.name} cell {i} stores an absolute path"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_starts_with_setup_and_a_title(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    first_markdown = next(c for c in nb["cells"] if c["cell_type"] == "markdown")
    assert "".join(first_markdown["source"]).startswith("# "), f"{path.name} must start with a '# ' title"
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code[0].get("id") == "colab-install", f"{path.name}: run python tools/add_colab_cell.py"
    first_code = "".join(code[1]["source"])  # the first cell a reader sees
    assert "companion.setup(seed=" in first_code, f"{path.name}: the first code cell must call companion.setup"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_figures_have_captions_and_alt_text(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for i, cell in enumerate(c for c in nb["cells"] if c["cell_type"] == "code"):
        if any(k.startswith("image/") for o in cell["outputs"] for k in o.get("data", {})):  # PNG or SVG
            meta = cell["metadata"].get("mystnb", {})
            assert meta.get("figure", {}).get("caption"), f"{path.name} code cell {i + 1}: figure without a caption"
            assert meta.get("image", {}).get("alt"), f"{path.name} code cell {i + 1}: figure without alt text"
