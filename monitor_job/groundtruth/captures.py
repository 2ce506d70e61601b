"""Captured predictions merged with ground truth, as one Spark frame: capture lines (or
records SageMaker's merge job already merged) and ground-truth lines decoded in Spark SQL,
joined on (event id, position); the counts of the merge. Shared by model quality and bias
(which also carries each row's endpointInput values)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from pyspark.sql import Column
from pyspark.sql import functions as F
from pyspark.sql import types as T

from monitor_job.decode import jmespaths
from monitor_job.decode.capture import (
    CAPTURE_SCHEMA,
    RAW,
    REASON,
    SKIPPED_REASONS,
    _q,
    payload_reasons,
    payload_text_sql,
    register_objects,
    rows_sql,
    window_reasons,
)
from monitor_job.decode.layout import SideLayout
from monitor_job.decode.sample import SAMPLE_LINES, sample_lines
from monitor_job.errors import ConfigError, InputDataError
from monitor_job.groundtruth.handler import handler_captures
from monitor_job.groundtruth.layouts import features_layout, row_attribute, sample_layout
from monitor_job.groundtruth.records import (
    FEATURES,
    ID,
    LABEL,
    ORDER,
    POS,
    POSITIONAL,
    PRED,
    PROB,
    Attributes,
    Labelled,
    MergeCounts,
    json_path,
    reason_counts,
    split_skipped,
)
from monitor_job.runtime.files import text_lines
from monitor_job.runtime.jvm import register

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

_PAYLOAD = T.StructType(
    [T.StructField("data", T.StringType()), T.StructField("encoding", T.StringType())]
)
MERGED_SCHEMA = T.StructType([*CAPTURE_SCHEMA.fields, T.StructField("groundTruthData", _PAYLOAD)])
GROUND_TRUTH_SCHEMA = T.StructType(
    [
        T.StructField("groundTruthData", _PAYLOAD),
        T.StructField("eventMetadata", T.StructType([T.StructField("eventId", T.StringType())])),
        T.StructField("eventVersion", T.StringType()),
    ]
)


def elements_sql(text: str, layout: SideLayout) -> str:
    """array<string>: one entry per row of a decoded payload (CSV line or JSON element)."""
    if layout.kind == "csv":
        return f"filter(split({text}, '\\r?\\n'), x -> trim(x) != '')"
    if layout.shape in ("object", "vector", "scalar"):
        return f"array({text})"
    if layout.batch_key is not None:
        return f"from_json({text}, 'map<string,array<string>>')[{_q(layout.batch_key)}]"
    return f"from_json({text}, 'array<string>')"


def value_sql(element: str, layout: SideLayout, attribute: str | None, what: str) -> str:
    """SQL for one attribute's text in one row; the whole row when ``attribute`` is None."""
    if layout.kind == "csv":
        if attribute is None:
            return f"nullif(trim({element}), '')"
        match = POSITIONAL.match(attribute)
        if not match:
            raise ConfigError(
                f"{what} {attribute!r}: CSV payloads are positional; give an index (0, 1, ...)"
            )
        return f"nullif(trim(split({element}, ',')[{int(match.group(1))}]), '')"
    # A scalar payload is the value itself, whatever the attribute says.
    path = "$" if attribute is None or layout.shape == "scalar" else json_path(attribute)
    return f"get_json_object({element}, {_q(path)})"


def label_attribute(layout: SideLayout, attribute: str | None) -> str | None:
    """A CSV ground-truth payload is the label itself (CONTRACT §8): a column *name* there
    is the baseline dataset's and is not applied; an index still picks a column."""
    if layout.kind == "csv" and attribute is not None and not POSITIONAL.match(attribute):
        return None
    return attribute


def _reasons(chain: Column, s: str, text: str, elems: str, name: str) -> Column:
    return payload_reasons(
        chain,
        s,
        text,
        elems,
        missing=f"missing {name}",
        undecodable=f"{name} payload not decodable",
    )


def read_captures(
    spark: SparkSession,
    lines: DataFrame,
    sample: list[str],
    attrs: Attributes,
    start: datetime | None,
    end: datetime | None,
    merged: bool,
    features: bool = False,
) -> tuple[DataFrame, str, SideLayout | None]:
    """Capture (or merged) lines -> rows (``ID``, ``POS``, ``PRED``, ``PROB``[, ``LABEL``]
    [, ``FEATURES``: the endpointInput row at the same position]), failed records kept as
    one row with :data:`REASON`; and the endpointInput layout when ``features``."""
    out_layout = sample_layout(sample, "endpointOutput")
    if out_layout is None:
        raise InputDataError(
            f"cannot decode endpointOutput in any of the first {SAMPLE_LINES} records "
            "(expected CSV, JSON or BASE64 payloads)"
        )
    gt_layout = sample_layout(sample, "groundTruthData") if merged else None
    if merged and gt_layout is None:
        raise InputDataError(
            f"no decodable groundTruthData in the first {SAMPLE_LINES} merged records"
        )
    in_layout = None
    if features:
        in_layout = (
            sample_layout(sample, "endpointInput")
            if attrs.features is None
            else features_layout(sample, attrs.features)
        )
    if features and in_layout is None:
        raise InputDataError(
            f"cannot decode endpointInput in any of the first {SAMPLE_LINES} records "
            "(expected CSV, JSON or BASE64 payloads)"
        )
    schema = MERGED_SCHEMA if merged else CAPTURE_SCHEMA
    register(spark)
    if in_layout is not None:
        register_objects(spark, [in_layout])
    given = F.col("reason") if "reason" in lines.columns else F.lit(None).cast("string")
    # a record's position in its document (batch transform JSON documents: a line each)
    at = F.col("position") if "position" in lines.columns else F.lit(0).cast("long")
    rec = lines.select(
        F.col("value").alias(RAW),
        given.alias("_given"),
        at.alias("_at"),
        F.from_json("value", schema).alias("_rec"),
        F.struct(F.input_file_name(), F.monotonically_increasing_id()).alias(ORDER),
    )
    out = "_rec.captureData.endpointOutput"
    cols = {"_t_out": F.expr(payload_text_sql(out))}
    inp = "_rec.captureData.endpointInput"
    if gt_layout is not None:
        cols["_t_gt"] = F.expr(payload_text_sql("_rec.groundTruthData"))
    if in_layout is not None:
        cols["_t_in"] = F.expr(payload_text_sql(inp))
    rec = rec.withColumns(cols)
    elems = {"_e_out": F.expr(elements_sql("_t_out", out_layout))}
    if gt_layout is not None:
        elems["_e_gt"] = F.expr(elements_sql("_t_gt", gt_layout))
    if in_layout is not None and attrs.features is not None:
        items = jmespaths.values(F.col("_t_in"), attrs.features, "features_attribute")
        elems["_e_in"] = F.when(items.isNotNull(), F.array(items))
    elif in_layout is not None:
        elems["_e_in"] = F.expr(rows_sql("_t_in", in_layout))
    rec = rec.withColumns(elems)
    event_id = F.coalesce(
        F.col("_rec.eventMetadata.inferenceId"), F.col("_rec.eventMetadata.eventId")
    )
    chain = F.when(F.col("_given").isNotNull(), F.col("_given")).when(
        F.col("_rec").isNull()
        | (F.col("_rec.captureData").isNull() & F.col("_rec.eventMetadata").isNull()),
        F.lit("malformed JSON line"),
    )
    chain = window_reasons(chain, start, end)
    if not merged:
        chain = chain.when(event_id.isNull(), "missing eventId")
    chain = _reasons(chain, out, "_t_out", "_e_out", "endpointOutput")
    if in_layout is not None:
        chain = _reasons(chain, inp, "_t_in", "_e_in", "endpointInput")
        chain = chain.when(
            F.size("_e_in") != F.size("_e_out"), "input/prediction row count mismatch"
        ).when(
            F.exists("_e_in", lambda row: F.size(row) != in_layout.width),
            f"endpointInput row is not {in_layout.width} values wide",
        )
    if gt_layout is not None:
        chain = _reasons(chain, "_rec.groundTruthData", "_t_gt", "_e_gt", "groundTruthData")
        chain = chain.when(
            F.size("_e_out") != F.size("_e_gt"), "prediction/label row count mismatch"
        )
    rec = rec.withColumn(REASON, chain)
    rows = F.when(F.col(REASON).isNull(), F.col("_e_out")).otherwise(
        F.array(F.lit(None).cast("string"))
    )
    raw = F.when(F.col(REASON).isNotNull() & ~F.col(REASON).isin(*SKIPPED_REASONS), F.col(RAW))
    keep = [event_id.alias(ID), F.col(REASON), raw.alias(RAW), F.col(ORDER), F.col("_at")]
    if gt_layout is not None:
        keep.append(F.col("_e_gt"))
    if in_layout is not None:
        keep.append(F.col("_e_in"))
    exploded = rec.select(F.posexplode(rows).alias(POS, "_e"), *keep)
    prediction = row_attribute(attrs.prediction, out_layout, "inference_attribute")
    probability = row_attribute(attrs.probability, out_layout, "probability_attribute")
    select = [
        F.col(ID),
        (F.col(POS) + F.col("_at")).cast("int").alias(POS),
        F.expr(value_sql("_e", out_layout, prediction, "inference_attribute")).alias(PRED)
        if prediction is not None
        else F.lit(None).cast("string").alias(PRED),
        F.expr(value_sql("_e", out_layout, probability, "probability_attribute")).alias(PROB)
        if probability is not None
        else F.lit(None).cast("string").alias(PROB),
        F.col(REASON),
        F.col(RAW),
        F.col(ORDER),
    ]
    if gt_layout is not None:
        label = value_sql(
            f"get(_e_gt, {POS})",
            gt_layout,
            label_attribute(gt_layout, attrs.label),
            "ground_truth_attribute",
        )
        select.append(F.expr(label).alias(LABEL))
    if in_layout is not None:
        select.append(F.expr(f"get(_e_in, {POS})").alias(FEATURES))
    note = f"endpointOutput: {out_layout.kind} ({out_layout.shape})"
    if in_layout is not None:
        note += f", endpointInput: {in_layout.kind} ({in_layout.width} columns)"
    if gt_layout is not None:
        note += f", groundTruthData: {gt_layout.kind}"
    return exploded.select(*select), note, in_layout


def read_ground_truth(spark: SparkSession, files: list[str], label: str | None) -> DataFrame:
    """Ground-truth JSONL -> rows (``ID``, ``POS``, ``LABEL``) with :data:`REASON`."""
    layout = sample_layout(sample_lines(spark, files), "groundTruthData")
    if layout is None:
        raise InputDataError(
            f"no decodable groundTruthData in the first {SAMPLE_LINES} ground-truth records"
        )
    register(spark)
    rec = text_lines(spark, files).select(
        F.col("value").alias(RAW),
        F.from_json("value", GROUND_TRUTH_SCHEMA).alias("_rec"),
        F.struct(F.input_file_name(), F.monotonically_increasing_id()).alias(ORDER),
    )
    rec = rec.withColumn("_t_gt", F.expr(payload_text_sql("_rec.groundTruthData")))
    rec = rec.withColumn("_e_gt", F.expr(elements_sql("_t_gt", layout)))
    chain = F.when(
        F.col("_rec").isNull()
        | (F.col("_rec.groundTruthData").isNull() & F.col("_rec.eventMetadata").isNull()),
        F.lit("malformed JSON line"),
    )
    chain = chain.when(F.col("_rec.eventMetadata.eventId").isNull(), "missing eventId")
    chain = _reasons(chain, "_rec.groundTruthData", "_t_gt", "_e_gt", "groundTruthData")
    rec = rec.withColumn(REASON, chain)
    rows = F.when(F.col(REASON).isNull(), F.col("_e_gt")).otherwise(
        F.array(F.lit(None).cast("string"))
    )
    exploded = rec.select(
        F.posexplode(rows).alias(POS, "_e"),
        F.col("_rec.eventMetadata.eventId").alias(ID),
        F.col(REASON),
        F.when(F.col(REASON).isNotNull(), F.col(RAW)).alias(RAW),
        F.col(ORDER),
    )
    return exploded.select(
        ID,
        POS,
        F.expr(
            value_sql("_e", layout, label_attribute(layout, label), "ground_truth_attribute")
        ).alias(LABEL),
        REASON,
        RAW,
        ORDER,
    )


def merge(captures: DataFrame, labels: DataFrame) -> tuple[DataFrame, MergeCounts]:
    """Join on (event id, position). A key seen more than once on one side keeps its last
    occurrence (latest file, then latest line: a re-sent label corrects the earlier one);
    the others are counted as duplicates. Returns the matched rows (``PRED``, ``PROB``,
    ``LABEL``, and ``FEATURES`` when the captures have them; ``ORDER``, where the capture
    was read) and the counts."""
    carried = [c for c in (PRED, PROB, FEATURES) if c in captures.columns]
    cap = (
        captures.where(F.col(REASON).isNull())
        .groupBy(ID, POS)
        .agg(
            F.count("*").alias("_n_cap"),
            F.max_by(F.struct(*carried, ORDER), F.col(ORDER)).alias("_cap"),
        )
    )
    gt = (
        labels.where(F.col(REASON).isNull())
        .groupBy(ID, POS)
        .agg(F.count("*").alias("_n_gt"), F.max_by(LABEL, F.col(ORDER)).alias(LABEL))
    )
    joined = cap.join(gt, [ID, POS], "full_outer").cache()
    has_cap, has_gt = F.col("_n_cap").isNotNull(), F.col("_n_gt").isNotNull()
    [c] = joined.agg(
        F.sum("_n_cap").alias("captured"),
        F.sum("_n_gt").alias("ground_truth"),
        F.count(F.when(has_cap & has_gt, 1)).alias("matched"),
        F.count(F.when(has_cap & ~has_gt, 1)).alias("unmatched_capture"),
        F.count(F.when(~has_cap & has_gt, 1)).alias("unmatched_ground_truth"),
        F.sum(F.col("_n_cap") - 1).alias("duplicate_capture"),
        F.sum(F.col("_n_gt") - 1).alias("duplicate_ground_truth"),
    ).collect()
    counts = MergeCounts(**{k: int(v or 0) for k, v in c.asDict().items()})
    matched = joined.where(has_cap & has_gt).select(
        *(F.col(f"_cap.{c}").alias(c) for c in (*carried, ORDER)), LABEL
    )
    return matched, counts


def labelled_from_captures(
    spark: SparkSession,
    files: list[str],
    label_files: list[str] | None,
    attrs: Attributes,
    start: datetime | None,
    end: datetime | None,
    features: bool = False,
    script: str | None = None,
) -> Labelled:
    """Captures merged with ground truth (``label_files``), or merged records (None); with
    ``features``, each row's endpointInput values too (``FEATURES``). With ``script``
    (``record_preprocessor_script``), the predictions are the handler's rows, and merged
    records' labels are matched to them like ground truth's."""
    merged = label_files is None
    if script is not None:
        captures, note = handler_captures(spark, files, script, attrs, start, end, merged)
        in_layout = None
    else:
        captures, note, in_layout = read_captures(
            spark,
            text_lines(spark, files),
            sample_lines(spark, files),
            attrs,
            start,
            end,
            merged,
            features,
        )
    names = in_layout.names if in_layout is not None else ()
    captures = captures.cache()
    cap_counts, samples = reason_counts(captures)
    failed, skipped = split_skipped(cap_counts)
    if merged and script is None:
        kept = [PRED, PROB, LABEL, ORDER, *([FEATURES] if features else [])]
        frame = captures.where(F.col(REASON).isNull()).select(*kept)
        return Labelled(frame, failed, skipped, samples, None, (note,), names)
    return merged_with_labels(
        spark, captures, files if merged else label_files or [], attrs, note, names
    )


def merged_with_labels(
    spark: SparkSession,
    captures: DataFrame,
    label_files: list[str],
    attrs: Attributes,
    note: str,
    names: tuple[str | None, ...] = (),
) -> Labelled:
    """Predictions (``ID``, ``POS``, ``PRED``, ``PROB``, failures by :data:`REASON`) merged
    with the ground truth of ``label_files``, failures of both sides counted."""
    captures = captures.cache()
    cap_counts, samples = reason_counts(captures)
    failed, skipped = split_skipped(cap_counts)
    labels = read_ground_truth(spark, label_files, attrs.label).cache()
    gt_counts, gt_samples = reason_counts(labels)
    failed.update({f"ground truth: {k}": v for k, v in gt_counts.items()})
    frame, counts = merge(captures, labels)
    samples = (*samples, *((f"ground truth: {r}", raw) for r, raw in gt_samples))
    return Labelled(frame, failed, skipped, samples[:5], counts, (note,), names)
