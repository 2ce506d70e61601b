"""Monitoring runs end to end: known-truth window, SageMaker-written baselines, CloudWatch."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
import numpy as np
import pandas as pd
import pytest

from monitor_job.cli import main
from monitor_job.errors import EXIT_BASELINE, EXIT_EMPTY_INPUT, EXIT_OK
from tests.datasets import capture_line, json_capture_lines, write_lines

EXAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "sagemaker"
HOUR = "2024-03-01T11:{:02d}:{:02d}Z"


def population(rows: int, rng: np.random.Generator) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "label": rng.integers(0, 2, rows),
            "stable_a": np.round(rng.normal(0.0, 1.0, rows), 4),
            "stable_b": rng.integers(0, 40, rows),
            "stable_cat": rng.choice(["x", "y", "z"], rows, p=[0.5, 0.3, 0.2]),
            "shifted": np.round(rng.normal(0.0, 1.0, rows), 4),
            "city": rng.choice(["paris", "rome", "oslo"], rows, p=[0.5, 0.3, 0.2]),
            "sparse": np.round(rng.uniform(0.0, 10.0, rows), 3),
            "strnum": rng.integers(100, 200, rows).astype(object),
        }
    )


def drifted_window(rows: int, rng: np.random.Generator) -> pd.DataFrame:
    frame = population(rows, rng)
    frame["shifted"] = np.round(rng.normal(1.0, 1.0, rows), 4)
    frame.loc[rng.permutation(rows)[: rows // 20], "city"] = "atlantis"  # 5 % new value
    frame["sparse"] = frame["sparse"].where(rng.uniform(size=rows) > 0.4)  # 40 % missing
    frame.loc[rng.permutation(rows)[: rows * 3 // 100], "strnum"] = "n/a"  # 3 % non-numeric
    return frame


def lines_at(frame: pd.DataFrame, rng: np.random.Generator, fmt: str = HOUR) -> list[str]:
    out = []
    for line in json_capture_lines(frame):
        seconds = int(rng.integers(0, 3600))
        record = json.loads(line)
        record["eventMetadata"]["inferenceTime"] = fmt.format(seconds // 60, seconds % 60)
        out.append(json.dumps(record))
    return out


def hour_dir(root: Path, hour: int) -> Path:
    return root / "ep" / "AllTraffic" / "2024" / "03" / "01" / f"{hour:02d}"


def container_env(monkeypatch: pytest.MonkeyPatch, tmp: Path, **env: str) -> None:
    base = {
        "dataset_format": json.dumps(
            {"sagemakerCaptureJson": {"captureIndexNames": ["endpointInput", "endpointOutput"]}}
        ),
        "output_message_file": str(tmp / "message"),
        "cloudwatch_metrics_directory": str(tmp / "cloudwatch"),
        "MONITOR_JOB_PROCESSING_CONFIG": str(tmp / "absent.json"),
    }
    for key, value in {**base, **env}.items():
        monkeypatch.setenv(key, value)


def read(path: Path) -> Any:
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def known_truth(tmp_path_factory: pytest.TempPathFactory, spark: object) -> dict[str, Any]:
    """A baseline built by our job, and a capture tree with one drifted in-window hour."""
    tmp = tmp_path_factory.mktemp("known-truth")
    rng = np.random.default_rng(11)
    write_lines(json_capture_lines(population(3000, rng)), tmp / "train" / "capture.jsonl")
    assert (
        main(
            [
                "baseline",
                "--dataset",
                str(tmp / "train"),
                "--format",
                "capture",
                "--output",
                str(tmp / "baseline"),
            ]
        )
        == EXIT_OK
    )

    capture = tmp / "capture"
    window = drifted_window(1500, rng)
    late = population(100, rng)  # in the 11h directory but stamped 12:xx: outside the window
    write_lines(
        lines_at(window, rng) + lines_at(late, rng, "2024-03-01T12:{:02d}:{:02d}Z"),
        hour_dir(capture, 11) / "part-0.jsonl",
    )
    poison = ["{not json", capture_line("1", "%%%", "BASE64", "text/csv", HOUR.format(1, 1))]
    for hour in (10, 12):  # outside the window: must not be read at all
        write_lines(poison * 500, hour_dir(capture, hour) / "part-0.jsonl")
    return {"tmp": tmp, "capture": capture, "window_rows": len(window), "late": len(late)}


def test_known_truth_window(known_truth, tmp_path, monkeypatch, aws, caplog) -> None:
    base = known_truth["tmp"] / "baseline"
    out = tmp_path / "out"
    container_env(
        monkeypatch,
        tmp_path,
        dataset_source=str(known_truth["capture"]),
        output_path=str(out),
        baseline_statistics=str(base / "statistics.json"),
        baseline_constraints=str(base / "constraints.json"),
        start_time="2024-03-01T11:00:00Z",
        end_time="2024-03-01T12:00:00Z",
        sagemaker_endpoint_name="ep",
        sagemaker_monitoring_schedule_name="sched",
        publish_cloudwatch_metrics="Enabled",
    )
    caplog.set_level("INFO", logger="monitor_job")
    assert main([]) == EXIT_OK
    read_prefixes = [r.getMessage() for r in caplog.records if "read hour prefix" in r.getMessage()]
    assert read_prefixes == [f"read hour prefix {hour_dir(known_truth['capture'], 11)}"]

    violations = read(out / "constraint_violations.json")["violations"]
    got = {(v["feature_name"], v["constraint_check_type"]) for v in violations}
    assert got == {
        ("shifted", "baseline_drift_check"),
        ("city", "categorical_values_check"),
        ("sparse", "completeness_check"),
        ("strnum", "data_type_check"),
    }
    assert (tmp_path / "message").read_text() == (
        "CompletedWithViolations: Job completed successfully with 4 violations."
    )
    by_check = {v["constraint_check_type"]: v["description"] for v in violations}
    assert "Only 97.0% of data is Integral" in by_check["data_type_check"]
    assert "'atlantis'" in by_check["categorical_values_check"]
    assert "window m=1500" in by_check["baseline_drift_check"]

    stats = read(out / "statistics.json")
    assert stats["dataset"]["item_count"] == known_truth["window_rows"]
    summary = read(out / "monitor-job-summary.json")
    assert summary["status"] == "CompletedWithViolations"
    assert summary["records"]["failed"] == {}  # the poisoned hours were never read
    assert summary["records"]["skipped"] == {"outside window": known_truth["late"]}
    capture = known_truth["capture"]
    assert summary["notes"][0] == f"1 file(s) under {capture} (1 hour prefix(es) read, 2 pruned)"
    for stable in ("stable_a", "stable_b", "stable_cat", "label"):
        assert summary["drift"][stable]["distance"] < 0.1
    assert read(out / "constraints.json") == read(base / "constraints.json")

    # CloudWatch: the BYOC file and the same metrics through PutMetricData to moto.
    lines = [json.loads(x) for x in (tmp_path / "cloudwatch" / "cloudwatch_metrics.jsonl").open()]
    names = {line["MetricName"] for line in lines}
    assert {
        "feature_baseline_drift_shifted",
        "feature_non_null_sparse",
        "feature_data_stable_a",
    } <= names
    drift_line = next(x for x in lines if x["MetricName"] == "feature_baseline_drift_shifted")
    assert drift_line["Value"] == summary["drift"]["shifted"]["distance"]
    assert drift_line["Dimensions"] == [
        {"Name": "Endpoint", "Value": "ep"},
        {"Name": "MonitoringSchedule", "Value": "sched"},
    ]
    assert summary["cloudwatch"]["put_metric_data"]["status"] == "published"

    cw = boto3.client("cloudwatch")
    namespace = "aws/sagemaker/Endpoints/data-metrics"
    listed = cw.list_metrics(Namespace=namespace)["Metrics"]
    assert {m["MetricName"] for m in listed} >= names - {"feature_data_stable_a"} | {
        "feature_data_stable_a"
    }
    when = datetime(2024, 3, 1, 12, tzinfo=timezone.utc)
    dims = [{"Name": "Endpoint", "Value": "ep"}, {"Name": "MonitoringSchedule", "Value": "sched"}]
    data = cw.get_metric_data(
        MetricDataQueries=[
            {
                "Id": "drift",
                "MetricStat": {
                    "Metric": {
                        "Namespace": namespace,
                        "MetricName": "feature_baseline_drift_shifted",
                        "Dimensions": dims,
                    },
                    "Period": 60,
                    "Stat": "Maximum",
                },
            },
            {
                "Id": "nonnull",
                "MetricStat": {
                    "Metric": {
                        "Namespace": namespace,
                        "MetricName": "feature_non_null_sparse",
                        "Dimensions": dims,
                    },
                    "Period": 60,
                    "Stat": "Average",
                },
            },
        ],
        StartTime=when - timedelta(minutes=5),
        EndTime=when + timedelta(minutes=5),
    )["MetricDataResults"]
    values = {r["Id"]: r["Values"] for r in data}
    assert values["drift"] == [pytest.approx(summary["drift"]["shifted"]["distance"])]
    sparse = next(f for f in stats["features"] if f["name"] == "sparse")
    present = sparse["numerical_statistics"]["common"]["num_present"]
    assert values["nonnull"] == [pytest.approx(present / known_truth["window_rows"])]


def test_clean_window_reports_no_violations(known_truth, tmp_path, monkeypatch) -> None:
    """A window drawn from the baseline's own population: every check stays quiet."""
    rng = np.random.default_rng(5)
    capture = tmp_path / "capture"
    write_lines(lines_at(population(1500, rng), rng), hour_dir(capture, 11) / "p.jsonl")
    base = known_truth["tmp"] / "baseline"
    out = tmp_path / "out"
    container_env(
        monkeypatch,
        tmp_path,
        dataset_source=str(capture),
        output_path=str(out),
        baseline_statistics=str(base / "statistics.json"),
        baseline_constraints=str(base / "constraints.json"),
    )
    assert main([]) == EXIT_OK
    assert read(out / "constraint_violations.json") == {"violations": []}
    assert (tmp_path / "message").read_text() == (
        "Completed: Job completed successfully with no violations."
    )


def test_sagemaker_written_baseline_with_its_kll_sketches(tmp_path, monkeypatch, spark) -> None:
    """AWS's own intro example: baseline files written by the closed container, and three
    captured records from the same endpoint. The capture's first column is the model's
    probability where the baseline had the Churn label: the container reported exactly this
    data_type_check for it (intro-2022_monitoring_violations_dataframe.txt)."""
    capture = tmp_path / "capture" / "ep" / "AllTraffic" / "2022" / "04" / "18" / "00"
    capture.mkdir(parents=True)
    (capture / "c.jsonl").write_text(
        (EXAMPLES / "intro-2022_endpoint_capture_CSV.jsonl").read_text()
    )
    out = tmp_path / "out"
    container_env(
        monkeypatch,
        tmp_path,
        dataset_source=str(tmp_path / "capture"),
        output_path=str(out),
        baseline_statistics=str(EXAMPLES / "intro-2022_statistics_DERIVED_first29features.json"),
        baseline_constraints=str(EXAMPLES / "intro-2022_constraints_FROM_LOG.json"),
        start_time="2022-04-18T00:00:00Z",
        end_time="2022-04-18T01:00:00Z",
    )
    assert main([]) == EXIT_OK
    violations = read(out / "constraint_violations.json")["violations"]
    churn = [v for v in violations if v["feature_name"] == "Churn"]
    assert {
        "feature_name": "Churn",
        "constraint_check_type": "data_type_check",
        "description": "Data type match requirement is not met. Expected data type: Integral, "
        "Expected match: 100.0%. Observed: Only 0.0% of data is Integral.",
    } in churn
    assert not [v for v in violations if "column" in v["constraint_check_type"]]  # 70 = 70
    summary = read(out / "monitor-job-summary.json")
    # Drift distances came out of SageMaker's sketches for its 28 numeric features listed.
    reference = read(EXAMPLES / "intro-2022_statistics_DERIVED_first29features.json")
    with_sketch = {
        f["name"]
        for f in reference["features"]
        if "distribution" in f.get("numerical_statistics", {})
    }
    assert set(summary["drift"]) == with_sketch
    assert all(d["n"] == 2333 and d["m"] == 3 for d in summary["drift"].values())
    names = [f["name"] for f in read(out / "statistics.json")["features"]]
    assert names[:3] == ["Churn", "Account Length", "VMail Message"]


def test_empty_window_and_missing_baseline(known_truth, tmp_path, monkeypatch) -> None:
    base = known_truth["tmp"] / "baseline"
    out = tmp_path / "out"
    common = {
        "dataset_source": str(known_truth["capture"]),
        "output_path": str(out),
        "baseline_statistics": str(base / "statistics.json"),
        "baseline_constraints": str(base / "constraints.json"),
    }
    container_env(
        monkeypatch,
        tmp_path,
        **common,
        start_time="2024-03-01T05:00:00Z",
        end_time="2024-03-01T06:00:00Z",
    )
    assert main([]) == EXIT_EMPTY_INPUT
    message = (tmp_path / "message").read_text()
    assert message.startswith("NoData: ") and "2024-03-01T05:00:00Z" in message
    assert not out.exists() or not list(out.iterdir())

    container_env(
        monkeypatch, tmp_path, **{**common, "baseline_statistics": str(tmp_path / "nope.json")}
    )
    assert main([]) == EXIT_BASELINE
    assert (tmp_path / "message").read_text() == (
        f"BaselineError: baseline_statistics not found: {tmp_path / 'nope.json'}"
    )
    broken = tmp_path / "broken.json"
    broken.write_text('{"features": [')
    container_env(monkeypatch, tmp_path, **{**common, "baseline_constraints": str(broken)})
    assert main([]) == EXIT_BASELINE
    assert "is not valid JSON (line 1" in (tmp_path / "message").read_text()
    assert not out.exists() or not list(out.iterdir())


def test_postprocessor_runs_after_monitoring(known_truth, tmp_path, monkeypatch) -> None:
    seen = tmp_path / "seen.txt"
    script = tmp_path / "post.py"
    out = tmp_path / "out"
    script.write_text(
        "import json, pathlib\n"
        "def postprocess_handler():\n"
        f"    p = pathlib.Path({str(out / 'constraint_violations.json')!r})\n"
        "    v = json.loads(p.read_text())\n"
        f"    pathlib.Path({str(seen)!r}).write_text(str(len(v['violations'])))\n"
    )
    base = known_truth["tmp"] / "baseline"
    container_env(
        monkeypatch,
        tmp_path,
        dataset_source=str(known_truth["capture"]),
        output_path=str(out),
        baseline_statistics=str(base / "statistics.json"),
        baseline_constraints=str(base / "constraints.json"),
        start_time="2024-03-01T11:00:00Z",
        end_time="2024-03-01T12:00:00Z",
        post_analytics_processor_script=str(script),
    )
    assert main([]) == EXIT_OK
    assert seen.read_text() == "4"


def test_monitoring_job_count_does_not_grow_with_columns(spark, tmp_path) -> None:
    """Checks ride on the profile's passes: a regression to per-column or per-check scans
    would multiply Spark jobs by the width."""
    rng = np.random.default_rng(2)
    sc = spark.sparkContext
    counts = {}
    for width in (5, 20):
        frame = pd.DataFrame({f"f{i}": np.round(rng.normal(size=600), 3) for i in range(width - 2)})
        frame["s0"] = rng.choice(list("abc"), 600)
        frame["s1"] = rng.choice(list("xyz"), 600)
        train = write_lines(
            json_capture_lines(frame.iloc[:300]), tmp_path / f"t{width}" / "c.jsonl"
        )
        window = write_lines(
            json_capture_lines(frame.iloc[300:]), tmp_path / f"w{width}" / "c.jsonl"
        )
        base = tmp_path / f"b{width}"
        args = ["--format", "capture", "--output"]
        assert main(["baseline", "--dataset", str(train.parent), *args, str(base)]) == EXIT_OK
        group = f"monitor-jobs-{width}"
        sc.setJobGroup(group, "count jobs")
        code = main(
            [
                "monitor",
                "--dataset",
                str(window.parent),
                *args,
                str(tmp_path / f"m{width}"),
                "--baseline-statistics",
                str(base / "statistics.json"),
                "--baseline-constraints",
                str(base / "constraints.json"),
            ]
        )
        sc.setJobGroup("", "")
        assert code == EXIT_OK
        counts[width] = len(sc.statusTracker().getJobIdsForGroup(group))
    assert 0 < counts[20] <= 8, counts
    assert counts[20] == counts[5], counts
