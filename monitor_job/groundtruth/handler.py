"""Model quality's captures through a user's ``preprocess_handler``
(``record_preprocessor_script``, as data quality runs it): each capture record's rows as
the handler returns them, the prediction and probability read from the columns that
``inference_attribute`` and ``probability_attribute`` name (a key the handler returns, or
a position), matched to ground truth on the record's event id and the row's position, like
the rows of decoded captures. A record the handler fails on is counted by reason and
sampled, as in data quality."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from pyspark.sql import Column
from pyspark.sql import functions as F
from pyspark.sql import types as T

from monitor_job.decode.capture import RAW, REASON
from monitor_job.decode.preprocess import POS as HANDLER_POS
from monitor_job.decode.preprocess import handler_columns, run_handler
from monitor_job.decode.sample import sample_lines
from monitor_job.errors import ConfigError
from monitor_job.groundtruth.records import (
    ID,
    ORDER,
    POS,
    POSITIONAL,
    PRED,
    PROB,
    Attributes,
)
from monitor_job.runtime.files import text_lines

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

_FILE, _LINE = "_mq_file", "_mq_line"


def _column(names: tuple[str, ...], attribute: str | None, what: str) -> Column:
    """The handler's column an attribute names: one of its keys, else a position."""
    if attribute is None:
        return F.lit(None).cast("string")
    if attribute in names:
        return F.col(f"c{names.index(attribute)}")
    match = POSITIONAL.match(attribute)
    if match and int(match.group(1)) < len(names):
        return F.col(f"c{int(match.group(1))}")
    raise ConfigError(
        f"{what} {attribute!r} is not one of the columns preprocess_handler returns: {list(names)}"
    )


def handler_captures(
    spark: SparkSession,
    files: list[str],
    script: str,
    attrs: Attributes,
    start: datetime | None,
    end: datetime | None,
    merged: bool,
) -> tuple[DataFrame, str]:
    """Capture (or merged) lines through the handler -> rows (``ID``, ``POS``, ``PRED``,
    ``PROB``) with :data:`REASON`, :data:`RAW` and ``ORDER``, like ``read_captures``."""
    spec, names = handler_columns(script, "capture", sample_lines(spark, files), "the captures")
    prediction = _column(names, attrs.prediction, "inference_attribute")
    probability = _column(names, attrs.probability, "probability_attribute")
    meta = "$.eventMetadata"
    event = F.get_json_object("value", f"{meta}.eventId")
    if not merged:  # ground truth names the capture's inferenceId when it has one
        event = F.coalesce(F.get_json_object("value", f"{meta}.inferenceId"), event)
    lines = text_lines(spark, files).select(
        "value",
        event.alias(ID),
        F.input_file_name().alias(_FILE),
        F.monotonically_increasing_id().alias(_LINE),
    )
    carry = (
        T.StructField(ID, T.StringType()),
        T.StructField(_FILE, T.StringType()),
        T.StructField(_LINE, T.LongType()),
    )
    rows = run_handler(lines, spec, names, start, end, carry)
    reason = F.when(F.col(REASON).isNull() & F.col(ID).isNull(), "missing eventId").otherwise(
        F.col(REASON)
    )
    frame = rows.select(
        F.col(ID),
        F.col(HANDLER_POS).alias(POS),
        prediction.alias(PRED),
        probability.alias(PROB),
        reason.alias(REASON),
        F.col(RAW),
        F.struct(F.col(_FILE), F.col(_LINE)).alias(ORDER),
    )
    return frame, f"preprocess_handler from {script}: columns {list(names)}"
