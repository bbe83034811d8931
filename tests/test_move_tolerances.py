"""tools/move_tolerances.py: markers leave the code for the metadata, reasons kept, outputs untouched, idempotent."""

from __future__ import annotations

import json

import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tools import move_tolerances
from tools.nbval_tolerance import Tolerance, cell_problems

OUTPUTS = [nbformat.v4.new_output("stream", name="stdout", text="accuracy 95.38%\n63 errors\n")]


def notebook(tmp_path, *sources, metadata=None):
    cells = [nbformat.v4.new_markdown_cell("# Title")]
    for source in sources:
        cell = nbformat.v4.new_code_cell(source, execution_count=1, outputs=OUTPUTS)
        cell.metadata.update(metadata or {})
        cells.append(cell)
    nb = nbformat.v4.new_notebook(cells=cells)
    path = tmp_path / "chapter.ipynb"
    nbformat.write(nb, path)
    return path


def code_cells(path):
    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


def test_a_tolerance_comment_becomes_metadata_with_its_reason(tmp_path):
    source = (
        "# NBVAL_TOLERANCE rtol=2e-3 atol=0.5: three epochs of training; seeds 0-4 gave\n"
        "# accuracy 95.30-96.04 %\n"
        "# a comment for the reader\n"
        "print(accuracy)"
    )
    path = notebook(tmp_path, source)
    report = move_tolerances.migrate(path)
    (cell,) = code_cells(path)
    assert cell.source == "# a comment for the reader\nprint(accuracy)"
    settings = cell.metadata["nbval"]["tolerance"]
    assert settings == {
        "rtol": 0.002,
        "atol": 0.5,
        "reason": "three epochs of training; seeds 0-4 gave accuracy 95.30-96.04 %",
    }
    assert Tolerance.from_metadata(cell.metadata) == Tolerance(rtol=0.002, atol=0.5, reason=settings["reason"])
    assert cell.outputs == OUTPUTS
    assert len(report) == 2 and "stay exact" in report[1]  # it prints integers: the author is told


def test_ignore_output_becomes_nbvals_tag_and_a_parenthesised_comment_its_reason(tmp_path):
    path = notebook(
        tmp_path,
        "import time\n\n# NBVAL_IGNORE_OUTPUT\n"
        "# (a training time: it varies from run to run and two- to threefold between\n"
        "# machines)\nglue('seconds', seconds)",
        "# NBVAL_IGNORE_OUTPUT\nimport platform",
    )
    move_tolerances.migrate(path)
    first, second = code_cells(path)
    assert first.source == "import time\n\nglue('seconds', seconds)"
    assert first.metadata["tags"] == ["nbval-ignore-output"]
    reason = "a training time: it varies from run to run and two- to threefold between machines"
    assert first.metadata["nbval"] == {"ignore_output": reason}
    assert second.source == "import platform" and second.metadata == {"tags": ["nbval-ignore-output"]}


def test_integers_word_and_markers_in_the_middle_of_a_cell(tmp_path):
    path = notebook(
        tmp_path, "x = 1\n\n# NBVAL_TOLERANCE atol=25 integers: the error count (54-73\n# errors)\nprint(x)"
    )
    move_tolerances.migrate(path)
    (cell,) = code_cells(path)
    assert cell.source == "x = 1\n\nprint(x)"
    assert cell.metadata["nbval"]["tolerance"] == {
        "atol": 25,
        "integers": True,
        "reason": "the error count (54-73 errors)",
    }


def test_blank_lines_the_formatter_wants_are_kept(tmp_path):
    source = "# NBVAL_TOLERANCE rtol=0.1: spread\n\nimport numpy as np\n\n\ndef f():\n    return 1\n\n\nprint(f())"
    path = notebook(tmp_path, source)
    move_tolerances.migrate(path)
    assert code_cells(path)[0].source == "import numpy as np\n\n\ndef f():\n    return 1\n\n\nprint(f())"


def test_running_twice_changes_nothing_and_a_clean_notebook_is_not_rewritten(tmp_path):
    path = notebook(tmp_path, "# NBVAL_TOLERANCE rtol=0.1: spread over seeds\nprint(1)", "print(2)")
    move_tolerances.migrate(path)
    once = path.read_bytes()
    mtime = path.stat().st_mtime_ns
    assert move_tolerances.migrate(path) == []
    assert path.read_bytes() == once and path.stat().st_mtime_ns == mtime
    assert [p.name for p in tmp_path.iterdir()] == ["chapter.ipynb"]


def test_the_result_passes_the_comparisons_checks(tmp_path):
    path = notebook(
        tmp_path, "# NBVAL_TOLERANCE rtol=0.1: spread over seeds\nprint(1)", "# NBVAL_IGNORE_OUTPUT\nprint(2)"
    )
    move_tolerances.migrate(path)
    for cell in code_cells(path):
        assert cell_problems(cell) == []


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("# NBVAL_TOLERANCE rtol=0.2%: why", "plain numbers"),
        ("# NBVAL_TOLERANCE rtol=1e-3atol=5: why", "plain numbers"),
        ("# NBVAL_TOLERANCE atl=5: why", "plain numbers"),
        ("# NBVAL_TOLERANCE atol=1,5: why", "plain numbers"),
        ("# NBVAL_TOLERANCE atol=inf: why", "plain numbers"),
        ("# NBVAL_TOLERANCE rtol=1e-3", "plain numbers"),  # no reason
        ("# NBVAL_TOLERANCE rtol=1e-3:\u00a0", "needs a reason"),
        ("# NBVAL_TOLERANCE rtol=1e-3 rtol=0.1: twice", "given twice"),
        ("# NBVAL_TOLERANCE rtol=1e999: huge", "not a finite number"),
        ("# NBVAL_TOLERANCE rtol=10: huge", "rtol must be < 1"),
        ("# nbval_tolerance rtol=1e-3: lower case", "unknown marker"),
        ("# NBVAL_TOLERANCE rtol=0.1: a\n# NBVAL_TOLERANCE atol=1: b", "already has a tolerance"),
        ("x = 1  # NBVAL_IGNORE_OUTPUT", "comment line of its own"),
        ("# NBVAL_IGNORE_OUTPUT please", "alone or"),
        ('s = """\n# NBVAL_TOLERANCE rtol=0.1: in a string\n"""', "inside a string literal"),
    ],
)
def test_a_malformed_marker_leaves_the_notebook_unchanged(tmp_path, source, message):
    path = notebook(tmp_path, "# NBVAL_TOLERANCE rtol=0.1: fine\nprint(1)", source)
    before = path.read_bytes()
    with pytest.raises(move_tolerances.MarkerError, match=message) as info:
        move_tolerances.migrate(path)
    assert "chapter.ipynb::Cell 1" in str(info.value)
    assert path.read_bytes() == before


def test_a_tolerance_in_both_places_is_refused(tmp_path):
    metadata = {"nbval": {"tolerance": {"rtol": 0.1, "reason": "old"}}}
    path = notebook(tmp_path, "# NBVAL_TOLERANCE rtol=0.2: new\nprint(1)", metadata=metadata)
    with pytest.raises(move_tolerances.MarkerError, match="already has a tolerance"):
        move_tolerances.migrate(path)


def test_main_reports_each_notebook_and_fails_on_a_bad_one(tmp_path, capsys):
    good = notebook(tmp_path, "# NBVAL_TOLERANCE rtol=0.1: spread over seeds\nprint(1)")
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{ not json", encoding="utf-8")
    assert move_tolerances.main([str(good), str(bad)]) == 1
    out, err = capsys.readouterr()
    assert "tolerance {" in out and f"{bad}: not a readable notebook" in err
    assert move_tolerances.main([str(good)]) == 0
    assert capsys.readouterr().out.strip() == f"{good}: no markers"


reason_words = st.lists(st.sampled_from(["seeds", "0-4", "gave", "loss", "accuracy", "CPU", "kernels"]), min_size=1)


@settings(max_examples=50, deadline=None)
@given(
    st.sampled_from([0.001, 0.2, 2e-3, 0.5]),
    reason_words,
    st.lists(st.sampled_from(["x = 1", "", "# a note", "print(x)", "def f():", "    return 2"]), max_size=6),
    st.integers(0, 6),
)
def test_any_cell_migrates_to_its_source_without_the_marker(tmp_path_factory, rtol, words, code, position):
    """The marker's lines go, every other line stays in order, the outputs stay, and a second run is a no-op."""
    tmp = tmp_path_factory.mktemp("nb")
    position = min(position, len(code))
    reason = " ".join(["measured", *words])
    lines = [*code[:position], f"# NBVAL_TOLERANCE rtol={rtol}: {reason}", *code[position:]]
    path = notebook(tmp, "\n".join(lines))
    move_tolerances.migrate(path)
    (cell,) = code_cells(path)
    assert "NBVAL" not in cell.source
    kept = [line for line in cell.source.split("\n") if line.strip()]
    expected = [line for line in code if line.strip()]
    if position < len(code) and code[position].startswith("# a note") and len(lines[position]) + 2 > 72:
        return  # a full-width reason line takes the comment below it along (documented)
    assert kept == expected
    assert cell.metadata["nbval"]["tolerance"]["rtol"] == rtol and cell.outputs == OUTPUTS
    once = path.read_bytes()
    move_tolerances.migrate(path)
    assert path.read_bytes() == once
    assert json.loads(once)["cells"][0]["source"] in ("# Title", ["# Title"])


def test_a_notebook_of_another_format_version_is_not_converted(tmp_path):
    path = notebook(tmp_path, "# NBVAL_TOLERANCE rtol=0.1: spread\nprint(1)")
    data = json.loads(path.read_text(encoding="utf-8"))
    data["nbformat"] = 3
    path.write_text(json.dumps(data), encoding="utf-8")
    before = path.read_bytes()
    with pytest.raises(move_tolerances.MarkerError, match="nbformat 3"):
        move_tolerances.migrate(path)
    assert path.read_bytes() == before


def test_ipython_syntax_does_not_stop_the_move(tmp_path):
    path = notebook(tmp_path, "# NBVAL_IGNORE_OUTPUT\n%timeit sum(range(10))\n!ls")
    move_tolerances.migrate(path)
    assert code_cells(path)[0].source == "%timeit sum(range(10))\n!ls"


def test_a_linked_notebook_stays_a_link_and_its_target_is_migrated(tmp_path):
    path = notebook(tmp_path, "# NBVAL_TOLERANCE rtol=0.1: spread over seeds\nprint(1)")
    link = tmp_path / "link.ipynb"
    link.symlink_to(path)
    move_tolerances.migrate(link)
    assert link.is_symlink() and "tolerance" in code_cells(path)[0].metadata["nbval"]
