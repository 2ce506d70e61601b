"""A batch transform's predictions, for model quality: its output records, each with the
inference id SageMaker gave it (``GenerateInferenceId``), merged with ground truth on that
id as endpoint captures are on their event id.

JSON Lines outputs: the record's ``SageMakerInferenceId``, and the prediction at the
``inference_attribute`` / ``probability_attribute`` JMESPaths into the model's output, which
is ``SageMakerOutput`` when the transform joined its input (``JoinSource=Input``), else the
record. CSV outputs: the model's values, then the id and the job's start time; the
attributes are positions among the model's values (after the input's copy when
``outputColumns`` is declared). JSON documents (``SplitType=None``): one id per document,
its records matched with the ground truth's rows by position; the attributes are JMESPaths
over the answer's records (``predictions[*].score``).
"""

from __future__ import annotations

import csv
from dataclasses import replace
from typing import TYPE_CHECKING

from pyspark.sql import functions as F

from monitor_job.contract.formats import BatchFormat
from monitor_job.decode import jmespaths
from monitor_job.decode.batch import has_inference_ids, lacks_ids, model_first, positional
from monitor_job.decode.capture import RAW, REASON
from monitor_job.decode.documents import (
    INPUT,
    OUTPUT,
    capture_lines,
    document_records,
    record_attribute,
    record_jmespath,
    sampled_lines,
)
from monitor_job.decode.sample import sample_lines
from monitor_job.decode.tabular import csv_row
from monitor_job.errors import InputDataError
from monitor_job.groundtruth.captures import merged_with_labels, read_captures
from monitor_job.groundtruth.records import (
    FEATURES,
    ID,
    ORDER,
    POS,
    PRED,
    PROB,
    Attributes,
    Labelled,
    column_index,
)
from monitor_job.runtime.files import text_lines

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

NO_ID = "no inference id"
MALFORMED = "malformed JSON line"


def _json(lines: DataFrame, attrs: Attributes, features: bool) -> tuple[DataFrame, str]:
    record = F.col("value")
    output = F.coalesce(F.get_json_object(record, "$.SageMakerOutput"), record)
    # the model's input: the record itself when joined (JoinSource=Input), SageMakerInput
    # when the input was not an object
    given = F.coalesce(F.get_json_object(record, "$.SageMakerInput"), record)

    def pick(attribute: str | None, key: str) -> Column:
        if attribute is None:
            return F.lit(None).cast("string")
        return jmespaths.value(output, attribute, key)

    ident = F.get_json_object(record, "$.SageMakerInferenceId")
    reason = F.when(F.get_json_object(record, "$").isNull(), F.lit(MALFORMED)).when(
        ident.isNull(), F.lit(NO_ID)
    )
    prediction = pick(attrs.prediction, "inference_attribute")
    reason = _missing(reason, prediction, attrs)
    extra = []
    if features:
        assert attrs.features is not None  # checked before Spark starts
        values = jmespaths.values(given, attrs.features, "features_attribute")
        reason = reason.when(values.isNull(), F.lit("no features list at features_attribute"))
        extra.append(values.alias(FEATURES))
    rows = lines.select(
        ident.alias(ID),
        prediction.alias(PRED),
        pick(attrs.probability, "probability_attribute").alias(PROB),
        reason.alias(REASON),
        record.alias(RAW),
        *extra,
    )
    return rows, "batch transform output: JSON Lines, ids SageMakerInferenceId"


def _csv(
    spark: SparkSession,
    files: list[str],
    lines: DataFrame,
    attrs: Attributes,
    batch: BatchFormat,
    features: bool,
) -> tuple[DataFrame, str]:
    sample = sample_lines(spark, files)
    if not has_inference_ids(sample):
        raise InputDataError(
            "batch transform outputs without inference ids (their rows do not end in a UUID "
            "and an ISO-8601 time): model quality merges ground truth on them; run the "
            "transform with DataCaptureConfig GenerateInferenceId"
        )
    total = len(next(csv.reader([sample[0]])))
    names = positional(total - 2)
    order = model_first(batch, total - 2)  # positions count from the model's first value
    parsed, wrong = csv_row(F.col("value"), total)

    def pick(attribute: str | None, key: str) -> Column:
        if attribute is None:
            return F.lit(None).cast("string")
        return parsed[f"c{order[column_index(attribute, names, key)]}"]

    ident = F.trim(parsed[f"c{total - 2}"])
    reason = F.when(wrong, F.lit("wrong column count")).when(
        lacks_ids(ident, parsed[f"c{total - 1}"]), F.lit(NO_ID)
    )
    prediction = pick(attrs.prediction, "inference_attribute")
    reason = _missing(reason, prediction, attrs)
    extra = []
    if features:  # a joined row's input copy (what precedes the declared outputColumns)
        assert batch.output_columns is not None  # checked before Spark starts
        copy = order[batch.output_columns :]
        if not copy:
            raise InputDataError(
                f"bias needs the input's copy in each output row (JoinSource=Input); the rows "
                f"hold {total - 2} value(s), the model's outputColumns {batch.output_columns}"
            )
        extra.append(F.array(*(parsed[f"c{i}"] for i in copy)).alias(FEATURES))
    rows = lines.select(
        ident.alias(ID),
        prediction.alias(PRED),
        pick(attrs.probability, "probability_attribute").alias(PROB),
        reason.alias(REASON),
        F.col("value").alias(RAW),
        *extra,
    )
    return rows, f"batch transform output: CSV of {total - 2} value(s), then id and time"


def _missing(reason: Column, prediction: Column, attrs: Attributes) -> Column:
    if attrs.prediction is None:
        return reason
    return reason.when(prediction.isNull(), F.lit("missing inference_attribute"))


def labelled_from_batch(
    spark: SparkSession,
    files: list[str],
    label_files: list[str],
    attrs: Attributes,
    batch: BatchFormat,
    features: bool = False,
) -> Labelled:
    """The transform's output records merged with ground truth on their inference ids; with
    ``features`` (bias), each record's features list too (``FEATURES``)."""
    if batch.data.is_documents:
        return _documents(spark, files, label_files, attrs, features)
    lines = text_lines(spark, files).where(F.trim("value") != "")
    if batch.data.kind == "json":  # JSON Lines
        rows, note = _json(lines, attrs, features)
    elif batch.data.kind == "csv" and not batch.data.header:
        rows, note = _csv(spark, files, lines, attrs, batch, features)
    else:
        raise InputDataError(
            "a batch transform's JSON Lines outputs, JSON documents and CSV outputs without a "
            f"header are read so far; got {batch.data.kind}"
        )
    order = F.struct(F.input_file_name(), F.monotonically_increasing_id())
    width = 0
    if features:  # every record's list as wide as the first's
        first = rows.where(F.col(REASON).isNull()).select(F.size(FEATURES)).limit(1).collect()
        width = int(first[0][0]) if first else 0
        wrong = F.col(REASON).isNull() & (F.size(FEATURES) != F.lit(width))
        rows = rows.withColumn(
            REASON,
            F.when(wrong, F.lit(f"features list is not {width} values")).otherwise(F.col(REASON)),
        )
    rows = rows.select(
        F.col(ID),
        F.lit(0).alias(POS),
        PRED,
        PROB,
        REASON,
        F.when(F.col(REASON).isNotNull(), F.col(RAW)).alias(RAW),
        order.alias(ORDER),
        *([FEATURES] if features else []),
    )
    names: tuple[str | None, ...] = (None,) * width
    return merged_with_labels(spark, rows, label_files, attrs, note, names)


def _documents(
    spark: SparkSession,
    files: list[str],
    label_files: list[str],
    attrs: Attributes,
    features: bool = False,
) -> Labelled:
    """JSON documents (``SplitType=None``): each answer's records at their positions, the id
    the document's ``SageMakerInferenceId``; the ground truth's rows matched by (id,
    position) as for a captured batch request. With ``features`` (bias), each record of the
    joined answer's input copy at the same position (``features_attribute`` within it)."""
    rows, paths = document_records(spark, files, [], "output", requests=features)
    answers, requests = paths[OUTPUT], paths.get(INPUT, "")
    if features and not requests:
        raise InputDataError(
            "bias on a batch transform's JSON documents reads answers joined with their input "
            "(SageMakerOutput beside the input's copy): these answers hold no copy"
        )
    attrs = replace(
        attrs,
        prediction=record_attribute(attrs.prediction, answers, "inference_attribute"),
        probability=record_attribute(attrs.probability, answers, "probability_attribute"),
        features=record_jmespath(attrs.features, requests, "features_attribute"),
    )
    lines = capture_lines(rows)
    sample = sampled_lines(lines)
    captures, note, in_layout = read_captures(
        spark, lines, sample, attrs, None, None, merged=False, features=features
    )
    note = f"batch transform output: JSON documents, ids SageMakerInferenceId; {note}"
    names = in_layout.names if in_layout is not None else ()
    return merged_with_labels(spark, captures, label_files, attrs, note, names)
