"""`python -m companion.doctor`: can this machine run the book? Each check says what to fix.

Checks Python, each dependency's version against `requirements.in`'s bounds (and, as a warning,
against the lock `requirements.txt` that CI tested), Keras'
configuration (backend, float type, image layout), MNIST (`MNIST_PATH`, Keras' cache), the
shipped reference model's SHA-256, and the memory the chapters need. Fast and side-effect
free: it reads package metadata and configuration files and never imports TensorFlow. Used in
the intro, "How to run the chapters".

Each check is a function in `CHECKS` returning a `Finding` (or a list of them); a check that
meets something it did not foresee still gives a FAIL line, never a traceback. To add a check,
write one more such function and list it in `CHECKS`.
"""

from __future__ import annotations

import json
import os
import platform
import re
import sys
from importlib import metadata
from pathlib import Path
from typing import NamedTuple

from packaging.requirements import InvalidRequirement, Requirement

from companion.data import MNIST_ENV_VAR, MNISTNotFoundError, keras_cache_file, load_mnist_file
from companion.models import REFERENCE_DIR, code_in_keras_file, file_sha256, manifest_sha256
from companion.models import REFERENCE_MANIFEST as MANIFEST_NAME

__all__ = ["CHECKS", "Finding", "cpu_model", "main", "run_checks"]

OK, WARN, FAIL = "ok", "warn", "FAIL"
PACKAGE = "nnbook-companion"
TESTED_PYTHON = (3, 11)
REQUIREMENTS = Path(__file__).resolve().parents[1] / "requirements.in"  # the ranges, in a clone
LOCK = Path(__file__).resolve().parents[1] / "requirements.txt"  # the versions CI passed with, in a clone
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


class RequirementsError(ValueError):
    """A requirements file the doctor cannot read; the message names the file, the line and the fix."""


# pip options that may follow a requirement on its line (pip's own hash-checking mode, per-line options)
PER_REQUIREMENT_OPTION = re.compile(r"\s(--hash|--config-settings|--global-option|--install-option)(=|\s+)\S+")


def requirement_lines(path: Path, seen: frozenset = frozenset()) -> list[tuple[str, int, str]]:
    """(file, line number, requirement text) of a pip requirements file: comments, options and ``\\`` joined.

    ``-r other.txt`` is followed; other options (``-e .``, ``--index-url``, ``-c``) name no bound to check.
    """
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise RequirementsError(f"{path}:{line}: not UTF-8 text; save it as UTF-8") from None
    found, pending, start = [], "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = re.sub(r"(^|\s)#.*$", "", raw)
        if not pending:
            start = number
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        line, pending = (pending + line).strip(), ""
        if not line:
            continue
        if line.startswith(("-r ", "--requirement ", "-r", "--requirement=")) and not line.startswith("--requirement-"):
            name = re.sub(r"^(-r|--requirement)=?\s*", "", line)
            included = (path.parent / name).resolve()
            if included in seen or not included.is_file():
                raise RequirementsError(f"{path}:{start}: cannot follow {line!r} (missing, or included twice)")
            found += requirement_lines(included, seen | {path.resolve()})
            continue
        if line.startswith("-"):
            continue
        found.append((str(path), start, PER_REQUIREMENT_OPTION.sub("", " " + line).strip()))
    if pending.strip():  # a continuation backslash on the last line: pip reads the line as it stands
        found.append((str(path), start, PER_REQUIREMENT_OPTION.sub("", " " + pending).strip()))
    return found


def requirements(path: Path | None = REQUIREMENTS) -> tuple[list[Requirement], str]:
    """The bounded requirements for this platform, and where they come from: `path`, else the package's metadata.

    A requirement whose environment marker excludes this platform (``; sys_platform == "win32"``)
    is left out; a line that is not a requirement raises RequirementsError naming it.
    """
    if path is not None and path.is_file():
        found = []
        for file, number, text in requirement_lines(path):
            try:
                requirement = Requirement(text)
            except InvalidRequirement as exc:
                reason = str(exc).splitlines()[0]
                raise RequirementsError(f"{file}:{number}: {text!r} is not a requirement ({reason})") from None
            try:
                applies = requirement.marker is None or requirement.marker.evaluate({"extra": ""})
            except Exception as exc:  # packaging raises several kinds for a marker it cannot compare
                raise RequirementsError(f"{file}:{number}: cannot evaluate the marker of {text!r} ({exc})") from None
            if applies:
                requirement.marker = None
                found.append(requirement)
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
    try:
        found, source = requirements(path)
    except (RequirementsError, OSError) as exc:
        return [Finding(FAIL, f"cannot read the requirements: {exc}", "fix that line, or restore the file with git")]
    if not found:
        return [Finding(FAIL, f"no requirements for this platform found in {source}",
                        "pip install -r requirements.txt (in a clone)")]  # fmt: skip
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


def check_lock(path: Path | None = None, installed=None) -> Finding:
    """The installed versions against the lock (requirements.txt): a warning names each package that differs."""
    from companion.lockfile import differences, installed_version

    path = LOCK if path is None else path
    if not path.is_file():
        return Finding(OK, "no lock file (requirements.txt) beside the package: versions checked against ranges only")
    found = differences(path, installed or installed_version)
    if not found:
        return Finding(OK, f"every package at the version CI tested ({path.name})")
    shown = ", ".join(f"{d.name} {d.installed or 'missing'} (locked {d.locked})" for d in found[:5])
    more = f" and {len(found) - 5} more" if len(found) > 5 else ""
    return Finding(
        WARN,
        f"{len(found)} package(s) differ from the versions CI tested: {shown}{more}",
        f"pip install -r {path.name} gives the tested versions; other versions may move printed numbers",
    )


def keras_config_file() -> Path:
    """Where Keras 3 reads its configuration, keras.json."""
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "keras.json"


# What the chapters need from Keras' configuration (keras.json keys, with what each must be).
KERAS_NEEDS = {"backend": "tensorflow", "floatx": "float32", "image_data_format": "channels_last", "epsilon": 1e-07}


def read_keras_config(config: Path) -> dict:
    """keras.json as a dict ({} when absent); ValueError saying what is wrong with it otherwise."""
    if not config.exists():
        return {}
    if not config.is_file():
        raise ValueError(f"{config} is not a file (a directory?)")
    try:
        settings = json.loads(config.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise ValueError(f"{config} is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{config} is not valid JSON ({exc})") from None
    except OSError as exc:
        raise ValueError(f"{config} cannot be read ({exc.strerror or exc})") from None
    if not isinstance(settings, dict):
        raise ValueError(f"{config} is not valid JSON for Keras (a JSON object); got {type(settings).__name__}")
    return settings


def check_keras_backend() -> Finding:
    """Keras' configuration as the chapters need it: TensorFlow backend, float32, channels_last (no import)."""
    config = keras_config_file()
    try:
        settings = read_keras_config(config)
    except ValueError as exc:
        return Finding(FAIL, str(exc), f"fix or delete {config} (Keras writes a fresh one)")
    source = str(config) if config.exists() else "Keras' default"
    values = {key: settings.get(key, default) for key, default in KERAS_NEEDS.items()}
    origins = {key: source for key in KERAS_NEEDS}
    if os.environ.get("KERAS_BACKEND"):
        values["backend"], origins["backend"] = os.environ["KERAS_BACKEND"], "KERAS_BACKEND"
    wrong = [key for key, needed in KERAS_NEEDS.items() if values[key] != needed]
    if wrong:
        what = "; ".join(f"Keras {key} is {values[key]!r} (from {origins[key]}); the book needs {KERAS_NEEDS[key]}"
                         for key in wrong)  # fmt: skip
        fixes = [
            "unset KERAS_BACKEND or set it to tensorflow" if origins[key] == "KERAS_BACKEND"
            else f'set "{key}": {json.dumps(KERAS_NEEDS[key])} in {config}'
            for key in wrong
        ]  # fmt: skip
        return Finding(FAIL, what, "; ".join(fixes))
    return Finding(OK, f"Keras backend: tensorflow, float32, channels_last, epsilon 1e-07 (from {origins['backend']})")


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
    except (MNISTNotFoundError, ValueError, OSError) as exc:
        return Finding(FAIL, f"MNIST from {origin} is unusable: {exc}", f"point {MNIST_ENV_VAR} at a good mnist.npz")
    return Finding(OK, f"MNIST verified: {path} ({origin})")


def check_reference_model(manifest: Path = REFERENCE_MANIFEST) -> Finding:
    """The shipped reference model (chapter 6 needs it) matches the SHA-256 in its manifest."""
    restore = "restore it from the repository: git checkout -- companion/reference (or reinstall the package)"
    if not manifest.is_file():
        return Finding(FAIL, f"reference model missing: no {manifest} (chapter 6 needs it)", restore)
    try:
        entry = json.loads(manifest.read_bytes().decode("utf-8"))
        if not isinstance(entry["file"], str) or Path(entry["file"]).name != entry["file"]:
            raise ValueError(f"{manifest}: 'file' must name a file in its own folder; got {entry['file']!r}")
        model, expected = manifest.parent / entry["file"], manifest_sha256(entry, manifest)
    except UnicodeDecodeError:
        return Finding(FAIL, f"{manifest} is not UTF-8 text", restore)
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        return Finding(FAIL, f"{manifest} is not a manifest with 'file' and 'sha256' ({exc!r})", restore)
    except (ValueError, OSError) as exc:
        return Finding(FAIL, str(exc), restore)
    if not model.is_file():
        return Finding(FAIL, f"reference model missing: {model} (named in {manifest.name})", restore)
    try:
        actual = file_sha256(model)
    except OSError as exc:
        return Finding(FAIL, f"reference model {model} cannot be read ({exc.strerror or exc})", restore)
    if actual != expected:
        return Finding(FAIL, f"reference model {model.name} does not match the SHA-256 in {manifest.name}", restore)
    try:
        code = code_in_keras_file(model)
    except Exception as exc:  # a damaged archive whose manifest was rewritten to match it
        return Finding(
            FAIL, f"reference model {model} is not a readable .keras archive ({type(exc).__name__})", restore
        )
    if code:
        return Finding(FAIL, f"reference model {model} tries to run code when loaded ({code[0]})", restore)
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


# Every check, in the order a reader would fix them; each returns a Finding or a list of Findings.
CHECKS = ("check_python", "check_dependencies", "check_lock", "check_keras_backend", "check_mnist",
          "check_reference_model", "check_memory")  # fmt: skip


def run_checks() -> list[Finding]:
    """Every check of `CHECKS`; one that raises becomes a FAIL line naming it (never a traceback)."""
    findings = []
    for name in CHECKS:
        try:
            result = globals()[name]()
        except Exception as exc:  # the doctor reports, it does not crash
            reason = str(exc).splitlines()[0][:200] if str(exc) else ""
            result = Finding(FAIL, f"{name} could not finish: {type(exc).__name__}: {reason}",
                             "fix what it names; if it names nothing of yours, report it with this line")  # fmt: skip
        findings += result if isinstance(result, list) else [result]
    return findings


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
