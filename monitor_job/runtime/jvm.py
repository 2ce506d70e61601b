"""The job's JVM functions (``monitor_job/jvm``, built into ``monitor-job-jvm.jar``).

One aggregate that Spark 3.5 and Deequ do not offer in a form that shares one scan: per
column Deequ's type histogram, capped value counts or an HLL distinct count, and a KLL
sketch (Apache DataSketches), plus failure accounting by reason; its result is JSON text.
One UDF replaces a per-value regex on the hot path: strict base64.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from pyspark.sql import Column

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

PACKAGE = "monitorjob.aggregates"
# SQL name of the UDF, registered per session by :func:`register`.
BASE64_TEXT = "monitor_job_base64_text"


def _jvm(spark: SparkSession) -> Any:
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    return jvm


def register(spark: SparkSession) -> None:
    """Register the UDF on this session, once (registering it again makes Spark log a
    warning for each reader of a run: captures, then ground truth)."""
    from pyspark.sql import types as T

    if spark.catalog.functionExists(BASE64_TEXT):
        return
    spark.udf.registerJavaFunction(BASE64_TEXT, f"{PACKAGE}.StrictBase64", T.StringType())


def _array(spark: SparkSession, cls: Any, items: Sequence[Any]) -> Any:
    gateway = spark.sparkContext._gateway
    assert gateway is not None
    array = gateway.new_array(cls, len(items))
    for i, item in enumerate(items):
        array[i] = item
    return array


def profile_aggregate(
    spark: SparkSession,
    values: Sequence[Column],
    numbers: Sequence[Column],
    reason: Column,
    raw: Column,
    *,
    k: int,
    cap: int,
    samples: int,
    skipped: Iterable[str],
) -> Column:
    """One aggregate over every value column (with its numbers, the doubles Deequ's
    analyzers see, null where a value is not a number) and the failure columns: JSON
    ``{"columns": [{"types", "overflow", "distinct", "counts", "kll"}, ...], "reasons":
    {"counts", "samples"}}`` (see ``ProfileAggregator.java``)."""
    jvm = _jvm(spark)
    column = jvm.org.apache.spark.sql.Column
    columns = _array(spark, column, [v._jc for v in values])
    doubles = _array(spark, column, [n._jc for n in numbers])
    names = _array(spark, jvm.java.lang.String, list(skipped))
    aggregate = jvm.monitorjob.aggregates.ProfileAggregator
    return Column(aggregate.of(columns, doubles, reason._jc, raw._jc, k, cap, samples, names))
