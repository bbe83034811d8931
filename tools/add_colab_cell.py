"""Give every chapter a first code cell that installs the companion package on Colab, and only there.

Colab's launch button opens a chapter's notebook straight from the repository, where the
companion package is not installed, so ``import companion`` failed unless the reader had
followed a note in the introduction. This cell, the first code cell of every notebook,
installs the package from the repository that ``_config.yml`` names (``repository.url``),
with the TensorFlow and explanation extras, when it runs on Colab and the package is
missing (after Colab restarts the session, it is found and nothing is installed again).
Anywhere else (Binder, a reader's machine, ``pytest --nbval``) the cell changes nothing and
shows ``False``; fastbook (``! [ -e /content ] && pip install …``) and handson-ml3
(``IS_COLAB = "google.colab" in sys.modules``) do the same. It is tagged ``remove-cell``:
the web page leaves it out (its readers run nothing), the notebook keeps it.

    python tools/add_colab_cell.py            # every notebook under book/
    python tools/add_colab_cell.py book/ch2_feedforward.ipynb
    python tools/add_colab_cell.py --check    # exit 1 naming each notebook without the current cell

The cell is found by its id (``colab-install``) and rewritten when it differs, so the script
can run again at any time: it inserts the cell before the first code cell, with the output
it stores (``False``), and renumbers the execution counts 1..n as a top-to-bottom run would,
so the notebook does not need re-executing.
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
CELL_ID = "colab-install"
TAGS = ["remove-cell"]
PACKAGE = "nnbook-companion[tf,explain]"
SOURCE = """\
# On Colab only: install this book's companion package (anywhere else it
# is installed already, and this cell changes nothing).
import importlib.util
import sys

on_colab = "google.colab" in sys.modules
if on_colab and importlib.util.find_spec("companion") is None:
    repo = "{repo}"
    spec = f"{package} @ git+https://github.com/{{repo}}"
    %pip install --quiet "{{spec}}"
on_colab"""


def configured_repo(config_path: Path = ROOT / "_config.yml") -> str:
    """'owner/name' of the repository that `_config.yml` names (``repository.url``)."""
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    url = config.get("repository", {}).get("url", "")
    parts = urlsplit(url)
    path = parts.path.strip("/").removesuffix(".git").split("/")
    if parts.netloc != "github.com" or len(path) != 2 or not all(path):
        raise ValueError(f"{config_path}: repository.url must be https://github.com/OWNER/NAME, got {url!r}")
    return "/".join(path)


def cell_source(repo: str) -> str:
    """The cell's code for the repository 'owner/name'."""
    if repo.count("/") != 1 or any(c in repo for c in " \"'{}"):
        raise ValueError(f"repo must be 'owner/name', got {repo!r}")
    return SOURCE.format(repo=repo, package=PACKAGE)


def colab_cell(repo: str):
    """The cell, with the output it shows anywhere but Colab."""
    cell = nbformat.v4.new_code_cell(source=cell_source(repo), id=CELL_ID)
    cell.metadata["tags"] = list(TAGS)
    cell.execution_count = 1
    cell.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "False"}, execution_count=1)]
    return cell


def renumber(nb) -> None:
    """Execution counts 1..n over the code cells, in their results too."""
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    for count, cell in enumerate(code, start=1):
        cell.execution_count = count
        for output in cell.outputs:
            if output.output_type == "execute_result":
                output.execution_count = count


def with_colab_cell(nb, repo: str):
    """A copy of notebook `nb` whose first code cell is the current Colab cell (added or replaced)."""
    nb = copy.deepcopy(nb)
    nb.cells = [cell for cell in nb.cells if cell.get("id") != CELL_ID]
    first_code = next((i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"), len(nb.cells))
    nb.cells.insert(first_code, colab_cell(repo))
    renumber(nb)
    return nb


def update_notebook(path: Path, repo: str, check: bool = False) -> bool:
    """Add or update the cell in one notebook (only report with `check`); return whether it was missing or old."""
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # nbformat raises several kinds for a broken file
        raise ValueError(f"{path}: not a readable notebook ({exc}); fix or restore it first") from exc
    updated = with_colab_cell(nb, repo)
    if updated == nb:
        return False
    if not check:
        nbformat.write(updated, path)
    return True


def main(argv: list[str] | None = None) -> int:
    """Update the notebooks given (default: book/*.ipynb); exit 1 with --check when any lacks the current cell."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook under book/")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a notebook needs the cell")
    parser.add_argument("--config", type=Path, default=ROOT / "_config.yml")
    args = parser.parse_args(argv)
    repo = configured_repo(args.config)
    notebooks = args.notebooks or sorted((ROOT / "book").glob("*.ipynb"))
    changed = [path for path in notebooks if update_notebook(path, repo, check=args.check)]
    for path in changed:
        print(f"{'needs the Colab cell' if args.check else 'Colab cell written'}: {path}")
    if not changed:
        print(f"{len(notebooks)} notebooks have the current Colab cell ({repo})")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
