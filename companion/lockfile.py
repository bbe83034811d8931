"""The lock file, `requirements.txt`: which installed packages differ from the versions CI passed with.

Used by `python -m companion.doctor` (a warning naming each package that differs) and by
`tools/lock_diff.py` (the weekly newest-versions check names the packages that moved).
Reads package metadata only; imports nothing heavy.
"""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path
from typing import NamedTuple

__all__ = ["Difference", "differences", "read_lock"]

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;#]+)\s*(?:;\s*([^#]+))?")


class Difference(NamedTuple):
    """A package whose installed version (None: not installed) is not the locked one."""

    name: str
    locked: str
    installed: str | None


def normalise(name: str) -> str:
    """PEP 503 name: 'Sphinx_Book.Theme' -> 'sphinx-book-theme'."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_lock(path: Path) -> dict[str, str]:
    """{package: version} of every `name==version` line of a lock file (markers that exclude this platform skipped)."""
    from packaging.markers import Marker

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(f"no lock file at {path}: run from a clone of the book's repository") from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start}): regenerate it") from None
    pins = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", "-e", "--")):
            continue
        match = PIN.match(stripped)
        if not match:
            raise ValueError(f"{path}, line {number}: {stripped!r} is not 'name==version'; regenerate the lock")
        name, _, version, marker = match.groups()
        if marker and not Marker(marker.strip()).evaluate():
            continue
        pins[normalise(name)] = version
    if not pins:
        raise ValueError(f"{path} pins no package: is it the lock (requirements.txt) and not the ranges?")
    return pins


def installed_version(name: str) -> str | None:
    """The installed distribution's version, or None."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def differences(path: Path, installed=installed_version) -> list[Difference]:
    """Every locked package that is missing or installed at another version, by name."""
    found = []
    for name, locked in sorted(read_lock(path).items()):
        version = installed(name)
        if version != locked:
            found.append(Difference(name, locked, version))
    return found
