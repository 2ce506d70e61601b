"""A batch transform's files (its input, or its ``.out`` outputs) as the run's columns.

They are read as their ``DatasetFormat`` says (CSV, JSON, Parquet). With
``GenerateInferenceId``, SageMaker appends to each CSV output row an inference id (a UUID)
and the job's start time (ISO-8601 UTC), and gives each JSON record
``SageMakerInferenceId`` and ``SageMakerInferenceTime``: they identify the record, they are
not features, so they are not columns. ``generateInferenceId`` in the format says whether
they are there; unset, a CSV output has them when every sampled row's last two values are a
UUID and an ISO-8601 time. When they are declared, a row without them fails with a reason.
"""

from __future__ import annotations

import csv
import re
from typing import TYPE_CHECKING

from monitor_job.contract.formats import BatchFormat
from monitor_job.decode.capture import RAW, REASON
from monitor_job.decode.sample import sample_lines
from monitor_job.decode.tabular import read_tabular

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
TIME = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})"
JSON_IDS = ("SageMakerInferenceId", "SageMakerInferenceTime")
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


def read_batch(
    spark: SparkSession, batch: BatchFormat, files: list[str]
) -> tuple[DataFrame, tuple[str, ...], tuple[str, ...]]:
    """(frame of ``c0..`` strings + reason + raw, the columns' names, notes)."""
    from pyspark.sql import functions as F

    frame, names = read_tabular(spark, batch.data, files)
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
    if not found or len(names) < 3:
        return frame, names, (f"{side}: {len(names)} column(s), no inference ids",)
    width = len(names) - 2
    ids = F.trim(F.col(f"c{width}")).rlike(f"^{UUID}$") & F.trim(F.col(f"c{width + 1}")).rlike(
        f"^{TIME}$"
    )
    bad = F.col(REASON).isNull() & ~F.coalesce(ids, F.lit(False))
    reason = F.when(bad, F.lit(NO_ID)).otherwise(F.col(REASON)) if declared else F.col(REASON)
    out = frame.select(
        *(F.when(~bad, F.col(f"c{i}")).alias(f"c{i}") if declared else F.col(f"c{i}")
          for i in range(width)),
        reason.alias(REASON),
        (F.when(bad, F.concat_ws(",", *(F.col(f"c{i}") for i in range(width + 2))))
         .otherwise(F.col(RAW)) if declared else F.col(RAW)).alias(RAW),
    )  # fmt: skip
    how = "declared" if declared else "found in every sampled row"
    note = f"{side}: inference id and time ({how}) left out of the columns"
    return out, tuple(names[:width]), (note,)
