"""Capture JSONL -> flat string columns, entirely in Spark SQL (no Python per record).

Each capture line becomes one *record* with a failure reason (NULL when decodable) and an
``array<array<string>>`` of rows (one capture line may carry several rows). Records are
exploded into rows afterwards; a failed record is kept as one row with its reason so the
caller can count and sample failures from the same cached frame.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from pyspark.sql import Column
from pyspark.sql import functions as F
from pyspark.sql import types as T

from monitor_job.decode.layout import SideLayout

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

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
    undecodable)."""
    return (
        f"CASE upper({s}.encoding) "
        f"WHEN 'BASE64' THEN cast(try_to_binary({s}.data, 'base64') AS string) "
        f"WHEN 'CSV' THEN {s}.data WHEN 'JSON' THEN {s}.data END"
    )


def side_text_sql(side: str) -> str:
    """SQL for the decoded payload text of one capture side (NULL when undecodable)."""
    return payload_text_sql(f"_rec.captureData.{side}")


def _object_row_sql(element: str, layout: SideLayout) -> str:
    """array<string> of one JSON object element, columns in the sampled key order."""
    parts = []
    for key in layout.keys:
        ref = f"from_json({element}, 'map<string,string>')[{_q(key.name)}]"
        if key.list_length:
            parts.append(
                f"transform(sequence(0, {key.list_length - 1}), "
                f"i -> get(from_json({ref}, 'array<string>'), i))"
            )
        else:
            parts.append(f"array({ref})")
    return parts[0] if len(parts) == 1 else f"concat({', '.join(parts)})"


def rows_sql(text: str, layout: SideLayout) -> str:
    """SQL for the rows (array<array<string>>) of one side's payload text."""
    if layout.kind == "csv":
        return (
            f"transform(filter(split({text}, '\\r?\\n'), x -> trim(x) != ''), "
            "x -> transform(split(x, ','), v -> nullif(trim(v), '')))"
        )
    if layout.shape == "object":
        return f"array({_object_row_sql(text, layout)})"
    if layout.shape == "vector":
        return f"array(from_json({text}, 'array<string>'))"
    if layout.batch_key is not None:
        elements = f"from_json({text}, 'map<string,array<string>>')[{_q(layout.batch_key)}]"
    else:
        elements = f"from_json({text}, 'array<string>')"
    if layout.element == "object":
        return f"transform({elements}, e -> {_object_row_sql('e', layout)})"
    if layout.element == "list":
        return f"transform({elements}, e -> from_json(e, 'array<string>'))"
    return f"transform({elements}, e -> array(e))"


def decode_capture_records(
    lines: DataFrame,
    layouts: dict[str, SideLayout],
    start: datetime | None,
    end: datetime | None,
) -> tuple[DataFrame, int]:
    """Parse and decode capture lines (column ``value``); return (rows frame, width).

    The result has columns ``c0..c{width-1}`` (strings), :data:`REASON` and :data:`RAW`.
    """
    sides = list(layouts)  # endpointOutput first, then endpointInput
    width = sum(layouts[s].width for s in sides)
    rec = lines.select(
        F.col("value").alias(RAW), F.from_json("value", CAPTURE_SCHEMA).alias("_rec")
    )
    cols: dict[str, Column] = {}
    for side in sides:
        cols[f"_t_{side}"] = F.expr(side_text_sql(side))
    rec = rec.withColumns(cols)
    rows = {side: F.expr(rows_sql(f"_t_{side}", layouts[side])) for side in sides}
    rec = rec.withColumns({f"_r_{side}": rows[side] for side in sides})

    when_chain = F.when(
        F.col("_rec").isNull()
        | (
            F.col("_rec.captureData").isNull()
            & F.col("_rec.eventMetadata").isNull()
            & F.col("_rec.eventVersion").isNull()
        ),
        F.lit("malformed JSON line"),
    )
    when_chain = when_chain.when(
        F.col("_rec.eventMetadata.invocationSource") == "ShadowExperiment", "shadow experiment"
    )
    ts = F.to_timestamp(F.col("_rec.eventMetadata.inferenceTime"))
    if start is not None or end is not None:
        when_chain = when_chain.when(ts.isNull(), "missing or bad inferenceTime")
        if start is not None:
            when_chain = when_chain.when(ts < F.lit(start), "outside window")
        if end is not None:
            when_chain = when_chain.when(ts >= F.lit(end), "outside window")
    for side in sides:
        s = f"_rec.captureData.{side}"
        when_chain = when_chain.when(
            F.col(s).isNull() | F.col(f"{s}.data").isNull(), f"missing {side}"
        )
        when_chain = when_chain.when(
            ~F.upper(F.col(f"{s}.encoding")).isin("CSV", "JSON", "BASE64")
            | F.col(f"{s}.encoding").isNull(),
            "unknown encoding",
        )
        when_chain = when_chain.when(
            (F.upper(F.col(f"{s}.encoding")) == "BASE64") & F.col(f"_t_{side}").isNull(),
            "bad base64",
        )
        when_chain = when_chain.when(
            F.col(f"_r_{side}").isNull() | (F.size(f"_r_{side}") == 0),
            f"{side} payload not decodable ({layouts[side].kind})",
        )
    if len(sides) == 2:
        when_chain = when_chain.when(
            F.size(f"_r_{sides[0]}") != F.size(f"_r_{sides[1]}"),
            "output/input row count mismatch",
        )
    for side in sides:
        bad_width = F.expr(f"exists(_r_{side}, r -> r IS NULL OR size(r) != {layouts[side].width})")
        when_chain = when_chain.when(bad_width, "wrong column count")
    rec = rec.withColumn(REASON, when_chain)

    if len(sides) == 2:
        a, b = sides
        combined = F.expr(
            f"transform(sequence(0, size(_r_{a}) - 1), i -> concat(_r_{a}[i], _r_{b}[i]))"
        )
    else:
        combined = F.col(f"_r_{sides[0]}")
    rows_col = F.when(F.col(REASON).isNull(), combined).otherwise(
        F.array(F.array().cast("array<string>"))
    )
    # Keep the raw line only where it is needed (failure samples): not in the cached frame.
    raw = F.when(F.col(REASON).isNotNull() & ~F.col(REASON).isin(*SKIPPED_REASONS), F.col(RAW))
    exploded = rec.select(F.explode(rows_col).alias("_row"), REASON, raw.alias(RAW))
    out = exploded.select(*[F.get("_row", i).alias(f"c{i}") for i in range(width)], REASON, RAW)
    return out, width
