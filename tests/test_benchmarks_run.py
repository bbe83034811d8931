"""benchmarks/run.py: --out checked before anything runs, results never lost (no benchmark is run here)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import run  # noqa: E402


@pytest.fixture
def no_measuring(monkeypatch):
    """Steps that return at once, and a record of which ran."""
    ran = []
    monkeypatch.setattr(run, "machine", lambda: {"cpu": "test"})
    monkeypatch.setattr(run, "run_import", lambda: ran.append("import") or {"seconds": run.spread([0.1])})
    monkeypatch.setattr(run, "run_build", lambda: ran.append("build") or {"seconds": 1.0})
    return ran


@pytest.mark.parametrize("out", ["missing/dir/r.json", "missing.json/r.json"])
def test_an_out_path_in_a_missing_folder_stops_before_anything_runs(tmp_path, no_measuring, capsys, out):
    with pytest.raises(SystemExit) as info:
        run.main(["--only", "import", "--out", str(tmp_path / out)])
    assert info.value.code == 2 and no_measuring == []
    assert "does not exist; create it or choose another path" in capsys.readouterr().err


def test_an_out_path_that_is_a_folder_or_not_results_is_refused_and_kept(tmp_path, no_measuring, capsys):
    with pytest.raises(SystemExit):
        run.main(["--only", "import", "--out", str(tmp_path)])
    assert "is a directory" in capsys.readouterr().err
    notes = tmp_path / "notes.json"
    notes.write_text("my notes, not JSON", encoding="utf-8")
    with pytest.raises(SystemExit):
        run.main(["--only", "import", "--out", str(notes)])
    assert "not a results file" in capsys.readouterr().err
    assert notes.read_text(encoding="utf-8") == "my notes, not JSON" and no_measuring == []


def test_a_failing_step_keeps_the_others_and_the_earlier_results(tmp_path, no_measuring, monkeypatch, capsys):
    out = tmp_path / "r.json"
    out.write_text(json.dumps({"build": {"seconds": 7.0}, "pytest": {"seconds": 1.0, "passed": True}}))

    def broken():
        raise RuntimeError("jupyter-book build failed")

    monkeypatch.setattr(run, "run_build", broken)
    with pytest.raises(SystemExit) as info:
        run.main(["--only", "build", "import", "--out", str(out)])
    assert info.value.code == 1
    results = json.loads(out.read_text(encoding="utf-8"))
    assert results["build"] == {"seconds": 7.0}  # the earlier measurement is kept
    assert results["import"]["seconds"]["median"] == 0.1 and results["pytest"]["passed"] is True
    captured = capsys.readouterr()
    assert "step build failed" in captured.err and "FAILED: step build" in captured.out


def test_a_failed_write_leaves_the_results_file_whole(tmp_path, no_measuring, monkeypatch):
    out = tmp_path / "r.json"
    out.write_text(json.dumps({"build": {"seconds": 7.0}}))
    before = out.read_bytes()

    def disk_full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(run.os, "replace", disk_full)
    with pytest.raises(OSError, match="No space left"):
        run.write_results({"build": {"seconds": 1.0}}, out)
    assert out.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_a_good_run_writes_every_step(tmp_path, no_measuring):
    out = tmp_path / "r.json"
    with pytest.raises(SystemExit):
        run.main(["--only", "import", "build", "--out", str(out)])
    results = json.loads(out.read_text(encoding="utf-8"))
    assert no_measuring == ["import", "build"] and set(results["measured_on"]) == {"import", "build"}
