"""Tests of the output comparison that `pytest --nbval` uses (tools/nbval_tolerance.py).

The unit tests below use only `numbers_agree` and `Tolerance(rtol=…, atol=…)` where they can,
so that they also run against an older copy of the module; the end-to-end tests run
`pytest --nbval` on one-cell notebooks with the module installed as the root conftest.py does.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tools import nbval_tolerance
from tools.nbval_tolerance import Tolerance, numbers_agree, split_numbers

LOOSE = Tolerance(rtol=1e-3)

# --- the default: what printing guarantees ----------------------------------------------------------------------


def test_equal_text_passes():
    assert numbers_agree("test accuracy 95.38%", "test accuracy 95.38%")


def test_rounding_noise_passes_within_rtol():
    assert numbers_agree("test accuracy 95.38%", "test accuracy 95.37%", LOOSE)


def test_a_real_change_fails_within_rtol():
    assert not numbers_agree("test accuracy 95.37%", "test accuracy 96.37%", LOOSE)


def test_a_changed_word_fails():
    assert not numbers_agree("test accuracy 95.38%", "train accuracy 95.38%", LOOSE)


def test_a_different_count_of_numbers_fails():
    assert not numbers_agree("errors: 3.0, 4.0", "errors: 3.0, 4.0, 5.0", Tolerance(atol=100))


def test_default_allows_one_unit_of_the_last_digit_only():
    assert numbers_agree("p = 0.9960", "p = 0.9961")
    assert not numbers_agree("p = 0.9960", "p = 0.9962")
    assert numbers_agree("2.7e-07", "2.8e-07")
    assert not numbers_agree("3.3e-07", "2.7e-07")


@pytest.mark.parametrize(
    ("stored", "fresh"), [("1e3", "2e3"), ("1e-06", "2e-06"), ("0.1", "0.2"), ("0.05", "0.06"), ("0.0", "0.1")]
)
def test_one_significant_digit_must_match(stored, fresh):
    """One unit of the last digit of a one-digit number is a 10-100 % change: not noise."""
    assert not numbers_agree(stored, fresh)
    assert not numbers_agree(fresh, stored)


def test_integers_must_match_exactly_by_default():
    assert not numbers_agree("76 errors", "77 errors")


def test_a_tolerance_leaves_integers_shapes_and_dates_exact_unless_it_names_them():
    loose = Tolerance(rtol=0.5, atol=100)
    assert not numbers_agree("76 errors", "81 errors", loose)
    assert not numbers_agree("x_train (60000, 28, 28)", "x_train (60100, 28, 28)", loose)
    assert not numbers_agree("measured on 2026-01-15", "measured on 2026-01-16", loose)
    with_integers = Tolerance(atol=5, integers=True)
    assert numbers_agree("76 errors", "81 errors", with_integers)
    assert not numbers_agree("76 errors", "82 errors", with_integers)
    assert not numbers_agree("shape (60000, 28, 28)", "shape (60001, 28, 28)", with_integers)
    assert not numbers_agree("on 2026-01-15 at 12:30", "on 2026-01-16 at 12:31", with_integers)


def test_percentages_and_negative_numbers():
    assert numbers_agree("loss -0.5000 (12.5%)", "loss -0.5001 (12.5%)")
    assert not numbers_agree("loss -0.5000", "loss 0.5000", Tolerance(rtol=0.5))
    assert numbers_agree("sum of IG +0.49726", "sum of IG +0.49727")


def test_exponents():
    assert split_numbers("err 1.5e-07 < 1e-6")[1] == ["1.5e-07", "1e-6"]
    assert numbers_agree("err 1.50e-07", "err 1.52e-07", Tolerance(rtol=0.02))
    assert not numbers_agree("err 1.5e-07", "err 1.5e-06", Tolerance(rtol=0.5))


def test_thousands_separators_make_one_number():
    assert split_numbers("422,826 parameters")[1] == ["422,826"]
    assert not numbers_agree("row 1,500", "row 1,520")  # an integer: exact
    assert not numbers_agree("row 1,500", "row 1,520", Tolerance(rtol=0.02))
    assert not numbers_agree("1,000 images", "1000 images")  # the same value printed another way
    assert numbers_agree("10,000 images", "10,001 images", Tolerance(atol=1, integers=True))
    assert not numbers_agree("10,000 images", "10,100 images", Tolerance(atol=1, integers=True))
    # "(60000, 28, 28)" is a shape, not a thousands-separated number
    assert not numbers_agree("(60000, 28, 28)", "(60000, 28, 29)", Tolerance(atol=5, integers=True))


def test_numbers_inside_words_and_versions_are_text():
    assert split_numbers("conv2d_1 float32 keras 3.15.1 x_2")[1] == []
    assert not numbers_agree("keras 3.15.1", "keras 3.15.2", Tolerance(rtol=0.9))
    assert not numbers_agree("float32", "float64", Tolerance(rtol=0.9))
    assert not numbers_agree("Figure size 640x360", "Figure size 640x361", Tolerance(rtol=0.9))


@pytest.mark.parametrize(
    ("stored", "fresh"),
    [("1.5e309", "9.9e999"), ("1.5e-400", "9.5e-400"), ("1e309", "-1e309"), ("2e-324", "4e-324")],
)
def test_beyond_the_float_range_numbers_keep_their_values(stored, fresh):
    """Both read as inf (or 0) in floating point; they are different numbers."""
    assert not numbers_agree(stored, fresh)
    assert not numbers_agree(stored, fresh, Tolerance(rtol=0.5))
    assert numbers_agree(stored, stored)


def test_integers_beyond_2_to_the_53():
    assert not numbers_agree(str(2**64), str(2**64 + 1))
    assert not numbers_agree(str(2**53), str(2**53 + 1))


# --- properties ------------------------------------------------------------------------------------------------

integers = st.integers(min_value=-(10**40), max_value=10**40)


@settings(max_examples=200, deadline=None)
@given(integers, integers, st.floats(0, 0.99), st.floats(0, 1e6))
def test_different_integers_never_agree_unless_the_tolerance_names_them(a, b, rtol, atol):
    assume(a != b)
    assert not numbers_agree(f"{a} errors", f"{b} errors")
    assert not numbers_agree(f"{a} errors", f"{b} errors", Tolerance(rtol=rtol, atol=atol))
    assert not numbers_agree(f"{a:,} errors", f"{b:,} errors", Tolerance(rtol=rtol, atol=atol))


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 10**12), st.integers(1, 12), st.integers(-400, 400), st.sampled_from([-2, -1, 1, 2]))
def test_one_unit_of_the_last_digit_passes_only_with_two_significant_digits(mantissa, decimals, exponent, step):
    """A decimal printed with d >= 2 significant digits may move one unit; two units never, one digit never."""
    text = str(mantissa).rjust(decimals + 1, "0")
    stored_digits = len(text.lstrip("0"))
    assume(mantissa + step > 0)
    moved = str(mantissa + step).rjust(decimals + 1, "0")

    def printed(digits):
        return f"{digits[:-decimals]}.{digits[-decimals:]}e{exponent}"

    agrees = numbers_agree(printed(text), printed(moved))
    assert agrees == (abs(step) == 1 and stored_digits >= 2)


@settings(max_examples=200, deadline=None)
@given(
    st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-1000, max_value=1000),
    st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-1000, max_value=1000),
    st.floats(0, 0.9),
    st.floats(0, 10),
)
def test_decimals_pass_exactly_within_the_stated_tolerance(a, b, rtol, atol):
    """|fresh - stored| <= max(one unit, atol + rtol |stored|), in exact decimal arithmetic."""
    stored, fresh = f"{a:.3f}", f"{b:.3f}"
    unit = Decimal("0.001") if len(stored.lstrip("-").replace(".", "").lstrip("0")) >= 2 else Decimal(0)
    allowed = max(unit, Decimal(repr(atol)) + Decimal(repr(rtol)) * abs(Decimal(stored)))
    expected = abs(Decimal(fresh) - Decimal(stored)) <= allowed
    assert numbers_agree(f"loss {stored}", f"loss {fresh}", Tolerance(rtol=rtol, atol=atol)) == expected


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 9), st.integers(1, 9), st.integers(309, 10**5), st.booleans())
def test_numbers_out_of_float_range_are_read_exactly(m1, m2, exponent, negative):
    assume(m1 != m2)
    sign = "-" if negative else ""
    a, b = f"{m1}.5e{sign}{exponent}", f"{m2}.5e{sign}{exponent}"
    assert not numbers_agree(a, b)
    assert not numbers_agree(a, b, Tolerance(rtol=0.05))
    assert numbers_agree(a, a)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="abc ,.-+e0123456789%()\n:", max_size=40))
def test_identical_text_always_agrees_and_the_skeleton_is_exact(text):
    assert numbers_agree(text, text)
    skeleton, numbers = split_numbers(text)
    assert "".join(s + n for s, n in zip(skeleton, [*numbers, ""], strict=True)) == text


# --- the metadata grammar ----------------------------------------------------------------------------------------


def tolerance_cell(settings, tags=None) -> dict:
    metadata = {"nbval": {"tolerance": settings}}
    if tags:
        metadata["tags"] = tags
    return {"cell_type": "code", "metadata": metadata, "source": "print(1)", "outputs": []}


def test_metadata_tolerance_is_read():
    from tools.nbval_tolerance import Tolerance as T

    metadata = {"nbval": {"tolerance": {"rtol": 2e-3, "atol": 0.5, "reason": "three epochs vary across CPUs"}}}
    assert T.from_metadata(metadata) == T(rtol=2e-3, atol=0.5, reason="three epochs vary across CPUs")
    assert T.from_metadata({}) == T()
    assert T.from_metadata({"nbval": {"tolerance": {"atol": 25, "integers": True, "reason": "a count"}}}).integers


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"rtol": 1e-3}, "needs a reason"),
        ({"rtol": 1e-3, "reason": "\u00a0 "}, "needs a reason"),  # a no-break space is no reason
        ({"rtol": 1e-3, "reason": "-- 1"}, "needs a reason"),
        ({"reason": "why"}, "needs rtol and/or atol"),
        ({"rtol": "0.2%", "reason": "why"}, "must be a JSON number"),
        ({"rtol": "1e-3", "reason": "why"}, "must be a JSON number"),
        ({"rtol": True, "reason": "why"}, "must be a JSON number"),
        ({"rtol": -1, "reason": "why"}, "finite and >= 0"),
        ({"atol": float("inf"), "reason": "why"}, "finite and >= 0"),
        ({"atol": float("nan"), "reason": "why"}, "finite and >= 0"),
        ({"rtol": 10, "reason": "why"}, "rtol must be < 1"),
        ({"rtol": 0, "atol": 0, "reason": "why"}, "states no tolerance"),
        ({"atl": 5, "rtol": 0.1, "reason": "why"}, "unknown keys ['atl']"),
        ({"rtol": 0.1, "integers": "yes", "reason": "why"}, "must be true or false"),
        ("rtol=1e-3: why", "must be an object"),
    ],
)
def test_malformed_tolerances_are_refused_with_the_fix(settings, expected):
    from tools.nbval_tolerance import ToleranceError

    with pytest.raises(ToleranceError, match=expected.replace("[", r"\[").replace("]", r"\]")) as info:
        Tolerance.from_metadata({"nbval": {"tolerance": settings}}, "book/x.ipynb::Cell 3")
    assert str(info.value).startswith("book/x.ipynb::Cell 3: ")


junk = st.one_of(
    st.text(max_size=5), st.booleans(), st.none(), st.lists(st.integers(), max_size=2),
    st.floats(allow_nan=True, allow_infinity=True).filter(lambda x: not (0 <= x < 1)),
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["rtol", "atol"]), junk)
def test_any_value_that_is_not_a_plain_number_is_refused(key, value):
    from tools.nbval_tolerance import ToleranceError

    assume(not (key == "atol" and isinstance(value, float) and value == value and value >= 1 and value != float("inf")))
    with pytest.raises(ToleranceError):
        Tolerance.from_metadata({"nbval": {"tolerance": {key: value, "reason": "measured spread"}}})


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        ({"nbval": {"tolerence": {}}}, "unknown keys ['tolerence']"),
        ({"nbval": "rtol=0.1"}, "must be an object"),
        ({"tags": ["nbval-ignore-outputs"]}, "unknown nbval tags"),
        ({"nbval": {"ignore_output": "a time"}}, "lacks the tag nbval-ignore-output"),
        ({"tags": ["nbval-ignore-output"], "nbval": {"tolerance": {"rtol": 0.1, "reason": "x y"}}}, "means nothing"),
    ],
)
def test_malformed_nbval_metadata_is_refused(metadata, expected):
    from tools.nbval_tolerance import cell_problems

    problems = cell_problems({"cell_type": "code", "metadata": metadata, "source": ""})
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize(
    "source",
    [
        "# NBVAL_TOLERANCE rtol=1e-3: noise\nprint(1)",
        "# NBVAL_IGNORE_OUTPUT\nprint(1)",
        "# nbval_tolerance rtol=1e-3: lower case\nprint(1)",
        "x = 1  # NBVAL_SKIP",
        's = """\n# NBVAL_TOLERANCE rtol=10: inside a string\n"""\nprint(s)',
    ],
)
def test_a_marker_left_in_the_code_is_refused_with_the_way_to_move_it(source):
    from tools.nbval_tolerance import cell_problems

    (problem,) = cell_problems({"cell_type": "code", "metadata": {}, "source": source}, "book/x.ipynb")
    assert "python tools/move_tolerances.py book/x.ipynb" in problem and "line " in problem


# --- glued values ----------------------------------------------------------------------------------------------


def record(name, text):
    return [
        {
            "output_type": "display_data",
            "metadata": {"scrapbook": {"name": name, "mime_prefix": "application/papermill.record/"}},
            "data": {"application/papermill.record/text/plain": text},
        }
    ]


@pytest.mark.parametrize(
    ("formats", "stored", "fresh", "agree"),
    [
        ({".2%"}, "0.9937", "0.9928", False),  # 99.37% vs 99.28%: what the reader sees moved
        ({".2%"}, "0.9937", "0.99371234", True),  # digits no reader sees
        ({".2%"}, "0.99365", "0.99374", True),  # one unit of the shown digit
        ({","}, "422826", "423000", False),
        ({None}, "np.int64(1000)", "np.int64(1001)", False),
        ({"s"}, "1000", "1001", False),
        ({".1f", ".3f"}, "0.7300", "0.7349", False),  # fine at .1f, not at .3f
        (set(), "0.12384352254511936", "0.12384352254519", True),  # shown nowhere: four significant digits
        (set(), "0.1238", "0.1240", False),
        (set(), "63", "64", False),
        (set(), "100.0", "99.72", False),  # a float stays a decimal (".4g" made it the integer 100)
    ],
)
def test_glued_values_compare_as_the_book_shows_them(formats, stored, fresh, agree):
    from tools.nbval_tolerance import align

    fresh_outputs, stored_outputs = record("acc", fresh), record("acc", stored)
    reasons = align(fresh_outputs, stored_outputs, Tolerance(), str, ("metadata",), {"acc": formats} if formats else {})
    assert (fresh_outputs == stored_outputs) == agree, reasons
    assert bool(reasons) != agree


def test_printed_text_keeps_the_default_and_glue_the_cells_tolerance():
    from tools.nbval_tolerance import align

    printed = [{"output_type": "stream", "name": "stdout", "text": "0.02530098"}]
    align(printed, [{"output_type": "stream", "name": "stdout", "text": "0.025302887"}], Tolerance(), str, ())
    assert printed[0]["text"] == "0.02530098"  # printed text keeps the strict default
    fresh, stored = record("acc", "99.20"), record("acc", "99.37")
    assert align(fresh, stored, Tolerance(rtol=0.003), str, ("metadata",), {"acc": {".2f"}}) == []
    fresh = record("same", "99.72")  # shown nowhere, in a cell with atol 1.5
    assert align(fresh, record("same", "100.0"), Tolerance(atol=1.5), str, ("metadata",), {}) == []
    fresh = record("errors", "70")
    assert align(fresh, record("errors", "63"), Tolerance(atol=25), str, ("metadata",), {"errors": {"s"}})
    assert not align(fresh, record("errors", "63"), Tolerance(atol=25, integers=True), str, ("metadata",), {})


def test_glue_formats_are_read_from_the_notebook_and_the_pages_beside_it(tmp_path):
    from tools.nbval_tolerance import glue_formats

    notebook = tmp_path / "ch5.ipynb"
    markdown = "Accuracy {glue:text}`acc:.2%`, {glue:text}`n`, {glue}`raw` and {glue:text}`other.ipynb::x:.1f`."
    notebook.write_text(json.dumps({"cells": [{"cell_type": "markdown", "source": markdown}]}))
    (tmp_path / "summary.md").write_text("See {glue:text}`ch5.ipynb::acc:.1f` and {glue:text}`ch6.ipynb::acc:.3f`.")
    assert glue_formats(notebook) == {"acc": {".2%", ".1f"}, "n": {"s"}, "raw": {None}}


def test_format_plain_text_is_myst_nbs():
    from myst_nb.core.variables import format_plain_text as mysts

    from tools.nbval_tolerance import format_plain_text

    for text, spec in [("0.9937", ".2%"), ("422826", ","), ("'abc'", "s"), ("1e-05", ".0e"), ("3", ".2f"), ("x", "")]:
        assert format_plain_text(text, spec) == mysts(text, spec)


# --- end to end: pytest --nbval --------------------------------------------------------------------------------


def _notebook(source: str, stored, metadata=None, markdown=None) -> dict:
    outputs = stored if isinstance(stored, list) else [{"output_type": "stream", "name": "stdout", "text": stored}]
    cell = {
        "cell_type": "code",
        "execution_count": 1,
        "id": "c1",
        "metadata": metadata or {},
        "source": source,
        "outputs": outputs,
    }
    cells = (
        [cell]
        if markdown is None
        else [{"cell_type": "markdown", "id": "m1", "metadata": {}, "source": markdown}, cell]
    )
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def run_nbval(pytester, notebook: dict | str, *options: str):
    (pytester.path / "tools").mkdir(exist_ok=True)
    (pytester.path / "tools" / "nbval_tolerance.py").write_text(Path(nbval_tolerance.__file__).read_text("utf-8"))
    pytester.makeconftest("from tools.nbval_tolerance import install\n\ninstall()\n")
    text = notebook if isinstance(notebook, str) else json.dumps(notebook)
    (pytester.path / "cell.ipynb").write_text(text, encoding="utf-8")
    return pytester.runpytest_subprocess(
        "--nbval", "--nbval-current-env", "-p", "no:cacheprovider", *options, "cell.ipynb"
    )


def tolerance(**settings):
    return {"nbval": {"tolerance": {**settings, "reason": "measured spread over seeds"}}}


# (source, stored output, cell metadata, whether `pytest --nbval` passes the cell)
TOLERANCE_CASES = [
    ('print("accuracy 95.38%")', "accuracy 95.37%\n", None, True),  # one unit of the last digit by default
    ('print("accuracy 95.38%")', "accuracy 95.36%\n", None, False),
    ('print("76 errors")', "77 errors\n", None, False),
    ('print("accuracy 95.38%")', "accuracy 95.30%\n", tolerance(rtol=1e-3), True),
    ('print("accuracy 95.38%")', "accuracy 96.38%\n", tolerance(rtol=1e-3), False),
    ('print("p 0.9960")', "p 0.9961\n", None, True),
    ('print("margin 0.1")', "margin 0.2\n", None, False),
    ('print("76 errors, 95.38%")', "77 errors, 95.38%\n", tolerance(rtol=0.5), False),
    ('print("76 errors, 95.38%")', "77 errors, 95.38%\n", tolerance(atol=2, integers=True), True),
    ("print(2**64 + 1)", f"{2**64}\n", None, False),
    ('print("1.5e-400")', "9.5e-400\n", None, False),
    ('print("1.5e309")', "9.9e999\n", None, False),
    ("print(1)", "2\n", {"tags": ["nbval-ignore-output"], "nbval": {"ignore_output": "a timing"}}, True),
]


def test_pytest_nbval_uses_the_tolerance(pytester):
    """End to end: one notebook, a cell per case, through `pytest --nbval` with the comparison installed.

    Each cell is its own test item (``Cell N``), so one run gives every case's verdict.
    """
    cells = [_notebook(source, stored, metadata)["cells"][0] for source, stored, metadata, _ in TOLERANCE_CASES]
    for number, cell in enumerate(cells):
        cell["id"], cell["execution_count"] = f"c{number}", number + 1
    result = run_nbval(pytester, {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, "-v")
    out = result.stdout.str()
    verdicts = {int(n): word == "PASSED" for n, word in re.findall(r"::Cell (\d+) (PASSED|FAILED)", out)}
    expected = {number: case[3] for number, case in enumerate(TOLERANCE_CASES)}
    wrong = [TOLERANCE_CASES[n][:2] for n in expected if verdicts.get(n) != expected[n]]
    assert not wrong, f"cases judged wrongly: {wrong}\n{out}"


@pytest.mark.parametrize(
    ("source", "metadata", "message"),
    [
        ("# NBVAL_TOLERANCE rtol=1e-3: noise\nprint('accuracy 95.38%')", None, "python tools/move_tolerances.py"),
        ('s = """\n# NBVAL_TOLERANCE rtol=10: in a string\n"""\nprint("accuracy 95.38%")', None, "line 2"),
        ("# NBVAL_IGNORE_OUTPUT\nprint('accuracy 95.38%')", None, "nbval-ignore-output"),
        ("print('accuracy 95.38%')", {"nbval": {"tolerance": {"rtol": "0.2%", "reason": "why"}}}, "JSON number"),
        ("print('accuracy 95.38%')", {"nbval": {"tolerance": {"rtol": 0.1}}}, "needs a reason"),
    ],
)
def test_pytest_nbval_refuses_markers_in_code_and_malformed_metadata(pytester, source, metadata, message):
    result = run_nbval(pytester, _notebook(source, "accuracy 99.00%\n", metadata))
    out = result.stdout.str()
    assert result.ret != 0
    assert "cell.ipynb::Cell 0" in out and message in out and "Traceback" not in out, out


def test_nbval_settings_on_a_markdown_cell_are_refused(tmp_path):
    from tools.nbval_tolerance import notebook_problems

    nb = _notebook("print(1)", "1\n", markdown="Text")
    nb["cells"][0]["metadata"] = tolerance(rtol=0.1)
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    (problem,) = notebook_problems(path)
    assert "cell 1 is a markdown cell" in problem


def test_pytest_nbval_refuses_a_repeated_json_key(pytester):
    text = json.dumps(_notebook("print('accuracy 95.38%')", "accuracy 95.30%\n", tolerance(rtol=0.1)))
    text = text.replace('"rtol": 0.1', '"rtol": 0.1, "rtol": 0.001')
    result = run_nbval(pytester, text)
    assert result.ret != 0 and "repeats the key 'rtol'" in result.stdout.str()


def test_pytest_nbval_compares_glued_values_as_the_page_shows_them(pytester):
    source = "from myst_nb import glue\nglue('acc', 0.9937, display=False)"
    markdown = "The accuracy is {glue:text}`acc:.2%`."
    for stored, passes in [("0.9928", False), ("0.993712", True)]:
        outputs = record("acc", stored)
        result = run_nbval(pytester, _notebook(source, outputs, markdown=markdown))
        out = result.stdout.str()
        assert (result.ret == 0) == passes, out
        if not passes:
            assert "glued value 'acc': shown as '99.37%' instead of '99.28%'" in out, out
