"""tools/zh_edition.py: catalogs read strictly, never rewritten when unreadable, compared with the pages."""

from __future__ import annotations

import io

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po
from hypothesis import given, settings
from hypothesis import strategies as st

from tools import zh_edition
from tools.zh_edition import CatalogError, catalog_gaps, check_syntax, drop_obsolete, read_catalog

HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'


def catalog_text(*pairs, obsolete=()):
    entries = [f'msgid "{en}"\nmsgstr "{zh}"\n' for en, zh in pairs]
    entries += [f'#~ msgid "{en}"\n#~ msgstr "{zh}"\n' for en, zh in obsolete]
    return HEADER + "\n".join(entries)


@pytest.fixture
def catalogs(tmp_path):
    folder = tmp_path / "LC_MESSAGES"
    (folder / "book").mkdir(parents=True)
    return folder


@pytest.mark.parametrize(
    ("text", "line", "what"),
    [
        ("", 1, "the catalog is empty"),
        (HEADER + 'msgid "Title"\nmsgstr "1. 大脑与人工神经元\n', 6, "not a complete string"),
        (HEADER + 'msgid "a"\nmsgstr "b" "c"\n', 6, "not a complete string"),
        (HEADER + 'msgid "a\\"\nmsgstr "b"\n', 5, "not a complete string"),
        (HEADER + 'msgid "a"\n\nmsgid "b"\nmsgstr "c"\n', 5, "an entry without msgstr"),
        (HEADER + 'msgid "a"\nmsgstr "x"\n\nmsgid "a"\nmsgstr "y"\n', 8, "already at line 5"),
        (HEADER + '"orphan"\n', 5, "a string outside any entry"),
        (HEADER + 'msgstr "x"\n', 5, "msgstr without a msgid"),
        (HEADER + 'msgid "a"\nmsgstr "b"\nmsgstr "c"\n', 7, "msgstr without a msgid"),
        (HEADER + 'msgid "a"\nmsgstr "\\q"\n', 6, "not a complete string"),
        (HEADER + "msgid a\nmsgstr b\n", 5, "not a complete string"),
        (HEADER + '#~ msgid "a\n', 5, "malformed obsolete entry"),
        (HEADER + 'msgid "a"\nmsgstr "b\x00"\n', 6, "a control character"),
        ("\ufeff" + HEADER, 1, "byte-order mark"),
    ],
)
def test_syntax_errors_are_named_with_their_line(text, line, what):
    problems = check_syntax(text.encode("utf-8"))
    assert any(p.startswith(f"line {line}: ") and what in p for p in problems), problems


def test_bytes_that_are_not_utf8_are_named_with_their_line():
    (problem,) = check_syntax((HEADER + 'msgid "a"\nmsgstr "caf').encode() + b'\xe9"\n')
    assert problem.startswith("line 6: bytes that are not UTF-8")


messages = st.lists(
    st.sampled_from(list('abc 大脑神经元"\\\n\t%‰-1{}`<>:.') + ["1. 大脑与人工神经元"]), min_size=1
).map("".join)


@settings(max_examples=80, deadline=None)
@given(st.dictionaries(messages, messages, min_size=1, max_size=5))
def test_what_babel_writes_is_valid_and_reads_back_whole(pairs):
    catalog = Catalog(locale="zh_CN")
    for english, chinese in pairs.items():
        catalog.add(english, chinese)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0)
    assert check_syntax(buffer.getvalue()) == []
    again = read_po(io.BytesIO(buffer.getvalue()))
    assert {m.id: m.string for m in again if m.id} == pairs


def test_drop_obsolete_keeps_every_translation_whole(catalogs):
    path = catalogs / "book" / "ch1.po"
    pairs = [("1. The brain and artificial neurons", "1. 大脑与人工神经元"), ('Say \\"hi\\"\\n', '说 \\"你好\\"\\n')]
    path.write_text(catalog_text(*pairs, obsolete=[("Gone", "没了")]), encoding="utf-8")
    drop_obsolete(catalogs)
    catalog = read_catalog(path)
    assert not catalog.obsolete
    assert {m.id: m.string for m in catalog if m.id} == {
        "1. The brain and artificial neurons": "1. 大脑与人工神经元",
        'Say "hi"\n': '说 "你好"\n',
    }
    assert check_syntax(path.read_bytes()) == []


def test_drop_obsolete_refuses_a_broken_catalog_and_rewrites_nothing(catalogs):
    good = catalogs / "book" / "ch2.po"
    good.write_text(catalog_text(("A", "甲"), obsolete=[("Gone", "没了")]), encoding="utf-8")
    broken = catalogs / "book" / "ch1.po"
    broken.write_text(catalog_text(("Title", "1. 大脑与人工神经元")).replace('元"', "元"), encoding="utf-8")
    before = {p: p.read_bytes() for p in (good, broken)}
    with pytest.raises(CatalogError) as info:
        drop_obsolete(catalogs)
    assert f"{broken}:6: not a complete string" in str(info.value) and "nothing was changed" in str(info.value)
    assert {p: p.read_bytes() for p in (good, broken)} == before


def test_update_refuses_before_sphinx_intl_can_rewrite_a_broken_catalog(catalogs, monkeypatch):
    (catalogs / "book" / "ch1.po").write_text(HEADER + 'msgid "a"\nmsgstr "b\n', encoding="utf-8")
    calls = []
    monkeypatch.setattr(zh_edition, "CATALOGS", catalogs)
    monkeypatch.setattr(zh_edition, "extract", lambda *a: calls.append("extract"))
    monkeypatch.setattr(zh_edition.subprocess, "run", lambda *a, **k: calls.append("sphinx-intl"))
    with pytest.raises(CatalogError, match="ch1.po:6"):
        zh_edition.update()
    assert calls == []


def write_template(templates, page, *ids):
    path = templates / "book" / f"{page}.pot"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + "\n".join(f'msgid "{i}"\nmsgstr ""\n' for i in ids), encoding="utf-8")


def test_missing_and_stale_messages_are_found_and_stats_is_not_complete(catalogs, tmp_path, capsys):
    templates = tmp_path / "templates"
    write_template(templates, "ch1", "A", "B", "C", "D")
    write_template(templates, "ch2", "New wording")
    write_template(templates, "ch3", "X")
    (catalogs / "book" / "ch1.po").write_text(catalog_text(("A", "甲"), ("B", "乙")), encoding="utf-8")  # half deleted
    (catalogs / "book" / "ch2.po").write_text(catalog_text(("Old wording", "旧")), encoding="utf-8")  # stale
    (catalogs / "book" / "ch3.po").write_text(catalog_text(("X", "叉")), encoding="utf-8")
    gaps = catalog_gaps(templates, catalogs)
    assert gaps == {"book/ch1": (["C", "D"], []), "book/ch2": (["New wording"], ["Old wording"])}
    assert zh_edition.stats(templates, catalogs) == 4
    out = capsys.readouterr().out
    assert "book/ch1.po" in out and "2 missing" in out and "1 stale" in out and "4 message(s) to do" in out


def test_an_empty_catalog_stops_stats_with_its_name(catalogs, tmp_path):
    templates = tmp_path / "templates"
    write_template(templates, "ch1", "A")
    (catalogs / "book" / "ch1.po").write_bytes(b"")
    with pytest.raises(CatalogError, match="ch1.po:1: the catalog is empty"):
        zh_edition.stats(templates, catalogs)


def test_a_page_without_a_catalog_is_all_missing(catalogs, tmp_path):
    templates = tmp_path / "templates"
    write_template(templates, "ch9", "A", "B")
    assert catalog_gaps(templates, catalogs) == {"book/ch9": (["A", "B"], [])}


def test_main_prints_the_broken_line_and_exits_1(catalogs, monkeypatch, capsys):
    (catalogs / "book" / "ch1.po").write_text(HEADER + 'msgid "a"\nmsgstr "b\n', encoding="utf-8")
    monkeypatch.setattr(zh_edition, "CATALOGS", catalogs)
    monkeypatch.setattr("sys.argv", ["zh_edition.py", "stats"])
    with pytest.raises(SystemExit) as info:
        zh_edition.main()
    assert info.value.code == 1
    assert "ch1.po:6: not a complete string" in capsys.readouterr().err


def test_windows_line_ends_are_valid():
    assert check_syntax((HEADER + 'msgid "a"\nmsgstr "b"\n').replace("\n", "\r\n").encode()) == []


def test_a_linked_catalog_stays_a_link(catalogs, tmp_path):
    target = tmp_path / "real.po"
    target.write_text(catalog_text(("A", "甲"), obsolete=[("Gone", "没了")]), encoding="utf-8")
    link = catalogs / "book" / "ch1.po"
    link.symlink_to(target)
    drop_obsolete(catalogs)
    assert link.is_symlink() and "Gone" not in target.read_text(encoding="utf-8")
