"""The order of `pytest --nbval`'s files (tools/schedule.py)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

from tools.schedule import chapter_seconds, slowest_notebooks_first


def item(path: str, name: str):
    """A stand-in for a pytest item: its file (``fspath``) and its name."""
    p = Path(path)
    return SimpleNamespace(fspath=SimpleNamespace(ext=p.suffix, purebasename=p.stem), name=name)


def test_notebooks_come_first_the_slowest_first_and_each_files_items_stay_in_order():
    items = [
        item("tests/test_a.py", "a1"),
        item("book/ch1.ipynb", "c1"),
        item("tests/test_b.py", "b1"),
        item("book/ch5.ipynb", "f1"),
        item("book/ch5.ipynb", "f2"),
        item("book/new.ipynb", "n1"),
        item("tests/test_a.py", "a2"),
        item("book/ch1.ipynb", "c2"),
    ]
    slowest_notebooks_first(items, {"ch1": 10.0, "ch5": 80.0})
    assert [i.name for i in items] == ["f1", "f2", "c1", "c2", "n1", "a1", "b1", "a2"]


def test_chapter_seconds_reads_the_medians_and_is_empty_for_a_damaged_file(tmp_path):
    good = tmp_path / "results.json"
    good.write_text(json.dumps({"notebooks": {"ch5": {"seconds": {"median": 81.2}}}}), "utf-8")
    assert chapter_seconds(good) == {"ch5": 81.2}
    damaged = tmp_path / "damaged.json"
    damaged.write_text('{"notebooks": ', "utf-8")
    assert chapter_seconds(damaged) == {}
    assert chapter_seconds(tmp_path / "missing.json") == {}


def test_every_chapter_of_the_book_has_its_measured_seconds():
    seconds = chapter_seconds()
    chapters = {p.stem for p in (Path(__file__).parents[1] / "book").glob("*.ipynb")}
    assert chapters <= set(seconds)
