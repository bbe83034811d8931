"""tools/execute_notebooks.py: never half a notebook on disk, one line per failure, every notebook tried."""

from __future__ import annotations

import errno
import resource
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tools import execute_notebooks

ROOT = Path(__file__).resolve().parents[1]


def notebook(path: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def with_big_output(path: Path):
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="x" * 400_000)]
    return nb


def test_a_failed_write_leaves_the_notebook_intact(tmp_path, monkeypatch):
    path = notebook(tmp_path / "chapter.ipynb", "print('hello')")
    original = path.read_bytes()

    def write_half_then_fail(nb, stream):
        stream.write(nbformat.writes(nb)[:1000])
        raise OSError(errno.EFBIG, "File too large")

    monkeypatch.setattr(execute_notebooks.nbformat, "write", write_half_then_fail)
    with pytest.raises(execute_notebooks.NotebookError, match=r"chapter.ipynb: could not write .*File too large"):
        execute_notebooks.write_atomically(with_big_output(path), path)
    assert path.read_bytes() == original
    assert [p.name for p in tmp_path.iterdir()] == ["chapter.ipynb"]  # no temporary file left behind


def test_a_file_size_limit_does_not_destroy_the_notebook(tmp_path):
    """The reported case: `ulimit -f 100` and a 400 KB output used to leave 102,400 bytes of broken JSON."""
    path = notebook(tmp_path / "chapter.ipynb", "print('hello')")
    original = path.read_bytes()
    code = (
        "import sys, nbformat\n"
        "from pathlib import Path\n"
        "from tools.execute_notebooks import NotebookError, write_atomically\n"
        f"path = Path({str(path)!r})\n"
        "nb = nbformat.read(path, as_version=4)\n"
        "nb.cells[0].outputs = [nbformat.v4.new_output('stream', name='stdout', text='x' * 400_000)]\n"
        "try:\n"
        "    write_atomically(nb, path)\n"
        "except NotebookError as exc:\n"
        "    print(exc)\n"
    )

    def limit_file_size():
        resource.setrlimit(resource.RLIMIT_FSIZE, (100 * 1024, 100 * 1024))

    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, preexec_fn=limit_file_size, capture_output=True, text=True, timeout=60
    )
    assert "could not write the executed notebook" in result.stdout and "it is unchanged" in result.stdout
    assert path.read_bytes() == original
    assert [p.name for p in tmp_path.iterdir()] == ["chapter.ipynb"]


def test_the_write_keeps_the_file_mode(tmp_path):
    path = notebook(tmp_path / "chapter.ipynb", "1 + 1")
    path.chmod(0o640)
    execute_notebooks.write_atomically(nbformat.read(path, as_version=4), path)
    assert path.stat().st_mode & 0o777 == 0o640


def test_every_failure_is_one_line_and_the_other_notebooks_still_run(tmp_path, capsys):
    missing = tmp_path / "missing.ipynb"
    not_json = tmp_path / "broken.ipynb"
    not_json.write_text("{ this is not JSON", encoding="utf-8")
    failing = notebook(tmp_path / "failing.ipynb", "x = 1", "1 / 0")
    failing_before = failing.read_bytes()
    good = notebook(tmp_path / "good.ipynb", "print(6 * 7)")

    status = execute_notebooks.main([str(p) for p in (missing, not_json, failing, good)] + ["--timeout", "60"])

    out, err = capsys.readouterr()
    assert status == 1
    lines = err.strip().splitlines()
    assert lines[0] == f"{missing}: no such notebook"
    assert lines[1].startswith(f"{not_json}: not a readable notebook (") and "Traceback" not in err
    assert lines[2] == f"{failing}: cell 2 (`1 / 0`) failed: ZeroDivisionError: division by zero"
    assert lines[3].startswith("3 of 4 notebooks failed")
    assert failing.read_bytes() == failing_before  # a failed run leaves the notebook as it was
    assert f"{good}: executed in" in out
    assert nbformat.read(good, as_version=4).cells[0].outputs[0].text == "42\n"


def test_a_timeout_names_the_notebook_and_the_cell(tmp_path, monkeypatch):
    from nbclient.exceptions import CellTimeoutError

    path = notebook(tmp_path / "slow.ipynb", "import time", "time.sleep(1000)")

    class SlowClient:
        def __init__(self, nb, on_cell_start, **kwargs):
            self.nb, self.on_cell_start = nb, on_cell_start

        def execute(self):
            for index, cell in enumerate(self.nb.cells):
                self.on_cell_start(cell=cell, cell_index=index)
            raise CellTimeoutError("Cell execution timed out")

    monkeypatch.setattr(execute_notebooks, "NotebookClient", SlowClient)
    with pytest.raises(execute_notebooks.NotebookError) as info:
        execute_notebooks.execute(path, timeout=5)
    assert str(info.value) == f"{path}: cell 2 (`time.sleep(1000)`) timed out after 5 s"
