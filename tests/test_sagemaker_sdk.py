"""The real SageMaker Python SDK (v2) as a client of our files and our entrypoint."""

from __future__ import annotations

import json

import boto3
import pytest

from monitor_job.cli import main
from monitor_job.errors import EXIT_OK
from tests.datasets import mixed_frame, write_csv


@pytest.fixture
def baseline_files(spark, tmp_path, monkeypatch):
    """Run the entrypoint with exactly the env map the SDK's suggest_baseline builds."""
    from sagemaker.model_monitor import DatasetFormat
    from sagemaker.model_monitor.model_monitoring import ModelMonitor

    data = write_csv(mixed_frame(200), tmp_path / "in" / "train.csv")
    env = ModelMonitor._generate_env_map(
        env=None,
        dataset_format=DatasetFormat.csv(header=True),
        output_path=str(tmp_path / "out"),
        enable_cloudwatch_metrics=False,
        dataset_source_container_path=str(data.parent),
    )
    assert set(env) == {
        "dataset_format",
        "dataset_source",
        "output_path",
        "publish_cloudwatch_metrics",
    }
    monkeypatch.setenv("MONITOR_JOB_PROCESSING_CONFIG", str(tmp_path / "processingjobconfig.json"))
    (tmp_path / "processingjobconfig.json").write_text(
        json.dumps({"Environment": {**env, "output_message_file": str(tmp_path / "message")}})
    )
    assert main([]) == EXIT_OK
    return tmp_path / "out"


def _session(region: str = "us-east-1"):
    from sagemaker.session import Session

    return Session(boto_session=boto3.Session(region_name=region), default_bucket="monitor-job-sdk")


def test_sdk_loads_statistics_and_constraints(aws, baseline_files) -> None:
    from sagemaker.model_monitor import Constraints, Statistics

    session = _session()
    stats = Statistics.from_file_path(
        str(baseline_files / "statistics.json"), sagemaker_session=session
    )
    assert stats.body_dict["dataset"]["item_count"] == 200
    assert [f["name"] for f in stats.body_dict["features"]][:2] == ["label", "age"]
    constraints = Constraints.from_file_path(
        str(baseline_files / "constraints.json"), sagemaker_session=session
    )
    assert constraints.file_s3_uri.startswith("s3://monitor-job-sdk/")
    constraints.set_monitoring(False, feature_name="city")
    constraints.set_monitoring(False)
    constraints.save()
    # What the SDK saved to (moto's) S3 is what our job must read back next time.
    bucket, key = constraints.file_s3_uri[5:].split("/", 1)
    saved = json.loads(boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())
    assert saved["monitoring_config"]["evaluate_constraints"] == "Disabled"
    city = next(f for f in saved["features"] if f["name"] == "city")
    # SDK v2 writes the override on the feature itself (not inside string_constraints).
    assert city["monitoring_config_overrides"]["evaluate_constraints"] == "Disabled"
    assert sorted(city["string_constraints"]["domains"]) == ["berlin", "oslo", "paris", "rome"]


def test_sdk_edited_constraints_drive_a_monitoring_run(aws, baseline_files, tmp_path, monkeypatch):
    """The SDK edits constraints and saves them to S3; the monitoring run reads them from
    there (env map built by the SDK), honours the per-feature switch, and the SDK loads the
    violations file it writes."""
    from sagemaker.model_monitor import Constraints, ConstraintViolations, DatasetFormat
    from sagemaker.model_monitor.model_monitoring import ModelMonitor

    session = _session()
    constraints = Constraints.from_file_path(
        str(baseline_files / "constraints.json"), sagemaker_session=session
    )
    constraints.set_monitoring(False, feature_name="city")
    constraints.save()

    window = mixed_frame(400, seed=8)
    window.loc[:99, "city"] = "lisbon"  # outside the domain, but city's checks are off
    window["income"] = window["income"] + 3000.0  # two standard deviations of drift
    data = write_csv(window, tmp_path / "window" / "w.csv")
    env = ModelMonitor._generate_env_map(
        env={
            "baseline_constraints": constraints.file_s3_uri,
            "baseline_statistics": str(baseline_files / "statistics.json"),
        },
        output_path=str(tmp_path / "mon"),
        enable_cloudwatch_metrics=False,
        dataset_format=DatasetFormat.csv(header=True),
        dataset_source_container_path=str(data.parent),
        categorical_drift_method="ChiSquared",
    )
    (tmp_path / "processingjobconfig.json").write_text(
        json.dumps({"Environment": {**env, "output_message_file": str(tmp_path / "message")}})
    )
    assert main([]) == EXIT_OK

    violations = ConstraintViolations.from_file_path(
        str(tmp_path / "mon" / "constraint_violations.json"), sagemaker_session=session
    )
    found = {
        (v["feature_name"], v["constraint_check_type"]) for v in violations.body_dict["violations"]
    }
    assert ("income", "baseline_drift_check") in found
    assert not [f for f, _ in found if f == "city"]
    summary = json.loads((tmp_path / "mon" / "monitor-job-summary.json").read_text())
    assert summary["drift"]["city"]["method"] == "ChiSquared"  # the env override reached it
