"""CSV / JSON lines / Parquet datasets -> string columns ``c0..cN`` in source order."""

from __future__ import annotations

import csv
import json
from typing import TYPE_CHECKING

from pyspark.sql import functions as F

from monitor_job.contract import DatasetFormat
from monitor_job.decode.capture import RAW, REASON
from monitor_job.errors import InputDataError, raise_if_stopped
from monitor_job.runtime.files import text_lines

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

JSON_KEY_SAMPLE = 200
# Double-quoted fields (with "" escapes) removed before counting the separators.
QUOTED = r'"(?:[^"]|"")*"'


def _csv(spark: SparkSession, fmt: DatasetFormat, files: list[str]) -> tuple[DataFrame, list[str]]:
    """CSV with per-row accounting, all in Spark SQL: each line is parsed by Spark's CSV
    parser (``from_csv``) and its fields are counted outside quotes; a row with more or
    fewer fields than the header (or the first row) fails with ``wrong column count``.
    Empty fields are missing values. Quoted fields may not span lines."""
    lines = text_lines(spark, files).where(F.trim("value") != "")
    first = lines.limit(1).collect()
    if not first:
        return lines.select(F.lit(None).cast("string").alias(REASON), F.col("value").alias(RAW)), []
    first_line = str(first[0][0])
    cells = next(csv.reader([first_line]))
    width = len(cells)
    if fmt.header:
        names = [c.strip() or f"_c{i}" for i, c in enumerate(cells)]
        lines = lines.where(F.col("value") != first_line)
    else:
        names = [f"_c{i}" for i in range(width)]
    parsed, wrong = csv_row(F.col("value"), width)
    row = lines.select(F.col("value"), parsed.alias("p"), wrong.alias("wrong"))
    out = row.select(
        *[F.when(~F.col("wrong"), F.col(f"p.c{i}")).alias(f"c{i}") for i in range(width)],
        F.when(F.col("wrong"), F.lit("wrong column count")).alias(REASON),
        F.when(F.col("wrong"), F.substring("value", 1, 2000)).alias(RAW),
    )
    return out, names


def csv_row(line: Column, width: int) -> tuple[Column, Column]:
    """A CSV line's ``width`` fields (a struct of ``c0..`` strings, Spark's CSV parser), and
    whether it holds another number of fields (counted outside double quotes)."""
    schema = ", ".join(f"c{i} STRING" for i in range(width))
    parsed = F.from_csv(
        line,
        schema,
        {"ignoreLeadingWhiteSpace": "true", "ignoreTrailingWhiteSpace": "true", "escape": '"'},
    )
    fields = F.size(F.split(F.regexp_replace(line, QUOTED, ""), ",", -1))
    return parsed, fields != F.lit(width)


def _json_key_order(spark: SparkSession, files: list[str], inferred: list[str]) -> list[str]:
    """Spark sorts inferred JSON fields by name; restore the order keys appear in the data."""
    order: list[str] = []
    for row in text_lines(spark, files).limit(JSON_KEY_SAMPLE).collect():
        try:
            obj = json.loads(row[0])
        except (json.JSONDecodeError, TypeError):
            continue
        if isinstance(obj, dict):
            order.extend(k for k in obj if k not in order and k in inferred)
    return order + [k for k in inferred if k not in order]


def read_tabular(
    spark: SparkSession, fmt: DatasetFormat, files: list[str], first: str | None = None
) -> tuple[DataFrame, tuple[str, ...]]:
    """Read the dataset and return (frame with c0.. string columns + reason/raw, names).
    ``first``: a JSON column put first, an object's fields as columns of their own (a
    batch transform's ``SageMakerOutput``)."""
    try:
        if fmt.kind == "csv":
            frame, csv_names = _csv(spark, fmt, files)
            return frame, tuple(csv_names)
        if fmt.kind == "json":
            df = spark.read.json(files, multiLine=not fmt.json_lines, primitivesAsString=True)
            names = [c for c in df.columns if c != "_corrupt_record"]
            if fmt.json_lines:
                names = _json_key_order(spark, files, names)
        else:
            df = spark.read.parquet(*files)
            names = list(df.columns)
    except Exception as err:  # Spark raises AnalysisException/Py4JJavaError subclasses
        raise_if_stopped(err)
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
    columns = [(n, F.col(f"`{n}`")) for n in names]
    if first is not None and first in names:
        columns = _first(df, first, names) + [c for c in columns if c[0] != first]
    out = df.select(
        *[column.cast("string").alias(f"c{i}") for i, (_, column) in enumerate(columns)],
        reason.alias(REASON),
        raw.cast("string").alias(RAW),
    )
    return out, tuple(n for n, _ in columns)


def _first(df: DataFrame, name: str, names: list[str]) -> list[tuple[str, Column]]:
    """The column ``name`` first; an object's fields as columns of their own (named by the
    field, or ``name.field`` when a top-level column has that name)."""
    from pyspark.sql.types import StructType

    kind = df.schema[name].dataType
    if not isinstance(kind, StructType):
        return [(name, F.col(f"`{name}`"))]
    return [
        (f.name if f.name not in names else f"{name}.{f.name}", F.col(f"`{name}`.`{f.name}`"))
        for f in kind.fields
    ]
