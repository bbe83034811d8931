"""Compare a notebook's outputs number by number, within a tolerance (used by ``pytest --nbval``).

Floats differ in their last bits from one CPU to another (oneDNN and OpenBLAS choose kernels
per instruction set), so a stored output such as ``test accuracy 95.38%`` may come back as
``95.37%``. nbval compares text exactly; with this module (installed by the root
``conftest.py``) two outputs agree when

* their text is identical once every number is taken out (a changed word still fails), and
* they hold the same count of numbers, and each fresh number is within the tolerance of the
  stored one.

**The default** is what printing itself guarantees. A decimal number (one with a decimal
point or an exponent) may differ by one unit in its last printed digit, as long as it is
printed with at least two significant digits: ``95.38`` may come back as ``95.37``, and
``2.7e-07`` as ``2.8e-07`` (a value that moved by less than the print's resolution can round
to the neighbouring digit, never further). A decimal printed with one significant digit
(``0.2``, ``1e-06``, ``3e3``) must match exactly: one unit would be a change of 10 % to
100 %. Integers must match exactly, and so must dates (``2026-01-15``), times (``12:30``),
shapes (``(60000, 28, 28)``), version strings (``3.15.1``) and numbers inside words
(``float32``, ``conv2d_1``), which are text. Numbers are read exactly (as decimals, so an
integer beyond 2**53 or ``1e-400`` keeps its value); thousands separators (``10,000``), signs,
percentages and exponents are understood.

**A stated tolerance.** A cell whose numbers legitimately move more (a trained model's
accuracy) states its tolerance, and why, in its metadata, where the reader of the book does
not see it (Jupyter: Property Inspector / Edit Metadata)::

    "metadata": {"nbval": {"tolerance": {"rtol": 0.003, "reason": "accuracy over seeds and CPUs: 99.28-99.40 %"}}}

A decimal then passes if ``|fresh - stored| <= max(default, atol + rtol * |stored|)``. Keys:
``rtol`` and ``atol`` (numbers >= 0, at least one of them > 0, ``rtol`` < 1), ``reason``
(required, words), and ``integers`` (``true`` makes the tolerance apply to integers too, for a
count such as "63 errors" that follows an accuracy; shapes, dates and times stay exact).
Anything else is refused, naming the notebook and the cell. nbval's own tag
``nbval-ignore-output`` (in ``metadata.tags``) skips the comparison of a cell whose output no
tolerance describes; ``metadata.nbval.ignore_output`` may say why. Markers written as comments
in the code (``# NBVAL_TOLERANCE …``, ``# NBVAL_IGNORE_OUTPUT``) are refused:
``python tools/move_tolerances.py`` moves them into the metadata.

**Glued values** (myst-nb's ``glue``, stored as ``application/papermill.record/…``) are
compared as the book shows them: every ``{glue:text}`key:.2f``` role of the notebook (and
``{glue:text}`page.ipynb::key:…``` of the pages beside it) renders the stored and the fresh
value with its format, and the two renderings must agree like printed text (above, with the
cell's tolerance). A value shown without a format (``{glue}`key```, ``{glue:text}`key```) is
compared as its stored text; a glued value that no page shows, at four significant digits.
"""

from __future__ import annotations

import ast
import json
import math
import re
from dataclasses import dataclass
from decimal import MAX_EMAX, MIN_EMIN, Context, Decimal, InvalidOperation
from pathlib import Path

__all__ = [
    "NUMBER",
    "Tolerance",
    "ToleranceError",
    "cell_problems",
    "glue_formats",
    "install",
    "numbers_agree",
    "split_numbers",
]

GLUE_MIME_PREFIX = "application/papermill.record/"
UNSHOWN_GLUE_FORMAT = ".3e"  # a glued float that no page shows: four significant digits, still a decimal
IGNORE_TAG = "nbval-ignore-output"
NBVAL_TAGS = {"nbval-ignore-output", "nbval-check-output", "nbval-raises-exception", "nbval-skip", "raises-exception"}
TOLERANCE_KEYS = {"rtol", "atol", "integers", "reason"}
NBVAL_KEYS = {"tolerance", "ignore_output"}
MOVE = "python tools/move_tolerances.py"

# A number that stands on its own: not part of a word, not part of a dotted version string.
NUMBER = re.compile(
    r"(?<![\w.])"  # not inside a word, not after a decimal point
    r"[-+]?(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)"  # integer part, optionally with thousands separators
    r"(?:\.\d+)?(?:[eE][-+]?\d+)?"  # fraction and exponent
    r"(?![\w]|\.\d)"  # not followed by a letter/digit, or by another ".digit" (3.15.1)
)
# Numbers that are text whatever a tolerance says: dates, times of day, shapes.
EXACT = re.compile(
    r"(?<![\w.])\d{4}-\d{2}-\d{2}(?![\w])"  # 2026-01-15
    r"|(?<![\w.:])\d{1,2}:\d{2}(?::\d{2})?(?![\w:])"  # 12:30, 00:45:10
    r"|\((?:\s*(?:\d+|None)\s*,)+\s*(?:\d+|None)?\s*\)"  # (60000, 28, 28), (28,), (None, 10)
)
# Lines that nbval reads as markers, or that look like the retired tolerance comment.
COMMENT_MARKER = re.compile(r"#+\s*(NBVAL_\w+|PYTEST_VALIDATE_\w+)", re.IGNORECASE)
EXPONENT_DIGITS = 6  # beyond |exponent| 999999 a token is compared as text
DECIMAL = Context(prec=60, Emax=MAX_EMAX, Emin=MIN_EMIN)


class ToleranceError(ValueError):
    """A cell's tolerance settings, or a marker left in its code, that the comparison refuses."""


@dataclass(frozen=True)
class Tolerance:
    """How far a fresh number may be from the stored one, beyond what printing guarantees."""

    rtol: float = 0.0
    atol: float = 0.0
    integers: bool = False
    reason: str = ""

    @classmethod
    def from_metadata(cls, metadata: dict, where: str = "this cell") -> Tolerance:
        """The tolerance of a cell's ``metadata.nbval.tolerance``; a ToleranceError for anything malformed."""
        problems = metadata_problems(metadata)
        if problems:
            raise ToleranceError(f"{where}: " + "; ".join(problems))
        settings = (metadata.get("nbval") or {}).get("tolerance")
        if settings is None:
            return cls()
        return cls(
            rtol=float(settings.get("rtol", 0)),
            atol=float(settings.get("atol", 0)),
            integers=settings.get("integers", False),
            reason=settings["reason"].strip(),
        )


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def tolerance_problems(settings) -> list[str]:
    """What is wrong with a ``metadata.nbval.tolerance`` object, in words (empty if nothing)."""
    example = '{"rtol": 0.003, "reason": "accuracy over seeds 0-4 and CPU kernels: 99.28-99.40 %"}'
    if not isinstance(settings, dict):
        return [f"nbval.tolerance must be an object such as {example}; got {type(settings).__name__}"]
    problems = []
    unknown = sorted(set(settings) - TOLERANCE_KEYS)
    if unknown:
        problems.append(f"nbval.tolerance has unknown keys {unknown}; allowed: {sorted(TOLERANCE_KEYS)}")
    for key in ("rtol", "atol"):
        if key not in settings:
            continue
        value = settings[key]
        if not _is_number(value):
            problems.append(f"nbval.tolerance.{key} must be a JSON number such as 0.002; got {value!r}")
        elif not math.isfinite(value) or value < 0:
            problems.append(f"nbval.tolerance.{key} must be finite and >= 0; got {value!r}")
    if "rtol" not in settings and "atol" not in settings:
        problems.append(f"nbval.tolerance needs rtol and/or atol, e.g. {example}")
    elif not problems and settings.get("rtol", 0) == 0 and settings.get("atol", 0) == 0:
        problems.append("nbval.tolerance with rtol 0 and atol 0 states no tolerance: remove it")
    rtol = settings.get("rtol", 0)
    if _is_number(rtol) and math.isfinite(rtol) and rtol >= 1:
        problems.append(f"nbval.tolerance.rtol must be < 1 (rtol {rtol} lets a number change sign); use atol")
    if "integers" in settings and not isinstance(settings["integers"], bool):
        problems.append(f"nbval.tolerance.integers must be true or false; got {settings['integers']!r}")
    reason = settings.get("reason")
    if not isinstance(reason, str) or not any(ch.isalpha() for ch in reason):
        problems.append(f"nbval.tolerance needs a reason in words (what was measured); got {reason!r}")
    return problems


def metadata_problems(metadata: dict) -> list[str]:
    """What is wrong with a cell's nbval metadata and tags, in words (empty if nothing)."""
    problems = []
    tags = metadata.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        return [f"metadata.tags must be a list of strings; got {tags!r}"]
    unknown_tags = [t for t in tags if t.lower().startswith(("nbval", "pytest-validate")) and t not in NBVAL_TAGS]
    if unknown_tags:
        problems.append(f"unknown nbval tags {unknown_tags}; nbval reads {sorted(NBVAL_TAGS)}")
    if "nbval" not in metadata:
        return problems
    nbval = metadata["nbval"]
    if not isinstance(nbval, dict):
        return [*problems, f"metadata.nbval must be an object with {sorted(NBVAL_KEYS)}; got {nbval!r}"]
    unknown = sorted(set(nbval) - NBVAL_KEYS)
    if unknown:
        problems.append(f"metadata.nbval has unknown keys {unknown}; allowed: {sorted(NBVAL_KEYS)}")
    if "tolerance" in nbval:
        problems += tolerance_problems(nbval["tolerance"])
        skipped = [t for t in tags if t in ("nbval-ignore-output", "nbval-skip")]
        if skipped:
            problems.append(f"a cell tagged {skipped[0]} is not compared, so its nbval.tolerance means nothing")
    if "ignore_output" in nbval:
        reason = nbval["ignore_output"]
        if not isinstance(reason, str) or not any(ch.isalpha() for ch in reason):
            problems.append(f"nbval.ignore_output is the reason in words; got {reason!r}")
        if IGNORE_TAG not in tags:
            problems.append(f"nbval.ignore_output gives a reason, but the cell lacks the tag {IGNORE_TAG}")
    return problems


def cell_problems(cell: dict, notebook: str = "NOTEBOOK") -> list[str]:
    """Every reason the comparison refuses this code cell: markers in its code, malformed metadata."""
    problems = metadata_problems(cell.get("metadata", {}))
    source = cell.get("source", "")
    source = "".join(source) if isinstance(source, list) else source
    for number, line in enumerate(source.splitlines(), 1):
        found = COMMENT_MARKER.search(line)
        if found:
            problems.append(
                f"line {number} is a marker comment ({found.group(1)}) in code the reader sees; nbval settings "
                f"live in the cell's metadata: run `{MOVE} {notebook}` to move it (tags such as {IGNORE_TAG}, "
                "tolerances in metadata.nbval.tolerance)"
            )
    return problems


def duplicate_keys(path: Path) -> list[str]:
    """JSON keys that appear twice in one object of the file (the second silently wins when read)."""
    found = []

    def pairs(items):
        keys = [key for key, _ in items]
        found.extend(sorted({key for key in keys if keys.count(key) > 1}))
        return dict(items)

    json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=pairs)
    return found


def notebook_problems(path: Path) -> list[str]:
    """Every problem of a notebook's comparison settings, one line each, naming the cell as nbval does."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    problems = [f"{path}: the JSON repeats the key {key!r}; keep one" for key in duplicate_keys(path)]
    for index, cell in enumerate(raw.get("cells", [])):
        if cell.get("cell_type") != "code" and "nbval" in cell.get("metadata", {}):
            problems.append(f"{path}: cell {index + 1} is a {cell.get('cell_type')} cell; nbval settings belong "
                            "to the code cell whose output they describe")  # fmt: skip
    code_cells = [cell for cell in raw.get("cells", []) if cell.get("cell_type") == "code"]
    for number, cell in enumerate(code_cells):
        source = cell.get("source", "")
        first_line = ("".join(source) if isinstance(source, list) else source).strip().partition("\n")[0]
        where = f"{path}::Cell {number} (`{first_line[:50]}`)"
        problems += [f"{where}: {problem}" for problem in cell_problems(cell, str(path))]
    return problems


# --- numbers ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Number:
    """A printed number: its exact value (None if unreadable), kind, last-digit unit and significant digits."""

    token: str
    value: Decimal | None
    integer: bool
    unit: Decimal
    significant: int


def parse_number(token: str) -> Number:
    """Read a printed number exactly (no float rounding, no overflow to inf, no underflow to 0)."""
    plain = token.replace(",", "")
    mantissa, _, exponent = plain.lower().partition("e")
    digits = mantissa.lstrip("+-").replace(".", "")
    integer = "." not in mantissa and not exponent
    if len(exponent.lstrip("+-")) > EXPONENT_DIGITS:
        return Number(token, None, integer, Decimal(0), 0)
    try:
        value = Decimal(plain)
    except InvalidOperation:
        return Number(token, None, integer, Decimal(0), 0)
    decimals = len(mantissa.partition(".")[2])
    unit = Decimal(1).scaleb(int(exponent or 0) - decimals, DECIMAL)
    return Number(token, value, integer, unit, len(digits.lstrip("0")))


def split_numbers(text: str) -> tuple[list[str], list[str]]:
    """Split text into its skeleton (the pieces between numbers) and the numbers themselves.

    Dates, times and shapes stay in the skeleton: they are compared as text.
    """
    exact = [match.span() for match in EXACT.finditer(text)]
    skeleton, numbers, start = [], [], 0
    for match in NUMBER.finditer(text):
        if any(a <= match.start() < b for a, b in exact):
            continue
        skeleton.append(text[start : match.start()])
        numbers.append(match.group())
        start = match.end()
    skeleton.append(text[start:])
    return skeleton, numbers


def allowed_difference(stored: Number, fresh: Number, tolerance: Tolerance) -> Decimal:
    """The largest |fresh - stored| the rules allow for this pair of numbers."""
    stated = DECIMAL.add(
        Decimal(repr(tolerance.atol)), DECIMAL.multiply(Decimal(repr(tolerance.rtol)), abs(stored.value))
    )
    if stored.integer or fresh.integer:
        return stated if tolerance.integers else Decimal(0)
    default = stored.unit if stored.significant >= 2 else Decimal(0)
    return max(default, stated)


def number_problem(a: str, b: str, tolerance: Tolerance) -> str | None:
    """Why fresh number ``b`` does not agree with stored ``a``, in words; None when it does."""
    stored, fresh = parse_number(a), parse_number(b)
    if ("," in a) != ("," in b):
        return f"{b} is printed {'with' if ',' in b else 'without'} thousands separators, the stored {a} is not"
    if stored.value is None or fresh.value is None:
        return None if a == b else f"{b} is not {a} (numbers this large are compared as text)"
    allowed = allowed_difference(stored, fresh, tolerance)
    difference = abs(DECIMAL.subtract(fresh.value, stored.value))
    if difference <= allowed:
        return None
    if stored.integer or fresh.integer:
        rule = "integers must match" + (
            "" if tolerance.integers else " (the tolerance covers them only with integers: true)"
        )
    elif allowed == 0:
        rule = "a number with one significant digit must match"
    else:
        rule = f"allowed {allowed:.3g}"
    return f"{b} differs from the stored {a} by {difference:.3g}; {rule}"


def disagreement(stored: str, fresh: str, tolerance: Tolerance = Tolerance()) -> str | None:
    """Why two output texts disagree, in words; None when they agree (same text around numbers within tolerance)."""
    if stored == fresh:
        return None
    stored_text, stored_numbers = split_numbers(stored)
    fresh_text, fresh_numbers = split_numbers(fresh)
    if stored_text != fresh_text or len(stored_numbers) != len(fresh_numbers):
        return "the text around the numbers differs"
    for a, b in zip(stored_numbers, fresh_numbers, strict=True):
        problem = number_problem(a, b, tolerance)
        if problem:
            return problem
    return None


def numbers_agree(stored: str, fresh: str, tolerance: Tolerance = Tolerance()) -> bool:
    """Whether two output texts agree: same text around the numbers, each number within tolerance."""
    return disagreement(stored, fresh, tolerance) is None


# --- glued values ----------------------------------------------------------------------------------------------

GLUE_ROLE = re.compile(r"\{glue(?::(\w+))?\}`([^`]+)`")
GLUE_DIRECTIVE = re.compile(r"^\s*(?:`{3,}|:{3,})\{glue(?::\w+)?\}\s+(\S+)", re.MULTILINE)


def format_plain_text(text: str, spec: str) -> str:
    """How myst-nb's ``{glue:text}`` role shows a glued text/plain value with a format (myst_nb.core.variables)."""
    try:
        value = ast.literal_eval(text)
    except (SyntaxError, ValueError):
        value = text
    if spec == "":
        return str(value)
    kind = spec[-1]
    if kind == "s":
        value = str(value)
    elif kind in "bcdoxX":
        value = int(value)
    elif kind in "eEfFgGn%":
        value = float(value)
    return format(value, spec)


def _page_texts(path: Path) -> list[str]:
    """The Markdown a page holds: the file itself, or a notebook's Markdown cells."""
    try:
        if path.suffix == ".ipynb":
            cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
            sources = [cell.get("source", "") for cell in cells if cell.get("cell_type") == "markdown"]
            return ["".join(s) if isinstance(s, list) else s for s in sources]
        return [path.read_text(encoding="utf-8")]
    except (OSError, ValueError, AttributeError):
        return []


def glue_formats(notebook: Path) -> dict[str, set[str | None]]:
    """For each key the book shows from ``notebook``: the formats it is shown with (None: its text as stored).

    Read from the notebook's own Markdown and from the pages beside it that name it
    (``{glue:text}`notebook.ipynb::key:.2f```).
    """
    notebook = notebook.resolve()
    shown: dict[str, set[str | None]] = {}
    for page in sorted(notebook.parent.glob("*.md")) + sorted(notebook.parent.glob("*.ipynb")):
        own = page.resolve() == notebook
        for text in _page_texts(page):
            for kind, content in GLUE_ROLE.findall(text):
                key, spec = (content.rsplit(":", 1) + ["s"])[:2] if kind == "text" else (content, None)
                doc, _, name = key.rpartition("::")
                if doc:
                    target = (page.parent / doc).resolve()
                    if target not in (notebook, notebook.with_suffix("")):
                        continue
                elif not own:
                    continue
                shown.setdefault(name, set()).add(spec)
            if own:
                for key in GLUE_DIRECTIVE.findall(text):
                    shown.setdefault(key, set()).add(None)
    return shown


def _unshown_rendering(text: str) -> str:
    try:
        value = ast.literal_eval(text)
    except (SyntaxError, ValueError):
        return text
    if isinstance(value, float):
        return format(value, UNSHOWN_GLUE_FORMAT)
    return text


def glue_disagreement(stored: str, fresh: str, formats: set | None, tolerance: Tolerance) -> str | None:
    """Why a fresh glued value disagrees with the stored one as the book shows it; None when it agrees."""
    if not formats:  # shown on no page: four significant digits
        return disagreement(_unshown_rendering(stored), _unshown_rendering(fresh), tolerance)
    for spec in sorted(formats, key=str):
        shown_stored, shown_fresh = stored, fresh
        if spec is not None:
            try:
                shown_stored = format_plain_text(stored, spec)
            except (TypeError, ValueError):
                pass  # the book cannot show it either (its build warns): compare the text as stored
            else:
                try:
                    shown_fresh = format_plain_text(fresh, spec)
                except (TypeError, ValueError):
                    return f"the fresh value {fresh!r} cannot be shown with the format {spec!r}"
        problem = disagreement(shown_stored, shown_fresh, tolerance)
        if problem:
            return f"shown as {shown_fresh!r} instead of {shown_stored!r}: {problem}"
    return None


# --- nbval ----------------------------------------------------------------------------------------------------


def _values(outputs: list, skip: tuple) -> list[tuple[str, dict, str, dict]]:
    """Every compared string of a cell's outputs as (key, container, field, output), keyed as nbval keys them."""
    found = []
    for output in outputs:
        if output.get("output_type") == "stream":  # nbval keys a stream by its name (stdout, stderr)
            if output["name"] not in skip:
                found.append((output["name"], output, "text", output))
            continue
        for key, value in output.items():
            if key in skip:
                continue
            if key == "data":
                found += [(sub, value, sub, output) for sub in value if sub not in skip and isinstance(value[sub], str)]
            elif isinstance(value, str):
                found.append((key, output, key, output))
    return found


def _glue_name(output: dict) -> str | None:
    return ((output.get("metadata") or {}).get("scrapbook") or {}).get("name")


def align(fresh: list, stored: list, tolerance: Tolerance, sanitize, skip: tuple, glued=None) -> list[str]:
    """Give each fresh string that agrees with its stored counterpart (same key and position) the stored text.

    ``glued`` maps glue keys to the formats the book shows them with (`glue_formats`). Returns
    why each string that still differs does, one line each.
    """
    glued = glued or {}
    by_key: dict[str, list[tuple[str, dict]]] = {}
    for key, container, field, output in _values(stored, skip):
        by_key.setdefault(key, []).append((container[field], output))
    seen: dict[str, int] = {}
    reasons = []
    for key, container, field, output in _values(fresh, skip):
        position = seen[key] = seen.get(key, -1) + 1
        candidates = by_key.get(key, [])
        if position >= len(candidates):
            continue
        reference, stored_output = candidates[position]
        a, b = sanitize(reference), sanitize(container[field])
        if key == GLUE_MIME_PREFIX + "text/plain":
            name = _glue_name(stored_output)
            if name != _glue_name(output):
                reasons.append(f"{key}: glued under the name {_glue_name(output)!r}, stored as {name!r}")
                continue
            problem = glue_disagreement(a, b, glued.get(name), tolerance)
            label = f"glued value {name!r}"
        else:
            problem = disagreement(a, b, tolerance)
            label = key
        if problem is None:
            container[field] = reference
        else:
            reasons.append(f"{label}: {problem}")
    return reasons


def install() -> None:
    """Make nbval compare numbers within tolerance and read tolerances from cell metadata (root conftest.py)."""
    from nbval.plugin import IPyNbCell, IPyNbFile

    exact_compare = IPyNbCell.compare_outputs
    if getattr(exact_compare, "tolerant", False):
        return
    exact_collect = IPyNbFile.collect
    glue_cache: dict[Path, dict] = {}

    def collect(self):
        """nbval's collection, after refusing a notebook whose comparison settings are malformed."""
        path = Path(self.path)
        try:
            problems = notebook_problems(path)
        except (OSError, ValueError) as exc:
            raise self.CollectError(f"{path}: not a readable notebook ({exc})") from None
        if problems:
            raise self.CollectError(f"{len(problems)} problem(s) with the comparison settings:\n" + "\n".join(problems))
        yield from exact_collect(self)

    def compare_outputs(self, test, ref, skip_compare=None):
        """nbval's exact comparison, after fresh numbers within the cell's tolerance take their stored text."""
        path = Path(self.parent.path)
        tolerance = Tolerance.from_metadata(self.cell.metadata, f"{path}::{self.name}")
        if path not in glue_cache:
            glue_cache[path] = glue_formats(path)
        skip = skip_compare or self.parent.skip_compare
        reasons = align(test, ref, tolerance, self.sanitize, skip, glue_cache[path])
        same = exact_compare(self, test, ref, skip_compare)
        if not same and reasons:
            self.comparison_traceback.append("Numbers compared by tools/nbval_tolerance.py:")
            self.comparison_traceback += [f"  {reason}" for reason in reasons]
        return same

    compare_outputs.tolerant = True
    IPyNbCell.compare_outputs = compare_outputs
    IPyNbFile.collect = collect
