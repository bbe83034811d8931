"""tools/book_zh.py: the Chinese edition's chrome, solution titles, citations and pinyin term table."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from textwrap import dedent

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import book_zh  # noqa: E402


def test_only_chinese_languages_count_as_the_chinese_edition():
    assert book_zh.is_chinese("zh_CN") and book_zh.is_chinese("zh")
    assert not book_zh.is_chinese("en") and not book_zh.is_chinese(None)


def test_pinyin_order_is_dictionary_order():
    # syllable letters first (ce < cha < chang), a word before its longer compounds (卷积 < 卷积核),
    # tones in order within a syllable (诗 shi1 < 时 shi2 < 事 shi4), ü after u (路 lu < 律 lü)
    terms = ["卷积核", "事", "律", "差分", "时", "长度", "测试集", "诗", "卷积", "路"]
    expected = ["测试集", "差分", "长度", "卷积", "卷积核", "路", "律", "诗", "时", "事"]
    assert sorted(terms, key=book_zh.pinyin_key) == expected


def test_polyphonic_characters_take_their_reading_in_the_word():
    assert book_zh.initial("长短期记忆网络") == "C"  # cháng, not zhǎng
    assert book_zh.initial("卷积") == "J"
    assert book_zh.pinyin_key("权重")[0][1] == ("zhong", 4)  # zhòng, not chóng


def test_a_term_is_filed_under_its_pinyin_initial_or_its_own_letter():
    assert book_zh.initial("反向传播") == "F"
    assert book_zh.initial("ReLU 函数") == "R"
    assert book_zh.initial("2 范数") == "#"


GLOSSARY = dedent("""\
    # Glossary

    ```{glossary}
    :sorted:

    backpropagation
    反向传播
      How gradients flow back.

    action potential
    spike
    动作电位
    脉冲
      A neuron's pulse.

    ReLU
      Kept in English.
    ```
    """)


def test_glossary_entries_keep_english_and_chinese_terms_apart():
    entries = book_zh.glossary_entries(GLOSSARY)
    assert entries[1] == book_zh.GlossaryEntry(("action potential", "spike"), ("动作电位", "脉冲"))
    assert entries[2] == book_zh.GlossaryEntry(("ReLU",), ())
    with pytest.raises(ValueError, match="no \\{glossary\\} directive"):
        book_zh.glossary_entries("# Glossary\n\nno directive\n")


def test_term_rows_give_each_chinese_term_a_row_in_pinyin_order():
    rows = book_zh.term_rows(book_zh.glossary_entries(GLOSSARY))
    assert [(letter, term) for letter, term, _ in rows] == [
        ("D", "动作电位"),
        ("F", "反向传播"),
        ("M", "脉冲"),
        ("R", "ReLU"),
    ]


def test_term_table_links_each_chinese_term_and_lists_its_english():
    rows = book_zh.term_rows(book_zh.glossary_entries(GLOSSARY))
    html = book_zh.term_table_html(rows, lambda term: None if term == "ReLU" else f"glossary.html#{term}")
    assert '<a href="#pinyin-D">D</a> <a href="#pinyin-F">F</a>' in html
    assert '<a href="glossary.html#脉冲">脉冲</a></td><td lang="en">action potential, spike</td>' in html
    assert '<td lang="zh-CN">ReLU</td><td lang="en"></td>' in html
    assert html.index('id="pinyin-D"') < html.index('id="pinyin-F"') < html.index('id="pinyin-M"')


def test_the_real_glossary_gives_a_row_for_every_chinese_term():
    entries = book_zh.glossary_entries((ROOT / "book" / "glossary.md").read_text(encoding="utf-8"))
    rows = book_zh.term_rows(entries)
    chinese = [term for entry in entries for term in entry.chinese]
    assert chinese and sorted(term for _, term, _ in rows) == sorted(chinese)
    letters = [letter for letter, _, _ in rows]
    assert letters == sorted(letters)


def test_hard_coded_template_words_are_replaced():
    html = '<button title="Toggle primary sidebar"></button><nav aria-label="Page">'
    assert book_zh.replace_hard_coded(html) == '<button title="显示或隐藏目录栏"></button><nav aria-label="本页内容">'


def test_the_chrome_catalogs_translate_what_the_theme_shows():
    for name, needed in {
        "sphinx": ["Link to this heading", "Link to this term", "Color mode", "On this page"],
        "booktheme": ["Repository", "Open issue", "Launch on Binder", "Launch on Colab", "Print to PDF"],
    }.items():
        messages = book_zh.read_catalog(book_zh.CHROME / f"{name}.po")
        missing = [m for m in needed if m not in messages]
        assert not missing, f"{name}.po lacks {missing}"
        assert all(book_zh.CJK.search(text) for text in messages.values()), f"{name}.po: a message without Chinese"


def test_chrome_translations_fall_back_to_the_package_catalog():
    import gettext

    package = gettext.NullTranslations()
    package.gettext = lambda message: {"Search": "搜索"}.get(message, message)
    ours = book_zh.ChromeTranslations({"Repository": "代码仓库"})
    ours.add_fallback(package)
    assert ours.gettext("Repository") == "代码仓库"
    assert ours.gettext("Search") == "搜索"
    assert ours.gettext("Unknown") == "Unknown"


# --- a small book built in both languages (a subprocess: Sphinx's translators are global) ---

CONF = """\
import sys
sys.path.insert(0, {tools!r})
extensions = ["myst_parser", "sphinxcontrib.bibtex", "sphinx_exercise", "sphinx_togglebutton", "book_zh"]
myst_enable_extensions = ["colon_fence"]
bibtex_bibfiles = ["refs.bib"]
bibtex_reference_style = "author_year"
language = {language!r}
html_theme = "sphinx_book_theme"
html_theme_options = {{"repository_url": "https://github.com/o/r", "use_repository_button": True,
                      "use_issues_button": True}}
book_zh_glossary = "glossary.md"
"""

INDEX = """\
# A page

## A section

Two authors {cite:t}`two`, three {cite:t}`three`, both {cite:p}`two,three`.

```{exercise}
:label: ex-one

Do it.
```

````{solution} ex-one
Done.
````

```{toctree}
glossary
```

```{bibliography}
```
"""

BIB = """\
@article{two, author = {Xavier Glorot and Yoshua Bengio}, title = {T}, journal = {J}, year = {2010}}
@article{three, author = {Kaiming He and Xiangyu Zhang and Jian Sun}, title = {T}, journal = {J}, year = {2015}}
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The small book built in English and in Chinese: {language: output folder}."""
    out = {}
    for language in ("en", "zh_CN"):
        src = tmp_path_factory.mktemp(f"src_{language}")
        (src / "conf.py").write_text(CONF.format(tools=str(ROOT / "tools"), language=language), encoding="utf-8")
        (src / "index.md").write_text(INDEX, encoding="utf-8")
        (src / "glossary.md").write_text(GLOSSARY, encoding="utf-8")
        (src / "refs.bib").write_text(BIB, encoding="utf-8")
        out[language] = src / "_build"
        done = subprocess.run(
            [sys.executable, "-m", "sphinx", "-b", "html", "-W", "-q", str(src), str(out[language])],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
    return out


def test_chinese_build_shows_chinese_chrome(built):
    html = (built["zh_CN"] / "index.html").read_text(encoding="utf-8")
    shown = ['title="链接到本节"', "代码仓库", "报告问题", 'placeholder="搜索本书……"', 'title="显示或隐藏目录栏"']
    for chinese in [*shown, "toggleHintShow = '点击显示'", 'aria-label="本页内容"']:
        assert chinese in html, chinese
    for english in ["Link to this heading", ">Repository<", "Open issue", "Click to show", "Toggle primary sidebar"]:
        assert english not in html, english


def test_chinese_solution_title_and_citations(built):
    html = (built["zh_CN"] / "index.html").read_text(encoding="utf-8")
    assert '<a class="reference internal" href="#ex-one">练习 1</a> 的解答</p>' in html
    assert "Glorot 和 Bengio [" in html and "He 等 [" in html
    assert "[Glorot 和 Bengio, 2010; He 等, 2015]" in re.sub(r"<[^>]+>", "", html)  # the parenthetical one
    assert "et al." not in html


def test_chinese_index_page_is_the_pinyin_term_table(built):
    html = (built["zh_CN"] / "genindex.html").read_text(encoding="utf-8")
    assert "<h1>中英术语对照表</h1>" in html
    assert html.index(">动作电位</a>") < html.index(">反向传播</a>") < html.index(">脉冲</a>")
    assert 'href="glossary.html#term-' in html
    glossary = (built["zh_CN"] / "glossary.html").read_text(encoding="utf-8")
    assert 'href="genindex.html">中英术语对照表</a>' in glossary


def test_english_build_is_left_alone(built):
    html = (built["en"] / "index.html").read_text(encoding="utf-8")
    assert "Link to this heading" in html and "Click to show" in html
    assert "Glorot and Bengio [" in html and "<em>et al.</em>" in html
    assert "Solution to" in html
    index = (built["en"] / "genindex.html").read_text(encoding="utf-8")
    assert "中英术语对照表" not in index
