"""Distribution distances for ``baseline_drift_check``: Deequ's ``Distance`` semantics.

All inputs are bounded summaries (a KLL sketch of at most a few thousand items, the
categorical counts of at most :data:`MAX_CATEGORICAL_VALUES` values), so these run on the
driver after the single pass over the data; nothing here touches records.

Formulas (documented in docs/MONITOR-TYPES.md, tested against numpy/scipy):

* numerical, ``Simple``: L-infinity between the two CDFs rebuilt from the KLL sketches.
  Each item at compactor level ``i`` has weight ``2**i``; ``rank(x)`` is the summed weight
  of the items ``<= x``; ``n``, ``m`` are the total weights; the distance is the maximum of
  ``|rank1(x)/n - rank2(x)/m|`` over every item ``x`` of either sketch (for sketches that
  still hold every value, exactly the two-sample Kolmogorov-Smirnov statistic).
* categorical, ``LInfinity``: ``max_k |c1(k)/n - c2(k)/m|`` over the union of categories
  (a category missing on one side counts 0 there).
* ``Robust`` (both kinds, Deequ 2.0.2's default): ``max(0, simple - 1.8*sqrt((n+m)/(n*m)))``,
  the two-sample KS critical value at alpha ~ 0.003.
* categorical, ``ChiSquared``: Pearson's chi-square goodness-of-fit of the window counts
  against the baseline frequencies scaled to the window total, over the baseline's
  categories (values new in the window are the categorical_values_check's business).
  Small expected counts are regrouped as Deequ does: with 2 categories every expected
  count must be >= 10 (Cochran), with more at most 20 % may be < 5; otherwise the two
  smallest categories are merged and the rule re-checked. The result is the test's
  p-value (Spark MLlib's ``chiSqTest``); ``nan`` when fewer than 2 categories remain.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

ROBUST_C_ALPHA = 1.8
COCHRAN_MIN_EXPECTED = 10.0
YATES_MIN_EXPECTED = 5.0
YATES_MAX_SHARE_BELOW = 0.2

SIMPLE = "Simple"
ROBUST = "Robust"
LINFINITY = "LInfinity"
CHI_SQUARED = "ChiSquared"


@dataclass(frozen=True)
class Distance:
    """A computed distance with the sample sizes it was computed from."""

    value: float
    n: float  # baseline sample size
    m: float  # window sample size
    method: str  # Simple | Robust | ChiSquared


def weighted_items(levels: Sequence[Sequence[float]]) -> tuple[np.ndarray, np.ndarray]:
    """A KLL sketch's items, sorted, with the cumulative weight up to each (``2**level``)."""
    empty = np.zeros(0)
    values = np.concatenate([empty, *(np.asarray(level, dtype=float) for level in levels)])
    weights = np.concatenate(
        [empty, *(np.full(len(level), float(2**i)) for i, level in enumerate(levels))]
    )
    order = np.argsort(values, kind="stable")
    return values[order], np.cumsum(weights[order])


def rank_at(sorted_values: np.ndarray, cumulative: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The summed weight of the items ``<= x`` for each ``x`` in ``points``."""
    idx = np.searchsorted(sorted_values, points, side="right")
    padded = np.concatenate([[0.0], cumulative])
    return padded[idx]


def robust(simple: float, n: float, m: float) -> float:
    return max(0.0, simple - ROBUST_C_ALPHA * math.sqrt((n + m) / (n * m)))


def numerical_distance(
    baseline_levels: Sequence[Sequence[float]],
    window_levels: Sequence[Sequence[float]],
    method: str = ROBUST,
) -> Distance | None:
    """L-infinity CDF distance of two KLL sketches; ``None`` if either side is empty."""
    v1, c1 = weighted_items(baseline_levels)
    v2, c2 = weighted_items(window_levels)
    if not len(v1) or not len(v2):
        return None
    n, m = float(c1[-1]), float(c2[-1])
    points = np.union1d(v1, v2)
    simple = float(np.max(np.abs(rank_at(v1, c1, points) / n - rank_at(v2, c2, points) / m)))
    value = robust(simple, n, m) if method == ROBUST else simple
    return Distance(value, n, m, method)


def categorical_linf(
    baseline: Mapping[str, float], window: Mapping[str, float], method: str = ROBUST
) -> Distance | None:
    n, m = float(sum(baseline.values())), float(sum(window.values()))
    if n <= 0 or m <= 0:
        return None
    simple = max(
        abs(baseline.get(k, 0.0) / n - window.get(k, 0.0) / m) for k in set(baseline) | set(window)
    )
    value = robust(simple, n, m) if method == ROBUST else simple
    return Distance(value, n, m, method)


def regroup(observed: list[float], expected: list[float]) -> tuple[list[float], list[float]]:
    """Merge the two smallest expected categories until the small-count rule holds."""
    observed, expected = list(observed), list(expected)
    while len(expected) >= 2:
        if len(expected) == 2:
            ok = all(e >= COCHRAN_MIN_EXPECTED for e in expected)
        else:
            below = sum(1 for e in expected if e < YATES_MIN_EXPECTED)
            ok = below / len(expected) <= YATES_MAX_SHARE_BELOW
        if ok:
            break
        order = sorted(range(len(expected)), key=lambda i: expected[i])
        a, b = order[0], order[1]
        expected[b] += expected[a]
        observed[b] += observed[a]
        del expected[a], observed[a]
    return observed, expected


def chi_square_p_value(observed: Sequence[float], expected: Sequence[float]) -> float:
    """Pearson chi-square goodness-of-fit p-value, computed by Spark MLlib (as Deequ does)."""
    from pyspark.mllib.linalg import Vectors
    from pyspark.mllib.stat import Statistics

    result = Statistics.chiSqTest(Vectors.dense(list(observed)), Vectors.dense(list(expected)))
    return float(result.pValue)


def categorical_chi_square(
    baseline: Mapping[str, float], window: Mapping[str, float]
) -> Distance | None:
    """p-value of the window's counts against the baseline's frequencies (see module doc)."""
    categories = [k for k, v in baseline.items() if v > 0]
    n = float(sum(baseline[k] for k in categories))
    observed = [float(window.get(k, 0.0)) for k in categories]
    m = float(sum(observed))
    if n <= 0 or m <= 0:
        return None
    expected = [baseline[k] / n * m for k in categories]
    observed, expected = regroup(observed, expected)
    if len(expected) < 2:
        return Distance(float("nan"), n, m, CHI_SQUARED)
    return Distance(chi_square_p_value(observed, expected), n, m, CHI_SQUARED)
