"""``prometheus_pushgateway``: a run's metrics and outcome pushed to a real Pushgateway
(Debian's ``prometheus-pushgateway``, started on loopback by the fixture; ``.ci/run``
installs it), read back from its ``/metrics``: the values of the run's CloudWatch metrics
file under the same names, grouped by job, endpoint, schedule and analysis type; a failed
run updates the outcome and keeps the last good run's metrics; a gateway that does not
answer never fails a run."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor_job.cli import main
from monitor_job.errors import EXIT_EMPTY_INPUT, EXIT_OK
from tests.datasets import mixed_frame, write_csv


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def pushgateway(tmp_path_factory) -> Iterator[str]:
    binary = shutil.which("prometheus-pushgateway")
    assert binary, "prometheus-pushgateway is not installed (.ci/run installs it)"
    port = free_port()
    log = (tmp_path_factory.mktemp("pushgateway") / "log").open("w")
    process = subprocess.Popen(
        [binary, f"--web.listen-address=127.0.0.1:{port}"], stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{url}/-/ready", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def samples(url: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample the gateway serves: (name, labels) -> value."""
    from prometheus_client.parser import text_string_to_metric_families

    text = urllib.request.urlopen(f"{url}/metrics", timeout=5).read().decode()
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def group(**labels: str) -> dict[str, str]:
    return {"job": "monitor-job", "instance": "", **labels}


def value(found: dict, name: str, **labels: str) -> float:
    return found[(name, frozenset(labels.items()))]


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("baseline")
    write_csv(mixed_frame(400, seed=1), root / "train.csv")
    assert main(["baseline", "--dataset", str(root / "train.csv"), "--output",
                 str(root / "out")]) == EXIT_OK  # fmt: skip
    return root / "out"


def monitor(tmp_path: Path, baseline: Path, data: Path, *more: str) -> int:
    return main([
        "monitor", "--dataset", str(data), "--format", "csv", "--header",
        "--baseline-statistics", str(baseline / "statistics.json"),
        "--baseline-constraints", str(baseline / "constraints.json"),
        "--output", str(tmp_path / "out"), "--endpoint", "churn", "--schedule", "hourly", *more,
    ])  # fmt: skip


def test_a_run_and_a_failed_run_reach_the_gateway(pushgateway, baseline, tmp_path) -> None:
    window = write_csv(mixed_frame(300, seed=2), tmp_path / "window.csv")
    assert monitor(tmp_path, baseline, window, "--prometheus-pushgateway", pushgateway) == EXIT_OK
    metrics = tmp_path / "out" / "metrics" / "cloudwatch" / "cloudwatch_metrics.jsonl"
    lines = [json.loads(line) for line in metrics.read_text().splitlines()]
    found = samples(pushgateway)
    labels = group(endpoint="churn", schedule="hourly", analysis_type="DATA_QUALITY")
    pushed = 0
    for line in lines:
        if "Value" in line:
            assert value(found, line["MetricName"], **labels) == pytest.approx(line["Value"])
            pushed += 1
        else:
            for statistic, expected in line["StatisticValues"].items():
                got = value(found, line["MetricName"], **labels, statistic=statistic)
                assert got == pytest.approx(expected)
                pushed += 1
    assert pushed > 10
    summary = json.loads((tmp_path / "out" / "monitor-job-summary.json").read_text())
    assert summary["prometheus"]["status"] == "pushed"
    assert value(found, "monitor_job_last_run_success", **labels) == 1
    assert value(found, "monitor_job_last_run_violations", **labels) == summary["violations"]
    succeeded = value(found, "monitor_job_last_success_timestamp_seconds", **labels)
    # The next hour's window is empty: exit 4, pushed as a failure beside the last good run.
    (tmp_path / "nothing-here").mkdir()
    assert monitor(tmp_path, baseline, tmp_path / "nothing-here",
                   "--prometheus-pushgateway", pushgateway) == EXIT_EMPTY_INPUT  # fmt: skip
    after = samples(pushgateway)
    assert value(after, "monitor_job_last_run_success", **labels) == 0
    assert value(after, "monitor_job_last_run_exit_code", **labels) == EXIT_EMPTY_INPUT
    assert value(after, "monitor_job_last_success_timestamp_seconds", **labels) == succeeded
    first = next(line for line in lines if "Value" in line)
    assert value(after, first["MetricName"], **labels) == pytest.approx(first["Value"])


def test_a_gateway_that_does_not_answer_never_fails_a_run(baseline, tmp_path) -> None:
    window = write_csv(mixed_frame(100, seed=3), tmp_path / "window.csv")
    closed = f"http://127.0.0.1:{free_port()}"
    assert monitor(tmp_path, baseline, window, "--prometheus-pushgateway", closed) == EXIT_OK
    summary = json.loads((tmp_path / "out" / "monitor-job-summary.json").read_text())
    assert summary["prometheus"]["status"] == "failed"
    assert "URLError" in summary["prometheus"]["error"]


def test_names_and_labels_are_prometheus_safe() -> None:
    from monitor_job.outputs.prometheus import _label, safe

    assert safe("feature_baseline_drift_credit limit") == "feature_baseline_drift_credit_limit"
    assert safe("9lives") == "_9lives"
    assert _label("FacetValue") == "facet_value" and _label("ValueType") == "value_type"
