"""What one chapter costs: wall time and the kernel's peak memory for one fresh execution.

Usage: ``python benchmarks/notebook_cost.py book/ch5_keras_mnist.ipynb [...]`` prints, per
notebook, the seconds it took and the peak memory of its kernel process and of the kernel's
children (chapter 7's data-parallel workers), two ways: the sum of their resident sets (RSS),
which counts the pages of a library that all of them map once per process, and the sum of
their proportional set sizes (PSS, Linux), which counts each shared page once, split between
the processes that share it: what the machine (a Binder session's memory limit) is charged.
For a chapter without child processes the two are nearly equal. The notebook runs as
``pytest --nbval`` runs it: a copy in a temporary directory beside the chapter (so relative
paths resolve the same), a fresh kernel, every cell top to bottom. The stored notebook is
never written. ``benchmarks/run.py`` calls :func:`measure` for the book's cost table.
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


class PeakMemory:
    """Polls a process tree's memory (RSS and PSS sums) in a background thread and keeps the maxima."""

    def __init__(self, pid: int):
        self.process = psutil.Process(pid)
        self.peak = 0  # the largest sum of RSS
        self.peak_pss = 0  # the largest sum of PSS (RSS where the system gives no PSS)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _sums(self) -> tuple[int, int]:
        rss = pss = 0
        for proc in [self.process, *self.process.children(recursive=True)]:
            try:
                info = proc.memory_full_info()
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            rss += info.rss
            pss += getattr(info, "pss", info.rss)
        return rss, pss

    def _poll(self) -> None:
        while not self._stop.is_set():
            try:
                rss, pss = self._sums()
            except psutil.NoSuchProcess:
                return
            self.peak, self.peak_pss = max(self.peak, rss), max(self.peak_pss, pss)
            self._stop.wait(POLL_SECONDS)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def measure(notebook: Path, timeout: int = 600) -> dict:
    """Execute ``notebook`` once in a fresh kernel; return its seconds and the kernel tree's peak RSS and PSS."""
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
            with PeakMemory(pid) as peak:
                for index, cell in enumerate(nb.cells):
                    client.execute_cell(cell, index)
            seconds = time.perf_counter() - start
    return {"seconds": seconds, "peak_rss_bytes": peak.peak, "peak_pss_bytes": peak.peak_pss}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    args = parser.parse_args()
    for notebook in args.notebooks:
        cost = measure(notebook)
        rss, pss = cost["peak_rss_bytes"] / 2**20, cost["peak_pss_bytes"] / 2**20
        print(f"{notebook.name}: {cost['seconds']:.0f} s, peak memory {pss:.0f} MiB PSS ({rss:.0f} MiB RSS)")


if __name__ == "__main__":
    main()
