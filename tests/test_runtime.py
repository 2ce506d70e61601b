"""The runtime around a run: progress lines from Spark's status store, and the drop from
root to the image's user when that user can do the run."""

from __future__ import annotations

import json
import logging
import os
import pwd
import shutil
import tempfile
import time
from pathlib import Path

import pandas as pd
import pytest

from monitor_job.contract import config_from_mapping
from monitor_job.runtime import privileges
from monitor_job.runtime.progress import Progress, set_phase


def test_progress_lines_report_tasks_and_input(spark, tmp_path, caplog) -> None:
    path = tmp_path / "rows.csv"
    pd.DataFrame({"x": range(4000)}).to_csv(path, index=False)

    def slow(batches):
        for batch in batches:
            time.sleep(0.2)
            yield batch

    frame = spark.read.option("header", True).csv(str(path)).repartition(4)
    caplog.set_level(logging.INFO, logger="monitor_job")
    set_phase("testing progress")
    with Progress(spark, interval=0.3):
        assert frame.mapInPandas(slow, frame.schema).count() == 4000
        time.sleep(0.5)  # one line after the job: the input it read is counted
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("progress:")]
    assert lines, caplog.text
    assert all(line.startswith("progress: testing progress, ") for line in lines)
    assert any(" in 1 stage(s)" in line or " stage(s)" in line for line in lines), lines
    assert "(4,000 records)" in lines[-1], lines[-1]


def test_progress_off_with_zero_interval(spark, caplog) -> None:
    caplog.set_level(logging.INFO, logger="monitor_job")
    with Progress(spark, interval=0):
        spark.range(10).count()
        time.sleep(0.3)
    assert "progress:" not in caplog.text


@pytest.mark.skipif(os.geteuid() != 0, reason="checking access as another user needs root")
def test_access_is_checked_as_the_target_user(tmp_path, request) -> None:
    nobody = pwd.getpwnam("nobody")
    # pytest's own temp root is 0700: nobody cannot even reach tmp_path.
    assert privileges.blocked_as(nobody, [str(tmp_path)], []) == f"read {tmp_path}"
    tmp_path = Path(tempfile.mkdtemp())  # removed by the finalizer below
    request.addfinalizer(lambda: shutil.rmtree(tmp_path))
    tmp_path.chmod(0o755)
    shut = tmp_path / "shut"
    shut.mkdir(mode=0o700)
    open_dir = tmp_path / "open"
    open_dir.mkdir(mode=0o755)
    (open_dir / "data.csv").write_text("a\n1\n")
    assert privileges.blocked_as(nobody, [str(open_dir)], []) is None
    assert privileges.blocked_as(nobody, [str(shut)], []) == f"read {shut}"
    assert privileges.blocked_as(nobody, [], [str(open_dir / "out" / "x")]) == f"write {open_dir}"
    open_dir.chmod(0o777)
    assert privileges.blocked_as(nobody, [], [str(open_dir / "out" / "x")]) is None
    # The run's local paths; s3:// locations are not checked.
    config = config_from_mapping(
        {
            "dataset_format": '{"csv": {"header": true}}',
            "dataset_source": str(open_dir),
            "output_path": "s3://bucket/out",
            "baseline_statistics": str(shut / "statistics.json"),
            "baseline_constraints": "s3://bucket/constraints.json",
        }
    )
    reads, writes = privileges.local_paths(config, str(tmp_path / "message"))
    assert reads == [str(open_dir), str(shut / "statistics.json")]
    assert str(tmp_path / "message") in writes and "s3://bucket/out" not in writes


def test_a_bias_run_reads_its_analysis_config() -> None:
    """The image's user must be able to read Clarify's config too, or the run stays root."""
    config = config_from_mapping(
        {
            "analysis_type": "MODEL_BIAS",
            "dataset_source": "/data",
            "output_path": "s3://bucket/out",
            "analysis_config": "/opt/ml/processing/input/config/analysis_config.json",
        }
    )
    reads, _ = privileges.local_paths(config, None)
    assert reads == ["/data", "/opt/ml/processing/input/config/analysis_config.json"]


def test_the_files_an_analysis_config_names_are_checked_too(tmp_path, request) -> None:
    """The predict script and the SHAP baseline file an explainability config names: the
    run reads them after it has dropped to the image's user (issue 35)."""
    nobody = pwd.getpwnam("nobody")
    root = Path(tempfile.mkdtemp())
    request.addfinalizer(lambda: shutil.rmtree(root))
    root.chmod(0o755)
    shut = root / "shut"
    shut.mkdir(mode=0o700)
    (shut / "predict.py").write_text("def predict(rows):\n    return rows\n")
    analysis = root / "analysis_config.json"
    predictor = {"predict_script": str(shut / "predict.py")}
    shap = {"baseline": str(root / "background.csv"), "num_samples": 10}
    analysis.write_text(json.dumps({"predictor": predictor, "methods": {"shap": shap}}))
    (root / "data").mkdir(mode=0o755)
    config = config_from_mapping(
        {
            "analysis_type": "MODEL_EXPLAINABILITY",
            "dataset_source": str(root / "data"),
            "output_path": "s3://bucket/out",
            "analysis_config": str(analysis),
        }
    )
    reads, _ = privileges.local_paths(config, None)
    assert reads == [
        str(root / "data"),
        str(analysis),
        str(shut / "predict.py"),
        str(root / "background.csv"),
    ]
    assert privileges.blocked_as(nobody, reads, []) == f"read {shut / 'predict.py'}"
    # untrusted: a config that is not one, or names non-strings, names nothing
    analysis.write_text(json.dumps({"predictor": {"predict_script": ["x"]}, "methods": 3}))
    assert privileges.named_by_analysis_config(str(analysis)) == []
    analysis.write_text("{not json")
    assert privileges.named_by_analysis_config(str(analysis)) == []


def test_settle_user_does_nothing_outside_the_image(monkeypatch) -> None:
    monkeypatch.delenv(privileges.RUN_AS_ENV, raising=False)
    config = config_from_mapping(
        {"dataset_format": '{"csv": {}}', "dataset_source": "x", "output_path": "y"}
    )
    uid = os.geteuid()
    privileges.settle_user(config, None)
    assert os.geteuid() == uid


def test_cluster_runs_do_not_get_local_mode_settings() -> None:
    """Issue 36: eight shuffle partitions suit one 2-core machine, not a cluster (Spark's
    200 until the input is listed and sizes them: tests/test_file_index.py)."""
    from monitor_job.runtime.spark import spark_defaults

    assert spark_defaults(local=True)["spark.sql.shuffle.partitions"] == "8"
    cluster = spark_defaults(local=False)
    assert "spark.sql.shuffle.partitions" not in cluster
    assert cluster["spark.sql.codegen.maxFields"] == "10000"  # the rest stays


def test_s3a_is_configured_from_the_standard_aws_environment() -> None:
    from monitor_job.runtime.spark import s3a_settings

    assert s3a_settings({}) == {}
    local = s3a_settings({"AWS_ENDPOINT_URL": "http://127.0.0.1:9000", "AWS_REGION": "eu-west-1"})
    assert local == {
        "spark.hadoop.fs.s3a.endpoint": "http://127.0.0.1:9000",
        "spark.hadoop.fs.s3a.path.style.access": "true",
        "spark.hadoop.fs.s3a.connection.ssl.enabled": "false",
        "spark.hadoop.fs.s3a.endpoint.region": "eu-west-1",
    }
    both = {"AWS_ENDPOINT_URL": "http://x:1", "AWS_ENDPOINT_URL_S3": "https://minio:9000"}
    assert s3a_settings(both)["spark.hadoop.fs.s3a.endpoint"] == "https://minio:9000"
    assert s3a_settings(both)["spark.hadoop.fs.s3a.connection.ssl.enabled"] == "true"
