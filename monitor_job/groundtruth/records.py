"""Predictions and labels of a run (model quality; bias adds each row's features), as one
Spark frame (no Python per record): the values, a labelled table's columns, and the column
helpers the capture reader (:mod:`~monitor_job.groundtruth.captures`) shares.

Three sources (CONTRACT §8):

* a labelled dataset (CSV / JSON lines / Parquet): prediction, probability and label
  columns by name or index;
* captured records plus ground-truth JSONL, merged here on the event id (the capture's
  ``inferenceId`` when present, else its ``eventId``; the ground truth's ``eventId``);
* records SageMaker's merge job already merged (``sagemakerMergeJson``): capture and
  ``groundTruthData`` on one line.

A capture payload or a ground-truth payload may hold several rows (CSV lines, a JSON list
or a ``{"instances": [...]}`` batch); rows are matched by (event id, position).
Attributes: for CSV payloads an index (``0``, ``_c0``); for JSON payloads a JSON path
relative to one row (``predicted_label``, ``$.scores[1]``, ``0`` for ``$[0]``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pyspark.sql import Column
from pyspark.sql import functions as F

from monitor_job.decode.capture import RAW, REASON, SKIPPED_REASONS
from monitor_job.errors import ConfigError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

FEATURES = "_mq_features"  # a bias run's endpointInput row (array<string>)
PRED = "_mq_pred"
PROB = "_mq_prob"
LABEL = "_mq_label"
ID = "_mq_id"
POS = "_mq_pos"
ORDER = "_mq_order"

POSITIONAL = re.compile(r"^_?c?(\d+)$")


@dataclass(frozen=True)
class Attributes:
    """Where prediction, probability and label are found."""

    prediction: str | None
    probability: str | None
    label: str | None
    features: str | None = None  # a JMESPath to the features in a captured JSON request


@dataclass(frozen=True)
class MergeCounts:
    """How captured rows and ground-truth rows met, by (event id, position)."""

    captured: int = 0
    ground_truth: int = 0
    matched: int = 0
    unmatched_capture: int = 0
    unmatched_ground_truth: int = 0
    duplicate_capture: int = 0  # rows dropped: same (id, position) seen again
    duplicate_ground_truth: int = 0

    def document(self) -> dict[str, int]:
        return {
            "captured": self.captured,
            "ground_truth": self.ground_truth,
            "matched": self.matched,
            "unmatched_capture": self.unmatched_capture,
            "unmatched_ground_truth": self.unmatched_ground_truth,
            "duplicate_capture": self.duplicate_capture,
            "duplicate_ground_truth": self.duplicate_ground_truth,
        }


@dataclass(frozen=True)
class Labelled:
    """The frame to compute metrics on (``PRED``, ``PROB``, ``LABEL`` strings), failures
    by reason (capture side and ground-truth side), and the merge counts if merged."""

    frame: DataFrame
    failed: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    samples: tuple[tuple[str, str], ...] = ()
    merge: MergeCounts | None = None
    notes: tuple[str, ...] = ()
    # with the endpointInput rows (bias): their column names (None: positional)
    feature_names: tuple[str | None, ...] = ()


def column_index(attribute: str, names: tuple[str, ...], what: str) -> int:
    """A column by name, else by position (``3`` or ``_c3``)."""
    if attribute in names:
        return names.index(attribute)
    match = POSITIONAL.match(attribute)
    if match and int(match.group(1)) < len(names):
        return int(match.group(1))
    raise ConfigError(
        f"{what} {attribute!r} is neither a column name nor an index of {list(names)}"
    )


def json_path(attribute: str) -> str:
    """``label`` -> ``$.label``; ``0`` -> ``$[0]``; ``$...`` unchanged."""
    if attribute.startswith("$"):
        return attribute
    if attribute.isdigit():
        return f"$[{attribute}]"
    if attribute.startswith("["):
        return "$" + attribute
    return "$." + attribute


def reason_counts(frame: DataFrame) -> tuple[dict[str, int], tuple[tuple[str, str], ...]]:
    """Failed rows by reason and up to 5 samples: one small aggregation."""
    rows = (
        frame.where(F.col(REASON).isNotNull())
        .groupBy(REASON)
        .agg(F.count("*").alias("n"), F.first(RAW, ignorenulls=True).alias("raw"))
        .collect()
    )
    counts = {str(r[REASON]): int(r["n"]) for r in rows}
    samples = tuple((str(r[REASON]), str(r["raw"])[:2000]) for r in rows if r["raw"])[:5]
    return counts, samples


def split_skipped(counts: dict[str, int]) -> tuple[dict[str, int], dict[str, int]]:
    skipped = {k: v for k, v in counts.items() if k in SKIPPED_REASONS}
    return {k: v for k, v in counts.items() if k not in skipped}, skipped


def labelled_from_table(frame: DataFrame, names: tuple[str, ...], attrs: Attributes) -> Labelled:
    """A labelled dataset's ``c<i>`` string columns -> ``PRED``, ``PROB``, ``LABEL``."""

    def pick(attribute: str | None, what: str) -> Column:
        if attribute is None:
            return F.lit(None).cast("string")
        return F.col(f"c{column_index(attribute, names, what)}")

    typed = frame.select(
        pick(attrs.prediction, "inference_attribute").alias(PRED),
        pick(attrs.probability, "probability_attribute").alias(PROB),
        pick(attrs.label, "ground_truth_attribute").alias(LABEL),
        F.col(REASON),
        F.col(RAW),
    ).cache()
    counts, samples = reason_counts(typed)
    good = typed.where(F.col(REASON).isNull()).select(PRED, PROB, LABEL)
    return Labelled(good, counts, {}, samples)
