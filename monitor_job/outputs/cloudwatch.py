"""CloudWatch metrics of a run, whatever its monitor type: the BYOC metrics file, and
PutMetricData (batched, retried) outside SageMaker. Each type names its namespace and its
lines (its ``cloudwatch.py``)."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from monitor_job.contract import JobConfig
from monitor_job.errors import MetricsPublishError
from monitor_job.outputs.writer import write_text_files

METRICS_FILE = "cloudwatch_metrics.jsonl"
# PutMetricData limits: 1000 datums and 1 MB of request per call; stay well inside both.
MAX_DATUMS_PER_CALL = 1000
MAX_PAYLOAD_BYTES = 800_000
MAX_ATTEMPTS = 8  # in all, per call; botocore "standard" mode: exponential backoff + jitter

log = logging.getLogger("monitor_job")


@dataclass(frozen=True)
class MetricTarget:
    namespace: str
    dimensions: tuple[tuple[str, str], ...]
    timestamp: datetime


def target_for(config: JobConfig, endpoint_namespace: str, batch_namespace: str) -> MetricTarget:
    """Where a run's metrics go: ``cloudwatch_namespace``, else the type's endpoint namespace
    when an endpoint is named, else its batch namespace; dimensions ``Endpoint`` and
    ``MonitoringSchedule`` when named; the window's end (``metric_time``) or now."""
    dims: list[tuple[str, str]] = []
    if config.endpoint_name:
        dims.append(("Endpoint", config.endpoint_name))
    if config.schedule_name:
        dims.append(("MonitoringSchedule", config.schedule_name))
    namespace = config.cloudwatch_namespace or (
        endpoint_namespace if config.endpoint_name else batch_namespace
    )
    when = config.metric_time or datetime.now(timezone.utc)
    return MetricTarget(namespace, tuple(dims), when)


def metric_line(target: MetricTarget, name: str, **value: Any) -> dict[str, Any]:
    return {
        "MetricName": name,
        "Timestamp": target.timestamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Dimensions": [{"Name": k, "Value": v} for k, v in target.dimensions],
        **value,
    }


def value_lines(target: MetricTarget, values: Mapping[str, float]) -> list[dict[str, Any]]:
    """One ``Value`` line per named value (model-quality metrics); non-finite ones dropped."""
    lines = [metric_line(target, name, Value=float(value)) for name, value in values.items()]
    return [line for line in lines if finite(line)]


def finite(line: dict[str, Any]) -> bool:
    values = [line.get("Value"), *(line.get("StatisticValues") or {}).values()]
    return all(v is None or math.isfinite(v) for v in values)


def write_metrics_file(directory: str, lines: Sequence[dict[str, Any]]) -> str:
    text = "".join(json.dumps(line, allow_nan=False) + "\n" for line in lines)
    return write_text_files(directory, {METRICS_FILE: text})[0]


def _datum(line: dict[str, Any]) -> dict[str, Any]:
    datum = dict(line)
    datum["Timestamp"] = datetime.strptime(line["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=timezone.utc
    )
    if not datum["Dimensions"]:
        del datum["Dimensions"]
    return datum


def batches(lines: Sequence[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """Consecutive chunks within the per-call datum count and (estimated) payload size."""
    batch: list[dict[str, Any]] = []
    size = 0
    for line in lines:
        cost = len(json.dumps(line)) + 64
        if batch and (len(batch) >= MAX_DATUMS_PER_CALL or size + cost > MAX_PAYLOAD_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(line)
        size += cost
    if batch:
        yield batch


@dataclass(frozen=True)
class Published:
    datums: int
    calls: int
    retries: int


def publish(target: MetricTarget, lines: Sequence[dict[str, Any]]) -> Published:
    """PutMetricData, batched, with botocore's standard retry (backoff on throttling)."""
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    client = boto3.client(
        "cloudwatch",
        config=Config(retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS}),
    )
    calls = retries = sent = 0
    for batch in batches(lines):
        try:
            response = client.put_metric_data(
                Namespace=target.namespace,
                MetricData=[_datum(line) for line in batch],  # type: ignore[misc]
            )
        except (ClientError, BotoCoreError) as err:
            raise MetricsPublishError(
                f"PutMetricData to {target.namespace} failed after {sent} of {len(lines)} "
                f"metrics were published: {err}; the output files are complete"
            ) from err
        calls += 1
        sent += len(batch)
        retries += int(response.get("ResponseMetadata", {}).get("RetryAttempts", 0))
    return Published(sent, calls, retries)


@dataclass
class Metrics:
    """A run's metrics: its summary entry, the metrics file written, and the lines that
    PutMetricData publishes once the run's outputs are stored where ``output_path`` says
    (:meth:`publish`, called by the run's end): an alarm never fires for a run whose files
    are not there."""

    summary: dict[str, Any]
    files: list[str]
    target: MetricTarget | None = None  # None: nothing to publish to CloudWatch here
    lines: Sequence[dict[str, Any]] = ()  # the metrics file's lines (also for a Pushgateway)

    def publish(self) -> MetricsPublishError | None:
        """PutMetricData, its outcome recorded in :attr:`summary`; a failure returned, to
        raise once everything else is done."""
        if self.target is None:
            return None
        try:
            published = publish(self.target, self.lines)
        except MetricsPublishError as err:
            self.summary["put_metric_data"] = {"status": "failed", "error": str(err)}
            return err
        self.summary["put_metric_data"] = {
            "status": "published",
            "calls": published.calls,
            "retries": published.retries,
        }
        log.info(
            "published %d metrics to CloudWatch %s in %d call(s), %d retried",
            published.datums,
            self.target.namespace,
            published.calls,
            published.retries,
        )
        return None


PENDING = "pending: published once the outputs are stored"


def emit(
    config: JobConfig, target: MetricTarget, lines: Sequence[dict[str, Any]], directory: str
) -> Metrics:
    """Write the BYOC metrics file (when there are lines) into ``directory``; outside
    SageMaker Processing with publishing enabled, the lines are left to
    :meth:`Metrics.publish`."""
    summary: dict[str, Any] = {"namespace": target.namespace, "metrics": len(lines)}
    if not lines:
        return Metrics(summary, [])
    files = [write_metrics_file(directory, lines)]
    if not config.publish_cloudwatch_metrics:
        return Metrics(summary, files, None, lines)
    if config.sagemaker_processing:
        summary["put_metric_data"] = {"status": "left to SageMaker (BYOC metrics file)"}
        return Metrics(summary, files, None, lines)
    summary["put_metric_data"] = {"status": PENDING}
    return Metrics(summary, files, target, lines)
