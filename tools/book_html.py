"""Sphinx extension (loaded by `_config.yml`): repairs to the HTML that the browser check found.

Sphinx 7.4 writes an inline script twice when an extension registers it after the
builder has started (sphinx-thebe's ``const THEBE_JS_URL = …``, sphinx-togglebutton's
selector): once named ``None`` and once ``''``, which `_JavaScript.__eq__` tells apart.
Declaring a ``const`` twice is a SyntaxError in every reader's console, so each page
keeps the first copy of each script.
"""

from __future__ import annotations


def _script_key(js) -> tuple:
    return (js.filename or "", js.priority, tuple(sorted(js.attributes.items())))


def drop_duplicate_scripts(app, pagename, templatename, context, doctree) -> None:
    """Keep the first of identical <script> entries (runs last, after every extension added its own)."""
    seen, unique = set(), []
    for js in context.get("script_files", []):
        key = _script_key(js) if hasattr(js, "attributes") else (str(js),)
        if key not in seen:
            seen.add(key)
            unique.append(js)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", drop_duplicate_scripts, priority=999)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
