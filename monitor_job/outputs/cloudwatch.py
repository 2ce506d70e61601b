"""CloudWatch metrics of a monitoring run: the BYOC file, and PutMetricData outside SageMaker.

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

import json
import logging
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from monitor_job.analyzers import DatasetProfile
from monitor_job.checks import Evaluation
from monitor_job.checks.constraints import BaselineConstraints
from monitor_job.contract import JobConfig
from monitor_job.errors import MetricsPublishError
from monitor_job.outputs.writer import write_text_files

ENDPOINT_NAMESPACE = "aws/sagemaker/Endpoints/data-metrics"
BATCH_NAMESPACE = "aws/sagemaker/ModelMonitoring/data-metrics"
# Model quality (RESEARCH-NOTES §7.2): same dimensions, "model-metrics" namespaces.
MODEL_ENDPOINT_NAMESPACE = "aws/sagemaker/Endpoints/model-metrics"
MODEL_BATCH_NAMESPACE = "aws/sagemaker/ModelMonitoring/model-metrics"
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


def metric_target(config: JobConfig, model_quality: bool = False) -> MetricTarget:
    dims: list[tuple[str, str]] = []
    if config.endpoint_name:
        dims.append(("Endpoint", config.endpoint_name))
    if config.schedule_name:
        dims.append(("MonitoringSchedule", config.schedule_name))
    endpoint, batch = (
        (MODEL_ENDPOINT_NAMESPACE, MODEL_BATCH_NAMESPACE)
        if model_quality
        else (ENDPOINT_NAMESPACE, BATCH_NAMESPACE)
    )
    namespace = config.cloudwatch_namespace or (endpoint if config.endpoint_name else batch)
    when = config.metric_time or datetime.now(timezone.utc)
    return MetricTarget(namespace, tuple(dims), when)


def _line(target: MetricTarget, name: str, **value: Any) -> dict[str, Any]:
    return {
        "MetricName": name,
        "Timestamp": target.timestamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Dimensions": [{"Name": k, "Value": v} for k, v in target.dimensions],
        **value,
    }


def metric_lines(
    target: MetricTarget,
    window: DatasetProfile,
    evaluation: Evaluation,
    constraints: BaselineConstraints,
) -> list[dict[str, Any]]:
    """The BYOC lines of a run; empty when ``emit_metrics`` is Disabled."""
    if not constraints.config.emit_metrics:
        return []
    lines = [
        _line(target, "dataset_item_count", Value=float(window.item_count), Unit="Count"),
        _line(
            target,
            "dataset_records_failed",
            Value=float(sum(window.records_failed.values())),
            Unit="Count",
        ),
        _line(target, "dataset_violations", Value=float(len(evaluation.violations)), Unit="Count"),
    ]
    for feature in window.features:
        known = constraints.feature(feature.name)
        if known is not None and not known.config.emit_metrics:
            continue
        lines.append(_line(target, f"feature_non_null_{feature.name}", Value=feature.completeness))
        stats = feature.numeric
        if stats is not None and stats.num_present > 0:
            lines.append(
                _line(
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
                _line(target, f"feature_baseline_drift_{feature.name}", Value=drift.distance.value)
            )
    return [line for line in lines if _finite(line)]


def value_lines(target: MetricTarget, values: Mapping[str, float]) -> list[dict[str, Any]]:
    """One ``Value`` line per named value (model-quality metrics); non-finite ones dropped."""
    lines = [_line(target, name, Value=float(value)) for name, value in values.items()]
    return [line for line in lines if _finite(line)]


def _finite(line: dict[str, Any]) -> bool:
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


def emit(
    config: JobConfig, target: MetricTarget, lines: Sequence[dict[str, Any]], directory: str
) -> tuple[dict[str, Any], list[str], MetricsPublishError | None]:
    """Write the BYOC metrics file (when there are lines) into ``directory`` and, outside
    SageMaker Processing with publishing enabled, PutMetricData. Returns the summary entry,
    the files written, and a publish failure to raise once the outputs are complete."""
    summary: dict[str, Any] = {"namespace": target.namespace, "metrics": len(lines)}
    if not lines:
        return summary, [], None
    files = [write_metrics_file(directory, lines)]
    if not config.publish_cloudwatch_metrics:
        return summary, files, None
    if config.sagemaker_processing:
        summary["put_metric_data"] = {"status": "left to SageMaker (BYOC metrics file)"}
        return summary, files, None
    try:
        published = publish(target, lines)
    except MetricsPublishError as err:
        summary["put_metric_data"] = {"status": "failed", "error": str(err)}
        return summary, files, err
    summary["put_metric_data"] = {
        "status": "published",
        "calls": published.calls,
        "retries": published.retries,
    }
    log.info(
        "published %d metrics to CloudWatch %s in %d call(s), %d retried",
        published.datums,
        target.namespace,
        published.calls,
        published.retries,
    )
    return summary, files, None
