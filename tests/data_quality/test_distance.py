"""Drift distances against independent references (scipy / numpy) on known inputs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from monitor_job.data_quality.distance import (
    ROBUST,
    SIMPLE,
    categorical_chi_square,
    categorical_linf,
    numerical_distance,
    regroup,
)


def critical(n: float, m: float) -> float:
    return 1.8 * math.sqrt((n + m) / (n * m))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_simple_is_the_two_sample_ks_statistic_for_exact_sketches(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = rng.normal(0, 1, 700).round(2)  # rounding creates ties, the tricky case for CDFs
    b = rng.normal(0.3, 1.2, 300).round(2)
    got = numerical_distance([list(a)], [list(b)], SIMPLE)
    assert got is not None
    assert got.value == pytest.approx(stats.ks_2samp(a, b).statistic, abs=1e-12)
    assert (got.n, got.m) == (700, 300)


def test_robust_subtracts_the_ks_critical_value() -> None:
    rng = np.random.default_rng(3)
    a, b = rng.normal(0, 1, 1000), rng.normal(1, 1, 400)
    simple = stats.ks_2samp(a, b).statistic
    got = numerical_distance([list(a)], [list(b)], ROBUST)
    assert got is not None
    assert got.value == pytest.approx(simple - critical(1000, 400), abs=1e-12)


def test_robust_is_zero_when_the_samples_are_too_small() -> None:
    got = numerical_distance([[1.0, 2.0, 3.0]], [[10.0]], ROBUST)
    assert got is not None and got.value == 0.0
    simple = numerical_distance([[1.0, 2.0, 3.0]], [[10.0]], SIMPLE)
    assert simple is not None and simple.value == 1.0


def test_compacted_levels_weigh_two_to_the_level() -> None:
    """An item at level i stands for 2**i values: the same CDF as the expanded sample."""
    levels = [[5.0, 1.0], [2.0, 4.0], [3.0]]  # weights 1,1,2,2,4
    expanded = [5.0, 1.0, 2.0, 2.0, 4.0, 4.0, 3.0, 3.0, 3.0, 3.0]
    other = [[0.5, 2.5, 3.5, 6.0]]
    got = numerical_distance(levels, other, SIMPLE)
    assert got is not None and got.n == 10
    assert got.value == pytest.approx(stats.ks_2samp(expanded, other[0]).statistic, abs=1e-12)


def test_edge_cases_numeric() -> None:
    assert numerical_distance([[1.0, 2.0]], [], SIMPLE) is None  # empty window
    assert numerical_distance([], [[1.0]], SIMPLE) is None  # no baseline sketch
    same = numerical_distance([[7.0] * 5], [[7.0] * 3], SIMPLE)  # a single value, both sides
    assert same is not None and same.value == 0.0
    apart = numerical_distance([[7.0] * 5], [[8.0] * 3], SIMPLE)
    assert apart is not None and apart.value == 1.0


def test_categorical_linf_against_numpy_with_one_sided_categories() -> None:
    base = {"a": 50.0, "b": 30.0, "c": 20.0}  # "c" only in the baseline
    window = {"a": 10.0, "b": 25.0, "new": 5.0}  # "new" only in the window
    keys = sorted(set(base) | set(window))
    p = np.array([base.get(k, 0.0) for k in keys]) / sum(base.values())
    q = np.array([window.get(k, 0.0) for k in keys]) / sum(window.values())
    expected = float(np.max(np.abs(p - q)))
    simple = categorical_linf(base, window, SIMPLE)
    assert simple is not None and simple.value == pytest.approx(expected, abs=1e-15)
    robust = categorical_linf(base, window, ROBUST)
    assert robust is not None
    assert robust.value == pytest.approx(max(0.0, expected - critical(100, 40)), abs=1e-15)
    assert categorical_linf(base, {}, SIMPLE) is None  # all missing in the window


def test_chi_square_matches_scipy_without_regrouping(spark: object) -> None:
    base = {"a": 400.0, "b": 350.0, "c": 250.0}
    window = {"a": 120.0, "b": 100.0, "c": 80.0, "new": 9.0}  # "new" is not tested here
    got = categorical_chi_square(base, window)
    observed = np.array([120.0, 100.0, 80.0])
    expected = np.array([400.0, 350.0, 250.0]) / 1000.0 * observed.sum()
    assert got is not None
    assert got.value == pytest.approx(stats.chisquare(observed, expected).pvalue, rel=1e-9)
    assert (got.n, got.m) == (1000.0, 300.0)


def test_chi_square_regroups_small_expected_counts(spark: object) -> None:
    # Expected 60, 30, 4, 3, 3: three of five (60 %) below 5 -> merge smallest until <= 20 %.
    base = {"a": 600.0, "b": 300.0, "c": 40.0, "d": 30.0, "e": 30.0}
    window = {"a": 55.0, "b": 35.0, "c": 5.0, "d": 2.0, "e": 3.0}
    obs = [55.0, 35.0, 5.0, 2.0, 3.0]
    exp = [60.0, 30.0, 4.0, 3.0, 3.0]
    merged_obs, merged_exp = regroup(obs, exp)
    # d+e -> 6 (then 4 is the only small one of four: 25 % > 20 %), c+(d+e) -> 10: done.
    assert sorted(merged_exp) == pytest.approx([10.0, 30.0, 60.0])
    assert sorted(merged_obs) == pytest.approx([10.0, 35.0, 55.0])
    got = categorical_chi_square(base, window)
    assert got is not None
    assert got.value == pytest.approx(stats.chisquare(merged_obs, merged_exp).pvalue, rel=1e-9)


def test_chi_square_two_categories_follow_cochran(spark: object) -> None:
    _, expected = regroup([3.0, 17.0], [9.0, 11.0])  # 9 < 10: merged to one
    assert len(expected) == 1
    got = categorical_chi_square({"x": 45.0, "y": 55.0}, {"x": 3.0, "y": 17.0})
    assert got is not None and math.isnan(got.value)  # fewer than 2 categories: no test
    assert categorical_chi_square({"x": 10.0}, {"y": 5.0}) is None  # nothing in common
