"""Bias from captured traffic: requests and predictions merged with the ground truth sent
later (the model-quality merge and its counts), or records SageMaker already merged. The
metrics must equal those of a labelled CSV of exactly the merged records."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from monitor_job.cli import main
from monitor_job.errors import EXIT_CONFIG, EXIT_OK

REPO = Path(__file__).resolve().parents[2]
WINDOW = ["--start", "2024-03-01T12:00:00Z", "--end", "2024-03-01T13:00:00Z"]


def read(path: Path) -> Any:
    return json.loads(path.read_text())


def metrics(document: dict[str, Any]) -> dict[tuple[str, str, str, str], Any]:
    return {
        (stage, facet, entry["value_or_threshold"], m["name"]): m["value"]
        for stage in ("pre_training_bias_metrics", "post_training_bias_metrics")
        for facet, entries in document[stage]["facets"].items()
        for entry in entries
        for m in entry["metrics"]
    }


def assert_same_metrics(ours: dict[str, Any], expected: dict[str, Any]) -> None:
    a, b = metrics(ours), metrics(expected)
    assert a.keys() == b.keys()
    for key, value in a.items():
        if value is None or b[key] is None:
            assert value == b[key], key
        else:
            assert value == pytest.approx(b[key], rel=1e-12, abs=1e-15), key


CAPTURE_CONFIG = REPO / "configs" / "demo-bias-capture-analysis_config.json"
CSV_CONFIG = REPO / "configs" / "demo-bias-analysis_config.json"


def capture_args(demo: Path, config: Path, out: Path) -> list[str]:
    """`monitor-job bias` on the demo's hour-12 captures and their ground truth."""
    return [
        "bias",
        "--format",
        "capture",
        "--dataset",
        str(demo / "capture"),
        "--ground-truth",
        str(demo / "ground-truth"),
        "--inference-attribute",
        "0",
        *WINDOW,
        "--analysis-config",
        str(config),
        "--output",
        str(out),
    ]


def csv_analysis(records: pd.DataFrame, root: Path) -> dict[str, Any]:
    """analysis.json of ``records`` as a labelled CSV (the demo's CSV config)."""
    (root / "csv").mkdir()
    records.to_csv(root / "csv" / "records.csv", index=False)
    args = ["--analysis-config", str(CSV_CONFIG), "--output", str(root / "expected")]
    assert main(["bias", "--dataset", str(root / "csv"), *args]) == EXIT_OK
    return dict(read(root / "expected" / "analysis.json"))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bias-demo")
    subprocess.run(
        [sys.executable, str(REPO / "scripts" / "make_sample_data.py"), "--out", "demo-data"],
        cwd=root,
        check=True,
        capture_output=True,
    )
    return root / "demo-data" / "bias"


def test_captures_merged_with_ground_truth_equal_the_csv_of_the_merged_records(
    spark: Any, demo: Path, tmp_path: Path
) -> None:
    out = tmp_path / "captured"
    assert main(capture_args(demo, CAPTURE_CONFIG, out)) == EXIT_OK
    # The same hour as a labelled CSV: every record but the tenth, whose label never came.
    records = pd.read_csv(demo / "window-12h" / "records.csv")
    merged = records[records.index % 10 != 9]
    assert_same_metrics(read(out / "analysis.json"), csv_analysis(merged, tmp_path))
    summary = read(out / "monitor-job-summary.json")
    assert summary["merge"]["captured"] == len(records)
    assert summary["merge"]["matched"] == len(merged) == summary["item_count"]
    assert summary["merge"]["unmatched_capture"] == len(records) - len(merged)
    # the report says how the captures met their labels
    report = (out / "report.html").read_text()
    assert f"{len(merged):,} of {len(records):,} captured rows" in report
    assert f"{len(records) - len(merged):,} without a label" in report


def merged_line(i: int, row: Any, broken: bool = False) -> str:
    """A record of SageMaker's merge job: JSON request and response, and the label."""
    request = {"sex": row.sex, "age": int(row.age), "zip": str(row.zip)}
    response = {"predicted_label": int(row.predicted), "score": float(row.score)}
    return json.dumps(
        {
            "captureData": {
                "endpointInput": {
                    "data": "{not json" if broken else json.dumps(request),
                    "encoding": "JSON",
                },
                "endpointOutput": {"data": json.dumps(response), "encoding": "JSON"},
            },
            "groundTruthData": {"data": str(row.approved), "encoding": "CSV"},
            "eventMetadata": {
                "eventId": f"e{i}",
                "inferenceTime": f"2024-03-01T12:{i % 60:02d}:00Z",
            },
            "eventVersion": "0",
        }
    )


def test_merged_json_records_with_a_probability(spark: Any, demo: Path, tmp_path: Path) -> None:
    """JSON requests name the features; the prediction is a probability cut at the
    run's threshold; a record whose request cannot be decoded is counted, not used."""
    import numpy as np

    records = pd.read_csv(demo / "window-12h" / "records.csv").head(2000)
    rng = np.random.default_rng(1)
    records["score"] = np.where(records.predicted == 1, 0.55, 0.45) + rng.uniform(
        -0.04, 0.04, len(records)
    )
    lines = [merged_line(i, row) for i, row in enumerate(records.itertuples())]
    lines.append(merged_line(len(lines), next(records.itertuples()), broken=True))
    hour = tmp_path / "merged" / "2024" / "03" / "01" / "12"
    hour.mkdir(parents=True)
    (hour / "part-0.jsonl").write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    code = main(
        [
            "bias",
            "--format",
            "merged",
            "--dataset",
            str(tmp_path / "merged"),
            "--probability-attribute",
            "score",
            "--probability-threshold",
            "0.5",
            *WINDOW,
            "--analysis-config",
            str(CSV_CONFIG),
            "--output",
            str(out),
        ]
    )
    assert code == EXIT_OK
    expected_rows = records.assign(predicted=(records.score > 0.5).astype(int))
    expected_rows = expected_rows[["sex", "age", "zip", "approved", "predicted"]]
    assert_same_metrics(read(out / "analysis.json"), csv_analysis(expected_rows, tmp_path))
    summary = read(out / "monitor-job-summary.json")
    assert summary["item_count"] == len(records)
    assert summary["records"]["failed"] == {"endpointInput payload not decodable": 1}
    assert summary["records"]["failed_samples"][0]["record"] == lines[-1]


@pytest.mark.parametrize(
    ("drop", "message"),
    [
        ("--inference-attribute", "needs inference_attribute or probability_attribute"),
        ("--ground-truth", "needs ground_truth_source"),
    ],
)
def test_capture_settings_missing_are_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], drop: str, message: str
) -> None:
    args = {
        "--format": "capture",
        "--dataset": str(tmp_path),
        "--ground-truth": str(tmp_path),
        "--inference-attribute": "0",
        "--analysis-config": str(CAPTURE_CONFIG),
        "--output": str(tmp_path / "out"),
    }
    del args[drop]
    code = main(["bias", *[x for kv in args.items() for x in kv]])
    assert code == EXIT_CONFIG
    assert message in capsys.readouterr().err


def test_headers_that_do_not_fit_the_captured_rows_are_exit_2(
    spark: Any, demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = json.loads(CAPTURE_CONFIG.read_text())
    config["headers"] = ["sex", "age", "approved", "predicted"]  # zip forgotten
    (tmp_path / "config.json").write_text(json.dumps(config))
    code = main(capture_args(demo, tmp_path / "config.json", tmp_path / "out"))
    assert code == EXIT_CONFIG
    err = capsys.readouterr().err
    assert "headers name 2 feature columns besides the label" in err
    assert "endpointInput rows have 3" in err
    assert not (tmp_path / "out" / "analysis.json").exists()


def test_captures_through_the_contract_keys(spark: Any, demo: Path, tmp_path: Path) -> None:
    """The same run from a YAML job file of contract keys (what container mode reads from
    the environment) gives the same analysis as the CLI."""
    import yaml

    keys = {
        "analysis_type": "MODEL_BIAS",
        "analysis_config": str(CAPTURE_CONFIG),
        "dataset_format": {
            "sagemakerCaptureJson": {"captureIndexNames": ["endpointInput", "endpointOutput"]}
        },
        "dataset_source": str(demo / "capture"),
        "ground_truth_source": str(demo / "ground-truth"),
        "inference_attribute": "0",
        "start_time": "2024-03-01T12:00:00Z",
        "end_time": "2024-03-01T13:00:00Z",
        "output_path": str(tmp_path / "yaml"),
    }
    (tmp_path / "job.yaml").write_text(yaml.safe_dump(keys))
    assert main(["run", "--config", str(tmp_path / "job.yaml")]) == EXIT_OK
    assert main(capture_args(demo, CAPTURE_CONFIG, tmp_path / "cli")) == EXIT_OK
    assert read(tmp_path / "yaml" / "analysis.json") == read(tmp_path / "cli" / "analysis.json")


@pytest.mark.parametrize(
    ("features", "wrap"),
    [
        ("features", lambda values: {"features": values}),
        ("data.features", lambda values: {"data": {"features": values}}),
        ("instances[0].features", lambda values: {"instances": [{"features": values}]}),
    ],
)
def test_a_json_lines_dataset_equals_its_csv(
    spark: Any, demo: Path, tmp_path: Path, features: str, wrap: Any
) -> None:
    """Clarify's JSON Lines dataset (features, label and predicted_label as JMESPaths into
    each line; headers naming the features, then the label): the metrics of the same
    records as the CSV, to 1e-12; a line without its features is counted, not used."""
    records = pd.read_csv(demo / "window-12h" / "records.csv").head(3000)
    lines = [
        json.dumps({**wrap([r.sex, int(r.age), int(r.zip)]), "approved": int(r.approved),
                    "model": {"predicted": int(r.predicted)}})
        for r in records.itertuples()
    ]  # fmt: skip
    lines.append(json.dumps({"approved": 1}))  # no features: left out
    (tmp_path / "jsonl").mkdir()
    (tmp_path / "jsonl" / "records.jsonl").write_text("\n".join(lines) + "\n")
    config = read(CSV_CONFIG)
    config.update(
        dataset_type="application/jsonlines",
        headers=["sex", "age", "zip", "approved"],
        features=features,
        label="approved",
        predicted_label="model.predicted",
    )
    (tmp_path / "analysis_config.json").write_text(json.dumps(config))
    out = tmp_path / "out"
    code = main(
        ["bias", "--dataset", str(tmp_path / "jsonl"), "--analysis-config",
         str(tmp_path / "analysis_config.json"), "--output", str(out)]
    )  # fmt: skip
    assert code == EXIT_OK
    assert_same_metrics(read(out / "analysis.json"), csv_analysis(records, tmp_path))


def test_a_jmespath_this_job_cannot_read_is_named(tmp_path: Path) -> None:
    config = read(CSV_CONFIG)
    config.update(dataset_type="application/jsonlines", features="rows[?age > `3`].f")
    (tmp_path / "c.json").write_text(json.dumps(config))
    args = ["bias", "--dataset", str(tmp_path), "--analysis-config", str(tmp_path / "c.json")]
    assert main([*args, "--output", str(tmp_path / "o")]) == EXIT_CONFIG


@pytest.mark.parametrize(
    ("request_of", "attribute"),
    [
        (lambda values: {"features": values}, None),
        (lambda values: {"instances": [{"features": values}]}, None),
        (lambda values: {"id": 7, "data": {"features": values, "v": 2}}, "data.features"),
    ],
    ids=["features", "instances-features", "features_attribute"],
)
def test_nested_feature_requests_decode_without_a_handler(
    spark: Any, demo: Path, tmp_path: Path, request_of: Any, attribute: str | None
) -> None:
    """Merged records whose requests hold the features as Clarify's FeaturesAttribute
    shapes, {"features": [...]} and {"instances": [{"features": [...]}]}, or anywhere a
    features_attribute JMESPath says: columns named by the capture config's headers,
    metrics equal to the CSV of the same records, 1e-12."""
    records = pd.read_csv(demo / "window-12h" / "records.csv").head(2000).assign(score=0.5)
    lines = []
    for i, row in enumerate(records.itertuples()):
        record = json.loads(merged_line(i, row))
        values = [row.sex, int(row.age), int(row.zip)]
        record["captureData"]["endpointInput"]["data"] = json.dumps(request_of(values))
        lines.append(json.dumps(record))
    hour = tmp_path / "merged" / "2024" / "03" / "01" / "12"
    hour.mkdir(parents=True)
    (hour / "part-0.jsonl").write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    code = main(
        ["bias", "--format", "merged", "--dataset", str(tmp_path / "merged"),
         "--inference-attribute", "predicted_label", *WINDOW,
         *(["--features-attribute", attribute] if attribute else []),
         "--analysis-config", str(CAPTURE_CONFIG), "--output", str(out)]
    )  # fmt: skip
    assert code == EXIT_OK
    expected = records[["sex", "age", "zip", "approved", "predicted"]]
    assert_same_metrics(read(out / "analysis.json"), csv_analysis(expected, tmp_path))
