"""The job's JVM functions (``monitor_job/jvm``, built into ``monitor-job-jvm.jar``).

Aggregates that Spark 3.5 and Deequ do not offer in a form that shares one scan: a KLL
sketch (Apache DataSketches), a value profile (Deequ's type classes, capped value counts,
HLL distinct count) and failure accounting by reason. Each returns its result as JSON text.
Two UDFs replace per-value regexes on the hot path: strict base64 and Deequ's number rule.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from pyspark.sql import Column

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

PACKAGE = "monitorjob.aggregates"
# SQL names of the UDFs, registered per session by :func:`register`.
BASE64_TEXT = "monitor_job_base64_text"
DEEQU_NUMBER = "monitor_job_deequ_number"


def _jvm(spark: SparkSession) -> Any:
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    return jvm


def register(spark: SparkSession) -> None:
    """Register the UDFs on this session (idempotent, cheap)."""
    from pyspark.sql import types as T

    spark.udf.registerJavaFunction(BASE64_TEXT, f"{PACKAGE}.StrictBase64", T.StringType())
    spark.udf.registerJavaFunction(DEEQU_NUMBER, f"{PACKAGE}.DeequTypes", T.DoubleType())


def _aggregates(spark: SparkSession) -> Any:
    return _jvm(spark).monitorjob.aggregates


def kll(spark: SparkSession, value: Column, k: int) -> Column:
    """KLL sketch of a double column: ``{"n", "k", "c", "min", "max", "levels"}``."""
    return Column(_aggregates(spark).KllAggregator.of(value._jc, k))


def value_profile(spark: SparkSession, value: Column, cap: int) -> Column:
    """Type counts, capped value counts and distinct count of a string column."""
    return Column(_aggregates(spark).ValueAggregator.of(value._jc, cap))


def reasons(
    spark: SparkSession, reason: Column, raw: Column, samples: int, skipped: Iterable[str]
) -> Column:
    """Counts by reason and the first ``samples`` failed records (``skipped`` not sampled)."""
    names = list(skipped)
    array = spark.sparkContext._gateway.new_array(_jvm(spark).java.lang.String, len(names))  # type: ignore[union-attr]
    for i, name in enumerate(names):
        array[i] = name
    return Column(_aggregates(spark).ReasonAggregator.of(reason._jc, raw._jc, samples, array))


def parse(result: Any) -> Any:
    """An aggregate's JSON result as Python values."""
    return json.loads(str(result))
