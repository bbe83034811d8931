"""The Chinese edition (中文版): update its translation catalogs, build it, count what is translated.

The Chinese book is built from the same notebooks and pages as the English one: Sphinx reads
each paragraph, heading, caption and table cell's translation from the gettext catalogs in
``locale/zh_CN/LC_MESSAGES/book/<page>.po`` (one per page); code cells and their outputs are
not translated. A message without a translation (or marked fuzzy) falls back to English.

    python tools/zh_edition.py update   # after editing a page: extract the messages, update the .po files
    python tools/zh_edition.py build    # the Chinese edition into _build/html/zh/ (-W -n --keep-going)
    python tools/zh_edition.py stats    # messages per page: translated, fuzzy, untranslated

``update`` marks a changed message fuzzy (keeping the old translation as a hint) and adds new
ones untranslated; translate them, delete the ``#, fuzzy`` line, and build. tests/test_zh_catalogs.py
fails on any untranslated or fuzzy message.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "locale"
LANGUAGE = "zh_CN"
CATALOGS = LOCALE / LANGUAGE / "LC_MESSAGES"
BUILD = ROOT / "_build"
TITLE = "神经网络：大脑与机器"


def jupyter_book(*args: str) -> None:
    """Run ``jupyter-book`` with this interpreter; exit with its status if it fails."""
    done = subprocess.run([str(Path(sys.executable).with_name("jupyter-book")), *args], cwd=ROOT)
    if done.returncode:
        sys.exit(done.returncode)


def zh_config() -> Path:
    """``_config.yml`` with the Chinese language and title, written to _build/ (paths adjusted)."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    config["title"] = TITLE
    config["sphinx"]["config"]["language"] = LANGUAGE
    config["sphinx"]["config"]["locale_dirs"] = [str(catalogs_for_build().relative_to(ROOT))]
    # local extensions are found relative to the configuration file, which now sits in _build/
    config["sphinx"]["local_extensions"] = {
        name: f"../{path}" for name, path in config["sphinx"].get("local_extensions", {}).items()
    }
    BUILD.mkdir(exist_ok=True)
    path = BUILD / "_config.zh.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def update() -> None:
    """Extract every message into .pot templates and merge them into the .po catalogs."""
    out = BUILD / "gettext"
    shutil.rmtree(out, ignore_errors=True)
    jupyter_book("build", ".", "--builder", "custom", "--custom-builder", "gettext", "--path-output", str(out))
    templates = out / "_build" / "gettext"
    done = subprocess.run(
        [sys.executable, "-m", "sphinx_intl", "update", "-p", str(templates), "-l", LANGUAGE, "-d", str(LOCALE),
         "--line-width", "-1"],
        cwd=ROOT,
    )  # fmt: skip
    if done.returncode:
        sys.exit(done.returncode)
    drop_obsolete()
    for path in CATALOGS.rglob("*.po"):  # a page that no longer exists leaves its catalog behind
        if not (templates / path.relative_to(CATALOGS)).with_suffix(".pot").exists():
            print(f"obsolete catalog (its page is gone): {path.relative_to(ROOT)}")


def drop_obsolete() -> None:
    """Remove the messages no page has any more (sphinx-intl keeps them as ``#~`` entries)."""
    from babel.messages.pofile import read_po, write_po

    for path in CATALOGS.rglob("*.po"):
        with path.open("rb") as f:
            catalog = read_po(f)
        if catalog.obsolete:
            catalog.obsolete.clear()
            with path.open("wb") as f:
                write_po(f, catalog, width=0)


# A myst-nb role that pastes a value the notebook glued: {glue}`key`, {glue:text}`key:.2f`, ...
GLUE_ROLE = re.compile(r"\{(glue(?::[a-z]+)?)\}`(?![^`]*::)([^`]+)`")


# A translated title that starts like "1. 深度学习…" is parsed on its own as a Markdown list.
LIST_MARKER = re.compile(r"^(\d+)\. ")


def for_sphinx(text: str, notebook: str | None) -> str:
    """A translation as Sphinx must parse it alone: list-like numbers escaped, glue roles naming their notebook."""
    text = LIST_MARKER.sub(r"\1\\. ", text)
    if notebook:
        text = GLUE_ROLE.sub(lambda m: glue_with_notebook(m, notebook), text)
    return text


def glue_with_notebook(match: re.Match, notebook: str) -> str:
    """``{glue:text}`key``` -> ``{glue:text}`nb.ipynb::key:s```: with a path, myst-nb needs the format."""
    role, content = match.groups()
    if role == "glue:text" and ":" not in content:
        content += ":s"
    return f"{{{role}}}`{notebook}::{content}`"


def catalogs_for_build() -> Path:
    """A copy of the catalogs with each translation prepared for Sphinx (`for_sphinx`).

    Sphinx parses each translated message on its own. Two things then differ from the page:
    a title "1. …" becomes a numbered list (and silently stays English), and myst-nb finds a
    glued value through the page being parsed, so ``{glue:text}`key``` finds nothing. Escaping
    the number, and writing the role ``{glue:text}`page.ipynb::key``` (resolved later from
    myst-nb's cache), fixes both; the translators keep writing what the English writes.
    """
    from babel.messages.pofile import read_po, write_po

    copy = BUILD / "zh_locale"
    shutil.rmtree(copy, ignore_errors=True)
    for path in CATALOGS.rglob("*.po"):
        page = path.relative_to(CATALOGS).with_suffix(".ipynb")
        notebook = page.name if (ROOT / page).exists() else None
        with path.open("rb") as f:
            catalog = read_po(f)
        for message in catalog:
            if message.id and isinstance(message.string, str):
                message.string = for_sphinx(message.string, notebook)
        target = copy / LANGUAGE / "LC_MESSAGES" / path.relative_to(CATALOGS)
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as f:
            write_po(f, catalog, width=0)
    return copy


def build(extra: list[str]) -> None:
    """Build the Chinese edition and put it under _build/html/zh/, beside the English one."""
    out = BUILD / "zh"
    jupyter_book("build", ".", "--config", str(zh_config()), "--path-output", str(out), *extra)
    target = BUILD / "html" / "zh"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(out / "_build" / "html", target)
    print(f"The Chinese edition is in {target.relative_to(ROOT)}/ (English: _build/html/)")


def stats() -> int:
    """Print translated / fuzzy / untranslated messages per catalog; return the number not done."""
    from babel.messages.pofile import read_po

    open_total = 0
    for path in sorted(CATALOGS.rglob("*.po")):
        with path.open("rb") as f:
            catalog = read_po(f)
        messages = [m for m in catalog if m.id]
        fuzzy = sum(m.fuzzy for m in messages)
        untranslated = sum(not m.string and not m.fuzzy for m in messages)
        open_total += fuzzy + untranslated
        done = len(messages) - fuzzy - untranslated
        name = str(path.relative_to(CATALOGS))
        print(f"{name:<32} {done:>4} translated {fuzzy:>4} fuzzy {untranslated:>4} untranslated")
    return open_total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["update", "build", "stats"])
    parser.add_argument("build_args", nargs="*", help="passed on to jupyter-book build (e.g. -W -n --keep-going)")
    args, extra = parser.parse_known_args()
    if args.command == "update":
        update()
    elif args.command == "build":
        build(args.build_args + extra)
    else:
        sys.exit(1 if stats() else 0)


if __name__ == "__main__":
    main()
