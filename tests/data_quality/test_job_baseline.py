"""Baseline job end to end: statistics against numpy/pandas, across every input encoding."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pyspark.sql import SparkSession

from monitor_job.cli import main
from monitor_job.contract import config_from_mapping
from monitor_job.data_quality.job import run_baseline
from monitor_job.errors import EXIT_INPUT, EXIT_OK
from monitor_job.outputs.area import OutputArea
from tests.datasets import (
    csv_capture_lines,
    json_capture_lines,
    mixed_frame,
    write_csv,
    write_lines,
)

REPO = Path(__file__).resolve().parents[2]
REL = 1e-9


def rel_close(a: float, b: float) -> bool:
    return abs(a - b) <= REL * max(abs(a), abs(b), 1e-300)


def assert_matches_pandas(stats: dict, frame: pd.DataFrame, names: list[str] | None = None) -> None:
    """Every statistic equals numpy/pandas on the same data (1e-9 relative)."""
    features = stats["features"]
    assert stats["dataset"]["item_count"] == len(frame)
    assert len(features) == frame.shape[1]
    for feature, column in zip(features, frame.columns, strict=True):
        if names is not None:
            assert feature["name"] == names[list(frame.columns).index(column)]
        series = frame[column]
        present = series.dropna()
        if feature["inferred_type"] in ("Integral", "Fractional"):
            num = feature["numerical_statistics"]
            values = present.astype(float).to_numpy()
            expected_type = "Integral" if pd.api.types.is_integer_dtype(series) else "Fractional"
            assert feature["inferred_type"] == expected_type, column
            assert num["common"] == {
                "num_present": len(values),
                "num_missing": len(series) - len(values),
            }
            for key, value in {
                "mean": values.mean(),
                "sum": values.sum(),
                "std_dev": values.std(ddof=0),
                "min": values.min(),
                "max": values.max(),
            }.items():
                assert rel_close(num[key], float(value)), (column, key, num[key], value)
            kll = num["distribution"]["kll"]
            assert len(kll["buckets"]) == 10
            assert sum(b["count"] for b in kll["buckets"]) == len(values)
            assert kll["buckets"][0]["lower_bound"] == values.min()
            assert rel_close(kll["buckets"][-1]["upper_bound"], values.max())
            assert kll["sketch"]["parameters"] == {
                "c": 0.64,
                "k": 2048.0,
            }  # Deequ's KLL, as SageMaker
            weight = sum(len(level) * 2**i for i, level in enumerate(kll["sketch"]["data"]))
            assert weight == len(values)
        else:
            assert feature["inferred_type"] == "String", column
            st = feature["string_statistics"]
            assert st["common"] == {
                "num_present": len(present),
                "num_missing": len(series) - len(present),
            }
            counts = present.astype(str).value_counts()
            buckets = {b["value"]: b["count"] for b in st["distribution"]["categorical"]["buckets"]}
            assert buckets == counts.to_dict()
            assert st["distinct_count"] == pytest.approx(len(counts), rel=0.05)


def read(out: Path, name: str) -> dict:
    return json.loads((out / name).read_text())


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return mixed_frame()


def test_container_mode_matches_pandas(spark: SparkSession, tmp_path, monkeypatch, frame) -> None:
    data = write_csv(frame, tmp_path / "input" / "train.csv")
    out = tmp_path / "output"
    message = tmp_path / "message"
    for key, value in {
        "dataset_format": json.dumps({"csv": {"header": True, "output_columns_position": "START"}}),
        "dataset_source": str(data.parent),
        "output_path": str(out),
        "publish_cloudwatch_metrics": "Disabled",
        "output_message_file": str(message),
        "MONITOR_JOB_PROCESSING_CONFIG": str(tmp_path / "absent.json"),
    }.items():
        monkeypatch.setenv(key, value)
    assert main([]) == EXIT_OK
    assert message.read_text() == "Completed: Job completed successfully with no violations."
    stats = read(out, "statistics.json")
    assert_matches_pandas(stats, frame, list(frame.columns))
    constraints = read(out, "constraints.json")
    by_name = {f["name"]: f for f in constraints["features"]}
    assert [f["name"] for f in constraints["features"]] == list(frame.columns)
    assert by_name["visits"]["num_constraints"] == {"is_non_negative": True}
    assert "num_constraints" not in by_name["age"]  # has negatives
    assert by_name["city"]["string_constraints"]["domains"] == ["paris", "rome", "berlin", "oslo"]
    assert by_name["score"]["completeness"] == pytest.approx(frame["score"].notna().mean())
    assert (
        constraints["monitoring_config"]["distribution_constraints"]["comparison_method"]
        == "Robust"
    )
    assert not list(out.glob(".*.tmp"))


def test_processingjobconfig_file_wins_over_env(spark, tmp_path, monkeypatch, frame) -> None:
    data = write_csv(frame.head(50), tmp_path / "in" / "d.csv")
    config = tmp_path / "processingjobconfig.json"
    env = {
        "dataset_format": json.dumps({"csv": {"header": True}}),
        "dataset_source": str(data.parent),
        "output_path": str(tmp_path / "from-file"),
        "output_message_file": str(tmp_path / "message"),
    }
    config.write_text(json.dumps({"Environment": env}))
    monkeypatch.setenv("MONITOR_JOB_PROCESSING_CONFIG", str(config))
    monkeypatch.setenv("output_path", str(tmp_path / "from-env"))
    assert main([]) == EXIT_OK
    assert (tmp_path / "from-file" / "statistics.json").is_file()
    assert not (tmp_path / "from-env").exists()


def _baseline(
    spark: SparkSession, source: Path, out: Path, fmt: dict, script: str | None = None
) -> dict:
    env = {"dataset_format": fmt, "dataset_source": str(source), "output_path": str(out)}
    if script:
        env["record_preprocessor_script"] = script
    run_baseline(spark, config_from_mapping(env), OutputArea(str(out), str(out)))
    return read(out, "statistics.json")


CAPTURE = {"sagemakerCaptureJson": {"captureIndexNames": ["endpointInput", "endpointOutput"]}}


def _without_names(stats: dict) -> list[dict]:
    return [{k: v for k, v in f.items() if k != "name"} for f in stats["features"]]


@pytest.mark.parametrize("variant", ["base64-csv", "csv-encoded", "json-encoded", "handler"])
def test_same_statistics_for_every_encoding(spark, tmp_path, frame, variant) -> None:
    reference = _baseline(
        spark,
        write_csv(frame, tmp_path / "csv" / "d.csv"),
        tmp_path / "ref",
        {"csv": {"header": True}},
    )
    capture_dir = tmp_path / "capture" / "ep" / "AllTraffic" / "2024" / "03" / "01" / "10"
    script = None
    if variant == "json-encoded":
        lines = json_capture_lines(frame)
    else:
        lines = csv_capture_lines(frame, "CSV" if variant == "csv-encoded" else "BASE64")
    if variant == "handler":
        script = str(REPO / "preprocessors" / "base64_csv.py")
    write_lines(lines, capture_dir / "00-00-000-x.jsonl")
    stats = _baseline(spark, tmp_path / "capture", tmp_path / "out", CAPTURE, script)
    assert stats["dataset"] == reference["dataset"]
    assert _without_names(stats) == _without_names(reference)
    names = [f["name"] for f in stats["features"]]
    if variant == "json-encoded":
        assert names == list(frame.columns)
    elif variant == "handler":
        assert names == [str(i).zfill(20) for i in range(frame.shape[1])]
    else:
        assert names == [f"_c{i}" for i in range(frame.shape[1])]


def test_headerless_csv_names_by_position(spark, tmp_path, frame) -> None:
    data = write_csv(frame.head(40), tmp_path / "in" / "d.csv", header=False)
    stats = _baseline(spark, data, tmp_path / "out", {"csv": {"header": False}})
    assert [f["name"] for f in stats["features"]] == [f"_c{i}" for i in range(frame.shape[1])]


def test_json_lines_keep_key_order_and_parquet(spark, tmp_path, frame) -> None:
    small = frame.head(60)
    order = ["visits", "city", "label", "age", "score", "income"]  # not sorted on purpose
    jsonl = tmp_path / "j" / "d.jsonl"
    jsonl.parent.mkdir()
    small[order].to_json(jsonl, orient="records", lines=True)
    stats = _baseline(spark, jsonl.parent, tmp_path / "o1", {"json": {"line": True}})
    assert [f["name"] for f in stats["features"]] == order
    assert_matches_pandas(stats, small[order])
    pq = tmp_path / "p" / "d.parquet"
    pq.parent.mkdir()
    small.to_parquet(pq)
    stats = _baseline(spark, pq.parent, tmp_path / "o2", {"parquet": {}})
    assert [f["name"] for f in stats["features"]] == list(small.columns)
    assert_matches_pandas(stats, small)


def test_assert_matches_pandas_detects_a_wrong_statistic(spark, tmp_path, frame) -> None:
    stats = _baseline(
        spark, write_csv(frame, tmp_path / "d.csv"), tmp_path / "o", {"csv": {"header": True}}
    )
    stats["features"][1]["numerical_statistics"]["mean"] *= 1 + 1e-6
    with pytest.raises(AssertionError):
        assert_matches_pandas(stats, frame)


def test_job_count_does_not_grow_with_columns(spark, tmp_path) -> None:
    """A regression to one pass per column would multiply the Spark jobs by the width."""
    rng = np.random.default_rng(1)
    sc = spark.sparkContext
    counts = {}
    for width in (5, 20):
        frame = pd.DataFrame({f"f{i}": rng.normal(size=400) for i in range(width - 2)})
        frame["s0"] = rng.choice(list("abc"), 400)
        frame["s1"] = rng.choice(list("xyz"), 400)
        data = write_csv(frame, tmp_path / f"w{width}" / "d.csv")
        group = f"jobs-{width}"
        sc.setJobGroup(group, "count jobs")
        _baseline(spark, data, tmp_path / f"o{width}", {"csv": {"header": True}})
        sc.setJobGroup("", "")
        counts[width] = len(sc.statusTracker().getJobIdsForGroup(group))
    assert counts[20] <= 8, counts
    assert counts[20] == counts[5], counts


def test_excluded_features_are_left_out(spark, tmp_path, frame, capsys) -> None:
    """``exclude_features_attribute`` (SageMaker's ExcludeFeaturesAttribute: names or
    0-based indices, comma-separated) leaves those columns out; the others keep their names
    and equal pandas. A name that is not a column fails with the columns listed."""
    data = write_csv(frame, tmp_path / "in" / "d.csv")
    out = tmp_path / "out"
    args = ["baseline", "--dataset", str(data), "--output", str(out)]
    assert main([*args, "--exclude-features", f" {frame.columns[1]}, 0"]) == EXIT_OK
    kept = frame.drop(columns=list(frame.columns[:2]))
    assert_matches_pandas(read(out, "statistics.json"), kept, list(kept.columns))
    summary = read(out, "monitor-job-summary.json")
    assert any("2 column(s) left out" in n for n in summary["notes"]), summary["notes"]
    assert main([*args, "--exclude-features", "nosuch"]) == EXIT_INPUT
    assert f"not a column (the columns: {frame.columns[0]}," in capsys.readouterr().err
