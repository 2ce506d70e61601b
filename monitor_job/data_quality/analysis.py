"""Profile a decoded frame in one scan.

One Spark job reads the input once (asserted by tests). On that scan:

* Deequ's scan-shareable analyzers (Size, Completeness, Mean, Sum, StandardDeviation,
  Compliance) contribute their own aggregation functions to one aggregation, as Deequ's
  ``AnalysisRunner`` fuses them, and Deequ turns the result row into its metrics; Spark's
  own min/max join the same aggregation (see :func:`_extremes`). The runner is reproduced
  here (a few lines) because ``AnalysisRunner`` cannot take other aggregates into the same
  scan: it sends KLLSketch through a separate pass and DataType through a row-based UDAF
  (measured at 1M records: 79 s for the old profile).
* The job's own aggregate (``monitor_job/jvm``) is *observed* on the same plan
  (``Dataset.observe``): per column Deequ's type classes, capped value counts or a distinct
  count, and a KLL sketch (Apache DataSketches); and the failure accounting. Observing,
  rather than adding it to the aggregation, keeps Deequ's aggregation in whole-stage code
  generation (mixing an object-buffer aggregate into it cost +5 s at 1M).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pyspark.sql import Column, Observation
from pyspark.sql import functions as F

from monitor_job.data_quality.datatypes import NUMERIC_TYPES, STRING, infer_type, numeric_value
from monitor_job.data_quality.kll import kll_distribution
from monitor_job.data_quality.profile import (
    DatasetProfile,
    FeatureProfile,
    NumericStats,
    ProfileHints,
    StringStats,
)
from monitor_job.decode import RAW, REASON, SKIPPED_REASONS
from monitor_job.runtime import jvm
from monitor_job.runtime.deequ import import_pydeequ

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

KLL_SKETCH_SIZE = 2048
# String features with more distinct values than this get no categorical buckets
# (collecting millions of groups to the driver is not a statistic anyone reads).
MAX_CATEGORICAL_VALUES = 1000
FAILURE_SAMPLES = 5
DECODED = f"{REASON} IS NULL"


def _num(i: int) -> str:
    return f"n{i}"


def _sql_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def domain_predicate(column: str, domain: tuple[str, ...]) -> str:
    """SQL predicate: the (non-null) value is one of ``domain``."""
    if not domain:
        return "false"
    return f"`{column}` IN ({', '.join(_sql_string(v) for v in domain)})"


def _domain_instance(i: int) -> str:
    return f"domain c{i}"


def _deequ_analyzers(width: int, hints: ProfileHints) -> list[Any]:
    an = import_pydeequ().analyzers
    analyzers = [an.Size(where=DECODED)]
    for i, domain in hints.domains:
        analyzers.append(
            an.Compliance(_domain_instance(i), domain_predicate(f"c{i}", domain), where=DECODED)
        )
    for i in range(width):
        c, n = f"c{i}", _num(i)
        analyzers += [
            an.Completeness(c, where=DECODED),
            an.Completeness(n, where=DECODED),
            an.Mean(n),
            an.Sum(n),
            an.StandardDeviation(n),
        ]
    return analyzers


def _extremes(width: int) -> list[Column]:
    """Minimum and maximum per column as Spark's own aggregates. Deequ 2.1's Minimum and
    Maximum aggregate ``cast(element_at(array('InScopeData', cast(x AS string)), 2) AS
    double)``, a double -> string -> double round trip per value for its row-level outcome
    machinery (measured at 1M records x 26 columns: +1.6 s); the values are the same
    (tests compare them with Deequ's)."""
    return [f(F.col(_num(i))) for i in range(width) for f in (F.min, F.max)]


def run_scan_shareable(
    spark: SparkSession, frame: DataFrame, analyzers: list[Any], extra: list[Column]
) -> tuple[list[Any], list[Any]]:
    """Deequ's fused scan, as ``AnalysisRunner`` runs it: every analyzer's aggregation
    functions in one ``agg``, each metric read back from its offset in the result row.
    ``extra`` aggregates join the same ``agg``; their values are returned after the
    metrics."""
    gateway = spark.sparkContext._jvm
    assert gateway is not None
    jvm_analyzers = [a._set_jvm(gateway)._analyzer_jvm for a in analyzers]
    columns: list[Column] = []
    offsets: list[int] = []
    for analyzer in jvm_analyzers:
        offsets.append(len(columns))
        functions = analyzer.aggregationFunctions()
        columns += [Column(functions.apply(j)) for j in range(functions.size())]
    row = frame.agg(*columns, *extra)._jdf.collectAsList().get(0)
    none = gateway.scala.Option.apply(None)
    metrics = [
        analyzer.metricFromAggregationResult(row, offset, none, none)
        for analyzer, offset in zip(jvm_analyzers, offsets, strict=True)
    ]
    return metrics, [row.get(len(columns) + j) for j in range(len(extra))]


def _metrics_by_column(metrics: list[Any]) -> dict[tuple[str, str], float]:
    """Successful Deequ metrics keyed by (instance, name). Read from the JVM objects
    directly: Deequ's JSON serializer rejects the NaN an empty frame produces."""
    out: dict[tuple[str, str], float] = {}
    for metric in metrics:
        if metric.getClass().getSimpleName() == "DoubleMetric" and metric.value().isSuccess():
            out[(str(metric.instance()), str(metric.name()))] = float(metric.value().get())
    return out


def _observed(spark: SparkSession, width: int) -> Column:
    return jvm.profile_aggregate(
        spark,
        [F.col(f"c{i}") for i in range(width)],
        [F.col(_num(i)) for i in range(width)],
        F.col(REASON),
        F.col(RAW),
        k=KLL_SKETCH_SIZE,
        cap=MAX_CATEGORICAL_VALUES,
        samples=FAILURE_SAMPLES,
        skipped=SKIPPED_REASONS,
    ).alias("profile")


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
) -> DatasetProfile:
    """Statistics of every feature of a decoded frame (``c0..`` strings + reason + raw).

    ``hints`` (monitoring runs) add per-column work to the same scan, never a new one.
    """
    width = len(names)
    hints = hints or ProfileHints()
    # Numbers by Deequ's rule, parsed once per value: what Deequ's numeric analyzers and
    # the KLL sketch see.
    typed = frame.select(
        *[F.col(f"c{i}") for i in range(width)],
        *[numeric_value(F.col(f"c{i}")).alias(_num(i)) for i in range(width)],
        REASON,
        RAW,
    )
    observation = Observation("monitor_job")
    observed = typed.observe(observation, _observed(spark, width))
    jvm_metrics, extremes = run_scan_shareable(
        spark, observed, _deequ_analyzers(width, hints), _extremes(width)
    )
    metrics = _metrics_by_column(jvm_metrics)
    for i in range(width):
        for j, name in enumerate(("Minimum", "Maximum")):
            value = extremes[2 * i + j]
            if value is not None:
                metrics[(_num(i), name)] = float(value)
    result = json.loads(observation.get["profile"])
    item_count = round(metrics.get(("*", "Size"), 0.0))
    failed, skipped, samples = _reasons(result["reasons"])

    domain_cols = {i for i, _ in hints.domains}
    features = []
    for i, name in enumerate(names):
        c, n = f"c{i}", _num(i)
        values = result["columns"][i]
        # Rows of failed or skipped records are all-null: Unknown counts decoded rows only.
        type_counts = {t: float(v) for t, v in values["types"].items() if t != "Unknown"}
        type_counts["Unknown"] = float(item_count) - sum(type_counts.values())
        feature_type = infer_type(type_counts)
        completeness = metrics.get((c, "Completeness"), 0.0)
        present = round(completeness * item_count)
        numeric = string = None
        if feature_type in NUMERIC_TYPES or i in hints.numeric:
            num_present = round(metrics.get((n, "Completeness"), 0.0) * item_count)
            numeric = NumericStats(
                num_present=num_present,
                num_missing=item_count - num_present,
                mean=metrics.get((n, "Mean"), 0.0),
                sum=metrics.get((n, "Sum"), 0.0),
                std_dev=metrics.get((n, "StandardDeviation"), 0.0),
                min=metrics.get((n, "Minimum"), 0.0),
                max=metrics.get((n, "Maximum"), 0.0),
                distribution=kll_distribution(values["kll"]),
            )
        if feature_type == STRING or i in hints.categorical:
            counts = values.get("counts")
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
                distinct_count=float(values["distinct"]),
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
                in_domain=round(metrics.get((_domain_instance(i), "Compliance"), 0.0) * item_count)
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
    )
