"""Profile a decoded frame: Deequ analyzers in one fused pass, categorical counts in one more.

Passes over data (asserted by tests):
1. the decoded frame is cached; Deequ's scan-shareable analyzers (size, completeness,
   data type, approx distinct, mean, sum, std dev, min, max, KLL sketch) run fused in one
   aggregation over it, which also fills the cache (one read of the input);
2. one grouped pass over the cache counts values of the String features (all at once);
3. one small aggregation over the cache counts failed/skipped records by reason.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from pyspark.sql import functions as F

from monitor_job.analyzers.model import (
    DatasetProfile,
    FeatureProfile,
    KllDistribution,
    NumericStats,
    ProfileHints,
    StringStats,
)
from monitor_job.analyzers.types import NUMERIC_TYPES, STRING, infer_type, numeric_value
from monitor_job.decode import RAW, REASON, SKIPPED_REASONS
from monitor_job.runtime.deequ import import_pydeequ

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

KLL_SKETCH_SIZE = 2048
KLL_SHRINKING_FACTOR = 0.64
KLL_BUCKETS = 10
# String features with more distinct values than this get no categorical buckets
# (collecting millions of groups to the driver is not a statistic anyone reads).
MAX_CATEGORICAL_VALUES = 1000
FAILURE_SAMPLES = 5


def _num(i: int) -> str:
    return f"n{i}"


def _metric_entries(spark: SparkSession, context: Any) -> list[Any]:
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    conv = jvm.scala.collection.JavaConverters
    metrics = conv.mapAsJavaMapConverter(context.metricMap()).asJava()
    return [metrics.get(key) for key in metrics.keySet().toArray()]


def _metrics_by_column(spark: SparkSession, entries: list[Any]) -> dict[tuple[str, str], float]:
    """Successful Deequ metrics keyed by (column, name); DataType histograms flattened to
    ``Histogram.abs.<type>``. Read from the JVM objects directly: Deequ's JSON serializer
    rejects the NaN an empty frame produces."""
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    conv = jvm.scala.collection.JavaConverters
    out: dict[tuple[str, str], float] = {}
    for metric in entries:
        kind = metric.getClass().getSimpleName()
        if not metric.value().isSuccess():
            continue
        if kind == "DoubleMetric":
            out[(str(metric.instance()), str(metric.name()))] = float(metric.value().get())
        elif kind == "HistogramMetric":
            column = str(metric.column())
            values = conv.mapAsJavaMapConverter(metric.value().get().values()).asJava()
            for key in values.keySet().toArray():
                out[(column, f"Histogram.abs.{key}")] = float(values.get(key).absolute())
    return out


_BUCKET = re.compile(r"BucketValue\(([^,]+),([^,]+),([^)]+)\)")


def _kll_by_column(spark: SparkSession, entries: list[Any]) -> dict[str, KllDistribution]:
    """Pull Deequ's KLLMetric values (buckets + compactor levels) out of the JVM, a few
    string calls per column (element-wise py4j calls cost seconds on wide data)."""
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    mapper = jvm.com.fasterxml.jackson.databind.ObjectMapper()  # Spark ships Jackson
    out: dict[str, KllDistribution] = {}
    for metric in entries:
        if metric.getClass().getSimpleName() != "KLLMetric" or not metric.value().isSuccess():
            continue
        dist = metric.value().get()
        buckets = tuple(
            (float(lo), float(hi), float(count))
            for lo, hi, count in _BUCKET.findall(str(dist.buckets().mkString("|")))
        )
        levels = tuple(
            tuple(level) for level in json.loads(str(mapper.writeValueAsString(dist.data())))
        )
        params = [float(p) for p in str(dist.parameters().mkString(",")).split(",") if p]
        c, k = (params[0], params[1]) if len(params) >= 2 else (0.64, 2048.0)
        out[str(metric.instance())] = KllDistribution(buckets, levels, c, k)
    return out


def _sql_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def domain_predicate(column: str, domain: tuple[str, ...]) -> str:
    """SQL predicate: the (non-null) value is one of ``domain``."""
    if not domain:
        return "false"
    return f"`{column}` IN ({', '.join(_sql_string(v) for v in domain)})"


def _domain_instance(i: int) -> str:
    return f"domain c{i}"


def _run_deequ(spark: SparkSession, typed: DataFrame, width: int, hints: ProfileHints) -> Any:
    pydeequ = import_pydeequ()
    an = pydeequ.analyzers
    runner = an.AnalysisRunner(spark).onData(typed).addAnalyzer(an.Size())
    for i, domain in hints.domains:
        runner = runner.addAnalyzer(
            an.Compliance(_domain_instance(i), domain_predicate(f"c{i}", domain))
        )
    params = an.KLLParameters(spark, KLL_SKETCH_SIZE, KLL_SHRINKING_FACTOR, KLL_BUCKETS)
    for i in range(width):
        c, n = f"c{i}", _num(i)
        for analyzer in (
            an.Completeness(c),
            an.DataType(c),
            an.ApproxCountDistinct(c),
            an.Completeness(n),
            an.Mean(n),
            an.Sum(n),
            an.StandardDeviation(n),
            an.Minimum(n),
            an.Maximum(n),
            an.KLLSketch(n, params),
        ):
            runner = runner.addAnalyzer(analyzer)
    return runner.run()


def _categorical_counts(good: DataFrame, columns: list[int]) -> dict[int, list[tuple[str, int]]]:
    if not columns:
        return {}
    pairs = F.explode(
        F.array(*[F.struct(F.lit(i).alias("i"), F.col(f"c{i}").alias("v")) for i in columns])
    ).alias("p")
    counted = (
        good.select(pairs).where(F.col("p.v").isNotNull()).groupBy("p.i", "p.v").count().collect()
    )
    out: dict[int, list[tuple[str, int]]] = {i: [] for i in columns}
    for row in counted:
        out[int(row[0])].append((str(row[1]), int(row[2])))
    for values in out.values():
        values.sort(key=lambda kv: (-kv[1], kv[0]))
    return out


def _reason_counts(
    frame: DataFrame,
) -> tuple[dict[str, int], dict[str, int], tuple[tuple[str, str], ...]]:
    rows = frame.where(F.col(REASON).isNotNull()).groupBy(REASON).count().collect()
    failed = {r[0]: int(r[1]) for r in rows if r[0] not in SKIPPED_REASONS}
    skipped = {r[0]: int(r[1]) for r in rows if r[0] in SKIPPED_REASONS}
    samples: tuple[tuple[str, str], ...] = ()
    if failed:
        picked = (
            frame.where(F.col(REASON).isNotNull() & ~F.col(REASON).isin(*SKIPPED_REASONS))
            .select(REASON, RAW)
            .limit(FAILURE_SAMPLES)
            .collect()
        )
        samples = tuple((str(r[0]), str(r[1] or "")[:500]) for r in picked)
    return failed, skipped, samples


def profile(
    spark: SparkSession,
    frame: DataFrame,
    names: tuple[str, ...],
    hints: ProfileHints | None = None,
) -> DatasetProfile:
    """Statistics of every feature of a decoded frame (``c0..`` strings + reason + raw).

    ``hints`` (monitoring runs) add per-column work to the same passes, never a new one.
    """
    width = len(names)
    hints = hints or ProfileHints()
    # Decode and parse numbers once: the cache holds the strings, their numeric values and
    # the reasons; every later pass (Deequ's scan, its KLL pass, categorical and reason
    # counts) reads the cache instead of re-decoding and re-matching regexes.
    cached = frame.select(
        *[F.col(f"c{i}") for i in range(width)],
        *[numeric_value(F.col(f"c{i}")).alias(_num(i)) for i in range(width)],
        REASON,
        RAW,
    ).cache()
    try:
        good = cached.where(F.col(REASON).isNull())
        typed = good.drop(REASON, RAW)
        context = _run_deequ(spark, typed, width, hints)
        entries = _metric_entries(spark, context)
        metrics = _metrics_by_column(spark, entries)
        klls = _kll_by_column(spark, entries)
        item_count = round(metrics.get(("*", "Size"), 0.0))

        types: list[str] = []
        type_counts: list[dict[str, float]] = []
        for i in range(width):
            counts = {
                t: metrics.get((f"c{i}", f"Histogram.abs.{t}"), 0.0)
                for t in ("Unknown", "Fractional", "Integral", "Boolean", "String")
            }
            type_counts.append(counts)
            types.append(infer_type(counts))
        string_cols = [
            i
            for i in range(width)
            if (types[i] == STRING or i in hints.categorical)
            and metrics.get((f"c{i}", "ApproxCountDistinct"), 0.0) <= MAX_CATEGORICAL_VALUES * 1.1
        ]
        categorical = _categorical_counts(good, string_cols)
        failed, skipped, samples = _reason_counts(cached)
    finally:
        cached.unpersist()

    domain_cols = {i for i, _ in hints.domains}
    features = []
    for i, name in enumerate(names):
        c = f"c{i}"
        completeness = metrics.get((c, "Completeness"), 0.0)
        present = round(completeness * item_count)
        feature_type = types[i]
        numeric = string = None
        if feature_type in NUMERIC_TYPES or i in hints.numeric:
            n = _num(i)
            num_present = round(metrics.get((n, "Completeness"), 0.0) * item_count)
            numeric = NumericStats(
                num_present=num_present,
                num_missing=item_count - num_present,
                mean=metrics.get((n, "Mean"), 0.0),
                sum=metrics.get((n, "Sum"), 0.0),
                std_dev=metrics.get((n, "StandardDeviation"), 0.0),
                min=metrics.get((n, "Minimum"), 0.0),
                max=metrics.get((n, "Maximum"), 0.0),
                distribution=klls.get(n),
            )
        if feature_type == STRING or i in hints.categorical:
            buckets = categorical.get(i)
            string = StringStats(
                num_present=present,
                num_missing=item_count - present,
                distinct_count=metrics.get((c, "ApproxCountDistinct"), 0.0),
                buckets=tuple(buckets)
                if buckets is not None and len(buckets) <= MAX_CATEGORICAL_VALUES
                else None,
            )
        features.append(
            FeatureProfile(
                name=name,
                inferred_type=feature_type,
                completeness=completeness,
                type_counts=type_counts[i],
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
