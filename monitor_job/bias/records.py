"""The records a bias run reads: a labelled CSV dataset (Clarify's ``headers`` naming its
columns when it has none), or captures merged with ground truth (the model-quality merge
and its counts, or merged records) as named columns: the endpointInput row's features, the
label and the prediction."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from monitor_job.bias.config import BiasConfig
from monitor_job.clarify.dataset import has_header_row, named_columns
from monitor_job.clarify.jsonlines import JSONLINES
from monitor_job.contract import JobConfig
from monitor_job.decode import jmespaths
from monitor_job.errors import ConfigError, EmptyInputError
from monitor_job.groundtruth.read import read_labelled
from monitor_job.groundtruth.records import FEATURES, LABEL, ORDER, PRED, PROB, MergeCounts

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

log = logging.getLogger("monitor_job")


def read_dataset(
    spark: SparkSession, path: str, config: BiasConfig
) -> tuple[DataFrame, BiasConfig]:
    """The dataset as named columns, and the config naming its label and prediction."""
    if config.dataset_type == JSONLINES:
        return read_jsonlines(spark, path, config)
    header = has_header_row(config.headers)
    frame = spark.read.option("header", header).option("mode", "PERMISSIVE").csv(path)
    return frame.toDF(*named_columns(frame.columns, config.headers, f"the dataset {path}")), config


def read_jsonlines(
    spark: SparkSession, path: str, config: BiasConfig
) -> tuple[DataFrame, BiasConfig]:
    """A JSON Lines dataset: the features list at ``features`` as columns named by
    ``headers`` (a last extra header names the label), else by position; the label and
    the prediction at their JMESPaths. A line without a features list of the first line's
    width is left out and counted in the log."""
    from pyspark.sql import functions as F

    assert config.features is not None
    lines = spark.read.text(path)
    rows = lines.select(
        jmespaths.values(F.col("value"), config.features, "analysis_config: features").alias("_f"),
        jmespaths.value(F.col("value"), config.label, "analysis_config: label").alias("_l"),
        (
            jmespaths.value(
                F.col("value"), config.predicted_label, "analysis_config: predicted_label"
            )
            if config.predicted_label
            else F.lit(None).cast("string")
        ).alias("_p"),
    )
    first = rows.where(F.col("_f").isNotNull()).select(F.size("_f")).limit(1).collect()
    if not first:
        raise EmptyInputError(f"no line of {path} has a features list at {config.features!r}")
    width = int(first[0][0])
    names = list(config.headers or ())
    if names and len(names) not in (width, width + 1):
        raise ConfigError(
            f"analysis_config: headers name {len(names)} columns; the features lists have "
            f"{width} values (headers name the features, then optionally the label)"
        )
    columns = names[:width] if names else [str(i) for i in range(width)]
    label = names[width] if len(names) > width else config.label
    label = label if label not in columns else f"{label}_label"
    good = F.col("_f").isNotNull() & (F.size("_f") == width)
    [[bad]] = rows.agg(F.count(F.when(~good, 1))).collect()
    if bad:
        log.warning("records failed: %d x no features list of %d values", bad, width)
    frame = rows.where(good).select(
        *(F.col("_f")[i].alias(name) for i, name in enumerate(columns)),
        F.col("_l").alias(label),
        F.col("_p").alias(PREDICTED),
    )
    predicted = PREDICTED if config.predicted_label else None
    return frame, replace(config, label=label, predicted_label=predicted, headers=None)


PREDICTED = "predicted_label"  # the captured prediction's column when the config names none


def captured_frame(
    features: DataFrame, names: Sequence[str | None], config: BiasConfig
) -> tuple[DataFrame, BiasConfig]:
    """Merged captures (the endpointInput row, prediction, probability, label; see
    :func:`monitor_job.groundtruth.captures.labelled_from_captures`) as the named columns
    :func:`analyse` reads, and the config that names them.

    Feature columns are named as Clarify names them: by the JSON keys of the endpoint's
    input, else by ``headers`` without the label (the captured input holds the features
    only), else by position (``0``, ``1``, ...: a facet's ``name_or_index`` may be one).
    The prediction is the inference attribute's value, else the probability's.
    """
    from pyspark.sql import functions as F

    width = len(names)
    if all(n is not None for n in names):
        columns = [str(n) for n in names]
    elif config.headers is not None:
        columns = [h for h in config.headers if h not in (config.label, config.predicted_label)]
        if len(columns) != width:
            raise ConfigError(
                f"analysis_config: headers name {len(columns)} feature columns besides the "
                f"label, the captured endpointInput rows have {width}"
            )
    else:
        columns = [str(i) for i in range(width)]
    label = config.label if config.label not in columns else f"{config.label}_label"
    predicted = config.predicted_label or PREDICTED
    # In the order the records were captured: the flip test's k-NN breaks ties between
    # equally near neighbours by it, as smclarify does by the dataset's order.
    frame = features.orderBy(ORDER).select(
        *(F.col(FEATURES)[i].alias(name) for i, name in enumerate(columns)),
        F.col(LABEL).alias(label),
        F.coalesce(F.col(PRED), F.col(PROB)).alias(predicted),
    )
    return frame, replace(config, label=label, predicted_label=predicted, headers=None)


@dataclass(frozen=True)
class Records:
    """What reading captured records left out (nothing, for a CSV dataset)."""

    failed: Mapping[str, int] = field(default_factory=dict)
    skipped: Mapping[str, int] = field(default_factory=dict)
    samples: tuple[tuple[str, str], ...] = ()
    merge: MergeCounts | None = None
    notes: tuple[str, ...] = ()


def captured(
    spark: SparkSession, config: JobConfig, analysis: BiasConfig
) -> tuple[DataFrame, BiasConfig, Records]:
    """Captures merged with ground truth (the model-quality merge and its counts), or
    merged records, as the bias analysis's frame."""
    labelled, notes = read_labelled(spark, config, features=True)
    for reason, count in sorted(labelled.failed.items()):
        log.warning("records failed: %d x %s", count, reason)
    if config.probability_threshold_attribute is not None:
        analysis = replace(analysis, probability_threshold=config.probability_threshold_attribute)
    frame, analysis = captured_frame(labelled.frame, labelled.feature_names, analysis)
    records = Records(
        labelled.failed,
        labelled.skipped,
        labelled.samples,
        labelled.merge,
        (*notes, *labelled.notes),
    )
    return frame, analysis, records
