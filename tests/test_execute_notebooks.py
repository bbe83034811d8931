"""tools/execute_notebooks.py: never half a notebook on disk, one line per failure, every notebook tried."""

from __future__ import annotations

import errno
import resource
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
    assert (
        nbformat.read(good, as_version=4).cells[0].execution_count == 1
    )  # the kernel's silent start-up code counts not


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


# --- nothing lost to a concurrent edit or run; no hang; no output silently lost ---------------------------------


def test_an_edit_saved_while_it_runs_is_kept_and_the_run_says_so(tmp_path):
    """The reported case: a cell sleeps, the author saves one more cell meanwhile; the edit must survive."""
    import time

    started = tmp_path / "started"
    path = notebook(
        tmp_path / "chapter.ipynb", f"import pathlib, time\npathlib.Path({str(started)!r}).touch()\ntime.sleep(3)"
    )
    command = [sys.executable, str(ROOT / "tools" / "execute_notebooks.py"), str(path), "--timeout", "60"]
    runner = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    edited = nbformat.read(path, as_version=4)
    edited.cells.append(nbformat.v4.new_code_cell("print('the new cell')"))
    nbformat.write(edited, path)
    saved = path.read_bytes()
    out, err = runner.communicate(timeout=120)
    assert runner.returncode == 1, out + err
    assert path.read_bytes() == saved  # the edit is there, with its new cell
    assert f"{path}: changed on disk while it ran" in err and "run it again" in err


def test_a_file_changed_between_reading_and_writing_is_not_overwritten(tmp_path, monkeypatch):
    path = notebook(tmp_path / "chapter.ipynb", "1 + 1")

    def run_and_edit(nb, path, timeout):
        path.write_text(path.read_text(encoding="utf-8").replace("1 + 1", "2 + 2"), encoding="utf-8")

    monkeypatch.setattr(execute_notebooks, "run_cells", run_and_edit)
    with pytest.raises(execute_notebooks.NotebookError, match="changed on disk while it ran"):
        execute_notebooks.execute(path, timeout=5)
    assert "2 + 2" in path.read_text(encoding="utf-8")


def test_a_second_run_on_the_same_notebook_stops_at_once(tmp_path, monkeypatch):
    path = notebook(tmp_path / "chapter.ipynb", "1 + 1")
    before = path.read_bytes()
    monkeypatch.setattr(execute_notebooks, "run_cells", lambda *a: pytest.fail("must not run"))
    with execute_notebooks.exclusive(path):  # a first run holds the notebook
        with pytest.raises(execute_notebooks.NotebookError, match="another run of execute_notebooks.py is executing"):
            execute_notebooks.execute(path, timeout=5)
    assert path.read_bytes() == before


def test_a_second_process_is_refused_while_the_first_runs(tmp_path):
    path = notebook(tmp_path / "chapter.ipynb", "1 + 1")
    code = (
        "import sys\nfrom pathlib import Path\nfrom tools import execute_notebooks as e\n"
        f"sys.exit(e.main([{str(path)!r}]))\n"
    )
    with execute_notebooks.exclusive(path):
        done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "another run of execute_notebooks.py is executing it" in done.stderr


def test_a_lone_surrogate_is_an_error_naming_the_cell(tmp_path, capsys):
    path = notebook(tmp_path / "chapter.ipynb", "x = 1", "print('a\\ud800b')")
    before = path.read_bytes()
    assert execute_notebooks.main([str(path), "--timeout", "60"]) == 1
    line = capsys.readouterr().err.strip().splitlines()[0]
    assert line.startswith(f"{path}: cell 2 (`print('a\\ud800b')`)") and "surrogate" in line, line
    assert path.read_bytes() == before


def test_output_the_file_cannot_hold_is_an_error_naming_the_cell(tmp_path):
    path = notebook(tmp_path / "chapter.ipynb", "x = 1", "show()")
    nb = nbformat.read(path, as_version=4)
    nb.cells[1].outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "a\ud800"}, execution_count=1)]
    with pytest.raises(execute_notebooks.NotebookError, match=r"cell 2 \(`show\(\)`\) printed text that is not valid"):
        execute_notebooks.check_outputs(nb, path)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab\r\n", max_size=30))
def test_carriage_returns_are_resolved_as_a_terminal_shows_them(text):
    import re

    old = re.compile(r"[^\n]*\r(?=[^\n])")  # the former regex: quadratic, but right on short text
    assert execute_notebooks.after_carriage_returns(text) == old.sub("", text)


def test_a_5_mb_output_line_does_not_hang():
    code = (
        "from tools.execute_notebooks import after_carriage_returns\n"
        "text = 'x' * 5_000_000 + '\\rdone\\n' + 'y' * 5_000_000\n"
        "assert after_carriage_returns(text) == 'done\\n' + 'y' * 5_000_000\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_a_notebook_deleted_while_it_runs_is_not_written_back(tmp_path, monkeypatch):
    path = notebook(tmp_path / "chapter.ipynb", "1 + 1")
    monkeypatch.setattr(execute_notebooks, "run_cells", lambda nb, path, timeout: path.unlink())
    with pytest.raises(execute_notebooks.NotebookError, match="was moved or deleted while it ran"):
        execute_notebooks.execute(path, timeout=5)
    assert not path.exists()


def test_a_cells_own_stderr_about_callbacks_is_not_a_kernel_failure(tmp_path):
    path = notebook(tmp_path / "chapter.ipynb", "1 + 1")
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].outputs = [
        nbformat.v4.new_output("stream", name="stderr", text="Exception in callback f()\nValueError\n")
    ]
    execute_notebooks.check_outputs(nb, path)  # a library's warning, not the kernel failing to send
