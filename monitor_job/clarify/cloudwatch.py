"""Where Clarify's monitors publish: ``aws/sagemaker/Endpoints/<kind>`` for an endpoint's
schedule, ``aws/sagemaker/ModelMonitoring/<kind>`` without an endpoint (batch transform),
with the ``Endpoint`` and ``MonitoringSchedule`` dimensions first. The lines go through the
data-quality CloudWatch path (metrics file, batching, retries)."""

from __future__ import annotations

from datetime import datetime

from monitor_job.outputs.cloudwatch import MetricTarget

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
