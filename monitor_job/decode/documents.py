"""A batch transform's JSON documents (``{"json": {"line": false}}``, ``SplitType=None``):
each input object was one request and each ``.out`` its answer, so a pair of documents is
read as one endpoint capture is (``Documents.java`` reads each whole, in one task).

The input document is the capture's ``endpointInput``, the model's answer its
``endpointOutput``: the capture decoder splits them into rows as it splits a captured
request (``{"instances": [...]}``, ``{"predictions": [...]}``, a list of records, one
object), and pairs row *i* of the answer with row *i* of the request. SageMaker's
``SageMakerInferenceId`` and ``SageMakerInferenceTime`` are the capture's event id and time;
an output joined with its input (``JoinSource=Input``) holds the answer at
``SageMakerOutput`` and the input's copy beside it (read as the input when the input objects
are not read themselves).

JSON Lines inputs paired with their outputs (``SplitType=Line``) are read the same way, a
pair of lines for a pair of documents.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from monitor_job.contract.formats import BatchFormat
from monitor_job.decode.capture import decode_capture_records
from monitor_job.decode.layout import SideLayout, column_names, infer_layouts
from monitor_job.errors import InputDataError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

# SageMaker's largest request (MaxPayloadInMB), in characters: a document is one request.
LIMIT = 100 * 1024 * 1024
SAMPLE_DOCUMENTS = 5
INPUT, OUTPUT = "endpointInput", "endpointOutput"


def documents(spark: SparkSession, pairs: list[tuple[str, str]], lines: bool = False) -> DataFrame:
    """One row per document (or pair of an input and its output, either "" when not read):
    ``input``, ``output``, ``copy`` (a joined output's input), ``id``, ``time``; ``reason``
    and ``raw`` (an excerpt, or the name) when it cannot be read. With ``lines``, one row per
    pair of lines (JSON Lines in step) instead."""
    from pyspark.sql import DataFrame as Frame

    listed = "".join(f"{i}\0{o}\0" for i, o in pairs)
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    found = jvm.monitorjob.aggregates.Documents.read(spark._jsparkSession, listed, LIMIT, lines)
    return Frame(found, spark)


def capture_lines(docs: DataFrame, paired: bool) -> DataFrame:
    """Each document (or pair) as one capture line (``value``), with the reader's
    ``reason``; a document that failed there is its ``raw``."""
    from pyspark.sql import Column
    from pyspark.sql import functions as F

    given = F.col("input") if paired else F.coalesce("input", "copy")

    def side(text: Column) -> Column:
        return F.when(
            text.isNotNull(), F.struct(text.alias("data"), F.lit("JSON").alias("encoding"))
        )

    record = F.struct(
        F.struct(side(given).alias(INPUT), side(F.col("output")).alias(OUTPUT)).alias(
            "captureData"
        ),
        F.struct(F.col("id").alias("eventId"), F.col("time").alias("inferenceTime")).alias(
            "eventMetadata"
        ),
        F.lit("0").alias("eventVersion"),
    )
    value = F.when(F.col("reason").isNull(), F.to_json(record)).otherwise(F.col("raw"))
    return docs.select(value.alias("value"), "reason")


def sampled(docs: DataFrame) -> list[dict[str, object]]:
    """The first documents read without a reason."""
    from pyspark.sql import functions as F

    found = docs.where(F.col("reason").isNull()).limit(SAMPLE_DOCUMENTS).collect()
    return [r.asDict() for r in found]


def sample_line(doc: dict[str, object], paired: bool) -> str:
    """A sampled document as :func:`capture_lines` writes it, for the layouts."""
    given = doc["input"] if paired or doc["input"] is not None else doc["copy"]
    sides = {
        name: {"data": text, "encoding": "JSON"}
        for name, text in ((INPUT, given), (OUTPUT, doc["output"]))
        if text is not None
    }
    return json.dumps({"captureData": sides, "eventMetadata": {"eventId": doc["id"]}})


def _indices(batch: BatchFormat, sample: list[dict[str, object]]) -> tuple[str, ...]:
    """The capture sides read: the answer first, then the request (either alone when only
    one is there)."""
    if len(batch.sides) > 1:
        return (OUTPUT, INPUT)
    if batch.side == "input":
        return (INPUT,)
    joined = any(d.get("copy") is not None for d in sample)
    return (OUTPUT, INPUT) if joined else (OUTPUT,)


def read_documents(
    spark: SparkSession, batch: BatchFormat, files: list[str], paired: list[str]
) -> tuple[DataFrame, tuple[str, ...], tuple[str, ...]]:
    """(frame of ``c0..`` strings + reason + raw, the columns' names, notes)."""
    if paired:
        pairs = list(zip(files, paired, strict=True))
    elif batch.side == "output":
        pairs = [("", f) for f in files]
    else:
        pairs = [(f, "") for f in files]
    lines = batch.data.json_lines
    docs = documents(spark, pairs, lines)
    sample = sampled(docs)
    indices = _indices(batch, sample)
    layouts = infer_layouts([sample_line(d, bool(paired)) for d in sample], indices)
    missing = [i for i in indices if i not in layouts]
    if missing:
        sides = " and ".join("the answers" if i == OUTPUT else "the requests" for i in missing)
        raise InputDataError(
            f"batch transform JSON documents: no rows found in {sides} of the first "
            f"{len(sample)} document(s) (expected a list of records, one key holding one such "
            'as {"instances": [...]}, or one object); use a record_preprocessor_script for '
            "other shapes"
        )
    ordered: dict[str, SideLayout] = {i: layouts[i] for i in indices}
    frame, _ = decode_capture_records(
        capture_lines(docs, bool(paired)), ordered, None, None, given="reason"
    )
    names = column_names(ordered.values())
    shapes = ", ".join(
        f"{'answers' if i == OUTPUT else 'requests'}: {_shape(lay)} x{lay.width}"
        for i, lay in ordered.items()
    )
    what = "JSON Lines file(s) paired line by line" if lines else "JSON document(s) read whole"
    note = f"batch transform: {len(files)} {what} ({shapes})"
    return frame, names, (note,)


def _shape(layout: SideLayout) -> str:
    if layout.shape != "elements":
        return f"one {layout.shape}"
    where = f"[{json.dumps(layout.batch_key)}]" if layout.batch_key else "a list"
    return f"rows in {where}"
