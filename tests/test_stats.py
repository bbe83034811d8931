"""The Clopper–Pearson interval: published values, closed forms, its defining tails and its coverage guarantee."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companion.stats import binomial_interval


@pytest.mark.parametrize(
    ("successes", "trials", "published"),
    [
        # Newcombe (1998), Statistics in Medicine 17:857-872, Table II, method 5 ("exact"), 95 %
        (81, 263, (0.2527, 0.3676)),
        (15, 148, (0.0578, 0.1617)),
        (0, 20, (0.0000, 0.1684)),
        (1, 29, (0.0009, 0.1776)),
        # chapter 5: 63 errors in 10,000 test images, the interval issue 25 quotes
        (9937, 10_000, (0.9919, 0.9952)),
    ],
)
def test_published_values(successes, trials, published):
    lower, upper = binomial_interval(successes, trials)
    assert (round(lower, 4), round(upper, 4)) == published


@pytest.mark.parametrize("trials", [1, 7, 100, 10_000])
@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_closed_forms_at_the_edges(trials, confidence):
    # no success: P(X = 0) = (1 - p)^n = alpha / 2 at the upper end; all successes: p^n = alpha / 2
    alpha = (1 - confidence) / 2
    assert binomial_interval(0, trials, confidence) == (0.0, pytest.approx(1 - alpha ** (1 / trials), abs=1e-12))
    assert binomial_interval(trials, trials, confidence) == (pytest.approx(alpha ** (1 / trials), abs=1e-12), 1.0)


def exact_tail(k_from: int, k_to: int, trials: int, p: float) -> float:
    """P(k_from <= X <= k_to) for X ~ Binomial(trials, p), in exact rational arithmetic."""
    q = Fraction(p)
    return float(sum(math.comb(trials, j) * q**j * (1 - q) ** (trials - j) for j in range(k_from, k_to + 1)))


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 60).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))), st.sampled_from([0.8, 0.95]))
def test_ends_solve_the_tail_equations(counts, confidence):
    successes, trials = counts
    lower, upper = binomial_interval(successes, trials, confidence)
    alpha = (1 - confidence) / 2
    assert 0 <= lower <= successes / trials <= upper <= 1
    if successes > 0:
        assert exact_tail(successes, trials, trials, lower) == pytest.approx(alpha, abs=1e-9)
    if successes < trials:
        assert exact_tail(0, successes, trials, upper) == pytest.approx(alpha, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_symmetric_and_nested(counts):
    successes, trials = counts
    lower, upper = binomial_interval(successes, trials)
    flipped = binomial_interval(trials - successes, trials)  # counting failures instead
    assert flipped == (pytest.approx(1 - upper, abs=1e-12), pytest.approx(1 - lower, abs=1e-12))
    narrower = binomial_interval(successes, trials, 0.8)
    assert lower <= narrower[0] + 1e-12 and narrower[1] <= upper + 1e-12


@pytest.mark.parametrize("trials", [5, 20, 50])
def test_coverage_is_at_least_the_confidence_for_every_p(trials):
    # the guarantee that makes it "exact"; Wald and Wilson intervals break it at some p
    intervals = np.array([binomial_interval(k, trials) for k in range(trials + 1)])
    k = np.arange(trials + 1)
    log_choose = np.array([math.log(math.comb(trials, int(j))) for j in k])
    for p in np.linspace(0.001, 0.999, 999):
        pmf = np.exp(log_choose + k * np.log(p) + (trials - k) * np.log1p(-p))
        covered = (intervals[:, 0] <= p) & (p <= intervals[:, 1])
        assert pmf[covered].sum() >= 0.95 - 1e-9, p


def test_a_wilson_interval_would_fail_the_coverage_test():
    # the coverage test can fail: Wilson's score interval (z = 1.96) covers 92 % at p = 0.05, n = 20
    trials, z, p = 20, 1.959964, 0.05
    k = np.arange(trials + 1)
    centre = (k + z**2 / 2) / (trials + z**2)
    half = z * np.sqrt(k * (trials - k) / trials + z**2 / 4) / (trials + z**2)
    pmf = np.array([math.comb(trials, int(j)) * p**j * (1 - p) ** (trials - j) for j in k])
    assert pmf[(centre - half <= p) & (p <= centre + half)].sum() < 0.95


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        ((5, 0), ValueError, "trials must be at least 1"),
        ((11, 10), ValueError, "between 0 and trials"),
        ((-1, 10), ValueError, "between 0 and trials"),
        ((0.5, 10), TypeError, "whole number"),
        ((True, 10), TypeError, "whole number"),
        ((5, 10, 1.0), ValueError, "confidence must be in"),
        ((5, 10, float("nan")), ValueError, "confidence must be in"),
        ((5, 10, "95%"), TypeError, "confidence must be a number"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(args, error, message):
    with pytest.raises(error, match=message):
        binomial_interval(*args)


def test_numpy_counts_are_accepted():
    assert binomial_interval(np.int64(9937), np.int64(10_000)) == binomial_interval(9937, 10_000)
