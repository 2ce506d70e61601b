"""An explainability run end to end: captured requests explained like the same records in
a CSV; bad records counted by reason; a window drawn like the baseline keeps its ranking
and one whose features shift so that the model leans on others fires
``feature_attribution_drift_check``; metrics reach CloudWatch in Clarify's explainability
namespace; the report page shows it; bad configs stop before Spark."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from monitor_job.cli import main
from monitor_job.contract import AnalysisType, config_from_mapping
from monitor_job.contract.config import DEFAULT_ANALYSIS_CONFIG
from monitor_job.errors import EXIT_BASELINE, EXIT_CONFIG, EXIT_INPUT, EXIT_OK
from tests.datasets import json_capture_lines, write_lines
from tests.explainability.models import LINEAR, NAMES, features, script_config

SHAP = {"num_samples": 40, "num_clusters": 5}
REFERENCE = Path(__file__).parents[1] / "fixtures" / "sagemaker"


@pytest.fixture
def linear_config(tmp_path: Path) -> Path:
    return script_config(tmp_path, LINEAR, **SHAP)


def explain(*args: str) -> int:
    return main(["explain", *args])


def failing(capsys, tmp_path: Path, config: Path, *more: str) -> tuple[int, str]:
    """A run of the dataset in ``tmp_path`` that fails: its exit code and its one line."""
    code = explain(
        "--dataset",
        str(tmp_path / "data.csv"),
        "--analysis-config",
        str(config),
        *more,
        "--output",
        str(tmp_path / "out"),
    )
    [line] = [
        x
        for x in capsys.readouterr().err.splitlines()
        if ": " in x and x[0].isupper() and x.split(":")[0].isalpha()
    ]
    assert not (tmp_path / "out" / "analysis.json").exists()
    return code, line


def test_every_input_gives_the_same_analysis(spark, tmp_path, linear_config) -> None:
    """The same records as a CSV, JSON Lines, Parquet and captured requests (with a broken
    line and a record holding a word among its numbers, both counted)."""
    data = features(80, 2)
    data.to_csv(tmp_path / "data.csv", index=False)
    data.to_json(tmp_path / "data.jsonl", orient="records", lines=True)
    data.to_parquet(tmp_path / "data.parquet")
    frame = data.copy()
    frame.insert(0, "prediction", 0.5)
    lines = json_capture_lines(frame)
    lines += ["{not json", lines[0].replace('"f1\\": ', '"f1\\": \\"abc\\", \\"x\\": ')]
    write_lines(lines, tmp_path / "captures" / "2024" / "03" / "01" / "10" / "a.jsonl")
    common = ["--analysis-config", str(linear_config)]
    assert (
        explain("--dataset", str(tmp_path / "data.csv"), *common, "--output", str(tmp_path / "csv"))
        == EXIT_OK
    )
    assert (
        explain(
            "--format",
            "capture",
            "--dataset",
            str(tmp_path / "captures"),
            *common,
            "--output",
            str(tmp_path / "cap"),
        )
        == EXIT_OK
    )
    for kind in ("json", "parquet"):
        assert (
            explain(
                "--format",
                kind,
                "--dataset",
                str(tmp_path / f"data.{kind.replace('json', 'jsonl')}"),
                *common,
                "--output",
                str(tmp_path / kind),
            )
            == EXIT_OK
        )
    ours = (tmp_path / "csv" / "analysis.json").read_text()
    for kind in ("cap", "json", "parquet"):
        assert (tmp_path / kind / "analysis.json").read_text() == ours, kind
    summary = json.loads((tmp_path / "cap" / "monitor-job-summary.json").read_text())
    assert summary["item_count"] == 80
    assert sum(summary["records"]["failed"].values()) == 2, summary["records"]
    assert {s["reason"] for s in summary["records"]["failed_samples"]} == set(
        summary["records"]["failed"]
    )


def test_clarify_json_lines_give_the_csv_analysis(spark, tmp_path, linear_config) -> None:
    """Clarify's JSON Lines dataset (``dataset_type: application/jsonlines``, ``features``
    a JMESPath to each line's list): the same analysis.json as the CSV of the records; a
    line without its list is counted."""
    data = features(60, 3)
    data.to_csv(tmp_path / "data.csv", index=False)
    lines = [json.dumps({"data": {"features": list(map(float, row))}, "y": 1})
             for row in data.itertuples(index=False)]  # fmt: skip
    lines.append(json.dumps({"data": {}, "y": 0}))
    (tmp_path / "data.jsonl").write_text("\n".join(lines) + "\n")
    config = json.loads(linear_config.read_text())
    config.update(
        dataset_type="application/jsonlines", features="data.features", headers=list(data.columns)
    )
    jsonl_config = tmp_path / "jsonl-config.json"
    jsonl_config.write_text(json.dumps(config))
    csv = ["--dataset", str(tmp_path / "data.csv"), "--analysis-config", str(linear_config)]
    assert explain(*csv, "--output", str(tmp_path / "csv")) == EXIT_OK
    jsonl = ["--dataset", str(tmp_path / "data.jsonl"), "--analysis-config", str(jsonl_config)]
    assert explain(*jsonl, "--output", str(tmp_path / "jsonl")) == EXIT_OK
    ours = (tmp_path / "jsonl" / "analysis.json").read_text()
    assert ours == (tmp_path / "csv" / "analysis.json").read_text()
    summary = json.loads((tmp_path / "jsonl" / "monitor-job-summary.json").read_text())
    assert summary["records"]["failed"] == {"no features list of 5 values": 1}


def test_drift_fires_only_when_the_ranking_changes(spark, tmp_path, linear_config, aws) -> None:
    sets = {
        "baseline": features(300, 1),
        "steady": features(300, 2),
        # f2 (small weight) spreads wide, f0, f1 and f4 shrink: the model now leans on f2
        "drifted": features(300, 3, scale=[0.1, 0.1, 6.0, 1.0, 0.05]),
    }
    for name, frame in sets.items():
        (tmp_path / name).mkdir()
        frame.to_csv(tmp_path / name / "data.csv", index=False)
    common = ["--analysis-config", str(linear_config)]
    assert (
        explain(
            "--dataset",
            str(tmp_path / "baseline"),
            *common,
            "--output",
            str(tmp_path / "out-baseline"),
        )
        == EXIT_OK
    )
    baseline = str(tmp_path / "out-baseline" / "analysis.json")
    found = {}
    for name in ("steady", "drifted"):
        code = explain(
            "--dataset",
            str(tmp_path / name),
            *common,
            "--baseline-analysis",
            baseline,
            "--endpoint",
            "churn",
            "--schedule",
            f"explain-{name}",
            "--publish-metrics",
            "--output",
            str(tmp_path / f"out-{name}"),
        )
        assert code == EXIT_OK
        found[name] = json.loads(
            (tmp_path / f"out-{name}" / "constraint_violations.json").read_text()
        )
    assert found["steady"] == {"version": "1.0", "violations": []}
    [violation] = found["drifted"]["violations"]
    reference = json.loads(
        (
            REFERENCE / "aws-docs_feature_attribution_drift_constraint_violations_example.json"
        ).read_text()
    )["violations"][0]
    assert violation.keys() == reference.keys()
    assert violation["label"] == "label0" and violation["metric_name"] == "shap"
    assert violation["constraint_check_type"] == "feature_attribution_drift_check"
    score = float(violation["description"].split()[3])
    assert violation["description"] == f"Feature attribution drift {score!r} exceeds threshold 0.9"
    assert score < 0.9
    summary = json.loads((tmp_path / "out-drifted" / "monitor-job-summary.json").read_text())
    assert summary["explainability"]["ndcg"]["label0"] == score
    steady = json.loads((tmp_path / "out-steady" / "monitor-job-summary.json").read_text())
    assert steady["explainability"]["ndcg"]["label0"] > 0.99

    cloudwatch = boto3.client("cloudwatch")
    namespace = "aws/sagemaker/Endpoints/explainability-metrics"
    metrics = cloudwatch.list_metrics(Namespace=namespace)["Metrics"]
    names = {m["MetricName"] for m in metrics}
    assert names == {*(f"feature_{n}" for n in NAMES), "ExpectedValue"}
    dims = {
        d["Name"]: d["Value"]
        for d in next(
            m
            for m in metrics
            if m["MetricName"] == "feature_f2"
            and {"Name": "MonitoringSchedule", "Value": "explain-drifted"} in m["Dimensions"]
        )["Dimensions"]
    }
    assert dims == {
        "Endpoint": "churn",
        "MonitoringSchedule": "explain-drifted",
        "ExplainabilityMethod": "KernelShap",
        "Label": "label0",
        "ValueType": "GlobalShapValues",
    }

    page = (tmp_path / "out-drifted" / "report.html").read_text()
    assert 'data-label="label0"' in page and "nDCG" in page and 'class="violation"' in page
    assert page.count('class="local"') == 5


def test_words_among_the_features_fail_the_run_in_one_line(
    spark, tmp_path, linear_config, capsys
) -> None:
    frame = features(20, 4).astype(str)
    frame.loc[:, "f2"] = "high"
    frame.to_csv(tmp_path / "data.csv", index=False)
    code, line = failing(capsys, tmp_path, linear_config)
    assert code == EXIT_INPUT and line.startswith("InputDataError: ")
    assert "20 of 20 records could not be explained (20 feature value is not a number)" in line
    assert "high" in line


@pytest.mark.parametrize(
    ("config", "says"),
    [
        ({"methods": {"shap": {}}}, "missing key 'predictor'"),
        ({"methods": {"shap": {}}, "predictor": {"model_name": "m"}}, "shadow endpoint"),
        (
            {"methods": {"shap": {"agg_method": "max"}}, "predictor": {"endpoint_url": "x"}},
            "agg_method",
        ),
        (
            {"methods": {"shap": {}}, "predictor": {"endpoint_url": "x", "endpoint_name": "y"}},
            "exactly one of",
        ),
        (
            {
                "methods": {"shap": {}},
                "predictor": {"endpoint_url": "x", "content_type": "application/jsonlines"},
            },
            "content_template",
        ),
        ({"predictor": {"endpoint_url": "x"}}, "methods.shap"),
        (
            {"methods": {"shap": {"baseline": [[1, 2], [3]]}}, "predictor": {"endpoint_url": "x"}},
            "differ in length",
        ),
    ],
)
def test_bad_configs_stop_before_spark(tmp_path, capsys, config, says) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    (tmp_path / "data.csv").write_text("a,b\n1,2\n")
    code, line = failing(capsys, tmp_path, path)
    assert code == EXIT_CONFIG and line.startswith("ConfigError: ")
    assert says in line


def test_a_baseline_without_explanations_is_refused(tmp_path, linear_config, capsys) -> None:
    other = tmp_path / "analysis.json"
    other.write_text(json.dumps({"version": "1.0", "pre_training_bias_metrics": {}}))
    (tmp_path / "data.csv").write_text("a,b\n1,2\n")
    code, line = failing(capsys, tmp_path, linear_config, "--baseline-analysis", str(other))
    assert code == EXIT_BASELINE and "holds no explanations.kernel_shap" in line


def test_the_container_contract_names_explainability() -> None:
    config = config_from_mapping(
        {
            "analysis_type": "MODEL_EXPLAINABILITY",
            "dataset_source": "/opt/ml/processing/input/endpoint",
            "output_path": "/opt/ml/processing/output",
            "feature_attribution_drift_threshold": "0.8",
        },
        container_mode=True,
    )
    assert config.analysis_type is AnalysisType.MODEL_EXPLAINABILITY
    assert config.analysis_config == DEFAULT_ANALYSIS_CONFIG
    assert config.feature_attribution_drift_threshold == 0.8
    assert config.dataset_format.kind == "csv"
