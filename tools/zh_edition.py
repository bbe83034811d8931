"""The Chinese edition (中文版): update its translation catalogs, build it, count what is translated.

The Chinese book is built from the same notebooks and pages as the English one: Sphinx reads
each paragraph, heading, caption and table cell's translation from the gettext catalogs in
``locale/zh_CN/LC_MESSAGES/book/<page>.po`` (one per page); code cells and their outputs are
not translated. A message without a translation (or marked fuzzy) falls back to English.

    python tools/zh_edition.py update   # after editing a page: extract the messages, update the .po files
    python tools/zh_edition.py build    # the Chinese edition into _build/html/zh/ (-W -n --keep-going)
    python tools/zh_edition.py stats    # per page: translated, fuzzy, untranslated, missing, stale

``update`` marks a changed message fuzzy (keeping the old translation as a hint) and adds new
ones untranslated; translate them, delete the ``#, fuzzy`` line, and build. tests/test_zh_catalogs.py
fails on any untranslated or fuzzy message.

Every command reads the catalogs strictly first (`check_syntax`): a catalog that is not valid
PO (an unterminated quote, a string outside an entry, bytes that are not UTF-8, an empty
file) stops it with the file and line, before anything is rewritten, because the PO readers
(babel, and sphinx-intl through it) silently drop or truncate what they cannot parse.
``stats`` also compares each catalog with a fresh extraction of the pages: a message a page
has and its catalog lacks is *missing*, one the catalog has and no page does is *stale*.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
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


def extract(out: Path = BUILD / "gettext") -> Path:
    """Extract every page's messages into .pot templates (Sphinx's gettext builder); return their folder."""
    shutil.rmtree(out, ignore_errors=True)
    jupyter_book("build", ".", "--builder", "custom", "--custom-builder", "gettext", "--path-output", str(out))
    return out / "_build" / "gettext"


def update() -> None:
    """Extract every message into .pot templates and merge them into the .po catalogs."""
    check_all()  # before sphinx-intl rewrites anything it might misread
    templates = extract()
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


class CatalogError(ValueError):
    """A catalog that is not valid PO; the message names the file, the line and the fix."""


PO_STRING = r'"(?:[^"\\\n]|\\(?:[\\"abfnrtv?\']|[0-7]{1,3}|x[0-9a-fA-F]+))*"'
PO_KEYWORD = re.compile(rf"^(?P<keyword>msgctxt|msgid|msgid_plural|msgstr|msgstr\[\d+\])[ \t]+{PO_STRING}[ \t]*$")
PO_CONTINUATION = re.compile(rf"^[ \t]*{PO_STRING}[ \t]*$")


def check_syntax(data: bytes) -> list[str]:
    """Every violation of the PO grammar in ``data``, as "line N: what is wrong" (empty when the catalog is valid).

    Stricter than babel's reader, which accepts an unterminated string (and drops its last
    character), two strings on one line, an entry without ``msgstr`` or a repeated msgid.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return [f"line {line}: bytes that are not UTF-8 ({data[exc.start : exc.start + 4]!r}); save the file as UTF-8"]
    if not text.strip():
        return ["line 1: the catalog is empty (no header, no messages); restore it with git, or run update"]
    if text.startswith("\ufeff"):  # babel then misreads the header and the first messages
        return ["line 1: the file starts with a byte-order mark (BOM); save it as UTF-8 without BOM"]
    problems: list[str] = []
    seen: dict[tuple[str, str], int] = {}
    state, entry_line, context, message_id = "outside", 0, "", ""

    def close_incomplete():
        if state in ("context", "id", "plural"):
            problems.append(f"line {entry_line}: an entry without msgstr")

    for number, line in enumerate(text.split("\n"), 1):
        line = line.removesuffix("\r")  # Windows line ends read the same
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            body = stripped[2:].lstrip("|").strip() if stripped.startswith("#~") else ""
            if body and not (PO_KEYWORD.match(body) or PO_CONTINUATION.match(body)):
                problems.append(f"line {number}: a malformed obsolete entry: {line[:60]!r}")
            close_incomplete()
            state = "outside"
            continue
        control = re.search(r"[\x00-\x08\x0b-\x1f\x7f]", line)
        if control:
            problems.append(f"line {number}: a control character ({control.group()!r}) in a string; delete it")
            continue
        keyword = PO_KEYWORD.match(line)
        if keyword:
            name, value = keyword["keyword"], line[line.index('"') :].strip()
            if name == "msgctxt" or (name == "msgid" and state != "context"):
                close_incomplete()
                entry_line, context = number, ""
            if name == "msgctxt":
                context, state = value, "context"
            elif name == "msgid":
                message_id, state = value, "id"
            elif name == "msgid_plural":
                if state != "id":
                    problems.append(f"line {number}: msgid_plural must follow a msgid")
                state = "plural"
            elif name == "msgstr" or state in ("plural", "str"):
                if name == "msgstr" and state != "id":
                    problems.append(f"line {number}: msgstr without a msgid right before it")
                elif name == "msgstr":
                    key = (context, message_id)
                    if key in seen:
                        problems.append(f"line {entry_line}: this msgid is already at line {seen[key]}; keep one entry")
                    seen.setdefault(key, entry_line)
                state = "str"
            else:
                problems.append(f"line {number}: {name} must follow a msgid_plural")
            continue
        if PO_CONTINUATION.match(line):
            if state == "outside":
                problems.append(f"line {number}: a string outside any entry: {line[:60]!r}")
            elif state == "id":
                message_id += stripped
            elif state == "context":
                context += stripped
            continue
        looks_like = stripped.startswith('"') or re.match(r"msg(ctxt|id|id_plural|str)(\[\d+\])?\b", stripped)
        what = (
            "not a complete string (a missing closing quote, an unescaped quote inside, or two strings on one line)"
            if looks_like
            else "not PO syntax"
        )
        problems.append(f"line {number}: {what}: {line[:60]!r}")
        state = "outside"
    close_incomplete()
    return problems


def read_catalog(path: Path):
    """The catalog at ``path`` as babel reads it, after `check_syntax`; CatalogError naming the line otherwise."""
    from babel.messages.pofile import read_po

    data = path.read_bytes()
    problems = check_syntax(data)
    if problems:
        shown = "\n".join(f"{path}:{p.removeprefix('line ')}" for p in problems[:10])
        raise CatalogError(f"{shown}\n{path} is not a valid catalog: fix the line(s) above (nothing was changed)")
    return read_po(io.BytesIO(data), abort_invalid=True)


def check_all(catalogs: Path | None = None) -> None:
    """Read every catalog strictly; CatalogError naming each broken one before anything is rewritten."""
    catalogs, errors = catalogs or CATALOGS, []
    for path in sorted(catalogs.rglob("*.po")):
        try:
            read_catalog(path)
        except CatalogError as exc:
            errors.append(str(exc))
    if errors:
        raise CatalogError("\n".join(errors))


def write_catalog(catalog, path: Path) -> None:
    """Write ``catalog`` to ``path`` all or nothing, after checking that it reads back with every message intact."""
    from babel.messages.pofile import read_po, write_po

    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0)
    data = buffer.getvalue()
    again = read_po(io.BytesIO(data))

    def content(c):
        return [(m.id, m.string, m.context, sorted(m.flags)) for m in c if m.id]

    if check_syntax(data) or content(again) != content(catalog):
        raise CatalogError(f"{path}: writing it would change its messages; left unchanged")
    path = path.resolve()  # a link stays a link
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "wb") as stream:
        stream.write(data)
    os.replace(tmp, path)


def drop_obsolete(catalogs: Path | None = None) -> None:
    """Remove the messages no page has any more (sphinx-intl keeps them as ``#~`` entries)."""
    catalogs = catalogs or CATALOGS
    check_all(catalogs)
    for path in catalogs.rglob("*.po"):
        catalog = read_catalog(path)
        if catalog.obsolete:
            catalog.obsolete.clear()
            write_catalog(catalog, path)


def catalog_gaps(templates: Path, catalogs: Path | None = None) -> dict[str, tuple[list[str], list[str]]]:
    """Per page: the msgids its fresh template has and its catalog lacks (missing), and the reverse (stale)."""
    from babel.messages.pofile import read_po

    catalogs, gaps = catalogs or CATALOGS, {}
    pages = {p.relative_to(templates).with_suffix("") for p in templates.rglob("*.pot")}
    pages |= {p.relative_to(catalogs).with_suffix("") for p in catalogs.rglob("*.po")}
    for page in sorted(pages):
        template, path = (templates / page).with_suffix(".pot"), (catalogs / page).with_suffix(".po")
        if template.exists():
            with template.open("rb") as f:
                wanted = {m.id for m in read_po(f) if m.id}
        else:
            wanted = set()
        have = {m.id for m in read_catalog(path) if m.id} if path.exists() else set()
        missing, stale = sorted(wanted - have), sorted(have - wanted)
        if missing or stale:
            gaps[str(page)] = (missing, stale)
    return gaps


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
    from babel.messages.pofile import write_po

    copy = BUILD / "zh_locale"
    shutil.rmtree(copy, ignore_errors=True)
    for path in CATALOGS.rglob("*.po"):
        page = path.relative_to(CATALOGS).with_suffix(".ipynb")
        notebook = page.name if (ROOT / page).exists() else None
        catalog = read_catalog(path)
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


def stats(templates: Path | None = None, catalogs: Path | None = None) -> int:
    """Print translated / fuzzy / untranslated / missing / stale messages per page; return the number not done.

    ``templates``: .pot files to compare with (default: a fresh extraction of the pages).
    """
    catalogs = catalogs or CATALOGS
    check_all(catalogs)
    gaps = catalog_gaps(templates or extract(), catalogs)
    open_total = 0
    pages = sorted({str(p.relative_to(catalogs).with_suffix("")) for p in catalogs.rglob("*.po")} | set(gaps))
    for page in pages:
        path = (catalogs / page).with_suffix(".po")
        messages = [m for m in read_catalog(path) if m.id] if path.exists() else []
        missing, stale = (len(g) for g in gaps.get(page, ([], [])))
        fuzzy = sum(m.fuzzy for m in messages)
        untranslated = sum(not m.string and not m.fuzzy for m in messages)
        open_total += fuzzy + untranslated + missing + stale
        done = len(messages) - fuzzy - untranslated - stale
        print(f"{page + '.po':<32} {done:>4} translated {fuzzy:>4} fuzzy {untranslated:>4} untranslated "
              f"{missing:>4} missing {stale:>4} stale")  # fmt: skip
    if open_total:
        print(f"{open_total} message(s) to do: run `python tools/zh_edition.py update` for missing and stale "
              "ones, then translate the fuzzy and untranslated ones")  # fmt: skip
    return open_total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["update", "build", "stats"])
    parser.add_argument("build_args", nargs="*", help="passed on to jupyter-book build (e.g. -W -n --keep-going)")
    args, extra = parser.parse_known_args()
    try:
        if args.command == "update":
            update()
        elif args.command == "build":
            build(args.build_args + extra)
        else:
            sys.exit(1 if stats() else 0)
    except CatalogError as exc:
        print(exc, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
