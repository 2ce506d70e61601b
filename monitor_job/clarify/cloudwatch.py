"""Where Clarify's monitors publish: ``aws/sagemaker/Endpoints/<kind>`` for an endpoint's
schedule, ``aws/sagemaker/ModelMonitoring/<kind>`` without an endpoint (batch transform),
with the ``Endpoint`` and ``MonitoringSchedule`` dimensions first. The lines go through the
data-quality CloudWatch path (metrics file, batching, retries)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from monitor_job.contract import JobConfig
from monitor_job.outputs.area import OutputArea
from monitor_job.outputs.cloudwatch import Metrics, MetricTarget, emit

BIAS = "bias-metrics"
EXPLAINABILITY = "explainability-metrics"


def namespace(kind: str, endpoint: str | None) -> str:
    return f"aws/sagemaker/{'Endpoints' if endpoint else 'ModelMonitoring'}/{kind}"


def clarify_target(
    kind: str, endpoint: str | None, schedule: str | None, when: datetime
) -> MetricTarget:
    dims = [("Endpoint", endpoint)] if endpoint else []
    if schedule:
        dims.append(("MonitoringSchedule", schedule))
    return MetricTarget(namespace(kind, endpoint), tuple(dims), when)


def emit_clarify(
    config: JobConfig,
    area: OutputArea,
    target: Callable[[str | None, str | None, datetime], MetricTarget],
    lines: Callable[[MetricTarget], list[dict[str, Any]]],
) -> Metrics:
    """A Clarify run's metrics: the metrics file, and PutMetricData when asked (once the
    outputs are stored: :meth:`Metrics.publish`)."""
    when = config.metric_time or datetime.now(timezone.utc)
    chosen = target(config.endpoint_name, config.schedule_name, when)
    return emit(config, chosen, lines(chosen), area.local_for(config.cloudwatch_metrics_directory))
