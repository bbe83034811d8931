"""Tests of tools/book_html.py: each inline script reaches the page once."""

from __future__ import annotations

from sphinx.builders.html._assets import _JavaScript

from tools.book_html import drop_duplicate_scripts


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
