"""SageMaker's KLL distribution from a sketch's levels, by Deequ's bucket rule.

The sketch is Apache DataSketches' ``KllDoublesSketch`` (see ``monitor_job/jvm``); its items
at level ``i`` weigh ``2**i``, as in Deequ's ``QuantileNonSample`` and in the ``sketch.data``
SageMaker's files carry. Buckets follow Deequ's ``KLLSketch.computeMetricFrom``: ``B`` equal
widths between the exact min and max; bucket ``i`` counts the weight in ``[low, high)``, the
last one ``[low, high]``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from monitor_job.data_quality.profile import KllDistribution

KLL_BUCKETS = 10


def deequ_buckets(
    levels: Sequence[Sequence[float]], lo: float, hi: float, buckets: int = KLL_BUCKETS
) -> tuple[tuple[float, float, float], ...]:
    """``(lower, upper, count)`` per bucket, exactly as Deequ computes them from a sketch."""
    values = np.concatenate([np.asarray(level, dtype=float) for level in levels] or [np.zeros(0)])
    weights = np.concatenate(
        [np.full(len(level), float(2**i)) for i, level in enumerate(levels)] or [np.zeros(0)]
    )
    order = np.argsort(values, kind="stable")
    values, cumulative = values[order], np.concatenate([[0.0], np.cumsum(weights[order])])

    def below(x: float) -> float:  # Deequ's getRankExclusive: weight of items < x
        return float(cumulative[np.searchsorted(values, x, side="left")])

    def at_most(x: float) -> float:  # Deequ's getRank: weight of items <= x
        return float(cumulative[np.searchsorted(values, x, side="right")])

    out = []
    for i in range(buckets):
        # The same floating-point expression as Deequ's, so bounds match to the bit.
        low = lo + (hi - lo) * i / buckets
        high = lo + (hi - lo) * (i + 1) / buckets
        top = at_most(high) if i == buckets - 1 else below(high)
        out.append((low, high, top - below(low)))
    return tuple(out)


def kll_distribution(result: Mapping[str, Any]) -> KllDistribution | None:
    """The KLL aggregate's result (``n``, ``k``, ``c``, ``min``, ``max``, ``levels``) as a
    :class:`KllDistribution`; ``None`` for an empty sketch."""
    if not result.get("n"):
        return None
    levels = tuple(tuple(float(v) for v in level) for level in result["levels"])
    return KllDistribution(
        buckets=deequ_buckets(levels, float(result["min"]), float(result["max"])),
        sketch_data=levels,
        c=float(result["c"]),
        k=float(result["k"]),
    )
