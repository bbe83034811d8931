"""The order in which `pytest --nbval` runs its files: the slowest chapters first (conftest.py).

With two workers (pytest-xdist, ``-n 2 --dist loadfile`` in pyproject.toml) whole files are
handed out in collection order; a long chapter collected last would run alone at the end.
"""

from __future__ import annotations

import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parents[1] / "benchmarks" / "results.json"


def chapter_seconds(path: Path = RESULTS) -> dict[str, float]:
    """Each notebook's measured median seconds, by name (benchmarks/results.json); empty if unreadable."""
    try:
        notebooks = json.loads(path.read_text("utf-8"))["notebooks"]
        return {name: float(cost["seconds"]["median"]) for name, cost in notebooks.items()}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def slowest_notebooks_first(items: list, seconds: dict[str, float]) -> None:
    """Sort pytest `items` in place: notebooks first, the slowest first, then the rest; each file's order kept."""

    def key(item):
        if item.fspath.ext != ".ipynb":
            return (1, 0.0)
        return (0, -seconds.get(item.fspath.purebasename, 0.0))

    items.sort(key=key)  # stable: a file's items stay together and in order
