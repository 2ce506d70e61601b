"""A batch transform's JSON documents (``{"json": {"line": false}}``, ``SplitType=None``):
each input object was one request and each ``.out`` its answer, read as endpoint captures
are, record by record.

Where a document's records are follows the capture decoder's rules for a captured request
(:func:`monitor_job.decode.layout.json_layout`): the elements of a top-level list of
records, of the one key holding a list (``{"instances": [...]}``, ``{"predictions":
[...]}``), or the whole document as one record. The driver decides it from the first
document's outline; ``DocumentRecords.java`` streams each pair of documents in one task,
record *i* of the answer with record *i* of the request, one record at a time (memory flat
in a document's size). Each pair of records is one capture line (the request its
``endpointInput``, the answer its ``endpointOutput``), decoded by the capture decoder.
SageMaker's ``SageMakerInferenceId`` and ``SageMakerInferenceTime`` are every record's event
id and time, and its position in the document tells its ground truth's row; an answer
joined with its input (``JoinSource=Input``) holds the answer at ``SageMakerOutput`` and the
input's copy beside it (or at ``SageMakerInput``), read as the request when the input
objects are not read themselves.

JSON Lines inputs paired with their outputs (``SplitType=Line``) are read the same way, a
pair of lines for a pair of records (``JsonLinePairs.java``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from monitor_job.contract.formats import BatchFormat
from monitor_job.decode.capture import decode_capture_records
from monitor_job.decode.jmespaths import row_path
from monitor_job.decode.layout import FEATURES_KEY, SideLayout, column_names, infer_layouts
from monitor_job.errors import InputDataError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

SAMPLE_RECORDS = 200
OUTLINED = 5  # documents outlined at most, for one that can be read
INPUT, OUTPUT = "endpointInput", "endpointOutput"
ANSWER, GIVEN = "SageMakerOutput", "SageMakerInput"
ADDED = ("SageMakerInferenceId", "SageMakerInferenceTime", ANSWER, GIVEN)
VALUES = ("scalar", "none")  # a list's first element: a value, or none


def outline(spark: SparkSession, files: list[str]) -> dict[str, Any]:
    """The top level of the first readable of the first documents (``DocumentRecords``)."""
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    found: dict[str, Any] = {"type": "none"}
    for name in files[:OUTLINED]:
        found = json.loads(
            jvm.monitorjob.aggregates.DocumentRecords.outline(spark._jsparkSession, name)
        )
        if found.get("type") not in ("broken", "none"):
            break
    return found


def records_path(node: dict[str, Any], keys: tuple[str, ...] = (), answer: bool = False) -> str:
    """Where the records are in the value at ``keys`` (outlined by ``node``): ``*`` and the
    keys of a list of records, or ``1`` and the keys of the one record. A list of values is
    one record of a request (a row of features), and one value per record of an
    ``answer`` (a batch's predictions, ``[0.1, 0.7]``)."""
    kind = node.get("type")
    if kind == "array" and (answer or node.get("first") not in VALUES):
        return "\0".join(("*", *keys))
    if kind == "object":
        fields = [f for f in node.get("fields", []) if f.get("name") not in ADDED]
        if len(fields) == 1 and fields[0].get("type") == "array":
            name = str(fields[0]["name"])
            if not (name == FEATURES_KEY and fields[0].get("first") in VALUES):
                return "\0".join(("*", *keys, name))
    return "\0".join(("1", *keys))


def answer_paths(node: dict[str, Any]) -> tuple[str, str]:
    """(the answer's records, the joined input copy's records or "") of an ``.out``."""
    fields = {str(f.get("name")): f for f in node.get("fields", [])}
    if ANSWER not in fields:
        return records_path(node, answer=True), ""
    if GIVEN in fields:
        copy = records_path(fields[GIVEN], (GIVEN,))
    else:
        copy = records_path(node)
    return records_path(fields[ANSWER], (ANSWER,), answer=True), copy


def document_records(
    spark: SparkSession, files: list[str], paired: list[str], side: str, requests: bool = True
) -> tuple[DataFrame, dict[str, str]]:
    """Each record (or pair of records) as a row (``DocumentRecords.read``), and the capture
    sides they give with where their records are, the answer first. ``files`` are the
    ``side``'s documents, ``paired`` their answers; with ``requests`` false an answer's
    joined copy is not read."""
    from pyspark.sql import DataFrame as Frame

    if paired:
        pairs = list(zip(files, paired, strict=True))
        in_path = records_path(outline(spark, files))
        out_path, _ = answer_paths(outline(spark, paired))
    elif side == "output":
        pairs = [("", f) for f in files]
        out_path, in_path = answer_paths(outline(spark, files))
    else:
        pairs = [(f, "") for f in files]
        in_path, out_path = records_path(outline(spark, files)), ""
    in_path = in_path if requests else ""
    listed = "".join(f"{i}\0{o}\0" for i, o in pairs)
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    found = jvm.monitorjob.aggregates.DocumentRecords.read(
        spark._jsparkSession, listed, in_path, out_path
    )
    sides = {name: path for name, path in ((OUTPUT, out_path), (INPUT, in_path)) if path}
    return Frame(found, spark), sides


def described(path: str) -> str:
    """`` at predictions[*]`` (a list of records), `` at SageMakerOutput`` (one record), ""
    (the whole document, or a line)."""
    if not path:
        return ""
    kind, *keys = path.split("\0")
    where = ".".join(keys) + ("[*]" if kind == "*" else "")
    return f" at {where}" if where else ""


def record_attribute(attribute: str | None, path: str, key: str) -> str | None:
    """An attribute over a document's answer (``predictions[*].score``, a JMESPath into the
    model's output) as the JSON path within each of its records (``$.score``); ``$[0]``
    for a record that is one value. Within the record already when it is the whole answer."""
    if attribute is None or not path.startswith("*") or "[*]" not in attribute:
        return attribute
    keys = [k for k in path.split("\0")[1:] if k != ANSWER]
    within = row_path(attribute, key, keys[-1] if keys else None)
    return "$[0]" if within == "$" else within


def record_jmespath(attribute: str | None, path: str, key: str) -> str | None:
    """``features_attribute`` over a document's request (``instances[*].features``) as the
    JMESPath within each of its records (``features``); None for the whole record."""
    within = record_attribute(attribute, path, key)
    if within is None or within == attribute:
        return within
    if within == "$[0]":  # the record itself (a list of values)
        return None
    return within[2:] if within.startswith("$.") else within[1:]


def capture_lines(rows: DataFrame) -> DataFrame:
    """Each pair of records as one capture line (``value``), with the reader's ``reason``
    and the record's ``position``; a record that failed there is its ``raw``."""
    from pyspark.sql import Column
    from pyspark.sql import functions as F

    def side(text: Column) -> Column:
        return F.when(
            text.isNotNull(), F.struct(text.alias("data"), F.lit("JSON").alias("encoding"))
        )

    record = F.struct(
        F.struct(side(F.col("input")).alias(INPUT), side(F.col("output")).alias(OUTPUT)).alias(
            "captureData"
        ),
        F.struct(F.col("id").alias("eventId"), F.col("time").alias("inferenceTime")).alias(
            "eventMetadata"
        ),
        F.lit("0").alias("eventVersion"),
    )
    value = F.when(F.col("reason").isNull(), F.to_json(record)).otherwise(F.col("raw"))
    position = F.col("position") if "position" in rows.columns else F.lit(0).cast("long")
    return rows.select(value.alias("value"), "reason", position.alias("position"))


def sampled_lines(lines: DataFrame) -> list[str]:
    """The first capture lines read without a reason."""
    from pyspark.sql import functions as F

    found = lines.where(F.col("reason").isNull()).limit(SAMPLE_RECORDS).collect()
    return [str(r["value"]) for r in found]


def read_documents(
    spark: SparkSession, batch: BatchFormat, files: list[str], paired: list[str]
) -> tuple[DataFrame, tuple[str, ...], tuple[str, ...]]:
    """(frame of ``c0..`` strings + reason + raw, the columns' names, notes)."""
    from pyspark.sql import DataFrame as Frame

    if not batch.data.is_documents:  # JSON Lines pairs, line by line
        listed = "".join(f"{i}\0{o}\0" for i, o in zip(files, paired, strict=True))
        jvm = spark.sparkContext._jvm
        assert jvm is not None
        rows = Frame(
            jvm.monitorjob.aggregates.JsonLinePairs.read(spark._jsparkSession, listed), spark
        )
        paths = {OUTPUT: "", INPUT: ""}
    else:
        rows, paths = document_records(spark, files, paired, batch.side)
    indices = tuple(paths)
    lines = capture_lines(rows)
    sample = sampled_lines(lines)
    layouts = infer_layouts(sample, indices)
    missing = [i for i in indices if i not in layouts]
    if missing:
        sides = " and ".join("the answers" if i == OUTPUT else "the requests" for i in missing)
        raise InputDataError(
            f"batch transform JSON: no tabular records in {sides} of the first "
            f"{len(sample)} (expected objects of values, lists of values, or one key holding "
            'a list of them such as {"instances": [...]}); use a record_preprocessor_script '
            "for other shapes"
        )
    ordered: dict[str, SideLayout] = {i: layouts[i] for i in indices}
    frame, _ = decode_capture_records(lines, ordered, None, None, given="reason")
    names = column_names(ordered.values())
    shapes = ", ".join(
        f"{'answers' if i == OUTPUT else 'requests'}{described(paths[i])}: {lay.width} column(s)"
        for i, lay in ordered.items()
    )
    what = (
        "JSON document(s)" if batch.data.is_documents else "JSON Lines file(s) paired line by line"
    )
    note = f"batch transform: {len(files)} {what}, record by record ({shapes})"
    return frame, names, (note,)
