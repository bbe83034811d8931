"""Start one process per worker, watch them, and stop them all at the first failure (chapter 7).

`launch` runs the same command once per worker, each with its own ``TF_CONFIG`` (the
cluster's addresses and the worker's index, as ``tf.distribute`` reads them) on free local
ports. It waits for all of them, and it never leaves a process behind:

- a worker that exits with an error (or is killed) stops the others at once, and
  `WorkerError` names it, its exit code or signal, and the last line of its stderr;
- workers that are still running after ``timeout`` seconds are stopped, and the error names
  each of them with its last line of output (a hung worker stalls the others in the next
  all-reduce, so all of them are named);
- every worker runs in its own process group, which is killed on the way out, whatever
  happened (an exception, Ctrl-C), so the workers' own children go too.

Each worker's stdout and stderr are collected in files and returned; nothing reaches the
caller's terminal or notebook. No TensorFlow here: the command can be any program.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from companion._checks import check_int, check_number

__all__ = ["WorkerError", "WorkerResult", "free_ports", "launch", "tf_config"]


@dataclass(frozen=True)
class WorkerResult:
    """What one worker left behind: its exit code, wall time and output (chapter 7)."""

    index: int
    returncode: int
    seconds: float
    stdout: str
    stderr: str


class WorkerError(RuntimeError):
    """A worker failed or hung; every worker has been stopped. ``results`` holds what each one wrote."""

    def __init__(self, message: str, results: list[WorkerResult]):
        super().__init__(message)
        self.results = results


def free_ports(n: int, host: str = "127.0.0.1") -> list[int]:
    """``n`` distinct TCP ports that were free on ``host`` a moment ago (the OS picks them)."""
    n = check_int("n", n)
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) for _ in range(n)]
        for sock in sockets:  # all bound at once, so the OS cannot hand out one port twice
            sock.bind((host, 0))
        return [sock.getsockname()[1] for sock in sockets]


def tf_config(workers: list[str], index: int) -> str:
    """The ``TF_CONFIG`` JSON of worker ``index`` in a cluster of ``workers`` ("host:port" each)."""
    if isinstance(workers, str) or not workers or not all(isinstance(w, str) and ":" in w for w in workers):
        raise ValueError(f"workers must be a list of 'host:port' strings; got {workers!r}")
    index = check_int("index", index, minimum=0, maximum=len(workers) - 1)
    return json.dumps({"cluster": {"worker": list(workers)}, "task": {"type": "worker", "index": index}})


def launch(command: list[str], n_workers: int = 2, *, timeout: float = 300.0, env: dict | None = None,
           host: str = "127.0.0.1", cwd=None, poll: float = 0.05, grace: float = 3.0):  # fmt: skip
    """Run ``command`` as ``n_workers`` workers of one cluster on ``host``; their results (chapter 7).

    ``env`` adds variables to each worker's environment; ``TF_CONFIG`` is set per worker.
    Raises `WorkerError` (after stopping every worker) when one fails or ``timeout`` passes.
    """
    if isinstance(command, str) or not command or not all(isinstance(part, str) for part in command):
        raise TypeError(f"command must be a non-empty list of strings (program and arguments); got {command!r}")
    n_workers = check_int("n_workers", n_workers)
    timeout = check_number("timeout", timeout, positive=True)
    addresses = [f"{host}:{port}" for port in free_ports(n_workers, host)]
    with tempfile.TemporaryDirectory(prefix="workers-") as logs, contextlib.ExitStack() as stack:
        workers = []
        try:
            for index in range(n_workers):
                worker_env = {**os.environ, **(env or {}), "TF_CONFIG": tf_config(addresses, index)}
                out, err = (stack.enter_context(open(Path(logs) / f"{index}.{s}", "w+b")) for s in ("out", "err"))
                process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                           env=worker_env, cwd=cwd, start_new_session=True)  # fmt: skip
                workers.append((process, out, err, time.monotonic()))
            _wait(workers, timeout, poll, grace)
        finally:
            _stop(workers, grace)
        return _results(workers)


def _wait(workers, timeout: float, poll: float, grace: float) -> None:
    """Return when every worker has exited with 0; raise WorkerError at the first failure or at the timeout."""
    start = time.monotonic()
    ended = {}
    while True:
        for index, (process, *_) in enumerate(workers):
            if index not in ended and process.poll() is not None:
                ended[index] = time.monotonic()
        failed = [index for index in ended if workers[index][0].returncode != 0]
        if failed:
            _stop(workers, grace)
            results = _results(workers, ended)
            raise WorkerError(_failure_message(failed, results, len(workers)), results)
        if len(ended) == len(workers):
            return
        if time.monotonic() - start > timeout:
            running = [index for index in range(len(workers)) if index not in ended]
            _stop(workers, grace)
            results = _results(workers, ended)
            raise WorkerError(_timeout_message(running, results, timeout, len(workers)), results)
        time.sleep(poll)


def _stop(workers, grace: float) -> None:
    """Terminate each worker's process group, kill what is left after ``grace`` s, wait until all are gone."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for process, *_ in workers:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, sig)  # the group outlives its leader while a child is in it
        deadline = time.monotonic() + grace
        for process, *_ in workers:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
        while any(_group_alive(process.pid) for process, *_ in workers) and time.monotonic() < deadline:
            time.sleep(0.01)  # a signalled process takes a moment to go
        if not any(_group_alive(process.pid) for process, *_ in workers):
            return


def _group_alive(pgid: int) -> bool:
    """True while a process of group ``pgid`` runs (zombies, already dead, do not count)."""
    proc = Path("/proc")
    if not proc.is_dir():  # not Linux: ask the kernel, which counts zombies as alive
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    for stat in proc.glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = stat.read_text().rsplit(")", 1)[1].split()  # after "pid (name)": state, ppid, pgrp, ...
            if int(fields[2]) == pgid and fields[0] not in "ZX":
                return True
    return False


def _results(workers, ended: dict | None = None) -> list[WorkerResult]:
    """Each worker's exit code, seconds and output, read back from its files."""
    results = []
    for index, (process, out, err, started) in enumerate(workers):
        finished = (ended or {}).get(index, time.monotonic())
        texts = []
        for stream in (out, err):
            stream.flush()
            stream.seek(0)
            texts.append(stream.read().decode("utf-8", errors="replace"))
        code = process.returncode if process.returncode is not None else process.poll()
        results.append(WorkerResult(index, code if code is not None else -signal.SIGKILL, finished - started, *texts))
    return results


def _last_line(text: str) -> str:
    """The last non-empty line of ``text`` (where a traceback states its error), or a placeholder."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "(no output)"


def _how_it_ended(result: WorkerResult) -> str:
    """'exited with code 1' or 'was killed by SIGKILL'."""
    if result.returncode < 0:
        with contextlib.suppress(ValueError):
            return f"was killed by {signal.Signals(-result.returncode).name}"
    return f"exited with code {result.returncode}"


def _failure_message(failed: list[int], results: list[WorkerResult], n: int) -> str:
    """One line per failed worker, with its error, and what was done about the others."""
    lines = [
        f"worker {i} of {n} {_how_it_ended(results[i])} after {results[i].seconds:.1f} s: "
        f"{_last_line(results[i].stderr)}"
        for i in failed
    ]
    others = [str(i) for i in range(n) if i not in failed]
    if others:
        lines.append(f"stopped the other worker(s): {', '.join(others)}")
    return "\n".join(lines)


def _timeout_message(running: list[int], results: list[WorkerResult], timeout: float, n: int) -> str:
    """Which workers were still running at the timeout, each with its last line of output."""
    lines = [f"{len(running)} of {n} workers still running after {timeout:g} s; stopped all:"]
    for i in running:
        line = f"worker {i} (last output: {_last_line(results[i].stdout)})"
        if results[i].stderr.strip():
            line += f"; stderr: {_last_line(results[i].stderr)}"
        lines.append(line)
    return "\n".join(lines)
