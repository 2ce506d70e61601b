"""S3 in and out, against a moto server on 127.0.0.1: listing touches only in-window hours."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import boto3
import numpy as np
import pytest

from monitor_job.cli import main
from monitor_job.errors import EXIT_BASELINE, EXIT_INPUT, EXIT_OK, EXIT_OUTPUT, OutputError
from tests.datasets import json_capture_lines, mixed_frame

BUCKET = "mj-s3-test"
HOURS = (9, 10, 11, 12, 13)
CAPTURE = "capture/ep/AllTraffic/2024/03/01"


def put(s3, key: str, body: str) -> None:
    s3.put_object(Bucket=BUCKET, Key=key, Body=body.encode())


def get_json(s3, key: str):
    return json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())


def requested(caplog: pytest.LogCaptureFixture, bucket: str = BUCKET) -> list[str]:
    """Every key or list prefix of ``bucket`` moto's server was asked for (its werkzeug
    request log)."""
    out = []
    for record in caplog.records:
        if record.name != "werkzeug":
            continue
        m = re.search(r'"(GET|PUT|HEAD|POST) (\S+) HTTP', record.getMessage())
        if not m or not m.group(2).startswith(f"/{bucket}"):
            continue
        url = urlparse(m.group(2))
        query = parse_qs(url.query)
        out.append(unquote(query["prefix"][0]) if "prefix" in query else unquote(url.path))
    return out


@pytest.fixture
def bucket(aws):
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    rng = np.random.default_rng(4)
    frame = mixed_frame(600, seed=3)
    put(s3, "train/train.csv", frame.to_csv(index=False))
    for hour in HOURS:
        if hour == 11:
            body = "\n".join(
                json_capture_lines(
                    frame.sample(300, random_state=1),
                    f"2024-03-01T11:{rng.integers(0, 60):02d}:00Z",
                )
            )
        else:  # poison: if any of these were read, the job would count failed records
            body = "\n".join(["{not json"] * 50)
        put(s3, f"{CAPTURE}/{hour:02d}/part-0.jsonl", body + "\n")
    return s3


def test_baseline_and_monitoring_with_s3_in_and_out(bucket, tmp_path, monkeypatch, caplog) -> None:
    caplog.set_level("INFO")
    monkeypatch.setenv("MONITOR_JOB_PROCESSING_CONFIG", str(tmp_path / "absent.json"))
    base = f"s3://{BUCKET}/baseline"
    assert main(["baseline", "--dataset", f"s3://{BUCKET}/train/", "--output", base]) == EXIT_OK
    assert get_json(bucket, "baseline/statistics.json")["dataset"]["item_count"] == 600

    put(bucket, "scripts/post.py", "def postprocess_handler():\n    print('post ran')\n")
    caplog.clear()
    env = {
        "dataset_format": json.dumps(
            {"sagemakerCaptureJson": {"captureIndexNames": ["endpointInput", "endpointOutput"]}}
        ),
        "dataset_source": f"s3://{BUCKET}/capture",
        "output_path": f"s3://{BUCKET}/monitor/run-1",
        "baseline_statistics": f"{base}/statistics.json",
        "baseline_constraints": f"{base}/constraints.json",
        "post_analytics_processor_script": f"s3://{BUCKET}/scripts/post.py",
        # the previous hour, as a scheduler says it (SageMaker's offsets)
        "scheduled_time": "2024-03-01T12:00:00Z",
        "start_time": "-PT1H",
        "end_time": "-PT0H",
        "output_message_file": str(tmp_path / "message"),
        "cloudwatch_metrics_directory": f"s3://{BUCKET}/monitor/run-1/metrics",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert main([]) == EXIT_OK

    stats = get_json(bucket, "monitor/run-1/statistics.json")
    assert stats["dataset"]["item_count"] == 300
    summary = get_json(bucket, "monitor/run-1/monitor-job-summary.json")
    assert summary["records"]["failed"] == {}
    assert "violations" in get_json(bucket, "monitor/run-1/constraint_violations.json")
    keys = {
        o["Key"] for o in bucket.list_objects_v2(Bucket=BUCKET, Prefix="monitor/run-1/")["Contents"]
    }
    assert keys == {
        "monitor/run-1/statistics.json",
        "monitor/run-1/analyzer_states.bin",
        "monitor/run-1/constraint_violations.json",
        "monitor/run-1/constraints.json",
        "monitor/run-1/monitor-job-summary.json",
        "monitor/run-1/report.html",
        "monitor/run-1/metrics/cloudwatch_metrics.jsonl",
    }
    asked = requested(caplog)
    capture_requests = [r for r in asked if "/capture" in r or r.startswith("capture")]
    assert any("/11/" in r for r in capture_requests), capture_requests
    for hour in (9, 10, 12, 13):
        assert not [r for r in capture_requests if f"/01/{hour:02d}/" in r], capture_requests
    messages = [r.getMessage() for r in caplog.records if r.name == "monitor_job"]
    assert any(m.startswith("S3 input staged with boto3") for m in messages)
    assert (
        "window 2024-03-01T11:00:00+00:00 to 2024-03-01T12:00:00+00:00: scheduled_time "
        "2024-03-01T12:00:00+00:00 with start_time -PT1H, end_time -PT0H"
    ) in messages
    assert any(m.startswith("uploaded 7 output file(s)") for m in messages)


@pytest.mark.parametrize(
    ("source", "code", "message"),
    [
        (
            "s3://mj-no-such-bucket/x/",
            EXIT_INPUT,
            "InputDataError: dataset_source s3://mj-no-such-bucket/x/: "
            "NoSuchBucket: bucket does not exist",
        ),
        (
            f"s3://{BUCKET}/empty/",
            4,
            f"NoData: no data: 0 file(s) under s3://{BUCKET}/empty/ "
            "(0 hour prefix(es) read, 0 pruned)",
        ),
    ],
)
def test_s3_input_failures_are_one_clear_line(
    bucket, tmp_path, capsys, source, code, message
) -> None:
    out = tmp_path / "o"
    assert main(["baseline", "--dataset", source, "--output", str(out)]) == code
    assert capsys.readouterr().err.strip().splitlines()[-1] == message
    assert not out.exists()


def test_missing_baseline_object_on_s3(bucket, tmp_path, capsys) -> None:
    uri = f"s3://{BUCKET}/nowhere/statistics.json"
    code = main(
        [
            "monitor",
            "--dataset",
            f"s3://{BUCKET}/capture",
            "--baseline-statistics",
            uri,
            "--output",
            str(tmp_path / "o"),
        ]
    )
    assert code == EXIT_BASELINE
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last == f"BaselineError: baseline_statistics {uri}: NoSuchKey: object does not exist"


def test_unreachable_endpoint_is_bounded_and_clear(tmp_path, monkeypatch, capsys) -> None:
    """Fails before Spark starts (the input is listed first), in seconds, in one line."""
    import socket

    import monitor_job.runtime.spark as runtime_spark

    def no_spark(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("Spark was started before the input was listed")

    monkeypatch.setattr(runtime_spark, "build_session", no_spark)

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing-secret-value")
    code = main(["baseline", "--dataset", f"s3://{BUCKET}/train/", "--output", str(tmp_path / "o")])
    assert code == EXIT_INPUT
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1] == (
        f"InputDataError: dataset_source s3://{BUCKET}/train/: "
        f"EndpointConnectionError: S3 endpoint http://127.0.0.1:{port} unreachable after 5 attempts"
    )
    assert "testing-secret-value" not in err


def test_local_paths_unaffected(tmp_path: Path) -> None:
    from monitor_job.outputs.area import OutputArea

    area = OutputArea("s3://b/out", str(tmp_path))
    assert area.local_for("s3://b/out/metrics") == str(tmp_path / "metrics")
    assert area.final(str(tmp_path / "metrics" / "m.jsonl")) == "s3://b/out/metrics/m.jsonl"
    from monitor_job.errors import ConfigError

    with pytest.raises(ConfigError, match="must lie under output_path"):
        area.local_for("s3://other/metrics")


def test_output_bucket_missing_fails_before_spark(tmp_path, aws, capsys, monkeypatch) -> None:
    """A typo in output_path fails in seconds, before any JVM starts (issue 16)."""
    import monitor_job.runtime.spark as runtime_spark

    def no_spark(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("Spark was started before the output was checked")

    monkeypatch.setattr(runtime_spark, "build_session", no_spark)
    data = tmp_path / "d.csv"
    mixed_frame(50, seed=5).to_csv(data, index=False)
    out = "s3://mj-no-such-bucket/out"
    args = ["baseline", "--dataset", str(data), "--format", "csv", "--header", "--output", out]
    assert main(args) == EXIT_OUTPUT
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        f"OutputError: cannot write output_path {out}: NoSuchBucket: bucket does not exist"
    )


def test_failed_upload_keeps_the_files_and_upload_finishes(tmp_path, aws, capsys) -> None:
    """Computed files survive a failed upload, in the directory the error names, and
    ``monitor-job upload`` puts them where the run would have (issue 16)."""
    from monitor_job.outputs.area import output_area

    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="mj-goes-away")
    uri = "s3://mj-goes-away/run"
    with pytest.raises(OutputError) as failed, output_area(uri) as area:
        assert "Contents" not in s3.list_objects_v2(Bucket="mj-goes-away")  # probe removed
        Path(area.local, "statistics.json").write_text('{"version": 0.0}')
        Path(area.local, "monitor-job-summary.json").write_text("{}")
        s3.delete_bucket(Bucket="mj-goes-away")  # the bucket vanishes mid-run
        area.publish(last=str(Path(area.local, "monitor-job-summary.json")))
    message = str(failed.value)
    assert message.startswith(f"cannot write output {uri}/")
    assert "NoSuchBucket" in message
    kept = Path(area.local)
    assert f"kept in {kept}" in message and f"monitor-job upload {kept} {uri}" in message
    assert sorted(p.name for p in kept.iterdir()) == ["monitor-job-summary.json", "statistics.json"]

    s3.create_bucket(Bucket="mj-goes-away")
    assert main(["upload", str(kept), uri]) == EXIT_OK
    assert get_object_text(s3, "mj-goes-away", "run/statistics.json") == '{"version": 0.0}'
    assert get_object_text(s3, "mj-goes-away", "run/monitor-job-summary.json") == "{}"
    assert "uploaded 2 file(s)" in capsys.readouterr().out


def get_object_text(s3, bucket: str, key: str) -> str:
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
