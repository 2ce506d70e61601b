"""The model-quality checks against a baseline: the constraints a monitoring run checks
(``baseline_constraints``, else suggested from a model-quality ``baseline_statistics``), and
the violations of this run's metrics."""

from __future__ import annotations

import math
from typing import Any

from monitor_job.contract import JobConfig
from monitor_job.errors import BaselineError
from monitor_job.io.documents import read_json
from monitor_job.model_quality.documents import (
    OPERATORS,
    SECTION,
    QualityConstraint,
    camel,
    java_number,
    parse_constraints,
    suggest_constraints,
)
from monitor_job.model_quality.metrics import Metric, QualityResult


def load_quality_constraints(config: JobConfig) -> tuple[QualityConstraint, ...] | None:
    """The constraints a model-quality monitoring run checks (read before Spark starts):
    ``baseline_constraints``, else suggested from a model-quality ``baseline_statistics``."""
    if not config.is_monitoring:
        return None
    assert config.problem_type is not None
    if config.baseline_constraints:
        document = read_json(config.baseline_constraints, "baseline_constraints")
        return parse_constraints(document, config.problem_type, config.baseline_constraints)
    assert config.baseline_statistics is not None
    stats = read_json(config.baseline_statistics, "baseline_statistics")
    section = f"{SECTION[config.problem_type]}_metrics"
    if not isinstance(stats, dict) or not isinstance(stats.get(section), dict):
        raise BaselineError(
            f"baseline_statistics {config.baseline_statistics} has no {section}; "
            "give baseline_constraints"
        )
    metrics: dict[str, Any] = {}
    for name, value in stats[section].items():
        if isinstance(value, dict) and isinstance(value.get("value"), (int, float)):
            metrics[name] = Metric(float(value["value"]), float("nan"))
    document = suggest_constraints(QualityResult(config.problem_type, 0, metrics, {}))
    return parse_constraints(document, config.problem_type, config.baseline_statistics)


def violations(
    constraints: tuple[QualityConstraint, ...], result: QualityResult
) -> tuple[list[dict[str, str]], list[str]]:
    """Violations, and notes on constraints that name a metric this run does not compute."""
    scalars = result.scalars()
    found, notes = [], []
    for c in constraints:
        metric = scalars.get(c.metric)
        if metric is None:
            notes.append(f"constraint on {c.metric}: not a {result.problem_type} metric, skipped")
            continue
        if math.isnan(metric.value) or not OPERATORS[c.operator](metric.value, c.threshold):
            continue
        name = camel(c.metric)
        found.append(
            {
                "metric_name": name,
                "constraint_check_type": c.operator,
                "description": (
                    f"Metric {name} with {java_number(metric.value)} +/- {java_number(metric.std)} "
                    f"was {c.operator} '{java_number(c.threshold)}'"
                ),
            }
        )
    return found, notes
