"""CSV / JSON lines / Parquet datasets -> string columns ``c0..cN`` in source order."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from pyspark.sql import functions as F

from monitor_job.contract import DatasetFormat
from monitor_job.decode.capture import RAW, REASON
from monitor_job.errors import InputDataError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

JSON_KEY_SAMPLE = 200


def _json_key_order(spark: SparkSession, files: list[str], inferred: list[str]) -> list[str]:
    """Spark sorts inferred JSON fields by name; restore the order keys appear in the data."""
    order: list[str] = []
    for row in spark.read.text(files).limit(JSON_KEY_SAMPLE).collect():
        try:
            obj = json.loads(row[0])
        except (json.JSONDecodeError, TypeError):
            continue
        if isinstance(obj, dict):
            order.extend(k for k in obj if k not in order and k in inferred)
    return order + [k for k in inferred if k not in order]


def read_tabular(
    spark: SparkSession, fmt: DatasetFormat, files: list[str]
) -> tuple[DataFrame, tuple[str, ...]]:
    """Read the dataset and return (frame with c0.. string columns + reason/raw, names)."""
    try:
        if fmt.kind == "csv":
            df = spark.read.csv(
                files,
                header=fmt.header,
                inferSchema=False,
                ignoreLeadingWhiteSpace=True,
                ignoreTrailingWhiteSpace=True,
                mode="PERMISSIVE",
            )
            names = list(df.columns)
        elif fmt.kind == "json":
            df = spark.read.json(files, multiLine=not fmt.json_lines, primitivesAsString=True)
            names = [c for c in df.columns if c != "_corrupt_record"]
            if fmt.json_lines:
                names = _json_key_order(spark, files, names)
        else:
            df = spark.read.parquet(*files)
            names = list(df.columns)
    except Exception as err:  # Spark raises AnalysisException/Py4JJavaError subclasses
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise InputDataError(
            f"cannot read {fmt.kind} dataset ({len(files)} file(s)): {first}"
        ) from err
    reason = (
        F.when(F.col("_corrupt_record").isNotNull(), F.lit("malformed JSON line"))
        if "_corrupt_record" in df.columns
        else F.lit(None).cast("string")
    )
    raw = F.col("_corrupt_record") if "_corrupt_record" in df.columns else F.lit(None)
    out = df.select(
        *[F.col(f"`{n}`").cast("string").alias(f"c{i}") for i, n in enumerate(names)],
        reason.alias(REASON),
        raw.cast("string").alias(RAW),
    )
    return out, tuple(names)
