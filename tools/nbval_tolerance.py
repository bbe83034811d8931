"""Compare a notebook's outputs number by number, within a tolerance (used by ``pytest --nbval``).

Floats differ in their last bits from one CPU to another (oneDNN and OpenBLAS choose kernels
per instruction set), so a stored output such as ``test accuracy 95.38%`` may come back as
``95.37%``. nbval compares text exactly; with this module (installed by the root
``conftest.py``) two outputs agree when

* their text is identical once every number is taken out (a changed word still fails), and
* they hold the same count of numbers, and each fresh number is within the tolerance of the
  stored one.

The default tolerance is what printing itself guarantees: an integer must match exactly, and a
decimal may differ by one unit in its last printed digit (a value that moved by less than the
print's resolution can round to the neighbouring digit, never further). A cell whose numbers
legitimately move more (a trained model's accuracy, say) states its tolerance and why in a
visible comment, which applies to every number the cell prints::

    # NBVAL_TOLERANCE rtol=2e-3 atol=0: accuracy spread over seeds and CPUs is ±0.1 %

A number then passes if ``|fresh - stored| <= max(one unit, atol + rtol * |stored|)``.
Numbers inside words (``float32``, ``conv2d_1``) and version strings (``3.15.1``) are text and
must match exactly; thousands separators (``10,000``), signs, percentages and exponents
(``1.2e-07``) are understood.

Values glued for the prose (myst-nb's ``glue``, stored as ``application/papermill.record/…``)
are the exception to "one unit of the last digit": their record is the value's full repr,
``np.float32(0.025302887)``, whose trailing digits are rounding noise that no reader sees,
since the prose formats the value to a few significant digits. They compare with a relative
tolerance of at least `GLUE_RTOL`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

__all__ = ["GLUE_RTOL", "NUMBER", "Tolerance", "install", "numbers_agree", "split_numbers"]

# Glued values print all their digits; the prose shows three or four significant ones.
GLUE_RTOL = 1e-3
GLUE_MIME_PREFIX = "application/papermill.record/"

# A number that stands on its own: not part of a word, not part of a dotted version string.
NUMBER = re.compile(
    r"(?<![\w.])"  # not inside a word, not after a decimal point
    r"[-+]?(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)"  # integer part, optionally with thousands separators
    r"(?:\.\d+)?(?:[eE][-+]?\d+)?"  # fraction and exponent
    r"(?![\w]|\.\d)"  # not followed by a letter/digit, or by another ".digit" (3.15.1)
)
MARKER = re.compile(r"^\s*#\s*NBVAL_TOLERANCE\b(?P<rest>.*)$", re.MULTILINE)
SETTING = re.compile(r"\b(rtol|atol)\s*=\s*([0-9.eE+-]+)")


@dataclass(frozen=True)
class Tolerance:
    """How far a fresh number may be from the stored one, beyond one unit of its last printed digit."""

    rtol: float = 0.0
    atol: float = 0.0

    @classmethod
    def from_source(cls, source: str) -> Tolerance:
        """The tolerance a cell states in its ``# NBVAL_TOLERANCE rtol=… atol=…: reason`` comment, if any."""
        markers = MARKER.findall(source)
        if not markers:
            return cls()
        if len(markers) > 1:
            raise ValueError(f"a cell may state one NBVAL_TOLERANCE; found {len(markers)}")
        rest = markers[0]
        settings = dict(SETTING.findall(rest))
        reason = SETTING.sub("", rest).strip(" :—-\t")
        if not settings:
            raise ValueError(f"NBVAL_TOLERANCE needs rtol=… and/or atol=…; got {rest.strip()!r}")
        if not reason:
            raise ValueError(f"NBVAL_TOLERANCE needs a reason after its settings; got {rest.strip()!r}")
        try:
            values = {key: float(value) for key, value in settings.items()}
        except ValueError:
            raise ValueError(f"NBVAL_TOLERANCE settings must be numbers; got {settings}") from None
        if any(not math.isfinite(v) or v < 0 for v in values.values()):
            raise ValueError(f"NBVAL_TOLERANCE settings must be finite and >= 0; got {values}")
        return cls(**values)


def split_numbers(text: str) -> tuple[list[str], list[str]]:
    """Split text into its skeleton (the pieces between numbers) and the numbers themselves."""
    return NUMBER.split(text), NUMBER.findall(text)


def last_digit_unit(token: str) -> float:
    """One unit in the last printed digit of a number (0 for an integer, which must match exactly)."""
    mantissa, _, exponent = token.replace(",", "").lower().partition("e")
    if "." not in mantissa and not exponent:
        return 0.0
    decimals = len(mantissa.partition(".")[2])
    return 10.0 ** (int(exponent or 0) - decimals)


def numbers_agree(stored: str, fresh: str, tolerance: Tolerance = Tolerance()) -> bool:
    """Whether two output texts agree: same text around the numbers, each number within tolerance."""
    if stored == fresh:
        return True
    stored_text, stored_numbers = split_numbers(stored)
    fresh_text, fresh_numbers = split_numbers(fresh)
    if stored_text != fresh_text or len(stored_numbers) != len(fresh_numbers):
        return False
    for a, b in zip(stored_numbers, fresh_numbers, strict=True):
        x, y = float(a.replace(",", "")), float(b.replace(",", ""))
        allowed = max(last_digit_unit(a), tolerance.atol + tolerance.rtol * abs(x))
        if abs(x - y) > allowed * (1 + 1e-9):  # 1e-9: the decimal units themselves are inexact floats
            return False
    return True


def _values(outputs: list, skip: tuple) -> list[tuple[str, dict, str]]:
    """Every compared string of a cell's outputs as (key, container, field), keyed the way nbval keys them."""
    found = []
    for output in outputs:
        if output.get("output_type") == "stream":  # nbval keys a stream by its name (stdout, stderr)
            if output["name"] not in skip:
                found.append((output["name"], output, "text"))
            continue
        for key, value in output.items():
            if key in skip:
                continue
            if key == "data":
                found += [(sub, value, sub) for sub in value if sub not in skip and isinstance(value[sub], str)]
            elif isinstance(value, str):
                found.append((key, output, key))
    return found


def align(fresh: list, stored: list, tolerance: Tolerance, sanitize, skip: tuple) -> None:
    """Give each fresh string that agrees with its stored counterpart (same key and position) the stored text."""
    by_key: dict[str, list[str]] = {}
    for key, container, field in _values(stored, skip):
        by_key.setdefault(key, []).append(container[field])
    glue_tolerance = Tolerance(rtol=max(tolerance.rtol, GLUE_RTOL), atol=tolerance.atol)
    seen: dict[str, int] = {}
    for key, container, field in _values(fresh, skip):
        position = seen[key] = seen.get(key, -1) + 1
        candidates = by_key.get(key, [])
        if position < len(candidates):
            reference = candidates[position]
            allowed = glue_tolerance if key.startswith(GLUE_MIME_PREFIX) else tolerance
            if numbers_agree(sanitize(reference), sanitize(container[field]), allowed):
                container[field] = reference


def install() -> None:
    """Make nbval compare numbers within tolerance (called by the root conftest.py)."""
    from nbval.plugin import IPyNbCell

    exact_compare = IPyNbCell.compare_outputs
    if getattr(exact_compare, "tolerant", False):
        return

    def compare_outputs(self, test, ref, skip_compare=None):
        """nbval's exact comparison, after fresh numbers within the cell's tolerance take their stored text."""
        tolerance = Tolerance.from_source(self.cell.source)
        align(test, ref, tolerance, self.sanitize, skip_compare or self.parent.skip_compare)
        return exact_compare(self, test, ref, skip_compare)

    compare_outputs.tolerant = True
    IPyNbCell.compare_outputs = compare_outputs
