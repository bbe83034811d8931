"""Re-execute chapters in place, top to bottom in a fresh kernel, the way authors refresh outputs.

Usage: ``python tools/execute_notebooks.py [book/chapter.ipynb ...]`` (default: every
notebook under book/). Each notebook runs in its own directory with a new kernel;
execution counts become 1..n, no timing metadata is stored, and a progress bar's
intermediate states (overwritten with '\\r') are dropped, so diffs stay small.
``--timings`` also prints the seconds each code cell took (the chapters' time budgets).
Set ``MNIST_PATH`` first if this machine has no internet.

A notebook that cannot be read, or whose cell fails or times out, is left untouched and
reported in one line naming the notebook and the cell; the others still run, and the exit
status is non-zero at the end. So is a cell whose output the kernel could not send (text
that is not valid Unicode, such as a lone surrogate) or that the file cannot hold. A notebook
is written to a temporary file beside it and then renamed over it, so a failed write (a full
disk, a file size limit) never leaves half a file. Nothing is lost to a concurrent edit: a
notebook saved by someone else while it ran is not overwritten (the run's outputs are
dropped and the message says so), and a second run of this script on a notebook that is
being executed stops at once (a lock on the file, released when the first run ends).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import re
import stat
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; the check for a concurrent edit still holds
    fcntl = None

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

ROOT = Path(__file__).resolve().parents[1]


def after_carriage_returns(text: str) -> str:
    """What a terminal shows of each line: the text after its last '\\r' (a '\\r' ending a line is kept).

    Linear in the length of the text (a regular expression here was quadratic on a long line).
    """
    lines = text.split("\n")
    for index, line in enumerate(lines):
        last = line.rfind("\r", 0, len(line) - 1)
        if last >= 0:
            lines[index] = line[last + 1 :]
    return "\n".join(lines)


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
            output.text = after_carriage_returns(output.text)
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
    return read_with_digest(path)[0]


def read_with_digest(path: Path):
    """The notebook at ``path`` and the SHA-256 of the bytes it was read from (to notice a later edit)."""
    if not path.is_file():
        raise NotebookError(f"{path}: no such notebook")
    try:
        data = path.read_bytes()
        return nbformat.reads(data.decode("utf-8"), as_version=4), hashlib.sha256(data).hexdigest()
    except (OSError, ValueError, KeyError, AttributeError) as exc:  # NotJSONError and UnicodeDecodeError: ValueError
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise NotebookError(f"{path}: not a readable notebook ({type(exc).__name__}: {reason[:200]})") from None


@contextlib.contextmanager
def exclusive(path: Path):
    """Hold an advisory lock on ``path`` while one run executes it; a second run stops at once with a NotebookError."""
    if fcntl is None:
        yield
        return
    with open(path, "rb") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise NotebookError(f"{path}: another run of execute_notebooks.py is executing it; wait for it to "
                                "finish, then run again if needed") from None  # fmt: skip
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def check_unchanged(path: Path, digest: str) -> None:
    """NotebookError if the file is no longer the one that was read (an edit saved while it ran)."""
    try:
        now = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        raise NotebookError(f"{path}: was moved or deleted while it ran; this run's outputs were not written") from None
    if now != digest:
        raise NotebookError(f"{path}: changed on disk while it ran (an edit saved meanwhile?); kept that version and "
                            "discarded this run's outputs: run it again")  # fmt: skip


SURROGATE = re.compile("[\ud800-\udfff]")
# What the kernel prints to stderr when it cannot send a cell's output (e.g. text with a lone surrogate).
KERNEL_SEND_FAILURE = re.compile(r"Uncaught exception in (?:ZMQStream|zmqstream) callback(?s:.*)jupyter_client")


def check_outputs(nb, path: Path) -> None:
    """NotebookError naming the cell whose output is not what it printed: unsendable or unwritable text."""
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            texts = [output.get("text", "")] + [v for v in output.get("data", {}).values() if isinstance(v, str)]
            if any(SURROGATE.search(text) or UNSENDABLE in text for text in texts):
                raise NotebookError(f"{path}: {describe_cell(nb, index)} printed text that is not valid Unicode (a "
                                    "lone surrogate) and cannot be saved; print repr(text) or encode it")  # fmt: skip
            text = output.get("text", "") if output.get("name") == "stderr" else ""
            if KERNEL_SEND_FAILURE.search(text):
                error = [line for line in text.splitlines() if re.match(r"\w+(Error|Exception):", line)]
                cause = error[-1][:200] if error else "see its stderr"
                where = describe_cell(nb, index)
                raise NotebookError(f"{path}: {where}: the kernel could not send the cell's output ({cause}); a "
                                    "lone surrogate in printed text does this: print repr(text)")  # fmt: skip


def describe_cell(nb, index: int | None) -> str:
    """'cell 7 (`first line of its source`)', numbering cells from 1 as Jupyter shows them."""
    if index is None:
        return "before the first cell"
    first_line = nb.cells[index].source.strip().partition("\n")[0]
    return f"cell {index + 1} (`{first_line[:60]}`)"


# Run silently in each kernel at start (IPython's exec_lines: no cell, no execution count): text
# Jupyter cannot send (a lone surrogate) arrives marked instead of being dropped by the kernel.
UNSENDABLE = "[NOT SENDABLE: lone surrogate U+"
MARK_UNSENDABLE = f"""
def _mark_unsendable():
    import re
    session = get_ipython().kernel.session
    pack = session.pack
    def mark(obj):
        if isinstance(obj, str):
            return re.sub("[\\ud800-\\udfff]", lambda m: f"{UNSENDABLE}{{ord(m.group()):04X}}]", obj)
        if isinstance(obj, dict):
            return {{mark(key): mark(value) for key, value in obj.items()}}
        if isinstance(obj, (list, tuple)):
            return [mark(value) for value in obj]
        return obj
    def checked(obj):
        try:
            return pack(obj)
        except UnicodeEncodeError:
            return pack(mark(obj))
    session.pack = checked
_mark_unsendable()
del _mark_unsendable
"""


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
        extra_arguments=[f"--IPKernelApp.exec_lines={[MARK_UNSENDABLE]!r}"],
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
    except (OSError, UnicodeError) as exc:
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
    if not path.is_file():
        raise NotebookError(f"{path}: no such notebook")
    with exclusive(path):
        nb, digest = read_with_digest(path)
        start = time.perf_counter()
        run_cells(nb, path, timeout)
        seconds = time.perf_counter() - start
        finish(nb, path, timings)
        check_outputs(nb, path)
        check_unchanged(path, digest)
        write_atomically(nb, path)
    return seconds


def finish(nb, path: Path, timings: bool) -> None:
    """Drop timing metadata and coalesce streams (optionally printing each cell's seconds first)."""
    for number, cell in enumerate(nb.cells):
        if timings and cell.cell_type == "code":
            first_line = cell.source.strip().partition("\n")[0]
            print(f"  cell {number:>3}: {cell_seconds(cell):6.1f} s  {first_line[:60]}")
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = coalesce_streams(cell.outputs)


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
