"""Keep the translations of the figures' words while the stored outputs change.

Usage (after ``python tools/zh_edition.py update``):

    python tools/figure_memory.py

A figure catalog (``locale/zh_CN/LC_MESSAGES/figures/<page>.po``) holds what the page's stored
outputs say: when a chapter is stored with PNG figures (or a figure's words change), ``update``
drops the messages the outputs no longer have, and their translations with them. This tool
keeps every translation ever made in ``locale/zh_CN/figures_memory.po`` (one entry per
message, outside LC_MESSAGES so that no build reads it) and, each time it runs:

1. fills every untranslated or fuzzy message of the figure catalogs that the memory knows
   (a fuzzy one only when the memory has its exact msgid), and says how many are left;
2. adds every translated, non-fuzzy message of the catalogs to the memory (a new
   translation of a message replaces the remembered one).

Exit status 1 when some figure message is still untranslated or fuzzy.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CATALOGS = ROOT / "locale" / "zh_CN" / "LC_MESSAGES" / "figures"
MEMORY = ROOT / "locale" / "zh_CN" / "figures_memory.po"


def _read(path: Path):
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po

    if not path.is_file():
        return Catalog(fuzzy=False)
    with path.open("rb") as f:
        return read_po(f)


def _write(catalog, path: Path, header: bool = True) -> None:
    from babel.messages.pofile import write_po

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, catalog, width=0, include_previous=True, omit_header=not header)


def fill(catalogs: Path = CATALOGS, memory: Path = MEMORY) -> tuple[int, list[str]]:
    """Translate the open messages of the figure catalogs that ``memory`` knows; (filled, still open)."""
    known = {m.id: m.string for m in _read(memory) if m.id and m.string and not m.fuzzy}
    filled, still_open = 0, []
    for path in sorted(catalogs.glob("*.po")):
        catalog, changed = _read(path), False
        for message in catalog:
            if not message.id or (message.string and not message.fuzzy):
                continue
            if message.id in known:
                message.string = known[message.id]
                message.flags.discard("fuzzy")
                message.previous_id = []
                filled, changed = filled + 1, True
            else:
                still_open.append(f"{path.relative_to(catalogs.parent)}: {message.id!r}")
        if changed:
            _write(catalog, path)
    return filled, still_open


def remember(catalogs: Path = CATALOGS, memory: Path = MEMORY) -> int:
    """Add every translated message of the figure catalogs to ``memory``; the number added or changed."""
    from babel.messages.catalog import Catalog

    known = {m.id: m.string for m in _read(memory) if m.id and m.string and not m.fuzzy}
    before = dict(known)
    for path in sorted(catalogs.glob("*.po")):
        known.update({m.id: m.string for m in _read(path) if m.id and m.string and not m.fuzzy})
    changed = sum(before.get(k) != v for k, v in known.items())
    if changed or not memory.is_file():
        catalog = Catalog(fuzzy=False)
        for msgid in sorted(known):
            catalog.add(msgid, known[msgid])
        _write(catalog, memory, header=False)  # no dates: it changes only when a translation does
    return changed


def main() -> int:
    filled, still_open = fill()
    added = remember()
    print(f"figure catalogs: {filled} message(s) filled from {MEMORY.relative_to(ROOT)}, {added} remembered")
    for line in still_open:
        print(f"  to translate: {line}")
    return 1 if still_open else 0


if __name__ == "__main__":
    sys.exit(main())
