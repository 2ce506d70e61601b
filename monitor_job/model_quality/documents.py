"""Model-quality statistics, constraints and violations in SageMaker's shapes (RESEARCH-NOTES §9).

* statistics: ``{"version": 0.0, "dataset": {"item_count", "evaluation_time"},
  "<problem>_metrics": {...}}``, each scalar metric ``{"value", "standard_deviation"}``;
* constraints: ``{"version": 0.0, "<problem>_constraints": {metric: {"threshold",
  "comparison_operator"}}}``; suggested thresholds are the baseline's values, as the
  container suggests them (no constraints on ``*_best_constant_classifier``, curves or the
  confusion matrix);
* violations: ``{"metric_name", "constraint_check_type", "description"}`` with the
  container's description ``Metric <name> with <value> +/- <std> was <operator>
  '<threshold>'`` and its camelCase names (``truePositiveRate``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from monitor_job.errors import BaselineError
from monitor_job.model_quality.metrics import Metric, QualityResult

SECTION = {
    "Regression": "regression",
    "BinaryClassification": "binary_classification",
    "MulticlassClassification": "multiclass_classification",
}
LESS = "LessThanThreshold"
GREATER = "GreaterThanThreshold"
# Violation when the window's value compares to the threshold this way.
OPERATORS = {
    LESS: lambda v, t: v < t,
    GREATER: lambda v, t: v > t,
    "LessThanOrEqualToThreshold": lambda v, t: v <= t,
    "GreaterThanOrEqualToThreshold": lambda v, t: v >= t,
}
# Metrics where larger is worse: a violation is a value above the baseline's.
ERROR_METRICS = frozenset({"mae", "mse", "rmse", "false_positive_rate", "false_negative_rate"})
SUGGESTED = {
    "Regression": ("mae", "mse", "rmse", "r2"),
    "BinaryClassification": (
        "recall",
        "precision",
        "accuracy",
        "true_positive_rate",
        "true_negative_rate",
        "false_positive_rate",
        "false_negative_rate",
        "auc",
        "f0_5",
        "f1",
        "f2",
    ),
    "MulticlassClassification": (
        "accuracy",
        "weighted_recall",
        "weighted_precision",
        "weighted_f0_5",
        "weighted_f1",
        "weighted_f2",
    ),
}


def statistics_document(result: QualityResult, evaluated: datetime) -> dict[str, Any]:
    stamp = evaluated.strftime("%Y-%m-%dT%H:%M:%S.") + f"{evaluated.microsecond // 1000:03d}Z"
    metrics = {k: v.document() if isinstance(v, Metric) else v for k, v in result.metrics.items()}
    return {
        "version": 0.0,
        "dataset": {"item_count": result.item_count, "evaluation_time": stamp},
        f"{SECTION[result.problem_type]}_metrics": metrics,
    }


def suggest_constraints(result: QualityResult) -> dict[str, Any]:
    scalars = result.scalars()
    constraints = {
        name: {
            "threshold": scalars[name].value,
            "comparison_operator": GREATER if name in ERROR_METRICS else LESS,
        }
        for name in SUGGESTED[result.problem_type]
        if name in scalars and math.isfinite(scalars[name].value)
    }
    return {"version": 0.0, f"{SECTION[result.problem_type]}_constraints": constraints}


@dataclass(frozen=True)
class QualityConstraint:
    metric: str
    threshold: float
    operator: str


def parse_constraints(
    document: Any, problem_type: str, source: str
) -> tuple[QualityConstraint, ...]:
    """Read a model-quality constraints file; it must be for ``problem_type``."""
    if not isinstance(document, Mapping):
        raise BaselineError(f"baseline_constraints {source} is not a JSON object")
    key = f"{SECTION[problem_type]}_constraints"
    section = document.get(key)
    if section is None:
        found = [k for k in document if str(k).endswith("_constraints")]
        raise BaselineError(
            f"baseline_constraints {source} has no {key} (problem_type={problem_type}); "
            f"found {found or 'no model-quality section'}"
        )
    if not isinstance(section, Mapping):
        raise BaselineError(f"baseline_constraints {source}: {key} is not an object")
    out = []
    for metric, spec in section.items():
        if not isinstance(spec, Mapping):
            raise BaselineError(f"baseline_constraints {source}: {key}.{metric} is not an object")
        operator = spec.get("comparison_operator")
        if operator not in OPERATORS:
            raise BaselineError(
                f"baseline_constraints {source}: {key}.{metric}.comparison_operator "
                f"{operator!r} is not one of {', '.join(OPERATORS)}"
            )
        try:
            # The docs warn of thresholds in scientific notation as strings: accept them.
            threshold = float(spec["threshold"])
        except (KeyError, TypeError, ValueError) as err:
            raise BaselineError(
                f"baseline_constraints {source}: {key}.{metric}.threshold "
                f"{spec.get('threshold')!r} is not a number"
            ) from err
        out.append(QualityConstraint(str(metric), threshold, str(operator)))
    return tuple(out)


def camel(name: str) -> str:
    """The container's violation names: ``true_positive_rate`` -> ``truePositiveRate``;
    names with digit parts (``f0_5``) stay as they are."""
    parts = name.split("_")
    if any(not p.isalpha() for p in parts):
        return name
    return parts[0] + "".join(p.capitalize() for p in parts[1:])


def java_number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    return repr(float(value))
