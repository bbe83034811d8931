"""`python -m companion.doctor`: can this machine run the book? Each check says what to fix.

Checks Python, each dependency's version against `requirements.in`'s bounds, the Keras
backend, MNIST (`MNIST_PATH`, Keras' cache), the shipped reference model's SHA-256, and
the memory the chapters need. Fast and side-effect free: it reads package metadata and
configuration files and never imports TensorFlow. Used in the intro, "How to run the chapters".
"""

from __future__ import annotations

import json
import os
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import NamedTuple

from packaging.requirements import InvalidRequirement, Requirement

from companion.data import MNIST_ENV_VAR, MNISTNotFoundError, keras_cache_file, load_mnist_file
from companion.models import REFERENCE_DIR, file_sha256
from companion.models import REFERENCE_MANIFEST as MANIFEST_NAME

__all__ = ["Finding", "cpu_model", "main", "run_checks"]

OK, WARN, FAIL = "ok", "warn", "FAIL"
PACKAGE = "nnbook-companion"
TESTED_PYTHON = (3, 11)
REQUIREMENTS = Path(__file__).resolve().parents[1] / "requirements.in"  # the ranges, in a clone
REFERENCE_MANIFEST = REFERENCE_DIR / MANIFEST_NAME
# Every chapter's kernel peaks below 1.2 GiB (1.3 GB; benchmarks/results.json), plus the Jupyter server.
MEMORY_NEEDED_GB = 1.5


class Finding(NamedTuple):
    """One check's verdict: `status` is ok, warn or FAIL; `fix` says what to do when it is not ok."""

    status: str
    what: str
    fix: str = ""


def check_python(version: tuple[int, ...] = tuple(sys.version_info[:3])) -> Finding:
    """The book needs Python >= 3.11 and is tested on 3.11 (runtime.txt)."""
    shown = ".".join(map(str, version))
    if version[:2] < TESTED_PYTHON:
        return Finding(FAIL, f"Python {shown} is too old", "install Python 3.11 and make a fresh virtual environment")
    if version[:2] != TESTED_PYTHON:
        return Finding(WARN, f"Python {shown}; the book is tested on 3.11", "if a package fails to install, use 3.11")
    return Finding(OK, f"Python {shown}")


def requirements(path: Path | None = REQUIREMENTS) -> tuple[list[Requirement], str]:
    """The bounded requirements and where they come from: `path`, else the installed package's metadata."""
    if path is not None and path.is_file():
        lines = path.read_text(encoding="utf-8").splitlines()
        found = [Requirement(line.split("#")[0]) for line in lines if line.strip() and line.lstrip()[0] not in "#-"]
        return found, str(path)
    try:
        declared = metadata.requires(PACKAGE) or []
    except metadata.PackageNotFoundError:
        return [], f"{PACKAGE} (not installed)"
    found = []
    for line in declared:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        if requirement.marker is None or any(requirement.marker.evaluate({"extra": e}) for e in ("", "tf", "explain")):
            requirement.marker = None
            found.append(requirement)
    return found, f"{PACKAGE}'s metadata"


def check_dependencies(path: Path | None = REQUIREMENTS) -> list[Finding]:
    """Every requirement installed, at a version within its bounds."""
    found, source = requirements(path)
    if not found:
        return [Finding(FAIL, f"no requirements found in {source}", "pip install -r requirements.txt (in a clone)")]
    problems = []
    for requirement in found:
        wanted = f'pip install "{requirement.name}{requirement.specifier}"'
        try:
            installed = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            problems.append(Finding(FAIL, f"{requirement.name} is not installed", wanted))
            continue
        if not requirement.specifier.contains(installed, prereleases=True):
            problems.append(Finding(FAIL, f"{requirement.name} {installed} is outside {requirement.specifier}", wanted))
    return problems or [Finding(OK, f"{len(found)} packages within the bounds of {source}")]


def keras_config_file() -> Path:
    """Where Keras 3 reads its configuration, keras.json."""
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "keras.json"


def check_keras_backend() -> Finding:
    """Chapters 5 and 6 need Keras' TensorFlow backend (read from KERAS_BACKEND or keras.json, no import)."""
    if os.environ.get("KERAS_BACKEND"):
        backend, source = os.environ["KERAS_BACKEND"], "KERAS_BACKEND"
        fix = "unset KERAS_BACKEND or set it to tensorflow"
    else:
        config = keras_config_file()
        backend, source = "tensorflow", "Keras' default"
        fix = f'set "backend": "tensorflow" in {config}'
        if config.is_file():
            try:
                backend, source = json.loads(config.read_text(encoding="utf-8")).get("backend", backend), str(config)
            except (json.JSONDecodeError, AttributeError) as exc:
                return Finding(FAIL, f"{config} is not valid JSON ({exc})", f"fix or delete {config}")
    if backend != "tensorflow":
        return Finding(FAIL, f"Keras backend is {backend!r} (from {source}); the book needs tensorflow", fix)
    return Finding(OK, f"Keras backend: tensorflow (from {source})")


def check_mnist() -> Finding:
    """MNIST from MNIST_PATH or Keras' cache, verified against its SHA-256 (the order `load_mnist` uses)."""
    path, origin = os.environ.get(MNIST_ENV_VAR), MNIST_ENV_VAR
    if not path and keras_cache_file().is_file():
        path, origin = keras_cache_file(), "Keras' cache"
    if not path:
        return Finding(
            WARN,
            f"MNIST not found locally: {MNIST_ENV_VAR} is not set and Keras' cache {keras_cache_file()} is empty",
            f"with internet, Keras downloads it once (11 MB); offline: export {MNIST_ENV_VAR}=/path/to/mnist.npz",
        )
    try:
        load_mnist_file(path)
    except (MNISTNotFoundError, ValueError) as exc:
        return Finding(FAIL, f"MNIST from {origin} is unusable: {exc}", f"point {MNIST_ENV_VAR} at a good mnist.npz")
    return Finding(OK, f"MNIST verified: {path} ({origin})")


def check_reference_model(manifest: Path = REFERENCE_MANIFEST) -> Finding:
    """The shipped reference model (chapter 6) matches the SHA-256 in its manifest."""
    restore = "restore it from the repository: git checkout -- companion/reference"
    if not manifest.is_file():
        return Finding(WARN, f"reference model missing: no {manifest.parent.name}/{manifest.name}", restore)
    try:
        entry = json.loads(manifest.read_text(encoding="utf-8"))
        model, expected = manifest.parent / entry["file"], entry["sha256"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        return Finding(FAIL, f"{manifest} is not a manifest with 'file' and 'sha256' ({exc!r})", restore)
    if not model.is_file():
        return Finding(FAIL, f"reference model missing: {model} (named in {manifest.name})", restore)
    if file_sha256(model) != expected:
        return Finding(FAIL, f"reference model {model.name} does not match the SHA-256 in {manifest.name}", restore)
    return Finding(OK, f"reference model verified: {model.name} (sha256 {expected[:12]}…)")


def cpu_model(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """The CPU's model name (Linux), else what the platform module knows (recorded next to measurements)."""
    try:
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def available_memory_gb(meminfo: Path = Path("/proc/meminfo"), cgroup: Path = Path("/sys/fs/cgroup")) -> float | None:
    """Memory a new process can use, in GB: MemAvailable, capped by a container's limit (Binder has one)."""
    try:
        fields = dict(line.split(":", 1) for line in meminfo.read_text().splitlines() if ":" in line)
        available = int(fields["MemAvailable"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):
        return None
    try:
        limit = (cgroup / "memory.max").read_text().strip()
        if limit != "max":
            available = min(available, int(limit) - int((cgroup / "memory.current").read_text()))
    except (OSError, ValueError):
        pass
    return available / 1e9


def check_memory(available_gb: float | None = None) -> Finding:
    """Enough free memory for the most demanding chapter (its kernel peaks below 1.2 GiB)."""
    available_gb = available_memory_gb() if available_gb is None else available_gb
    if available_gb is None:
        return Finding(WARN, "could not measure the available memory", f"the chapters need about {MEMORY_NEEDED_GB} GB")
    if available_gb < MEMORY_NEEDED_GB:
        needed = f"the chapters need about {MEMORY_NEEDED_GB} GB"
        return Finding(WARN, f"{available_gb:.1f} GB of memory available; {needed}", "close other programs")
    return Finding(OK, f"{available_gb:.1f} GB of memory available")


def run_checks() -> list[Finding]:
    """Every check, in the order a reader would fix them."""
    return [
        check_python(),
        *check_dependencies(),
        check_keras_backend(),
        check_mnist(),
        check_reference_model(),
        check_memory(),
    ]


def main() -> int:
    """Print one line per check (and what to fix); return 1 if anything must be fixed."""
    findings = run_checks()
    print('Checking this machine for "Neural networks: brain and machine"')
    for finding in findings:
        print(f"  {finding.status:<4}  {finding.what}")
        if finding.fix and finding.status != OK:
            print(f"        fix: {finding.fix}")
    failures = sum(f.status == FAIL for f in findings)
    warnings = sum(f.status == WARN for f in findings)
    if failures:
        print(f"{failures} problem(s) to fix (lines marked FAIL), {warnings} warning(s).")
        return 1
    print(f"Ready to run the book ({warnings} warning(s)).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
