"""What one chapter costs: wall time and the kernel's peak memory for one fresh execution.

Usage: ``python benchmarks/notebook_cost.py book/ch5_keras_mnist.ipynb [...]`` prints, per
notebook, the seconds it took and the peak resident memory (RSS) of its kernel process and
of the kernel's children. The notebook runs as ``pytest --nbval`` runs it: a copy in a
temporary directory beside the chapter (so relative paths resolve the same), a fresh
kernel, every cell top to bottom. The stored notebook is never written. ``benchmarks/run.py``
calls :func:`measure` for the book's cost table.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import psutil
from nbclient import NotebookClient

POLL_SECONDS = 0.05


class PeakRSS:
    """Polls a process tree's resident memory in a background thread and keeps the maximum."""

    def __init__(self, pid: int):
        self.process = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _rss(self) -> int:
        total = 0
        for proc in [self.process, *self.process.children(recursive=True)]:
            try:
                total += proc.memory_info().rss
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass
        return total

    def _poll(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, self._rss())
            except psutil.NoSuchProcess:
                return
            self._stop.wait(POLL_SECONDS)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def measure(notebook: Path, timeout: int = 600) -> dict:
    """Execute ``notebook`` once in a fresh kernel; return its seconds and the kernel's peak RSS (bytes)."""
    notebook = Path(notebook).resolve()
    if not notebook.is_file():
        raise FileNotFoundError(f"{notebook}: no such notebook; pass a path such as book/ch1_neurons.ipynb")
    nb = nbformat.read(notebook, as_version=4)
    with tempfile.TemporaryDirectory(dir=notebook.parent, prefix=".cost-") as tmp:
        copy = Path(tmp) / notebook.name
        shutil.copy(notebook, copy)
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": tmp}})
        with client.setup_kernel():
            pid = client.km.provisioner.process.pid
            start = time.perf_counter()
            with PeakRSS(pid) as peak:
                for index, cell in enumerate(nb.cells):
                    client.execute_cell(cell, index)
            seconds = time.perf_counter() - start
    return {"seconds": seconds, "peak_rss_bytes": peak.peak}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    args = parser.parse_args()
    for notebook in args.notebooks:
        cost = measure(notebook)
        print(f"{notebook.name}: {cost['seconds']:.0f} s, peak kernel RSS {cost['peak_rss_bytes'] / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
