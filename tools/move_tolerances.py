"""Move nbval markers out of the code readers see, into cell metadata and tags.

Usage: ``python tools/move_tolerances.py [book/chapter.ipynb ...]`` (default: every notebook
under book/). For each code cell, a comment

* ``# NBVAL_TOLERANCE rtol=2e-3 atol=0: reason`` (the reason may continue on the next comment
  lines) becomes ``metadata.nbval.tolerance = {"rtol": 0.002, "atol": 0, "reason": "..."}``;
  the word ``integers`` after the settings (``atol=25 integers: ...``) adds ``"integers": true``;
* ``# NBVAL_IGNORE_OUTPUT`` becomes nbval's tag ``nbval-ignore-output``, and a parenthesised
  comment right below it, ``# (why)``, its ``metadata.nbval.ignore_output`` reason;
* ``# NBVAL_SKIP``, ``# NBVAL_CHECK_OUTPUT``, ``# NBVAL_RAISES_EXCEPTION`` become nbval's tags;

and the comment lines are removed from the source. Outputs are not touched, and a notebook
without markers is not rewritten (running it twice changes nothing). A marker that does not
follow this grammar stops the whole notebook, unchanged, with a line naming the cell.

Where a reason ends: the comment lines right below the marker belong to it while the line
above them is full (the text wraps at the column), ends with ``, ; : ( -``, or leaves a
parenthesis open. Every moved reason is printed: check it, and edit the metadata if a
comment for the reader was taken along (or one line of the reason was left).
"""

from __future__ import annotations

import argparse
import io
import json
import math
import re
import sys
import tokenize
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tools.nbval_tolerance import EXACT, NUMBER, cell_problems, tolerance_problems  # noqa: E402

WRAP = 72  # a comment line at least this long (with the next word) was wrapped: the text goes on
MARKER = re.compile(r"^\s*#+\s*(?P<name>NBVAL_\w+|PYTEST_VALIDATE_\w+)(?P<rest>.*)$", re.IGNORECASE)
ANY_MARKER = re.compile(r"#+\s*(NBVAL_\w+|PYTEST_VALIDATE_\w+)", re.IGNORECASE)
VALUE = r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
TOLERANCE = re.compile(rf"^(?P<settings>(?:\s+(?:rtol|atol)={VALUE})+)(?P<integers>\s+integers)?\s*:(?P<reason>.*)$")
SETTING = re.compile(rf"(rtol|atol)=({VALUE})")
TAGS = {
    "NBVAL_IGNORE_OUTPUT": "nbval-ignore-output",
    "PYTEST_VALIDATE_IGNORE_OUTPUT": "nbval-ignore-output",
    "NBVAL_SKIP": "nbval-skip",
    "NBVAL_CHECK_OUTPUT": "nbval-check-output",
    "NBVAL_RAISES_EXCEPTION": "raises-exception",
}


class MarkerError(ValueError):
    """A marker comment that does not follow the grammar; the message names the cell and the line."""


def comment_text(line: str) -> str:
    """A whole-line comment's text without its '#' and surrounding spaces."""
    return line.strip().lstrip("#").strip()


def is_comment(line: str) -> bool:
    return line.strip().startswith("#") and not ANY_MARKER.search(line)


def depth(text: str) -> int:
    return text.count("(") - text.count(")")


def continues(previous: str, line: str, open_parens: int) -> bool:
    """Whether comment ``line`` goes on with the text of the comment line above it."""
    if open_parens > 0:
        return True
    if previous.rstrip().endswith((",", ";", ":", "(", "-", "–", "—")):
        return True
    first_word = (comment_text(line).split() or [""])[0]
    return len(previous.rstrip()) + 1 + len(first_word) > WRAP


def reason_span(lines: list[str], index: int, inline: str) -> tuple[str, int]:
    """The reason of the marker on ``lines[index]`` (its inline text and the lines that continue it) and its end."""
    parts, end = ([inline] if inline else []), index + 1
    if not inline:  # a bare marker: a parenthesised comment right below it is its reason
        if end < len(lines) and is_comment(lines[end]) and comment_text(lines[end]).startswith("("):
            parts.append(comment_text(lines[end]))
            end += 1
        else:
            return "", end
    while end < len(lines) and is_comment(lines[end]) and continues(lines[end - 1], lines[end], depth(" ".join(parts))):
        parts.append(comment_text(lines[end]))
        end += 1
    reason = " ".join(parts).strip()
    if not inline and reason.startswith("(") and reason.endswith(")") and depth(reason[1:-1]) == 0:
        reason = reason[1:-1].strip()
    return reason, end


def parse_tolerance(rest: str) -> dict:
    """``rtol=… atol=… [integers]: reason`` as the metadata object; MarkerError for anything else."""
    found = TOLERANCE.match(rest)
    if not found:
        raise MarkerError(
            "write `# NBVAL_TOLERANCE rtol=<number> atol=<number>: reason` (plain numbers such as 2e-3, "
            f"then a colon and the reason); got {('NBVAL_TOLERANCE' + rest)!r}"
        )
    settings: dict = {}
    for key, value in SETTING.findall(found["settings"]):
        if key in settings:
            raise MarkerError(f"{key} is given twice in {('NBVAL_TOLERANCE' + rest)!r}")
        number = float(value)
        if not math.isfinite(number):
            raise MarkerError(f"{key}={value} is not a finite number")
        settings[key] = int(number) if number.is_integer() and "." not in value and "e" not in value.lower() else number
    if found["integers"]:
        settings["integers"] = True
    settings["reason"] = found["reason"].strip()
    return settings


def comment_lines(source: str) -> set[int] | None:
    """Numbers (from 1) of the lines that are comments of their own; None if the cell is not plain Python."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return None  # IPython syntax tokenize cannot follow: every marker line counts as a comment
    return {
        token.start[0]
        for token in tokens
        if token.type == tokenize.COMMENT and not token.line[: token.start[1]].strip()
    }


def migrate_cell(cell, where: str) -> list[str]:
    """Move the cell's marker comments into its metadata and tags; return one line per marker moved."""
    lines = cell.source.split("\n")
    comments = comment_lines(cell.source)
    keep, moved, index = [], [], 0
    nbval = dict(cell.metadata.get("nbval", {}))
    tags = list(cell.metadata.get("tags", []))
    while index < len(lines):
        line = lines[index]
        marker = MARKER.match(line)
        if not marker:
            if ANY_MARKER.search(line):
                raise MarkerError(
                    f"{where}, line {index + 1}: a marker must be a comment line of its own; got {line!r}"
                )
            keep.append(line)
            index += 1
            continue
        name, rest = marker["name"], marker["rest"]
        if comments is not None and index + 1 not in comments:
            raise MarkerError(f"{where}, line {index + 1}: a marker inside a string literal; nbval reads it as a "
                              "marker, but moving it would change the string: edit the cell by hand")  # fmt: skip
        if name == "NBVAL_TOLERANCE":
            if "tolerance" in nbval:
                raise MarkerError(f"{where}, line {index + 1}: the cell already has a tolerance (a second marker, "
                                  "or one in its metadata); keep one")  # fmt: skip
            try:
                settings = parse_tolerance(rest)
            except MarkerError as exc:
                raise MarkerError(f"{where}, line {index + 1}: {exc}") from None
            settings["reason"], end = reason_span(lines, index, settings["reason"])
            problems = tolerance_problems(settings)
            if problems:
                raise MarkerError(f"{where}, line {index + 1}: " + "; ".join(problems))
            nbval["tolerance"] = settings
            moved.append(f"tolerance {json.dumps(settings, ensure_ascii=False)}")
        elif name in TAGS:
            inline = rest.strip()
            if inline and not inline.startswith(":"):
                raise MarkerError(
                    f"{where}, line {index + 1}: write `# {name}` alone or `# {name}: reason`; got {line!r}"
                )
            reason, end = reason_span(lines, index, inline.lstrip(":").strip())
            if TAGS[name] not in tags:
                tags.append(TAGS[name])
            if reason and TAGS[name] == "nbval-ignore-output":
                nbval["ignore_output"] = reason
            moved.append(f"tag {TAGS[name]}" + (f" (reason: {reason})" if reason else ""))
        else:
            raise MarkerError(f"{where}, line {index + 1}: unknown marker {name!r}; markers are NBVAL_TOLERANCE "
                              f"and {', '.join(TAGS)} (upper case)")  # fmt: skip
        keep.append(None)  # where lines were removed
        index = end
    if not moved:
        return []
    cell.source = tidy(keep)
    if nbval:
        cell.metadata["nbval"] = nbval
    if tags:
        cell.metadata["tags"] = tags
    problems = cell_problems(cell)
    if problems:
        raise MarkerError(f"{where}: " + "; ".join(problems))
    return moved


def tidy(lines: list[str | None]) -> str:
    """The kept lines (None where lines were removed) without the blank lines the removal left over.

    A blank line right after a removed block goes when the line before the block was blank
    too or the block began the cell; everything else (the formatter's blank lines) stays.
    """
    out: list[str] = []
    removed_here = False
    for line in lines:
        if line is None:
            removed_here = True
            continue
        if removed_here and not line.strip() and (not out or not out[-1].strip()):
            continue
        removed_here = False
        out.append(line)
    while out and not out[-1].strip() and lines and lines[-1] is None:
        out.pop()
    return "\n".join(out)


def integers_printed(cell) -> list[str]:
    """The integers a cell's stored outputs show (which a tolerance leaves exact unless it says integers)."""
    found = []
    for output in cell.get("outputs", []):
        texts = [output.get("text", "")] + [v for v in output.get("data", {}).values() if isinstance(v, str)]
        for text in texts:
            exact = [m.span() for m in EXACT.finditer(text)]
            found += [
                m.group()
                for m in NUMBER.finditer(text)
                if not any(a <= m.start() < b for a, b in exact) and re.fullmatch(r"[-+]?[\d,]+", m.group())
            ]
    return found


def migrate(path: Path) -> list[str]:
    """Migrate one notebook in place (only if it has markers); return what was moved, one line per marker."""
    path = path.resolve()  # a link stays a link: the file it points to is migrated
    original = path.read_text(encoding="utf-8")
    version = json.loads(original).get("nbformat")
    if version != 4:
        raise MarkerError(f"{path}: nbformat {version!r}; this tool edits version 4 notebooks (open and save it in "
                          "Jupyter to convert it)")  # fmt: skip
    nb = nbformat.reads(original, as_version=4)
    report, code_number = [], -1
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        code_number += 1
        first_line = cell.source.strip().partition("\n")[0]
        where = f"{path}::Cell {code_number} (`{first_line[:50]}`)"
        moved = migrate_cell(cell, where)
        for line in moved:
            report.append(f"{where}: {line}")
        if moved and "tolerance" in cell.metadata.get("nbval", {}):
            settings = cell.metadata["nbval"]["tolerance"]
            integers = integers_printed(cell)
            if integers and not settings.get("integers"):
                shown = ", ".join(dict.fromkeys(integers[:8]))
                report.append(f"    note: the integers it prints ({shown}) stay exact; if one moves with what "
                              'was measured, add "integers": true to metadata.nbval.tolerance')  # fmt: skip
    if report:
        if path.read_text(encoding="utf-8") != original:
            raise MarkerError(f"{path} changed while it was being migrated; run again")
        temporary = path.with_name(f".{path.name}.moving")
        try:
            temporary.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
            temporary.replace(path)  # all or nothing
        except OSError as exc:
            temporary.unlink(missing_ok=True)
            raise MarkerError(f"{path}: could not write it ({exc}); it is unchanged") from None
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to migrate (default: all under book/)")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "book").glob("*.ipynb"))
    failed = 0
    for path in paths:
        try:
            report = migrate(path)
        except MarkerError as exc:
            print(f"{exc} (notebook left unchanged)", file=sys.stderr)
            failed += 1
            continue
        except (OSError, ValueError, AttributeError) as exc:
            print(f"{path}: not a readable notebook ({type(exc).__name__}: {exc}); left unchanged", file=sys.stderr)
            failed += 1
            continue
        print("\n".join(report) if report else f"{path}: no markers")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
