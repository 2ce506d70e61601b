"""Bias metrics for CloudWatch, as Clarify's bias monitor publishes them.

Namespace ``aws/sagemaker/Endpoints/bias-metrics`` (``.../ModelMonitoring/bias-metrics``
without an endpoint), names ``bias_metric_<SHORT>``, dimensions ``Endpoint``,
``MonitoringSchedule``, ``BiasStage`` (``Pre-training`` / ``Post-Training``), ``Label``,
``LabelValue``, ``Facet``, ``FacetValue``. Plus or minus infinity is published as
±2.348543e108, and a metric without a value (an error, FT not computed) is not published.
The lines go through the data-quality CloudWatch path (metrics file, batching, retries).
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from monitor_job.outputs.cloudwatch import MetricTarget

ENDPOINT_NAMESPACE = "aws/sagemaker/Endpoints/bias-metrics"
BATCH_NAMESPACE = "aws/sagemaker/ModelMonitoring/bias-metrics"
INFINITY_VALUE = 2.348543e108
STAGES = {
    "pre_training_bias_metrics": "Pre-training",
    "post_training_bias_metrics": "Post-Training",
}


def bias_target(endpoint: str | None, schedule: str | None, when: datetime) -> MetricTarget:
    dims = [("Endpoint", endpoint)] if endpoint else []
    if schedule:
        dims.append(("MonitoringSchedule", schedule))
    return MetricTarget(ENDPOINT_NAMESPACE if endpoint else BATCH_NAMESPACE, tuple(dims), when)


def bias_lines(target: MetricTarget, analysis: dict[str, Any]) -> list[dict[str, Any]]:
    lines = []
    stamp = target.timestamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    for stage, stage_name in STAGES.items():
        block = analysis.get(stage) or {}
        for facet, entries in (block.get("facets") or {}).items():
            for entry in entries:
                dims = [
                    *target.dimensions,
                    ("BiasStage", stage_name),
                    ("Label", str(block.get("label"))),
                    ("LabelValue", str(block.get("label_value_or_threshold"))),
                    ("Facet", facet),
                    ("FacetValue", str(entry["value_or_threshold"])),
                ]
                for metric in entry["metrics"]:
                    value = metric.get("value")
                    if value is None or (isinstance(value, float) and math.isnan(value)):
                        continue
                    if math.isinf(value):
                        value = math.copysign(INFINITY_VALUE, value)
                    lines.append(
                        {
                            "MetricName": f"bias_metric_{metric['name']}",
                            "Timestamp": stamp,
                            "Dimensions": [{"Name": k, "Value": v} for k, v in dims],
                            "Value": float(value),
                        }
                    )
    return lines
