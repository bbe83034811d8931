"""tools/book_languages.py: the Chinese edition's search splits Chinese into the glossary's words."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from tools.book_languages import chinese_search_dictionary, glossary_chinese_terms

ROOT = Path(__file__).resolve().parents[1]


def test_the_glossarys_chinese_terms_are_the_dictionary():
    terms = glossary_chinese_terms(ROOT / "book" / "glossary.md")
    assert {"反向传播", "随时间反向传播", "卷积"} <= set(terms)
    assert all(not term.isascii() for term in terms)


def test_a_page_without_a_glossary_is_refused(tmp_path):
    page = tmp_path / "glossary.md"
    page.write_text("# Glossary\n\nNo directive here.\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no glossary directive"):
        glossary_chinese_terms(page)


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_only_the_chinese_build_gets_the_dictionary(tmp_path, language):
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "glossary.md").write_text("```{glossary}\nbackpropagation\n反向传播\n  Text.\n```\n")
    app = SimpleNamespace(confdir=str(tmp_path), doctreedir=str(tmp_path / "_build" / ".doctrees"))
    config = SimpleNamespace(language=language, html_search_language=None, html_search_options={})
    chinese_search_dictionary(app, config)
    if language == "en":
        assert config.html_search_options == {}
        return
    dictionary = Path(config.html_search_options["dict"])
    assert dictionary.read_text(encoding="utf-8") == "反向传播 100000 n\n"
    assert config.html_search_language == "zh"
