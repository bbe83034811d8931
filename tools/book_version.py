"""Sphinx extension: the book's version, from its one source, on every page and in the text.

The version is ``companion.__version__`` (pyproject.toml reads it too, CITATION.cff and
CHANGELOG.md repeat it and tests/test_citation.py keeps them equal). This extension sets
Sphinx's ``version`` and ``release``, offers ``{{ version }}`` to MyST pages (the intro's
"how to cite"), and writes "Version X" with links to the changes and the citation file in
every page's footer.
"""

from __future__ import annotations

import companion

FOOTER = {
    "en": 'Version {version} · <a href="{repo}/blob/{branch}/CHANGELOG.md">what changed</a> · '
    '<a href="{repo}/blob/{branch}/CITATION.cff">how to cite</a>',
    "zh": '版本 {version} · <a href="{repo}/blob/{branch}/CHANGELOG.md">更新记录</a> · '
    '<a href="{repo}/blob/{branch}/CITATION.cff">引用方式</a>',
}


def footer_html(version: str, language: str | None, repository: str, branch: str) -> str:
    """The footer line for one edition."""
    edition = "zh" if (language or "en").startswith("zh") else "en"
    text = FOOTER[edition].format(version=version, repo=repository.rstrip("/"), branch=branch)
    return f'<p class="book-version">{text}</p>'


def set_version(app, config) -> None:
    """Put the package's version into the configuration before anything reads it."""
    version = companion.__version__
    config.version = config.release = version
    config.myst_substitutions = {**(config.myst_substitutions or {}), "version": version}
    options = dict(config.html_theme_options or {})
    repository = options.get("repository_url", "")
    branch = options.get("repository_branch", "main") or "main"
    line = footer_html(version, config.language, repository, branch)
    options["extra_footer"] = (options.get("extra_footer") or "") + line
    config.html_theme_options = options


def setup(app):
    app.connect("config-inited", set_version)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
