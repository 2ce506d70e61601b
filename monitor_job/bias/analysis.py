"""The bias analysis: a frame of named columns (a labelled dataset with the model's
predictions for post-training metrics, or merged captures) in, Clarify's ``analysis.json``
and the cell counts behind it out.

Facets and labels are matched as Clarify matches them: a single number against a column
Clarify would call continuous is a threshold (the group is the values above it); anything
else is a list of values. Clarify calls a column continuous when it holds fractional numbers,
or integers with a distinct-value share of at least 5%; here that share is read from the
first lines of the dataset (the full data is scanned once, for the counts only).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from monitor_job.bias.config import BiasConfig, Facet, Value
from monitor_job.bias.documents import analysis_document, render
from monitor_job.bias.flip import flip_test
from monitor_job.bias.metrics import Counts, MetricValue, Undefined, compute, count_cells
from monitor_job.bias.records import read_dataset
from monitor_job.errors import ConfigError, EmptyInputError

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

SAMPLE_ROWS = 200
UNIQUENESS_THRESHOLD = 0.05  # Clarify's (smclarify.bias.metrics.constants)


def _number(text: object) -> float | None:
    try:
        value = float(str(text))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def continuous(sample: Sequence[object]) -> bool:
    """Clarify's rule for a numeric column: fractional values, or many distinct integers."""
    present = [s for s in sample if s is not None and str(s) != ""]
    numbers = [_number(s) for s in present]
    if not present or any(n is None for n in numbers):
        return False
    if any(n is not None and not n.is_integer() for n in numbers):
        return True
    return len(set(numbers)) / len(numbers) >= UNIQUENESS_THRESHOLD


def positive(column: Column, values: Sequence[Value], sample: Sequence[object]) -> Column:
    """The record is in the group: above the one threshold, or one of the values."""
    from pyspark.sql import functions as F

    numbers = [v for v in values if isinstance(v, float)]
    if len(values) == 1 and numbers and continuous(sample):
        return column.cast("double") > F.lit(numbers[0])
    match = [
        column.cast("double") == F.lit(v) if isinstance(v, float) else column == F.lit(v)
        for v in values
    ]
    out = match[0]
    for more in match[1:]:
        out = out | more
    return out


def _resolve(frame: DataFrame, name: str, key: str) -> str:
    if name in frame.columns:
        return name
    if name.isdigit() and int(name) < len(frame.columns):
        return frame.columns[int(name)]
    raise ConfigError(f"analysis_config: {key} {name!r} is not a column of the dataset")


def _flip(frame: DataFrame, features: list[str], facet: Column, predicted: Column) -> MetricValue:
    """FT of one facet (:mod:`monitor_job.bias.flip`), or why it has no value."""
    try:
        return MetricValue("FT", flip_test(frame, features, facet, predicted))
    except Undefined as why:
        return MetricValue("FT", None, str(why))


def run_bias_analysis(
    spark: SparkSession, config: BiasConfig, dataset: str
) -> tuple[dict[str, Any], dict[tuple[str, str], Counts]]:
    """analysis.json for the CSV ``dataset``, and the counts behind it by (facet, value)."""
    frame, config = read_dataset(spark, dataset, config)
    return analyse(frame, config, dataset)


def analyse(
    frame: DataFrame, config: BiasConfig, where: str
) -> tuple[dict[str, Any], dict[tuple[str, str], Counts]]:
    """analysis.json for a frame of named columns, and the counts behind it by (facet,
    value): one scan for the counts of every facet."""
    from pyspark.sql import functions as F

    label = _resolve(frame, config.label, "label")
    facets = [(f, _resolve(frame, f.column, "facet name_or_index")) for f in config.facets]
    predicted = (
        _resolve(frame, config.predicted_label, "predicted_label")
        if config.predicted_label
        else None
    )
    group = (
        _resolve(frame, config.group_variable, "group_variable") if config.group_variable else None
    )
    sample = frame.limit(SAMPLE_ROWS).collect()
    if not sample:
        raise EmptyInputError(f"no data: {where} holds no rows")

    def column_sample(name: str) -> list[object]:
        return [row[name] for row in sample]

    label_flag = positive(F.col(label), config.label_values, column_sample(label))
    predicted_flag = None
    if predicted is not None:
        values = column_sample(predicted)
        if continuous(values) and not continuous(column_sample(label)):
            # Probabilities: positive above probability_threshold, as Clarify reads them.
            predicted_flag = F.col(predicted).cast("double") > F.lit(config.probability_threshold)
        else:
            predicted_flag = positive(F.col(predicted), config.label_values, values)
    facet_flags = [positive(F.col(name), f.values, column_sample(name)) for f, name in facets]
    counts = count_cells(
        frame, facet_flags, label_flag, predicted_flag, F.col(group) if group else None
    )
    by_value = {
        (name, render(facet.values)): facet_counts
        for (facet, name), facet_counts in zip(facets, counts, strict=True)
    }
    stages: dict[str, dict[str, list[tuple[Facet, list[MetricValue]]]]] = {}
    for key, names in (
        ("post_training_bias_metrics", config.post_training),
        ("pre_training_bias_metrics", config.pre_training),
    ):
        if not names:
            continue
        by_facet = stages.setdefault(key, {})
        for (facet, name), flag, facet_counts in zip(facets, facet_flags, counts, strict=True):
            metrics = compute(facet_counts, names)
            if "FT" in names and predicted is not None and predicted_flag is not None:
                features = [c for c in frame.columns if c not in (name, label, predicted)]
                metrics = [
                    _flip(frame, features, flag, predicted_flag) if m.name == "FT" else m
                    for m in metrics
                ]
            by_facet.setdefault(name, []).append((facet, metrics))
    return analysis_document(label, config.label_values, stages), by_value
