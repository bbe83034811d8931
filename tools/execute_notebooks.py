"""Re-execute chapters in place, top to bottom in a fresh kernel, the way authors refresh outputs.

Usage: ``python tools/execute_notebooks.py [book/chapter.ipynb ...]`` (default: every
notebook under book/). Each notebook runs in its own directory with a new kernel;
execution counts become 1..n, no timing metadata is stored, and a progress bar's
intermediate states (overwritten with '\\r') are dropped, so diffs stay small.
``--timings`` also prints the seconds each code cell took (the chapters' time budgets).
Set ``MNIST_PATH`` first if this machine has no internet.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from datetime import datetime
from pathlib import Path

import nbformat
from nbclient import NotebookClient

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


def execute(path: Path, timeout: int, timings: bool = False) -> float:
    """Execute one notebook in place and return the seconds it took; optionally print each cell's time."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=True,
    )
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    for number, cell in enumerate(nb.cells):
        if timings and cell.cell_type == "code":
            first_line = cell.source.strip().partition("\n")[0]
            print(f"  cell {number:>3}: {cell_seconds(cell):6.1f} s  {first_line[:60]}")
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = coalesce_streams(cell.outputs)
    nbformat.write(nb, path)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to run (default: all under book/)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell")
    parser.add_argument("--timings", action="store_true", help="print the seconds each code cell took")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "book").glob("*.ipynb"))
    for path in paths:
        seconds = execute(path.resolve(), args.timeout, args.timings)
        print(f"{path}: executed in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
