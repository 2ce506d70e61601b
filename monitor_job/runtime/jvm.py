"""The job's JVM functions (``monitor_job/jvm``, built into ``monitor-job-jvm.jar``).

The profile's Deequ analyzers over one aggregate of the job's own (per column Deequ's type
histogram, the numbers' moments, min and max, a KLL sketch, capped value counts or an HLL
distinct count, plus failure accounting by reason), and the merge of persisted states.
Functions on the capture decoder's hot path: the capture line's fields, a one-line CSV
payload's values in one call, a JSON object's values or a JSON batch's one row in one
streaming pass (Catalyst expressions; the object reader is also a SQL function), and
strict base64 (a UDF).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from monitor_job.errors import InputDataError, raise_if_stopped

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

PACKAGE = "monitorjob.aggregates"
# SQL name of the base64 UDF, registered per session by :func:`register`.
BASE64_TEXT = "monitor_job_base64_text"
CSV_ROWS = "monitor_job_csv_rows"


def _jvm(spark: SparkSession) -> Any:
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    return jvm


def register(spark: SparkSession) -> None:
    """Register the UDFs (base64 text, CSV rows) on this session, once (registering them
    again makes Spark log a warning for each reader of a run: captures, then ground
    truth)."""
    from pyspark.sql import types as T

    if spark.catalog.functionExists(BASE64_TEXT):
        return
    spark.udf.registerJavaFunction(BASE64_TEXT, f"{PACKAGE}.StrictBase64", T.StringType())
    rows = T.ArrayType(T.ArrayType(T.StringType()))
    spark.udf.registerJavaFunction(CSV_ROWS, f"{PACKAGE}.CsvRows", rows)


def _column(spark: SparkSession, name: str, *args: Any) -> Column:
    """``monitorjob.aggregates.<name>.column(*args)`` as a column (columns passed as such)."""
    from pyspark.sql import Column as PyColumn

    java = [getattr(arg, "_jc", arg) for arg in args]
    return PyColumn(getattr(_jvm(spark).monitorjob.aggregates, name).column(*java))


def capture_record(spark: SparkSession, line: Column) -> Column:
    """The fields of a capture line the decoder reads, as ``from_json`` reads them with the
    same schema, from the line's bytes in one streaming pass (``CaptureRecord.java``)."""
    return _column(spark, "CaptureRecord", line)


def json_batch_row(spark: SparkSession, text: Column, key: str | None, lists: bool) -> Column:
    """The one row of a JSON batch payload (``{key: [row]}``, or ``[row]`` when ``key`` is
    None; a row is a list when ``lists``, else one value), null for anything else
    (``JsonBatchRow.java``)."""
    return _column(spark, "JsonBatchRow", text, key, lists)


def csv_row(spark: SparkSession, data: Column, encoding: Column) -> Column:
    """A CSV payload's values when it is one non-blank line, else null (``CsvRow.java``)."""
    return _column(spark, "CsvRow", data, encoding)


def register_json_row(
    spark: SparkSession, name: str, keys: Sequence[str], lengths: Sequence[int]
) -> None:
    """Register ``name(text)`` on this session, once: the values of ``keys`` of a JSON
    object as ``array<string>`` (a key of length > 0: its list's first elements), null when
    the text is not an object (``JsonObjectRow.java``)."""
    if spark.catalog.functionExists(name):
        return
    jvm = _jvm(spark)
    gateway = spark.sparkContext._gateway
    assert gateway is not None
    sizes = gateway.new_array(jvm.int, len(lengths))
    for i, n in enumerate(lengths):
        sizes[i] = n
    jvm.monitorjob.aggregates.JsonObjectRow.register(
        spark._jsparkSession, name, _array(spark, jvm.java.lang.String, list(keys)), sizes
    )


def _array(spark: SparkSession, cls: Any, items: Sequence[Any]) -> Any:
    gateway = spark.sparkContext._gateway
    assert gateway is not None
    array = gateway.new_array(cls, len(items))
    for i, item in enumerate(items):
        array[i] = item
    return array


def profile_spec(
    spark: SparkSession,
    *,
    columns: Sequence[str],
    features: Sequence[str],
    reason: str,
    raw: str,
    k: int,
    cap: int,
    samples: int,
    skipped: Iterable[str],
    domains: Sequence[Sequence[str] | None],
) -> Any:
    """What a profile computes (``ProfileSpec.java``): the frame's value ``columns`` and
    the ``features`` they are, the failure columns, the KLL size, the cap on exact value
    counts, the failed records kept as samples, the reasons that mean "skipped", and per
    column an optional domain whose members are counted."""
    jvm = _jvm(spark)
    string = jvm.java.lang.String
    gateway = spark.sparkContext._gateway
    assert gateway is not None
    domain_array = gateway.new_array(string, len(domains), 0)  # String[n][]
    for i, domain in enumerate(domains):
        domain_array[i] = None if domain is None else _array(spark, string, list(domain))
    return jvm.monitorjob.aggregates.ProfileSpec(
        _array(spark, string, list(columns)),
        _array(spark, string, list(features)),
        reason,
        raw,
        k,
        cap,
        samples,
        _array(spark, string, list(skipped)),
        domain_array,
    )


def profile(spark: SparkSession, frame: DataFrame, spec: Any) -> Any:
    """Profile ``frame`` in one scan (``Profiler.run``): ``.json()`` has the metrics,
    ``.states()`` the states to persist."""
    return _jvm(spark).monitorjob.aggregates.Profiler.run(frame._jdf, spec)


def state_fold(spark: SparkSession, spec: Any) -> Any:
    """A fold of persisted states (``Profiler.Fold``): ``.add(bytearray)`` one at a time,
    then ``.profile()``; no data read, memory flat in the number of states."""
    return getattr(_jvm(spark).monitorjob.aggregates, "Profiler$Fold")(spec)


def state_of_statistics(spark: SparkSession, spec: Any, description: str) -> bytes:
    """The persisted state of a run that left only its statistics.json
    (``ProfileState.fromJson``: the ``description`` JSON, columns in the spec's order)."""
    state = _jvm(spark).monitorjob.aggregates.ProfileState.fromJson(description, spec)
    return bytes(state.bytes())


def error_line(err: Exception) -> str:
    """The first line of what went wrong in a JVM call: the Java exception's message (py4j's
    error, or PySpark's conversion of the Java one), else the Python error's text."""
    java = getattr(err, "java_exception", None)
    text = str(java.getMessage()) if java is not None else str(err)
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else type(err).__name__


# The hash new states' distinct-count sketches are fed (``ProfileState.HASH_XXH64``).
STATE_HASH = "utf8-xxh64"


@dataclass(frozen=True)
class StateHeader:
    """What a persisted state says of itself: its format version, the hash its
    distinct-count sketches were fed, whether a state of an older hash holds such a sketch
    (False for :data:`STATE_HASH`), and its features in order."""

    version: int
    hash: str
    features: tuple[str, ...]
    sketched: bool = False


def state_header(spark: SparkSession, state: bytes) -> StateHeader:
    """The header of a persisted state, the state proved whole first (``ProfileState.header``:
    the checksum of a version 2 state, the whole body of a version 1 state, every length
    bounded). A damaged or foreign file is an ``InputDataError`` with the reader's reason."""
    try:
        text = _jvm(spark).monitorjob.aggregates.ProfileState.header(bytearray(state))
    except Exception as err:  # py4j's error, or PySpark's conversion of the Java one
        raise_if_stopped(err)
        reason = error_line(err)
        for noise in ("cannot read a monitor-job state file: ", "java.io.IOException: "):
            reason = reason.replace(noise, "")
        raise InputDataError(f"state file: {reason}") from None
    doc = json.loads(str(text))
    return StateHeader(
        int(doc["version"]),
        str(doc["hash"]),
        tuple(map(str, doc["features"])),
        bool(doc["sketched"]),
    )
