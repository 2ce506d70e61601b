"""Exact order statistics of numeric columns of a Spark frame, the driver's memory bounded
whatever the number of rows: NumPy's ``quantile`` (linear interpolation), ``median`` and
``histogram``, computed by Spark.

The value at a rank is found by narrowing a bracket ``[lo, hi]`` around it: Spark's
approximate percentile of the values inside the bracket (rank error at most one part in
:data:`ACCURACY`) gives a narrower one, a count of the values below and inside it checks
that the rank is still inside, and once few enough values are inside (:data:`GATHERED` over
all the ranks asked: 256 KB), they are collected and the exact value read; a bracket of one
value is that value. One round narrows a bracket about :data:`ACCURACY` / 8 times: at 10^4
values or fewer, one pass counts and one collects; at 10^10, three rounds more. The driver
and the final task hold about :data:`GATHERED` values whatever the rows (more only when ties
leave a bracket of two or more values wider than that).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

ACCURACY = 10_000  # Spark's default for percentile_approx: rank error n / 10,000
GATHERED = 1 << 15  # values (8 bytes each) collected at most, over all the ranks asked
ROUNDS = 8  # narrowing rounds before giving up (each shrinks a bracket ~1,000 times)


@dataclass
class _Target:
    column: str
    rank: int  # 0-based, among the column's non-null values in ascending order
    lo: float = -math.inf
    hi: float = math.inf
    below: int = 0  # values < lo
    inside: int = 0  # values in [lo, hi]


def counts(frame: DataFrame, columns: list[str]) -> dict[str, int]:
    """Each column's non-null values."""
    from pyspark.sql import functions as F

    [row] = frame.agg(*[F.count(F.col(c)).alias(f"n{i}") for i, c in enumerate(columns)]).collect()
    return {c: int(row[f"n{i}"]) for i, c in enumerate(columns)}


def _inside(t: _Target):  # type: ignore[no-untyped-def]
    from pyspark.sql import functions as F

    x = F.col(t.column)
    return (x >= F.lit(t.lo)) & (x <= F.lit(t.hi))


def _narrow(frame: DataFrame, wide: list[_Target]) -> None:
    """One round: a narrower bracket for each target, then its counts."""
    from pyspark.sql import functions as F

    aggs = []
    for i, t in enumerate(wide):
        at = (t.rank - t.below) / max(t.inside - 1, 1)
        margin = 4.0 / ACCURACY
        fractions = [max(0.0, at - margin), min(1.0, at + margin)]
        values = F.when(_inside(t), F.col(t.column))
        aggs.append(F.percentile_approx(values, fractions, ACCURACY).alias(f"q{i}"))
    [row] = frame.agg(*aggs).collect()
    narrower = []
    for i, t in enumerate(wide):
        lo, hi = row[f"q{i}"]
        narrower.append(_Target(t.column, t.rank, float(lo), float(hi)))
    _count(frame, narrower)
    for t, n in zip(wide, narrower, strict=True):
        if n.below <= t.rank < n.below + n.inside:  # the rank is still inside: take it
            t.lo, t.hi, t.below, t.inside = n.lo, n.hi, n.below, n.inside


def _count(frame: DataFrame, targets: list[_Target]) -> None:
    from pyspark.sql import functions as F

    aggs = []
    for i, t in enumerate(targets):
        x = F.col(t.column)
        aggs.append(F.count(F.when(x < F.lit(t.lo), 1)).alias(f"b{i}"))
        aggs.append(F.count(F.when(_inside(t), 1)).alias(f"i{i}"))
    [row] = frame.agg(*aggs).collect()
    for i, t in enumerate(targets):
        t.below, t.inside = int(row[f"b{i}"]), int(row[f"i{i}"])


def order_statistics(frame: DataFrame, wanted: list[tuple[str, int]]) -> list[float]:
    """The value at each (column, 0-based rank among its non-null values)."""
    from pyspark.sql import functions as F

    targets = [_Target(c, r) for c, r in wanted]
    _count(frame, targets)
    for t in targets:
        if not 0 <= t.rank < t.inside:
            raise ValueError(f"{t.column}: no rank {t.rank} among {t.inside} values")
    limit = max(16, GATHERED // len(targets))
    for _ in range(ROUNDS):
        wide = [t for t in targets if t.inside > limit and t.lo < t.hi]
        if not wide:
            break
        before = [t.inside for t in wide]
        _narrow(frame, wide)
        if [t.inside for t in wide] == before:  # ties wider than GATHERED: no narrower
            break
    gather = [(i, t) for i, t in enumerate(targets) if t.lo < t.hi]
    aggs = [
        F.sort_array(F.collect_list(F.when(_inside(t), F.col(t.column)))).alias(f"v{i}")
        for i, t in gather
    ]
    row: Any = frame.agg(*aggs).collect()[0] if aggs else {}
    return [
        float(row[f"v{i}"][t.rank - t.below]) if t.lo < t.hi else t.lo  # one value: it
        for i, t in enumerate(targets)
    ]


def smallest(frame: DataFrame, column: str, n: int, total: int | None = None) -> DataFrame:
    """The rows whose ``column`` is at most its ``n``-th smallest non-null value (values
    tied with it included): every row when there are ``n`` or fewer. ``total``: the
    column's non-null values, when the caller knows them. The cut is found by
    :func:`order_statistics`; no row is collected."""
    from pyspark.sql import functions as F

    if (counts(frame, [column])[column] if total is None else total) <= n:
        return frame
    [cut] = order_statistics(frame, [(column, n - 1)])
    return frame.where(F.col(column) <= F.lit(cut))


def _neighbours(
    frame: DataFrame, columns: list[str], probabilities: list[float]
) -> list[tuple[str, float, float, float]]:
    """For each column and p: the two values around NumPy's virtual index (n - 1) p, and
    the fraction between them."""
    n = counts(frame, columns)
    plans: list[tuple[str, int, int, float]] = []
    for c in columns:
        if n[c] == 0:
            raise ValueError(f"{c}: no values")
        for p in probabilities:
            h = (n[c] - 1) * p
            low = math.floor(h)
            plans.append((c, low, min(low + 1, n[c] - 1), h - low))
    wanted = sorted({(c, r) for c, low, high, _ in plans for r in (low, high)})
    found = dict(zip(wanted, order_statistics(frame, wanted), strict=True))
    return [(c, found[(c, low)], found[(c, high)], gamma) for c, low, high, gamma in plans]


def quantiles(
    frame: DataFrame, columns: list[str], probabilities: list[float]
) -> dict[str, list[float]]:
    """``np.quantile(values, p)`` of each column's non-null values, for each p: NumPy's own
    interpolation of the same two neighbours (``np.quantile`` of the pair at the fraction
    is ``np.quantile`` of all the values at p)."""
    out: dict[str, list[float]] = {c: [] for c in columns}
    for c, a, b, gamma in _neighbours(frame, columns, probabilities):
        out[c].append(float(np.quantile([a, b], gamma)))
    return out


def medians(frame: DataFrame, columns: list[str]) -> dict[str, float]:
    """``np.median`` of each column's non-null values (the mean of the middle two)."""
    return {
        c: float(np.median([a, b])) if gamma else a
        for c, a, b, gamma in _neighbours(frame, columns, [0.5])
    }


def histograms(
    frame: DataFrame, columns: list[str], bins: int
) -> dict[str, tuple[list[int], list[float]]]:
    """``np.histogram(values, bins=bins)`` of each column's non-null values: (counts, edges).
    The edges are NumPy's for the values' range; a value counts in the bin whose edges
    hold it, the last bin closed (NumPy's rule)."""
    from pyspark.sql import functions as F

    ranges = frame.agg(
        *[F.min(c).alias(f"lo{i}") for i, c in enumerate(columns)],
        *[F.max(c).alias(f"hi{i}") for i, c in enumerate(columns)],
    ).collect()[0]
    edges = {
        c: np.histogram_bin_edges([ranges[f"lo{i}"], ranges[f"hi{i}"]], bins=bins).tolist()
        for i, c in enumerate(columns)
    }
    aggs = []
    for i, c in enumerate(columns):
        e, x = edges[c], F.col(c)
        for b in range(bins):
            top = x <= F.lit(e[b + 1]) if b == bins - 1 else x < F.lit(e[b + 1])
            aggs.append(F.count(F.when((x >= F.lit(e[b])) & top, 1)).alias(f"c{i}_{b}"))
    [row] = frame.agg(*aggs).collect()
    return {
        c: ([int(row[f"c{i}_{b}"]) for b in range(bins)], edges[c]) for i, c in enumerate(columns)
    }
