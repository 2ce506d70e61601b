"""Explainability metrics for CloudWatch, as Clarify's explainability monitor publishes
them: per label, ``feature_<name>`` (its global SHAP value, ``ValueType=GlobalShapValues``)
and ``ExpectedValue`` (``ValueType=ExpectedValue``), dimensions ``Endpoint``,
``MonitoringSchedule``, ``ExplainabilityMethod=KernelShap``, ``Label``, ``ValueType``; in
``aws/sagemaker/Endpoints/explainability-metrics`` (``.../ModelMonitoring/...`` without an
endpoint)."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from monitor_job.clarify.cloudwatch import EXPLAINABILITY, clarify_target
from monitor_job.explainability.documents import kernel_shap
from monitor_job.outputs.cloudwatch import MetricTarget


def explainability_target(
    endpoint: str | None, schedule: str | None, when: datetime
) -> MetricTarget:
    return clarify_target(EXPLAINABILITY, endpoint, schedule, when)


def explainability_lines(target: MetricTarget, analysis: dict[str, Any]) -> list[dict[str, Any]]:
    stamp = target.timestamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    lines = []
    for label, entry in kernel_shap(analysis).items():
        values = [
            (f"feature_{name}", "GlobalShapValues", value)
            for name, value in (entry.get("global_shap_values") or {}).items()
        ]
        values.append(("ExpectedValue", "ExpectedValue", entry.get("expected_value")))
        for name, kind, value in values:
            if not isinstance(value, (int, float)) or not math.isfinite(value):
                continue
            dims = [
                *target.dimensions,
                ("ExplainabilityMethod", "KernelShap"),
                ("Label", label),
                ("ValueType", kind),
            ]
            lines.append(
                {
                    "MetricName": name,
                    "Timestamp": stamp,
                    "Dimensions": [{"Name": k, "Value": v} for k, v in dims],
                    "Value": float(value),
                }
            )
    return lines
