"""Profile a decoded frame in one scan, through Deequ.

The statistics are Deequ analyzers of the job's own (``monitor_job/jvm``:
``ColumnAnalyzer`` per column and statistic, ``RecordsAnalyzer`` for the size) over one
aggregate: per column Deequ's type classes, the numbers among the values (parsed by
Deequ's rule) with their count, sum, mean, m2, min and max, a KLL sketch (Deequ's
algorithm, deterministic), capped value counts or an HLL distinct count, and the failure
accounting. One Spark job reads the input once (asserted by tests); Deequ's
``AnalysisRunner.runOnAggregatedStates`` turns the states into Deequ metrics. The states
are kept (:attr:`DatasetProfile.states`): a run persists them, and the profile of several
runs is their merge (:func:`merge_states`), no data read. Deequ's built-in analyzers are
the tests' oracle for every statistic.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from monitor_job.data_quality.datatypes import NUMERIC_TYPES, STRING, infer_type
from monitor_job.data_quality.profile import (
    DatasetProfile,
    FeatureProfile,
    KllDistribution,
    NumericStats,
    ProfileHints,
    StringStats,
)
from monitor_job.decode import RAW, REASON, SKIPPED_REASONS
from monitor_job.runtime import jvm

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

KLL_SKETCH_SIZE = 2048
# String features with more distinct values than this get no categorical buckets
# (collecting millions of groups to the driver is not a statistic anyone reads).
MAX_CATEGORICAL_VALUES = 1000
FAILURE_SAMPLES = 5
# Deequ's type classes, in the order the statistics list them.
TYPE_NAMES = ("Fractional", "Integral", "Boolean", "String", "Unknown")


def _spec(
    spark: SparkSession,
    names: tuple[str, ...],
    hints: ProfileHints,
    samples: int = FAILURE_SAMPLES,
    columns: list[str] | None = None,
) -> Any:
    domains = dict(hints.domains)
    return jvm.profile_spec(
        spark,
        columns=columns or [f"c{i}" for i in range(len(names))],
        features=list(names),
        reason=REASON,
        raw=RAW,
        k=KLL_SKETCH_SIZE,
        cap=MAX_CATEGORICAL_VALUES,
        samples=samples,
        skipped=SKIPPED_REASONS,
        domains=[domains.get(i) for i in range(len(names))],
    )


def _reasons(
    result: dict[str, Any],
) -> tuple[dict[str, int], dict[str, int], tuple[tuple[str, str], ...]]:
    counts = {str(k): int(v) for k, v in result["counts"].items()}
    failed = {r: n for r, n in counts.items() if r not in SKIPPED_REASONS}
    skipped = {r: n for r, n in counts.items() if r in SKIPPED_REASONS}
    samples = tuple((str(r), str(raw)) for r, raw in result["samples"])
    return failed, skipped, samples


def profile(
    spark: SparkSession,
    frame: DataFrame,
    names: tuple[str, ...],
    hints: ProfileHints | None = None,
    samples: int = FAILURE_SAMPLES,
) -> DatasetProfile:
    """Statistics of every feature of a decoded frame (``c0..`` strings + reason + raw).

    ``hints`` (monitoring runs) add per-column work to the same scan, never a new one;
    ``samples`` failed records are kept per reason (0: none, not even in the states).
    """
    return observed_profile(spark, frame, names, hints, samples)[0]


def observed_profile(
    spark: SparkSession,
    frame: DataFrame,
    names: tuple[str, ...],
    hints: ProfileHints | None = None,
    samples: int = FAILURE_SAMPLES,
    columns: list[str] | None = None,
    observed: str | None = None,
) -> tuple[DatasetProfile, Any]:
    """:func:`profile`, of value ``columns`` (default ``c0..``), and the row of metrics the
    frame observed as ``observed`` in the same scan (None when not asked or none)."""
    hints = hints or ProfileHints()
    profiler = jvm.profile(spark, frame, _spec(spark, names, hints, samples, columns))
    row = profiler.observed(observed) if observed else None
    return _profile_of(profiler, names, hints), row


class StateFold:
    """Runs' persisted states summed one at a time, in the order added, into the profile
    one run over all of their records would compute (counts and moments exactly; sketches
    within their error): no data read, and only the sum so far held, however many runs."""

    def __init__(
        self, spark: SparkSession, names: tuple[str, ...], hints: ProfileHints | None = None
    ) -> None:
        self.names = names
        self.hints = hints or ProfileHints()
        self._fold = jvm.state_fold(spark, _spec(spark, names, self.hints))

    def add(self, state: bytes) -> None:
        self._fold.add(bytearray(state))

    def profile(self) -> DatasetProfile:
        """Deequ's ``runOnAggregatedStates`` on the sum."""
        return _profile_of(self._fold.profile(), self.names, self.hints)


def merge_states(
    spark: SparkSession,
    states: list[bytes],
    names: tuple[str, ...],
    hints: ProfileHints | None = None,
) -> DatasetProfile:
    """The profile of several runs' persisted states together (a :class:`StateFold`)."""
    fold = StateFold(spark, names, hints)
    for state in states:
        fold.add(state)
    return fold.profile()


def state_of_statistics(
    spark: SparkSession, statistics: DatasetProfile, names: tuple[str, ...]
) -> tuple[bytes, tuple[str, ...]]:
    """The state of a run that left only its statistics.json (SageMaker's container does),
    as far as the file tells it, and what it could not tell. Each feature's present values
    count as its inferred type; the moments are exact from ``n``, mean and ``std_dev``
    (population: m2 = n std_dev^2); the KLL sketch is the file's levels; value counts are
    the categorical buckets when they hold every present value. When they hold only some,
    their values seed the distinct-count sketch and the merged count is a lower bound. A
    feature the file lacks is missing in all of its records."""
    columns: list[dict[str, Any]] = []
    unmerged: list[str] = []
    for name in names:
        f = statistics.feature(name)
        column: dict[str, Any] = {"types": {"Unknown": statistics.item_count}}
        if f is not None and f.numeric is not None and f.inferred_type != STRING:
            s = f.numeric
            column = {
                "types": {f.inferred_type: s.num_present, "Unknown": s.num_missing},
                "numbers": s.num_present,
                "sum": s.sum,
                "mean": s.mean,
                "m2": s.std_dev**2 * s.num_present,
                "min": s.min,
                "max": s.max,
                "counts": None,
                "kll": None
                if s.distribution is None
                else {
                    "c": s.distribution.c,
                    "k": s.distribution.k,
                    "levels": s.distribution.sketch_data,
                },
            }
        elif f is not None and f.string is not None:
            s2 = f.string
            buckets = s2.buckets or ()
            complete = sum(n for _, n in buckets) == s2.num_present
            column = {
                "types": {STRING: s2.num_present, "Unknown": s2.num_missing},
                "counts": dict(buckets) if complete else None,
                "known": [v for v, _ in buckets],
            }
            if not complete:
                unmerged.append(name)
        columns.append(column)
    description = json.dumps({"size": statistics.item_count, "columns": columns})
    state = jvm.state_of_statistics(spark, _spec(spark, names, ProfileHints()), description)
    return state, tuple(unmerged)


def _kll(metric: dict[str, Any] | None) -> KllDistribution | None:
    if not metric:
        return None
    c, k = (float(p) for p in metric["parameters"])
    return KllDistribution(
        buckets=tuple((float(lo), float(hi), float(n)) for lo, hi, n in metric["buckets"]),
        sketch_data=tuple(tuple(float(v) for v in level) for level in metric["data"]),
        c=c,
        k=k,
    )


def _number(metrics: dict[str, Any], name: str) -> float:
    value = metrics.get(name)
    return 0.0 if value is None else float(value)


def _profile_of(profiler: Any, names: tuple[str, ...], hints: ProfileHints) -> DatasetProfile:
    result = json.loads(profiler.json())
    states = bytes(profiler.states())
    item_count = round(result["size"])
    failed, skipped, samples = _reasons(result["reasons"])
    domain_cols = {i for i, _ in hints.domains}
    features = []
    for i, name in enumerate(names):
        metrics = result["columns"][i]
        types = metrics["DataType"] or {}
        type_counts = {t: float(types.get(t, 0)) for t in TYPE_NAMES}
        feature_type = infer_type(type_counts)
        completeness = _number(metrics, "Completeness")
        present = round(completeness * item_count)
        numeric = string = None
        if feature_type in NUMERIC_TYPES or i in hints.numeric:
            num_present = int(type_counts["Integral"] + type_counts["Fractional"])
            numeric = NumericStats(
                num_present=num_present,
                num_missing=item_count - num_present,
                mean=_number(metrics, "Mean"),
                sum=_number(metrics, "Sum"),
                std_dev=_number(metrics, "StandardDeviation"),
                min=_number(metrics, "Minimum"),
                max=_number(metrics, "Maximum"),
                distribution=_kll(metrics["KLL"]),
            )
        if feature_type == STRING or i in hints.categorical:
            counts = metrics["Histogram"]
            buckets = None
            if counts is not None:
                buckets = tuple(
                    sorted(
                        ((str(v), int(k)) for v, k in counts.items()),
                        key=lambda kv: (-kv[1], kv[0]),
                    )
                )
            string = StringStats(
                num_present=present,
                num_missing=item_count - present,
                distinct_count=_number(metrics, "ApproxCountDistinct"),
                buckets=buckets,
            )
        features.append(
            FeatureProfile(
                name=name,
                inferred_type=feature_type,
                completeness=completeness,
                type_counts=type_counts,
                numeric=numeric,
                string=string,
                in_domain=round(_number(metrics, "Compliance") * item_count)
                if i in domain_cols
                else None,
            )
        )
    return DatasetProfile(
        item_count=item_count,
        features=tuple(features),
        records_failed=failed,
        records_skipped=skipped,
        failure_samples=samples,
        states=states,
    )
