"""Bias metrics for CloudWatch, as Clarify's bias monitor publishes them.

Namespace ``aws/sagemaker/Endpoints/bias-metrics`` (``.../ModelMonitoring/bias-metrics``
without an endpoint), names ``bias_metric_<SHORT>``, dimensions ``Endpoint``,
``MonitoringSchedule``, ``BiasStage`` (``Pre-training`` / ``Post-Training``), ``Label``,
``LabelValue``, ``Facet``, ``FacetValue``. Plus or minus infinity is published as
±2.348543e108, and a metric without a value (an error, FT not computed) is not published.
The target is Clarify's (:mod:`monitor_job.clarify.cloudwatch`).
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from monitor_job.clarify.cloudwatch import BIAS, clarify_target
from monitor_job.outputs.cloudwatch import MetricTarget

INFINITY_VALUE = 2.348543e108
STAGES = {
    "pre_training_bias_metrics": "Pre-training",
    "post_training_bias_metrics": "Post-Training",
}


def bias_target(endpoint: str | None, schedule: str | None, when: datetime) -> MetricTarget:
    return clarify_target(BIAS, endpoint, schedule, when)


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
