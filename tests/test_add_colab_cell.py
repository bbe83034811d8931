"""tools/add_colab_cell.py: the Colab cell installs the companion on Colab only, and the script is idempotent."""

from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path

import nbformat
import pytest
import yaml
from IPython.core.interactiveshell import InteractiveShell

from tools.add_colab_cell import CELL_ID, cell_source, configured_repo, main, update_notebook

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
REPO = "owner/fork"


def chapter_without_the_cell(path: Path) -> Path:
    """Chapter 1 as it was before the Colab cell (the book's notebooks have it now), at `path`."""
    notebook = nbformat.read(ROOT / "book" / "ch1_neurons.ipynb", as_version=4)
    notebook.cells = [cell for cell in notebook.cells if cell.get("id") != CELL_ID]
    for count, cell in enumerate((c for c in notebook.cells if c.cell_type == "code"), start=1):
        cell.execution_count = count
        for output in cell.outputs:
            if output.output_type == "execute_result":
                output.execution_count = count
    nbformat.write(notebook, path)
    return path


@pytest.fixture
def shell(monkeypatch):
    """An IPython shell whose %pip only records what it was asked to install."""
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)  # IPython warns when it names another environment
    ipython = InteractiveShell.instance()
    calls = []
    ipython.register_magic_function(lambda line: calls.append(line), "line", "pip")
    yield ipython, calls
    ipython.user_ns.pop("on_colab", None)


def test_the_cell_changes_nothing_outside_colab(shell):
    ipython, calls = shell
    assert "google.colab" not in sys.modules
    ipython.run_cell("pass", store_history=False)  # IPython's own lazy imports happen here
    modules = set(sys.modules)
    result = ipython.run_cell(cell_source(REPO), store_history=False)
    assert result.success and result.result is False  # the stored output, "False"
    assert calls == []
    assert set(sys.modules) - modules <= {"importlib.util"}


def test_on_colab_the_cell_installs_the_companion_from_the_repository(shell, monkeypatch):
    ipython, calls = shell
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    real_find_spec = importlib.util.find_spec

    def find_spec(name, *args):
        return None if name == "companion" else real_find_spec(name, *args)

    monkeypatch.setattr("importlib.util.find_spec", find_spec)
    result = ipython.run_cell(cell_source(REPO), store_history=False)
    assert result.success and result.result is True
    assert calls == ['install --quiet "nnbook-companion[tf,explain] @ git+https://github.com/owner/fork"']


def test_on_colab_after_a_restart_nothing_is_installed_again(shell, monkeypatch):
    ipython, calls = shell
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    assert ipython.run_cell(cell_source(REPO), store_history=False).result is True
    assert calls == []  # companion is importable here


def test_the_extras_are_the_ones_the_intro_and_pyproject_name():
    extras = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert "nnbook-companion[tf,explain]" in cell_source(REPO)
    assert "\ntf = [" in extras and "\nexplain = [" in extras


def test_the_repository_comes_from_config():
    assert f"https://github.com/{configured_repo()}" == CONFIG["repository"]["url"].rstrip("/")
    assert f'repo = "{configured_repo()}"' in cell_source(configured_repo())


@pytest.mark.parametrize("url", ["", "https://gitlab.com/a/b", "https://github.com/a", "https://github.com/a/b/c"])
def test_a_repository_that_is_not_on_github_is_refused(tmp_path, url):
    config = tmp_path / "_config.yml"
    config.write_text(yaml.safe_dump({"repository": {"url": url}}), encoding="utf-8")
    with pytest.raises(ValueError, match="repository.url must be https://github.com/OWNER/NAME"):
        configured_repo(config)


def test_inserting_is_idempotent_and_keeps_the_notebook_consistent(tmp_path):
    path = chapter_without_the_cell(tmp_path / "ch1.ipynb")
    before = nbformat.read(path, as_version=4)
    assert update_notebook(path, REPO) is True
    after = nbformat.read(path, as_version=4)
    code = [cell for cell in after.cells if cell.cell_type == "code"]
    first_code = next(i for i, cell in enumerate(before.cells) if cell.cell_type == "code")
    assert after.cells[first_code].id == CELL_ID and after.cells[first_code].metadata.tags == ["remove-cell"]
    assert code[0].outputs[0].data["text/plain"] == "False"
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))
    for cell in code:
        assert cell.outputs, "every code cell keeps an output (the build would re-execute the notebook)"
        for output in cell.outputs:
            if output.output_type == "execute_result":
                assert output.execution_count == cell.execution_count
    assert [c.source for c in after.cells if c.id != CELL_ID] == [c.source for c in before.cells]
    written = path.read_bytes()
    assert update_notebook(path, REPO) is False and path.read_bytes() == written
    assert update_notebook(path, "other/repo", check=True) is True and path.read_bytes() == written
    assert update_notebook(path, "other/repo") is True
    updated = nbformat.read(path, as_version=4)
    assert sum(cell.get("id") == CELL_ID for cell in updated.cells) == 1
    assert 'repo = "other/repo"' in updated.cells[first_code].source


def test_check_mode_exits_1_until_every_notebook_has_the_cell(tmp_path, capsys):
    path = chapter_without_the_cell(tmp_path / "ch1.ipynb")
    assert main(["--check", str(path)]) == 1
    assert "needs the Colab cell" in capsys.readouterr().out
    assert main([str(path)]) == 0
    assert main(["--check", str(path)]) == 0


def test_a_broken_notebook_is_refused_with_its_name(tmp_path):
    path = tmp_path / "broken.ipynb"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="broken.ipynb: not a readable notebook"):
        update_notebook(path, REPO)
    assert path.read_text(encoding="utf-8") == "{not json"
