"""A batch transform's files (its input, or its ``.out`` outputs) as the run's columns.

They are read as their ``DatasetFormat`` says (CSV, JSON, Parquet). With
``GenerateInferenceId``, SageMaker appends to each CSV output row an inference id (a UUID)
and the job's start time (ISO-8601 UTC), and gives each JSON record
``SageMakerInferenceId`` and ``SageMakerInferenceTime``: they identify the record, they are
not features, so they are not columns. ``generateInferenceId`` in the format says whether
they are there; unset, a CSV output has them when every sampled row's last two values are a
UUID and an ISO-8601 time. When they are declared, a row without them fails with a reason.
A JSON record joined with its input (``JoinSource=Input``) holds the model's output under
``SageMakerOutput``: its fields are the first columns, as endpoint captures put the output
first, then the input's keys.
"""

from __future__ import annotations

import csv
import re
from typing import TYPE_CHECKING, Any

from monitor_job.contract.formats import BatchFormat
from monitor_job.decode.capture import RAW, REASON
from monitor_job.decode.sample import sample_lines
from monitor_job.decode.tabular import csv_row, read_tabular
from monitor_job.errors import InputDataError

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
TIME = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})"
JSON_IDS = ("SageMakerInferenceId", "SageMakerInferenceTime")
OUTPUT = "SageMakerOutput"  # the model's output in a record joined with its input
NO_ID = "no inference id and time at the row's end"


def has_inference_ids(lines: list[str]) -> bool:
    """Every line's last two CSV values are a UUID and an ISO-8601 time (and something
    comes before them)."""
    uuid, time = re.compile(UUID), re.compile(TIME)
    rows = [next(csv.reader([line]), []) for line in lines if line.strip()]
    return bool(rows) and all(
        len(r) >= 3 and uuid.fullmatch(r[-2].strip()) and time.fullmatch(r[-1].strip())
        for r in rows
    )


def lacks_ids(ident: Column, time: Column) -> Column:
    """True where a row's id and time values are not a UUID and an ISO-8601 time (or are
    missing)."""
    from pyspark.sql import functions as F

    found = F.trim(ident).rlike(f"^{UUID}$") & F.trim(time).rlike(f"^{TIME}$")
    return ~F.coalesce(found, F.lit(False))


def read_batch(
    spark: SparkSession, batch: BatchFormat, files: list[str]
) -> tuple[DataFrame, tuple[str, ...], tuple[str, ...]]:
    """(frame of ``c0..`` strings + reason + raw, the columns' names, notes)."""
    from pyspark.sql import functions as F

    frame, names = read_tabular(spark, batch.data, files, first=OUTPUT)
    side = f"batch transform {batch.side}"
    if batch.data.kind == "json":
        kept = [i for i, n in enumerate(names) if n not in JSON_IDS]
        if len(kept) == len(names):
            return frame, names, (f"{side}: {len(names)} column(s)",)
        out = frame.select(
            *(F.col(f"c{i}").alias(f"c{j}") for j, i in enumerate(kept)), REASON, RAW
        )
        note = f"{side}: {', '.join(JSON_IDS)} left out of the columns"
        return out, tuple(names[i] for i in kept), (note,)
    if batch.data.kind != "csv" or batch.side != "output":
        return frame, names, (f"{side}: {len(names)} column(s)",)
    declared = batch.inference_id
    found = declared if declared is not None else has_inference_ids(sample_lines(spark, files))
    ids = bool(found) and len(names) >= 3
    width = len(names) - (2 if ids else 0)
    order = model_first(batch, width)
    bad = (
        F.col(REASON).isNull() & lacks_ids(F.col(f"c{width}"), F.col(f"c{width + 1}"))
        if ids and declared
        else F.lit(False)
    )
    reason = F.when(bad, F.lit(NO_ID)).otherwise(F.col(REASON))
    raw = F.concat_ws(",", *(F.col(f"c{i}") for i in range(len(names))))
    out = frame.select(
        *(F.when(~bad, F.col(f"c{i}")).alias(f"c{k}") for k, i in enumerate(order)),
        reason.alias(REASON),
        F.when(bad, raw).otherwise(F.col(RAW)).alias(RAW),
    )
    columns = tuple(names[i] for i in order) if batch.data.header else positional(width)
    notes = [f"{side}: {width} column(s)"]
    if ids:
        how = "declared" if declared else "found in every sampled row"
        notes.append(f"inference id and time ({how}) left out of the columns")
    if batch.output_columns is not None:
        notes.append(
            f"the model's {batch.output_columns} value(s) first, then the input's copy "
            "(outputColumns)"
        )
    return out, columns, ("; ".join(notes),)


def positional(width: int) -> tuple[str, ...]:
    return tuple(f"_c{k}" for k in range(width))


def model_first(batch: BatchFormat, width: int) -> list[int]:
    """The positions of an output row's values, the model's (the last ``outputColumns``,
    after the input's copy of a joined row) first."""
    count = batch.output_columns
    if count is None:
        return list(range(width))
    if count > width:
        raise InputDataError(
            f"dataset_format outputColumns is {count}, but the transform's output rows hold "
            f"{width} value(s) (inference id and time left out)"
        )
    return [*range(width - count, width), *range(width - count)]


MISMATCH = "input and output line counts differ"
WRONG = "wrong column count"


def read_pairs(
    spark: SparkSession, batch: BatchFormat, files: list[str], paired: list[str]
) -> tuple[DataFrame, tuple[str, ...], tuple[str, ...]]:
    """Each input line with its output line (``PairedLines.java``, one task per pair of
    objects): the model's output columns first, then its input's, as endpoint captures order
    them. A line on one side only fails with :data:`MISMATCH`; lines blank on both sides
    are skipped."""
    from pyspark.sql import DataFrame as Frame
    from pyspark.sql import functions as F

    jvm = spark.sparkContext._jvm
    assert jvm is not None
    listed = "".join(f"{i}\0{o}\0" for i, o in zip(files, paired, strict=True))
    lines = Frame(jvm.monitorjob.aggregates.PairedLines.read(spark._jsparkSession, listed), spark)
    blank = F.coalesce(F.trim("input"), F.lit("")) == F.lit("")
    lines = lines.where(~(blank & (F.coalesce(F.trim("output"), F.lit("")) == F.lit(""))))
    both = F.col("input").isNotNull() & F.col("output").isNotNull()
    sample = lines.where(both).limit(200).collect()
    if not sample:
        return _nothing(lines), (), ("batch transform: no line with both sides",)
    in_width = len(next(csv.reader([sample[0]["input"]])))
    outputs = [str(r["output"]) for r in sample]
    declared = batch.inference_id
    ids = declared if declared is not None else has_inference_ids(outputs)
    out_total = len(next(csv.reader([outputs[0]])))
    out_width = out_total - (2 if ids else 0)
    # JoinSource=Input: every sampled output row starts with its input row; the model's
    # output is what follows it
    if batch.output_columns is not None:  # declared: what precedes is the input's copy
        first = model_first(batch, out_width)[0]
        joined = first > 0
    else:
        joined = _joined(sample, in_width, out_width)
        first = in_width if joined else 0
    out_parsed, out_wrong = csv_row(F.col("output"), out_total)
    in_parsed, in_wrong = csv_row(F.col("input"), in_width)
    reason = F.when(~both, F.lit(MISMATCH)).when(out_wrong | in_wrong, F.lit(WRONG))
    if ids and declared:
        missing = lacks_ids(out_parsed[f"c{out_width}"], out_parsed[f"c{out_width + 1}"])
        reason = reason.when(missing, F.lit(NO_ID))
    row = lines.select(out_parsed.alias("o"), in_parsed.alias("i"), reason.alias(REASON),
                       "input", "output")  # fmt: skip
    ok = F.col(REASON).isNull()
    model = (f"o.c{j}" for j in range(first, out_width))
    columns = [*model, *(f"i.c{j}" for j in range(in_width))]
    out = row.select(
        *(F.when(ok, F.col(c)).alias(f"c{k}") for k, c in enumerate(columns)),
        F.col(REASON),
        F.when(~ok, F.concat_ws(" => ", F.coalesce("input", F.lit("<none>")),
                                F.coalesce("output", F.lit("<none>")))).alias(RAW),
    )  # fmt: skip
    names = tuple(f"_c{k}" for k in range(len(columns)))
    note = (
        f"batch transform: {len(files)} input object(s) paired with their outputs, "
        f"{out_width - first} output and {in_width} input column(s)"
        + (" (outputs joined with their input: the input's copy left out)" if joined else "")
        + (", inference id and time left out" if ids else "")
    )
    return out, names, (note,)


def _joined(sample: list[Any], in_width: int, out_width: int) -> bool:
    """Every sampled output row is its input row followed by at least one value."""
    if out_width <= in_width:
        return False
    for row in sample:
        given = [v.strip() for v in next(csv.reader([str(row["input"])]), [])]
        answer = [v.strip() for v in next(csv.reader([str(row["output"])]), [])]
        if answer[:in_width] != given:
            return False
    return True


def _nothing(lines: DataFrame) -> DataFrame:
    from pyspark.sql import functions as F

    return lines.select(F.lit(MISMATCH).alias(REASON), F.col("input").alias(RAW))
