"""Tests of the tolerant output comparison that `pytest --nbval` uses (tools/nbval_tolerance.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tools import nbval_tolerance
from tools.nbval_tolerance import Tolerance, last_digit_unit, numbers_agree, split_numbers

LOOSE = Tolerance(rtol=1e-3)


def test_equal_text_passes():
    assert numbers_agree("test accuracy 95.38%", "test accuracy 95.38%")


def test_rounding_noise_passes_within_rtol():
    assert numbers_agree("test accuracy 95.38%", "test accuracy 95.37%", LOOSE)


def test_a_real_change_fails_within_rtol():
    assert not numbers_agree("test accuracy 95.37%", "test accuracy 96.37%", LOOSE)


def test_a_changed_word_fails():
    assert not numbers_agree("test accuracy 95.38%", "train accuracy 95.38%", LOOSE)


def test_a_different_count_of_numbers_fails():
    assert not numbers_agree("errors: 3, 4", "errors: 3, 4, 5", Tolerance(atol=100))


def test_default_allows_one_unit_of_the_last_digit_only():
    assert numbers_agree("p = 0.9960", "p = 0.9961")
    assert not numbers_agree("p = 0.9960", "p = 0.9962")
    assert numbers_agree("2.7e-07", "2.8e-07")
    assert not numbers_agree("3.3e-07", "2.7e-07")


def test_integers_must_match_exactly_by_default():
    assert not numbers_agree("76 errors", "77 errors")
    assert numbers_agree("76 errors", "81 errors", Tolerance(atol=5))
    assert not numbers_agree("76 errors", "82 errors", Tolerance(atol=5))


def test_percentages_and_negative_numbers():
    assert numbers_agree("loss -0.5000 (12.5%)", "loss -0.5001 (12.5%)")
    assert not numbers_agree("loss -0.5000", "loss 0.5000", Tolerance(rtol=0.5))
    assert numbers_agree("sum of IG +0.49726", "sum of IG +0.49727")


def test_exponents():
    assert split_numbers("err 1.5e-07 < 1e-6")[1] == ["1.5e-07", "1e-6"]
    assert numbers_agree("err 1.50e-07", "err 1.52e-07", Tolerance(rtol=0.02))
    assert not numbers_agree("err 1.5e-07", "err 1.5e-06", Tolerance(rtol=0.5))


def test_thousands_separators():
    assert split_numbers("422,826 parameters")[1] == ["422,826"]
    assert numbers_agree("10,000 images", "10,001 images", Tolerance(atol=1))
    assert not numbers_agree("10,000 images", "10,100 images", Tolerance(atol=1))
    # "(60000, 28, 28)" is three numbers, not a thousands-separated one
    assert split_numbers("(60000, 28, 28)")[1] == ["60000", "28", "28"]


def test_numbers_inside_words_and_versions_are_text():
    assert split_numbers("conv2d_1 float32 keras 3.15.1 x_2")[1] == []
    assert not numbers_agree("keras 3.15.1", "keras 3.15.2", Tolerance(rtol=1))
    assert not numbers_agree("float32", "float64", Tolerance(rtol=1))
    assert not numbers_agree("Figure size 640x360", "Figure size 640x361", Tolerance(rtol=1))


def test_last_digit_unit():
    assert last_digit_unit("95.38") == pytest.approx(0.01)
    assert last_digit_unit("2.7e-07") == pytest.approx(1e-8)
    assert last_digit_unit("1e-6") == pytest.approx(1e-6)
    assert last_digit_unit("10,000") == 0.0


def test_glued_values_compare_at_the_precision_prose_can_show():
    from tools.nbval_tolerance import align

    def record(text):
        return [{"output_type": "display_data", "data": {"application/papermill.record/text/plain": text}}]

    fresh, stored = record("np.float32(0.02530098)"), record("np.float32(0.025302887)")
    align(fresh, stored, Tolerance(), lambda s: s, ("metadata",))
    assert fresh == stored  # 7.5e-5 relative: digits no reader sees
    fresh = record("np.float32(0.0260)")
    align(fresh, stored, Tolerance(), lambda s: s, ("metadata",))
    assert fresh != stored  # 3 % is a change the prose would show
    printed = [{"output_type": "stream", "name": "stdout", "text": "0.02530098"}]
    align(printed, [{"output_type": "stream", "name": "stdout", "text": "0.025302887"}], Tolerance(), str, ())
    assert printed[0]["text"] == "0.02530098"  # printed text keeps the strict default


def test_marker_parsing():
    source = "x = 1\n# NBVAL_TOLERANCE rtol=2e-3 atol=0.5: three epochs of training vary across CPUs\nprint(x)"
    assert Tolerance.from_source(source) == Tolerance(rtol=2e-3, atol=0.5)
    assert Tolerance.from_source("print(1)") == Tolerance()


@pytest.mark.parametrize(
    "line",
    [
        "# NBVAL_TOLERANCE rtol=1e-3",  # no reason
        "# NBVAL_TOLERANCE because",  # no setting
        "# NBVAL_TOLERANCE rtol=-1: negative",
        "# NBVAL_TOLERANCE rtol=1e-3: a\n# NBVAL_TOLERANCE atol=1: twice",
    ],
)
def test_bad_markers_are_refused(line):
    with pytest.raises(ValueError, match="NBVAL_TOLERANCE"):
        Tolerance.from_source(line)


def _notebook(source: str, stored: str) -> dict:
    cell = {
        "cell_type": "code",
        "execution_count": 1,
        "metadata": {},
        "source": source,
        "outputs": [{"output_type": "stream", "name": "stdout", "text": stored}],
    }
    return {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


@pytest.mark.parametrize(
    ("source", "stored", "passes"),
    [
        ('print("accuracy 95.38%")', "accuracy 95.37%\n", True),  # one unit of the last digit by default
        ('print("accuracy 95.38%")', "accuracy 95.36%\n", False),
        ('print("76 errors")', "77 errors\n", False),
        ('# NBVAL_TOLERANCE rtol=1e-3: noise\nprint("accuracy 95.38%")', "accuracy 95.30%\n", True),
        ('# NBVAL_TOLERANCE rtol=1e-3: noise\nprint("accuracy 95.38%")', "accuracy 96.38%\n", False),
        ('print("p 0.9960")', "p 0.9961\n", True),
    ],
)
def test_pytest_nbval_uses_the_tolerance(pytester, source, stored, passes):
    """End to end: a one-cell notebook through `pytest --nbval` with the tolerant comparison installed."""
    (pytester.path / "tools").mkdir()
    (pytester.path / "tools" / "nbval_tolerance.py").write_text(Path(nbval_tolerance.__file__).read_text("utf-8"))
    pytester.makeconftest("from tools.nbval_tolerance import install\n\ninstall()\n")
    (pytester.path / "cell.ipynb").write_text(json.dumps(_notebook(source, stored)), encoding="utf-8")
    result = pytester.runpytest_subprocess("--nbval", "--nbval-current-env", "-p", "no:cacheprovider", "cell.ipynb")
    assert (result.ret == 0) == passes, result.stdout.str()
