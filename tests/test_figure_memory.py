"""tools/figure_memory.py keeps the figures' translations while the stored outputs change."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools.figure_memory import _read, fill, remember  # noqa: E402

HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'


def _catalog(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def _strings(path: Path) -> dict:
    return {m.id: (m.string, m.fuzzy) for m in _read(path) if m.id}


def test_a_dropped_translation_comes_back_from_the_memory(tmp_path):
    catalogs, memory = tmp_path / "figures", tmp_path / "memory.po"
    page = _catalog(catalogs, "ch1.po", 'msgid "time (ms)"\nmsgstr "时间 (ms)"\n')
    assert remember(catalogs, memory) == 1
    page.write_text(HEADER, encoding="utf-8")  # the page stored PNG: update dropped the message
    assert remember(catalogs, memory) == 0  # forgetting nothing
    _catalog(catalogs, "ch1.po", 'msgid "time (ms)"\nmsgstr ""\n\nmsgid "new words"\nmsgstr ""\n')
    filled, still_open = fill(catalogs, memory)
    assert filled == 1 and still_open == ["figures/ch1.po: 'new words'"]
    assert _strings(page)["time (ms)"] == ("时间 (ms)", False)


def test_a_fuzzy_message_is_filled_only_by_its_exact_msgid(tmp_path):
    catalogs, memory = tmp_path / "figures", tmp_path / "memory.po"
    _catalog(tmp_path / "old", "ch2.po", 'msgid "loss"\nmsgstr "损失"\n')
    remember(tmp_path / "old", memory)
    page = _catalog(
        catalogs,
        "ch2.po",
        '#, fuzzy\nmsgid "loss"\nmsgstr "旧"\n\n#, fuzzy\n#| msgid "losses"\nmsgid "log loss"\nmsgstr "损失"\n',
    )
    filled, still_open = fill(catalogs, memory)
    assert filled == 1 and still_open == ["figures/ch2.po: 'log loss'"]
    assert _strings(page) == {"loss": ("损失", False), "log loss": ("损失", True)}


def test_a_new_translation_replaces_the_remembered_one(tmp_path):
    catalogs, memory = tmp_path / "figures", tmp_path / "memory.po"
    page = _catalog(catalogs, "ch3.po", 'msgid "epoch"\nmsgstr "时期"\n')
    remember(catalogs, memory)
    page.write_text(HEADER + 'msgid "epoch"\nmsgstr "轮"\n', encoding="utf-8")
    assert remember(catalogs, memory) == 1
    assert _strings(memory) == {"epoch": ("轮", False)}
