"""The data-quality CloudWatch lines of a monitoring run.

Names (CONTRACT §7): per feature ``feature_non_null_<f>`` (completeness, 0..1),
``feature_data_<f>`` (``StatisticValues``: SampleCount, Sum, Minimum, Maximum of the
numeric values) and ``feature_baseline_drift_<f>`` (the drift distance, or the chi-square
p-value); per dataset ``dataset_item_count``, ``dataset_records_failed`` and
``dataset_violations`` (monitor-job's additions: the contract asks for dataset-level counts
without naming them). Namespace ``aws/sagemaker/Endpoints/data-metrics`` with dimensions
``Endpoint`` + ``MonitoringSchedule`` when an endpoint is named, else
``aws/sagemaker/ModelMonitoring/data-metrics`` with ``MonitoringSchedule``;
``cloudwatch_namespace`` overrides the namespace.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from monitor_job.contract import JobConfig
from monitor_job.data_quality.checks import Evaluation
from monitor_job.data_quality.custom import CheckValue
from monitor_job.data_quality.documents import BaselineConstraints
from monitor_job.data_quality.profile import DatasetProfile
from monitor_job.outputs import cloudwatch
from monitor_job.outputs.cloudwatch import MetricTarget, finite, metric_line

ENDPOINT_NAMESPACE = "aws/sagemaker/Endpoints/data-metrics"
BATCH_NAMESPACE = "aws/sagemaker/ModelMonitoring/data-metrics"


def metric_target(config: JobConfig) -> MetricTarget:
    return cloudwatch.target_for(config, ENDPOINT_NAMESPACE, BATCH_NAMESPACE)


def metric_lines(
    target: MetricTarget,
    window: DatasetProfile,
    evaluation: Evaluation,
    constraints: BaselineConstraints,
    checks: Sequence[CheckValue] = (),
) -> list[dict[str, Any]]:
    """The BYOC lines of a run; empty when ``emit_metrics`` is Disabled. Each custom
    check with a value is ``custom_<name>``."""
    if not constraints.config.emit_metrics:
        return []
    lines = [
        metric_line(target, "dataset_item_count", Value=float(window.item_count), Unit="Count"),
        metric_line(
            target,
            "dataset_records_failed",
            Value=float(sum(window.records_failed.values())),
            Unit="Count",
        ),
        metric_line(
            target, "dataset_violations", Value=float(len(evaluation.violations)), Unit="Count"
        ),
    ]
    for feature in window.features:
        known = constraints.feature(feature.name)
        if known is not None and not known.config.emit_metrics:
            continue
        lines.append(
            metric_line(target, f"feature_non_null_{feature.name}", Value=feature.completeness)
        )
        stats = feature.numeric
        if stats is not None and stats.num_present > 0:
            lines.append(
                metric_line(
                    target,
                    f"feature_data_{feature.name}",
                    StatisticValues={
                        "SampleCount": float(stats.num_present),
                        "Sum": stats.sum,
                        "Minimum": stats.min,
                        "Maximum": stats.max,
                    },
                )
            )
        drift = evaluation.drifts.get(feature.name)
        if drift is not None and math.isfinite(drift.distance.value):
            lines.append(
                metric_line(
                    target, f"feature_baseline_drift_{feature.name}", Value=drift.distance.value
                )
            )
    lines += [
        metric_line(target, f"custom_{c.check.name}", Value=c.value)
        for c in checks
        if c.value is not None
    ]
    return [line for line in lines if finite(line)]
