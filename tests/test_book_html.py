"""Tests of tools/book_html.py: the repairs to the written HTML."""

from __future__ import annotations

from sphinx.builders.html._assets import _JavaScript

from tools.book_html import (
    drop_duplicate_scripts,
    fix_accessible_names,
    label_errata_cells,
    main_text,
    mark_chinese,
    page_text_script,
)


def test_inline_script_registered_as_none_and_empty_name_is_kept_once():
    thebe = 'const THEBE_JS_URL = "x"'
    scripts = [
        _JavaScript("_static/doctools.js", priority=200),
        _JavaScript(None, body=thebe),  # Sphinx 7.4 writes these two as separate <script> tags
        _JavaScript("", body=thebe),
        _JavaScript("", body="var other = 1"),
        _JavaScript("_static/doctools.js", priority=200),
    ]
    context = {"script_files": scripts}
    drop_duplicate_scripts(None, "page", "page.html", context, None)
    assert context["script_files"] == [scripts[0], scripts[1], scripts[3]]


def test_chinese_runs_on_english_pages_are_marked_and_nothing_else_is():
    page = (
        '<html lang="en"><head><title>术语表</title><script>var s = "中文";</script></head><body>'
        "<p>The article says 前馈神经网络 (feed-forward), §3.1 第 1 章.</p>"
        '<q class="article-quote" lang="zh-CN">每个神经元</q>'
        '<a href="x" title="标题">中文版</a><img alt="图"><br/>'
        '<span class="math notranslate">\\(\\text{输入}\\)</span>'
        "<svg><text>图例</text></svg><pre>print('你好')</pre><p>plain English</p></body></html>"
    )
    marked = mark_chinese(page)
    assert '<span lang="zh-CN">前馈神经网络</span> (feed-forward)' in marked
    assert '<span lang="zh-CN">第 1 章</span>' in marked  # digits between Chinese words stay in the run
    assert '<a href="x" title="标题"><span lang="zh-CN">中文版</span></a>' in marked
    assert "print('<span lang=\"zh-CN\">你好</span>')" in marked
    untouched = ["<title>术语表</title>", 'var s = "中文";', '<q class="article-quote" lang="zh-CN">每个神经元</q>']
    untouched += ["\\text{输入}", "<text>图例</text>", '<img alt="图">']
    for text in untouched:
        assert text in marked
    assert marked.count("<span lang=") == 4
    assert mark_chinese(marked) == marked  # idempotent


def test_errata_cells_get_their_columns_heading():
    table = (
        '<table class="errata table"><thead><tr><th class="head"><p>The article &amp; says</p></th>'
        '<th class="head"><p>What is <em>wrong</em></p></th></tr></thead>'
        "<tbody><tr><td><p>a</p></td><td><p>b</p></td></tr><tr><td>c</td><td>d</td></tr></tbody></table>"
    )
    other = '<table class="docutils"><tbody><tr><td>x</td></tr></tbody></table>'
    labelled = label_errata_cells(table + other)
    assert labelled.count('<td data-label="The article &amp; says">') == 2
    assert labelled.count('<td data-label="What is wrong">') == 2
    assert labelled.endswith(other)
    assert label_errata_cells(labelled) == labelled


def test_the_themes_buttons_get_names_that_contain_their_text():
    search = (
        '<button class="btn search-button-field search-button__button pst-js-only" title="Search" '
        'aria-label="Search" data-bs-toggle="tooltip">'
    )
    mode = '<i class="theme-switch fa-solid fa-sun fa-lg" data-mode="light" title="Light"></i>'
    fixed = fix_accessible_names(search + mode)
    assert 'aria-label="Search"' not in fixed and 'title="Search"' in fixed
    assert 'title="Light"' not in fixed and 'data-mode="light"' in fixed
    assert fix_accessible_names(fixed) == fixed
    bibliography = '<div role="list" class="citation-list">\n<div class="citation" id="id1" role="doc-biblioentry">'
    assert fix_accessible_names(bibliography).endswith('<div class="citation" id="id1" role="listitem">')


def test_page_text_keeps_the_main_texts_and_its_anchors():
    page = (
        '<body><nav>Sidebar 目录</nav><main id="main-content" role="main"><section id="intro"><h1>Title'
        '<a class="headerlink" href="#intro">#</a></h1><p>Some   text\n with <b>bold</b> 中文.</p>'
        '<img src="x.png"><script>ignored()</script><section id="part-2"><p>Part two</p></section>'
        "</section></main><footer>Footer</footer></body>"
    )
    text = main_text(page)
    assert text == (
        '<div role="main"><div id="main-content"><div id="intro">Title Some text with bold 中文. '
        '<div id="part-2">Part two </div> </div></div></div>'
    )
    script = page_text_script("book/ch1", page)
    assert script.startswith("window.bookPageText = window.bookPageText || {};\n")
    assert 'window.bookPageText["book/ch1"] = "<div role=\\"main\\">' in script
