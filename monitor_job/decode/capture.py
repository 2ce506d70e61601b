"""Capture JSONL -> flat string columns, entirely in Spark SQL (no Python per record).

Each capture line becomes one *record* with a failure reason (NULL when decodable) and an
``array<array<string>>`` of rows (one capture line may carry several rows). Records are
exploded into rows afterwards; a failed record is kept as one row with its reason so the
caller can count and sample failures from the same scan.

Two paths, chosen per record. The *fast path* takes the common shapes, every side one row:
a CSV payload of one line (decoded, split and trimmed by one JVM function), a JSON object
(read in one streaming pass) or a JSON list of values; no higher-order function (``transform``,
``filter``, ``exists`` are interpreted, not code-generated, in Spark 3.5; measured at 1M
records they made the decoder 16x a plain decode). Every other record (several rows, JSON
batches, blank or broken payloads) takes the *general path*. Both give the same rows and
reasons (tested).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from pyspark.sql import Column
from pyspark.sql import functions as F
from pyspark.sql import types as T

from monitor_job.decode.layout import SideLayout
from monitor_job.runtime.jvm import (
    BASE64_TEXT,
    CSV_ROWS,
    capture_record,
    csv_row,
    json_batch_row,
    register,
    register_json_row,
)

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

REASON = "_mj_reason"
RAW = "_mj_raw"

# Reasons: skipped records are expected (outside the window, shadow traffic); failed ones count
# against the bad-record share.
SKIPPED_REASONS = ("outside window", "shadow experiment")

_SIDE = T.StructType(
    [
        T.StructField("observedContentType", T.StringType()),
        T.StructField("mode", T.StringType()),
        T.StructField("data", T.StringType()),
        T.StructField("encoding", T.StringType()),
    ]
)
CAPTURE_SCHEMA = T.StructType(
    [
        T.StructField(
            "captureData",
            T.StructType(
                [
                    T.StructField("endpointInput", _SIDE),
                    T.StructField("endpointOutput", _SIDE),
                ]
            ),
        ),
        T.StructField(
            "eventMetadata",
            T.StructType(
                [
                    T.StructField("eventId", T.StringType()),
                    T.StructField("inferenceId", T.StringType()),
                    T.StructField("inferenceTime", T.StringType()),
                    T.StructField("invocationSource", T.StringType()),
                ]
            ),
        ),
        T.StructField("eventVersion", T.StringType()),
    ]
)


def _q(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def payload_text_sql(s: str) -> str:
    """SQL for the decoded text of a ``{data, encoding}`` struct at ``s`` (NULL when
    undecodable). Base64 goes through the job's strict decoder (a JVM UDF, see
    :func:`monitor_job.runtime.jvm.register`): ``try_to_binary`` validates with a regex
    over the whole payload first, which was most of the decode's cost at 1M records."""
    return (
        f"CASE upper({s}.encoding) "
        f"WHEN 'BASE64' THEN {BASE64_TEXT}({s}.data) "
        f"WHEN 'CSV' THEN {s}.data WHEN 'JSON' THEN {s}.data END"
    )


def side_text_sql(side: str) -> str:
    """SQL for the decoded payload text of one capture side (NULL when undecodable)."""
    return payload_text_sql(f"_rec.captureData.{side}")


def object_function(layout: SideLayout) -> str:
    """SQL name of the JSON-object reader of ``layout``'s keys (see
    :func:`register_objects`)."""
    spec = repr([(key.name, key.list_length) for key in layout.keys])
    return f"monitor_job_json_row_{hashlib.sha1(spec.encode()).hexdigest()[:16]}"


def register_objects(spark: SparkSession, layouts: Iterable[SideLayout]) -> None:
    """Register the JSON-object reader of every layout of objects (one object, or a batch of
    them) on this session."""
    for layout in layouts:
        if layout.kind == "json" and (layout.shape == "object" or layout.element == "object"):
            register_json_row(
                spark,
                object_function(layout),
                [key.name for key in layout.keys],
                [key.list_length for key in layout.keys],
            )


def rows_sql(text: str, layout: SideLayout) -> str:
    """SQL for the rows (array<array<string>>) of one side's payload text."""
    if layout.kind == "csv":  # RFC 4180 rows, null when a quote is never closed
        return f"{CSV_ROWS}({text})"
    if layout.shape == "object":
        # A payload that is not an object has no rows (undecodable), not one row of
        # missing values. The reader is registered by register_objects.
        row = f"{object_function(layout)}({text})"
        return f"CASE WHEN {row} IS NULL THEN NULL ELSE array({row}) END"
    if layout.shape == "vector":
        return f"array(from_json({text}, 'array<string>'))"
    if layout.batch_key is not None:
        elements = f"from_json({text}, 'map<string,array<string>>')[{_q(layout.batch_key)}]"
    else:
        elements = f"from_json({text}, 'array<string>')"
    if layout.element == "object":  # each element read in one pass, in the sampled key order
        return f"transform({elements}, e -> {object_function(layout)}(e))"
    if layout.element == "list":
        return f"transform({elements}, e -> from_json(e, 'array<string>'))"
    return f"transform({elements}, e -> array(e))"


def window_reasons(chain: Column, start: datetime | None, end: datetime | None) -> Column:
    """Add the window's reasons to a ``when`` chain over ``_rec.eventMetadata.inferenceTime``:
    ``inferenceTime`` decides membership in ``[start, end)``."""
    if start is None and end is None:
        return chain
    ts = F.to_timestamp(F.col("_rec.eventMetadata.inferenceTime"))
    chain = chain.when(ts.isNull(), "missing or bad inferenceTime")
    if start is not None:
        chain = chain.when(ts < F.lit(start), "outside window")
    if end is not None:
        chain = chain.when(ts >= F.lit(end), "outside window")
    return chain


def payload_reasons(
    chain: Column, s: str, text: str, rows: str, *, missing: str, undecodable: str
) -> Column:
    """Add the reasons a ``{data, encoding}`` payload at ``s`` fails to a ``when`` chain:
    ``text`` is its decoded-text column, ``rows`` the array column decoded from it."""
    chain = chain.when(F.col(s).isNull() | F.col(f"{s}.data").isNull(), missing)
    chain = chain.when(
        ~F.upper(F.col(f"{s}.encoding")).isin("CSV", "JSON", "BASE64")
        | F.col(f"{s}.encoding").isNull(),
        "unknown encoding",
    )
    chain = chain.when(
        (F.upper(F.col(f"{s}.encoding")) == "BASE64") & F.col(text).isNull(), "bad base64"
    )
    return chain.when(F.col(rows).isNull() | (F.size(rows) == 0), undecodable)


def _fast_side(spark: SparkSession, side: str, layout: SideLayout) -> tuple[Column, Column] | None:
    """A side's one-row fast path: (which records take it, their values as one array),
    or None for a layout without one (JSON batches of several rows).

    * CSV of one line: one call of the job's ``CsvRow`` (decode, split, trim).
    * A JSON object: one streaming pass of the job's reader (``JsonObjectRow``), the
      general path's too. Before, every key was looked up in a map parsed from the text
      again per key (measured: 17.8x a bare scan for 30 keys), and Spark's map parse
      itself writes every number out through a Jackson generator. Tried and dropped:
      ``from_json`` into a struct of the keys (no faster than the map, and Spark fills a
      struct partly from broken text).
    * A JSON list of values: one ``from_json`` into an array.
    * A JSON batch of one row of a list or a value (``{"instances": [[...]]}``): the
      job's reader (``JsonBatchRow``), values as the general path reads them.

    A payload the fast form cannot parse goes to the general path, which finds its reason.
    """
    text = f"_t_{side}"
    if layout.kind == "csv":
        row = F.col(f"_c_{side}")  # null: not one non-blank line (see CsvRow.java)
        return row.isNotNull(), row
    if layout.shape == "object":
        row = F.col(f"_j_{side}")  # null: not an object, or broken (as in the general path)
        return row.isNotNull(), row
    if layout.shape == "vector":
        items = F.from_json(F.col(text), "array<string>")
        return items.isNotNull(), items
    if layout.shape == "elements" and layout.element in ("list", "scalar"):
        row = json_batch_row(spark, F.col(text), layout.batch_key, layout.element == "list")
        return row.isNotNull(), row  # null: not a batch of one row (see JsonBatchRow.java)
    return None


def _record_reasons(start: datetime | None, end: datetime | None) -> Column:
    chain = F.when(
        F.col("_rec").isNull()
        | (
            F.col("_rec.captureData").isNull()
            & F.col("_rec.eventMetadata").isNull()
            & F.col("_rec.eventVersion").isNull()
        ),
        F.lit("malformed JSON line"),
    )
    chain = chain.when(
        F.col("_rec.eventMetadata.invocationSource") == "ShadowExperiment", "shadow experiment"
    )
    return window_reasons(chain, start, end)


def _general_reason(
    layouts: dict[str, SideLayout], start: datetime | None, end: datetime | None
) -> Column:
    sides = list(layouts)
    chain = _record_reasons(start, end)
    for side in sides:
        chain = payload_reasons(
            chain,
            f"_rec.captureData.{side}",
            f"_t_{side}",
            f"_r_{side}",
            missing=f"missing {side}",
            undecodable=f"{side} payload not decodable ({layouts[side].kind})",
        )
    if len(sides) == 2:
        chain = chain.when(
            F.size(f"_r_{sides[0]}") != F.size(f"_r_{sides[1]}"),
            "output/input row count mismatch",
        )
    for side in sides:
        bad_width = F.expr(f"exists(_r_{side}, r -> r IS NULL OR size(r) != {layouts[side].width})")
        chain = chain.when(bad_width, "wrong column count")
    return chain


def _fast_reason(
    layouts: dict[str, SideLayout], start: datetime | None, end: datetime | None
) -> Column:
    """The general reasons as they fall out for a fast-path record: its payloads are
    present, decoded and one row each, so only the record's own reasons and the column
    count remain."""
    chain = _record_reasons(start, end)
    for side, layout in layouts.items():
        chain = chain.when(F.size(f"_f_{side}") != layout.width, "wrong column count")
    return chain


def decode_capture_records(
    lines: DataFrame,
    layouts: dict[str, SideLayout],
    start: datetime | None,
    end: datetime | None,
    *,
    fast: bool = True,
    given: str | None = None,
) -> tuple[DataFrame, int]:
    """Parse and decode capture lines (column ``value``); return (rows frame, width).

    The result has columns ``c0..c{width-1}`` (strings), :data:`REASON` and :data:`RAW`.
    ``fast=False`` sends every record through the general path (tests compare the two).
    ``given``: a column of ``lines`` holding a reason found before decoding, which wins.
    """
    register(lines.sparkSession)
    register_objects(lines.sparkSession, layouts.values())
    sides = list(layouts)  # endpointOutput first, then endpointInput
    width = sum(layouts[s].width for s in sides)
    rec = lines.select(
        F.col("value").alias(RAW),
        capture_record(lines.sparkSession, F.col("value")).alias("_rec"),
        *([F.col(given).alias("_given")] if given else []),
    )
    csv_sides = [side for side in sides if layouts[side].kind == "csv"]
    # A JSON side's text is read by the fast path; a CSV side's only by the general path
    # (below), the fast path decoding it in CsvRow.
    rec = rec.withColumns(
        {f"_t_{side}": F.expr(side_text_sql(side)) for side in sides if side not in csv_sides}
    )
    rec = rec.withColumns(
        {
            f"_c_{side}": csv_row(
                lines.sparkSession,
                F.col(f"_rec.captureData.{side}.data"),
                F.col(f"_rec.captureData.{side}.encoding"),
            )
            for side in csv_sides
        }
    )
    fast_sides = {side: _fast_side(lines.sparkSession, side, layouts[side]) for side in sides}
    objects = {
        f"_j_{side}": F.expr(f"{object_function(layouts[side])}(_t_{side})")
        for side in sides
        if layouts[side].kind == "json" and layouts[side].shape == "object"
    }
    if objects:  # each object payload read once, for the fast path's test and values
        rec = rec.withColumns(objects)
    fast_record: Column = F.lit(False)
    # A side without a fast path (JSON batches) sends every record the general path.
    all_fast = all(path is not None for path in fast_sides.values())
    fast_reason = _fast_reason(layouts, start, end) if all_fast else F.lit(None).cast("string")
    if fast and all_fast:
        checks = [path[0] for path in fast_sides.values() if path is not None]
        fast_record = checks[0]
        for check in checks[1:]:
            fast_record = fast_record & check
    rec = rec.withColumn("_fast", F.coalesce(fast_record, F.lit(False)))
    # Each path's arrays are computed only for its own records.
    rec = rec.withColumns(
        {
            f"_f_{side}": F.when(F.col("_fast"), path[1])
            for side, path in fast_sides.items()
            if path is not None
        }
    )
    # The raw line is kept only for a record that may fail (for the failure samples), not
    # for a clean fast-path record: the steps after this one copy every column they carry.
    # A fast record's reason, computed once (it parses inferenceTime for a window).
    rec = rec.withColumn("_fast_reason", F.when(F.col("_fast"), fast_reason))
    clean_fast = F.col("_fast") & F.col("_fast_reason").isNull()
    rec = rec.withColumn(RAW, F.when(~clean_fast, F.col(RAW)))
    rec = rec.drop(*[f"_c_{side}" for side in csv_sides], *objects)
    rec = rec.withColumns(
        {f"_t_{side}": F.when(~F.col("_fast"), F.expr(side_text_sql(side))) for side in csv_sides}
    )
    rec = rec.withColumns(
        {
            f"_r_{side}": F.when(~F.col("_fast"), F.expr(rows_sql(f"_t_{side}", layouts[side])))
            for side in sides
        }
    )
    reason = F.when(F.col("_fast"), F.col("_fast_reason")).otherwise(
        _general_reason(layouts, start, end)
    )
    rec = rec.withColumn(REASON, F.coalesce("_given", reason) if given else reason)

    if len(sides) == 2:
        a, b = sides
        combined = F.expr(
            f"transform(sequence(0, size(_r_{a}) - 1), i -> concat(_r_{a}[i], _r_{b}[i]))"
        )
    else:
        combined = F.col(f"_r_{sides[0]}")
    if all_fast:
        fast_rows = F.array(F.concat(*[F.col(f"_f_{side}") for side in sides]))
    else:
        fast_rows = F.lit(None).cast("array<array<string>>")
    rows_col = (
        F.when(F.col(REASON).isNotNull(), F.array(F.array().cast("array<string>")))
        .when(F.col("_fast"), fast_rows)
        .otherwise(combined)
    )
    # Keep the raw line only where it is needed (failure samples).
    raw = F.when(F.col(REASON).isNotNull() & ~F.col(REASON).isin(*SKIPPED_REASONS), F.col(RAW))
    exploded = rec.select(F.explode(rows_col).alias("_row"), REASON, raw.alias(RAW))
    # CSV values arrive trimmed, blanks missing (both paths do so).
    values = [F.get("_row", i).alias(f"c{i}") for i in range(width)]
    return exploded.select(*values, REASON, RAW), width
