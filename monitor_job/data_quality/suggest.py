"""Constraint suggestion in SageMaker's constraints.json vocabulary.

Rules are registered under stable ids (Deequ's rule names) in :data:`SUGGESTION_RULES`.
Defaults follow what the closed container *emits* (``datatype_check_threshold`` and
``domain_content_threshold`` 1.0, ``comparison_method`` Robust), not the docs' 0.1.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from monitor_job.data_quality.datatypes import NUMERIC_TYPES, STRING
from monitor_job.data_quality.profile import DatasetProfile, FeatureProfile

# Deequ ColumnProfiler's cardinality threshold for histograms / categorical ranges.
CATEGORICAL_MAX_DISTINCT = 120
# Deequ CategoricalRangeRule: at most this share of the categories may be singletons.
CATEGORICAL_MAX_SINGLETON_RATIO = 0.1

DEFAULT_MONITORING_CONFIG: dict[str, Any] = {
    "evaluate_constraints": "Enabled",
    "emit_metrics": "Enabled",
    "datatype_check_threshold": 1.0,
    "domain_content_threshold": 1.0,
    "distribution_constraints": {
        "perform_comparison": "Enabled",
        "comparison_threshold": 0.1,
        "comparison_method": "Robust",
        "categorical_comparison_threshold": 0.1,
        "categorical_drift_method": "LInfinity",
    },
}

Rule = Callable[[FeatureProfile, dict[str, Any]], None]


def _retain_type(feature: FeatureProfile, out: dict[str, Any]) -> None:
    out["inferred_type"] = feature.inferred_type


def _completeness(feature: FeatureProfile, out: dict[str, Any]) -> None:
    # The observed non-null share (the 2020 schema's "observed non-null value percentage").
    out["completeness"] = float(feature.completeness)


def _non_negative(feature: FeatureProfile, out: dict[str, Any]) -> None:
    stats = feature.numeric
    if feature.inferred_type in NUMERIC_TYPES and stats is not None and stats.num_present > 0:
        if stats.min >= 0.0:
            out.setdefault("num_constraints", {})["is_non_negative"] = True


def _categorical_range(feature: FeatureProfile, out: dict[str, Any]) -> None:
    stats = feature.string
    if feature.inferred_type != STRING or stats is None or not stats.buckets:
        return
    if len(stats.buckets) > CATEGORICAL_MAX_DISTINCT:
        return
    singletons = sum(1 for _, count in stats.buckets if count == 1)
    if singletons / len(stats.buckets) > CATEGORICAL_MAX_SINGLETON_RATIO:
        return
    out.setdefault("string_constraints", {})["domains"] = [v for v, _ in stats.buckets]


SUGGESTION_RULES: dict[str, Rule] = {
    "RetainTypeRule": _retain_type,
    "CompleteIfCompleteRule": _completeness,
    "NonNegativeNumbersRule": _non_negative,
    "CategoricalRangeRule": _categorical_range,
}


def suggest(profile: DatasetProfile, categorical_drift_method: str | None = None) -> dict[str, Any]:
    """constraints.json content for a baseline profile."""
    features = []
    for feature in profile.features:
        out: dict[str, Any] = {"name": feature.name}
        for rule in SUGGESTION_RULES.values():
            rule(feature, out)
        features.append(out)
    config = copy.deepcopy(DEFAULT_MONITORING_CONFIG)
    if categorical_drift_method:
        config["distribution_constraints"]["categorical_drift_method"] = categorical_drift_method
    return {"version": 0.0, "features": features, "monitoring_config": config}
