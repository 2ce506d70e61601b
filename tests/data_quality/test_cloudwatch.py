"""CloudWatch metrics: names, switches, namespaces, batching, and retries on real throttling.

Throttling comes from a small HTTP proxy on 127.0.0.1 in front of the moto server: it answers
the first PutMetricData calls with CloudWatch's own Throttling error, in the protocol the
request used (JSON or rpc-v2-cbor), and forwards everything else, so botocore's real retry
logic runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import boto3
import pytest

from monitor_job.contract import config_from_mapping
from monitor_job.data_quality.checks import evaluate
from monitor_job.data_quality.cloudwatch import metric_lines, metric_target
from monitor_job.data_quality.documents import parse_constraints
from monitor_job.data_quality.profile import (
    DatasetProfile,
    FeatureProfile,
    NumericStats,
    StringStats,
)
from monitor_job.errors import MetricsPublishError
from monitor_job.outputs import cloudwatch
from monitor_job.outputs.cloudwatch import batches, publish
from tests.proxy import ForwardingProxy

WHEN = datetime(2024, 3, 1, 12, tzinfo=timezone.utc)


def _cbor_text(value: str) -> bytes:
    data = value.encode()
    assert len(data) < 256
    return (bytes([0x60 + len(data)]) if len(data) < 24 else bytes([0x78, len(data)])) + data


THROTTLING_JSON = b'{"__type": "Throttling", "message": "Rate exceeded"}'
THROTTLING_CBOR = (
    b"\xa2"
    + _cbor_text("__type")
    + _cbor_text("com.amazonaws.cloudwatch#Throttling")
    + _cbor_text("message")
    + _cbor_text("Rate exceeded")
)


class ThrottlingProxy(ForwardingProxy):
    """Answers the first ``throttle`` PutMetricData calls with Throttling (JSON or CBOR
    protocol, as the client speaks), forwards everything else to moto."""

    def __init__(self, upstream: str, throttle: int) -> None:
        self.remaining = throttle
        self.throttled = 0
        self.forwarded_puts = 0
        super().__init__(upstream, fault=self._throttle)

    def _throttle(
        self, method: str, path: str, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes] | None:
        cbor = path.endswith("/PutMetricData")
        is_put = cbor or headers.get("X-Amz-Target", "").endswith(".PutMetricData")
        if not (is_put and self.remaining > 0):
            self.forwarded_puts += int(is_put)
            return None
        self.remaining -= 1
        self.throttled += 1
        extra = {
            "Content-Type": "application/cbor" if cbor else "application/x-amz-json-1.0",
            "x-amzn-query-error": "Throttling;Sender",
        }
        if cbor:
            extra["smithy-protocol"] = "rpc-v2-cbor"
        return 400, extra, THROTTLING_CBOR if cbor else THROTTLING_JSON


def profile() -> DatasetProfile:
    num = NumericStats(8, 2, 2.5, 20.0, 1.0, 1.0, 4.0, None)
    text = StringStats(10, 0, 2.0, (("a", 6), ("b", 4)))
    return DatasetProfile(
        10,
        (
            FeatureProfile("x", "Integral", 0.8, {"Integral": 8.0}, numeric=num),
            FeatureProfile("s", "String", 1.0, {"String": 10.0}, string=text, in_domain=10),
        ),
        records_failed={"bad base64": 3},
    )


def constraints(**edits: Any) -> Any:
    doc: dict[str, Any] = {
        "features": [
            {"name": "x", "inferred_type": "Integral", "completeness": 1.0},
            {"name": "s", "inferred_type": "String", "string_constraints": {"domains": ["a"]}},
        ],
        "monitoring_config": {"emit_metrics": edits.pop("emit", "Enabled")},
    }
    for name, override in edits.items():
        next(f for f in doc["features"] if f["name"] == name)["monitoring_config_overrides"] = (
            override
        )
    return parse_constraints(doc)


def config(**env: str) -> Any:
    return config_from_mapping(
        {
            "dataset_format": {"csv": {}},
            "dataset_source": "/in",
            "output_path": "/out",
            "metric_time": "2024-03-01T12:00:00Z",
            **env,
        }
    )


def lines_for(cfg: Any, cons: Any) -> list[dict[str, Any]]:
    prof = profile()
    return metric_lines(metric_target(cfg), prof, evaluate(cons, prof, prof), cons)


def test_metric_names_values_and_dimensions() -> None:
    lines = lines_for(config(sagemaker_endpoint_name="ep"), constraints())
    by_name = {line["MetricName"]: line for line in lines}
    assert by_name["feature_non_null_x"]["Value"] == 0.8
    assert by_name["feature_data_x"]["StatisticValues"] == {
        "SampleCount": 8.0,
        "Sum": 20.0,
        "Minimum": 1.0,
        "Maximum": 4.0,
    }
    assert by_name["feature_baseline_drift_s"]["Value"] == 0.0  # same profile both sides
    assert by_name["dataset_records_failed"]["Value"] == 3.0
    assert by_name["dataset_violations"]["Value"] == 1.0  # x completeness 0.8 < 1.0
    assert "feature_data_s" not in by_name
    assert all(line["Timestamp"] == "2024-03-01T12:00:00Z" for line in lines)
    assert all(line["Dimensions"] == [{"Name": "Endpoint", "Value": "ep"}] for line in lines)
    assert metric_target(config(sagemaker_endpoint_name="ep")).namespace == (
        "aws/sagemaker/Endpoints/data-metrics"
    )


def test_batch_namespace_and_override() -> None:
    batch = metric_target(config(sagemaker_monitoring_schedule_name="sched"))
    assert batch.namespace == "aws/sagemaker/ModelMonitoring/data-metrics"
    assert batch.dimensions == (("MonitoringSchedule", "sched"),)
    assert metric_target(config(cloudwatch_namespace="team/dq")).namespace == "team/dq"


def test_emit_metrics_switches() -> None:
    assert lines_for(config(), constraints(emit="Disabled")) == []
    names = {
        line["MetricName"]
        for line in lines_for(config(), constraints(x={"emit_metrics": "Disabled"}))
    }
    assert not [n for n in names if n.endswith("_x")]
    assert "feature_non_null_s" in names


def test_batches_respect_count_and_size_limits() -> None:
    small = [{"MetricName": f"m{i}", "Value": 1.0} for i in range(2500)]
    sizes = [len(b) for b in batches(small)]
    assert sizes == [1000, 1000, 500]
    big = [{"MetricName": "m", "Dimensions": [{"Name": "d", "Value": "v" * 1000}] * 30}] * 100
    chunks = list(batches(big))
    assert sum(len(b) for b in chunks) == 100 and len(chunks) > 1
    assert all(sum(len(str(x)) for x in b) < cloudwatch.MAX_PAYLOAD_BYTES for b in chunks)


@pytest.fixture
def metrics_lines() -> Iterator[list[dict[str, Any]]]:
    yield lines_for(config(sagemaker_endpoint_name="ep-throttle"), constraints())


def test_publish_retries_throttling_then_succeeds(aws, monkeypatch, metrics_lines) -> None:
    with ThrottlingProxy(aws, throttle=2) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        target = metric_target(config(sagemaker_endpoint_name="ep-throttle"))
        result = publish(target, metrics_lines)
    assert proxy.throttled == 2 and proxy.forwarded_puts == 1
    assert result.retries == 2 and result.calls == 1 and result.datums == len(metrics_lines)
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws)
    listed = boto3.client("cloudwatch").list_metrics(
        Namespace=target.namespace, Dimensions=[{"Name": "Endpoint", "Value": "ep-throttle"}]
    )["Metrics"]
    assert {m["MetricName"] for m in listed} == {line["MetricName"] for line in metrics_lines}


def test_publish_gives_up_with_a_clear_error(aws, monkeypatch, metrics_lines) -> None:
    monkeypatch.setattr(cloudwatch, "MAX_ATTEMPTS", 2)
    with ThrottlingProxy(aws, throttle=100) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        target = metric_target(config(sagemaker_endpoint_name="ep-down"))
        with pytest.raises(MetricsPublishError, match=r"after 0 of \d+ metrics.*Throttling"):
            publish(target, metrics_lines)
    assert proxy.throttled == 2 and proxy.forwarded_puts == 0
