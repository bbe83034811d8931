"""Which installed packages differ from the lock: `python tools/lock_diff.py [requirements.txt]`.

Run by the weekly newest-versions check and by CI's second run, which install the ranges of
requirements.in: when a chapter fails there, this names the packages that moved since the lock
was made. Prints one line per package and exits 0 (it reports; the tests decide).
"""

from __future__ import annotations

import sys
from pathlib import Path

from companion.lockfile import differences

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else ROOT / "requirements.txt"
    moved = differences(path)
    if not moved:
        print(f"every package is at the version {path.name} pins")
        return 0
    print(f"{len(moved)} package(s) differ from {path.name}:")
    for name, locked, installed in moved:
        print(f"  {name}: locked {locked}, installed {installed or 'nothing'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
