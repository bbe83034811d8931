"""Re-execute chapters in place, top to bottom in a fresh kernel, the way authors refresh outputs.

Usage: ``python tools/execute_notebooks.py [book/chapter.ipynb ...]`` (default: every
notebook under book/). Each notebook runs in its own directory with a new kernel;
execution counts become 1..n, no timing metadata is stored, and a progress bar's
intermediate states (overwritten with '\\r') are dropped, so diffs stay small.
``--timings`` also prints the seconds each code cell took (the chapters' time budgets).
Set ``MNIST_PATH`` first if this machine has no internet.

A notebook that cannot be read, or whose cell fails or times out, is left untouched and
reported in one line naming the notebook and the cell; the others still run, and the exit
status is non-zero at the end. A notebook is written to a temporary file beside it and then
renamed over it, so a failed write (a full disk, a file size limit) never leaves half a file.
"""

from __future__ import annotations

import argparse
import os
import re
import stat
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

ROOT = Path(__file__).resolve().parents[1]


CARRIAGE_RETURN = re.compile(r"[^\n]*\r(?=[^\n])")


def coalesce_streams(outputs: list) -> list:
    """Merge consecutive outputs of the same stream and keep only what a terminal would show after '\\r'."""
    merged = []
    for output in outputs:
        if (
            output.output_type == "stream"
            and merged
            and merged[-1].output_type == "stream"
            and (merged[-1].name == output.name)
        ):
            merged[-1].text += output.text
        else:
            merged.append(output)
    for output in merged:
        if output.output_type == "stream":
            output.text = CARRIAGE_RETURN.sub("", output.text)
    return merged


def cell_seconds(cell) -> float:
    """Seconds a cell took to execute, from nbclient's timing metadata."""
    timing = cell.metadata["execution"]
    start, end = (datetime.fromisoformat(timing[key]) for key in ("iopub.execute_input", "shell.execute_reply"))
    return (end - start).total_seconds()


class NotebookError(Exception):
    """A notebook could not be read, executed or written; the message is one line naming it (and the cell)."""


def read_notebook(path: Path):
    """The notebook at ``path``, or a NotebookError saying why it cannot be read."""
    if not path.is_file():
        raise NotebookError(f"{path}: no such notebook")
    try:
        return nbformat.read(path, as_version=4)
    except (OSError, ValueError, KeyError, AttributeError) as exc:  # NotJSONError is a ValueError
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise NotebookError(f"{path}: not a readable notebook ({type(exc).__name__}: {reason[:200]})") from None


def describe_cell(nb, index: int | None) -> str:
    """'cell 7 (`first line of its source`)', numbering cells from 1 as Jupyter shows them."""
    if index is None:
        return "before the first cell"
    first_line = nb.cells[index].source.strip().partition("\n")[0]
    return f"cell {index + 1} (`{first_line[:60]}`)"


def run_cells(nb, path: Path, timeout: int) -> None:
    """Execute every cell of ``nb`` in a fresh kernel; a failure becomes a one-line NotebookError."""
    current = {"index": None}
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=True,
        on_cell_start=lambda cell, cell_index: current.update(index=cell_index),
    )
    try:
        client.execute()
    except CellTimeoutError:
        raise NotebookError(f"{path}: {describe_cell(nb, current['index'])} timed out after {timeout} s") from None
    except CellExecutionError as exc:
        evalue = exc.evalue.strip().partition("\n")[0][:200]
        where = describe_cell(nb, current["index"])
        raise NotebookError(f"{path}: {where} failed: {exc.ename}: {evalue}") from None
    except DeadKernelError:
        raise NotebookError(f"{path}: the kernel died in {describe_cell(nb, current['index'])}") from None


def write_atomically(nb, path: Path) -> None:
    """Write ``nb`` to a temporary file beside ``path``, then rename it over ``path``: all or nothing."""
    try:
        _replace(nb, path)
    except OSError as exc:
        raise NotebookError(f"{path}: could not write the executed notebook ({exc}); it is unchanged") from None


def _replace(nb, path: Path) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            nbformat.write(nb, stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(tmp, stat.S_IMODE(path.stat().st_mode))
        os.replace(tmp, path)  # atomic on POSIX: readers see the old file or the new one, never a mix
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def execute(path: Path, timeout: int, timings: bool = False) -> float:
    """Execute one notebook in place and return the seconds it took; optionally print each cell's time."""
    nb = read_notebook(path)
    start = time.perf_counter()
    run_cells(nb, path, timeout)
    seconds = time.perf_counter() - start
    for number, cell in enumerate(nb.cells):
        if timings and cell.cell_type == "code":
            first_line = cell.source.strip().partition("\n")[0]
            print(f"  cell {number:>3}: {cell_seconds(cell):6.1f} s  {first_line[:60]}")
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = coalesce_streams(cell.outputs)
    write_atomically(nb, path)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to run (default: all under book/)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell")
    parser.add_argument("--timings", action="store_true", help="print the seconds each code cell took")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "book").glob("*.ipynb"))
    failed = []
    for path in paths:
        try:
            seconds = execute(path.resolve(), args.timeout, args.timings)
        except NotebookError as exc:
            print(exc, file=sys.stderr, flush=True)
            failed.append(path)
            continue
        except Exception as exc:  # e.g. the kernel would not start: still one line, and on to the next
            reason = (str(exc).strip().splitlines() or [""])[0][:200]
            print(f"{path}: {type(exc).__name__}: {reason}", file=sys.stderr, flush=True)
            failed.append(path)
            continue
        print(f"{path}: executed in {seconds:.1f} s", flush=True)
    if failed:
        print(f"{len(failed)} of {len(paths)} notebooks failed: {', '.join(map(str, failed))}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
