"""`monitor-job bias`: Clarify's analysis.json from a labelled CSV, equal to smclarify on the
same data, in the shape of a real 2024 Clarify baseline (tests/fixtures/sagemaker)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

import monitor_job.runtime.spark as runtime_spark
from monitor_job.cli import main
from monitor_job.errors import EXIT_CONFIG, EXIT_OK
from tests.bias.test_analysis import oracle, people  # noqa: F401 - the shared fixture

FIXTURES = Path(__file__).parents[1] / "fixtures" / "sagemaker"

CONFIG = {
    "version": "1.0",
    "label": "label",
    "label_values_or_threshold": ["yes"],
    "facet": [
        {"name_or_index": "sex", "value_or_threshold": ["F"]},
        {"name_or_index": "age", "value_or_threshold": [40]},
        {"name_or_index": "region", "value_or_threshold": ["north", "east"]},
    ],
    "group_variable": "zip",
    "predicted_label": "pred",
    "methods": {
        "pre_training_bias": {"methods": "all"},
        "post_training_bias": {"methods": "all"},
    },
}


def test_analysis_json_equals_smclarify(spark, people, tmp_path, capsys) -> None:  # noqa: F811
    data = tmp_path / "data" / "people.csv"
    data.parent.mkdir()
    people.to_csv(data, index=False)
    config = tmp_path / "analysis_config.json"
    config.write_text(json.dumps(CONFIG))
    out = tmp_path / "out"
    args = ["bias", "--dataset", str(data.parent), "--analysis-config", str(config)]
    assert main([*args, "--output", str(out)]) == EXIT_OK
    assert f"wrote {out / 'analysis.json'}" in capsys.readouterr().out
    doc = json.loads((out / "analysis.json").read_text())
    reference = json.loads((FIXTURES / "clarify-bias-2024_baseline_analysis.json").read_text())
    assert doc.keys() == reference.keys()
    for stage in ("pre_training_bias_metrics", "post_training_bias_metrics"):
        assert doc[stage].keys() == reference[stage].keys()
        assert doc[stage]["label"] == "label" and doc[stage]["label_value_or_threshold"] == "yes"
        ref_metric = reference[stage]["facets"]["Sex"][0]["metrics"][0]
        assert set(doc[stage]["facets"]["sex"][0]["metrics"][0]) >= set(ref_metric)
    for facet in CONFIG["facet"]:
        name, values = facet["name_or_index"], facet["value_or_threshold"]
        theirs = oracle(people, name, values, group=True)
        [entry] = [
            e
            for stage in ("pre_training_bias_metrics", "post_training_bias_metrics")
            for e in doc[stage]["facets"][name]
        ][:1]
        assert entry["value_or_threshold"] == ",".join(str(v) for v in values)
        ours = {
            m["name"]: m["value"]
            for stage in ("pre_training_bias_metrics", "post_training_bias_metrics")
            for e in doc[stage]["facets"][name]
            for m in e["metrics"]
        }
        for metric, expected in theirs.items():
            if metric == "FT" or expected is None:
                assert ours[metric] is None, (name, metric)
                continue
            got = ours[metric]
            got = float(got) if isinstance(got, str) else got  # "Infinity" in JSON
            assert math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-12), (name, metric)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"facet": []}, "facet must be a non-empty list"),
        (
            {"label_values_or_threshold": "yes"},
            "label_values_or_threshold must be a non-empty list",
        ),
        (
            {"methods": {"post_training_bias": {"methods": ["DPPL", "XX"]}}},
            "unknown metric(s) ['XX']",
        ),
        ({"predicted_label": None}, "post_training_bias needs predicted_label"),
    ],
)
def test_bad_analysis_config_is_exit_2_before_spark(tmp_path, capsys, monkeypatch, edit, message):
    def no_spark(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("Spark was started before the config was checked")

    monkeypatch.setattr(runtime_spark, "build_session", no_spark)
    doc = {**CONFIG, **edit}
    doc = {k: v for k, v in doc.items() if v is not None}
    config = tmp_path / "analysis_config.json"
    config.write_text(json.dumps(doc))
    code = main(["bias", "--dataset", "x.csv", "--analysis-config", str(config), "--output", "o"])
    assert code == EXIT_CONFIG
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert line.startswith("ConfigError: analysis_config: ") and message in line, line


def applicants(n: int, seed: int, against_f: float = 0.0):
    """Unbiased applicants (labels and predictions independent of sex); ``against_f``
    turns that share of the women's positive predictions negative (induced bias)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    sex = rng.choice(["F", "M"], n)
    label = np.where(rng.random(n) < 0.5, "yes", "no")
    pred = np.where(rng.random(n) < 0.85, label, np.where(label == "yes", "no", "yes"))
    flip = (sex == "F") & (pred == "yes") & (rng.random(n) < against_f)
    pred = np.where(flip, "no", pred)
    return pd.DataFrame(
        {"sex": sex, "zip": rng.choice(["z1", "z2"], n), "label": label, "pred": pred}
    )


def test_bias_drift_fires_on_induced_bias_only(spark, tmp_path, capsys) -> None:
    config = {
        **CONFIG,
        "facet": [{"name_or_index": "sex", "value_or_threshold": ["F"]}],
    }
    (tmp_path / "analysis_config.json").write_text(json.dumps(config))

    def run(frame, name: str, baseline: Path | None = None) -> Path:
        data = tmp_path / name / "data.csv"
        data.parent.mkdir()
        frame.to_csv(data, index=False)
        args = ["bias", "--dataset", str(data), "--analysis-config"]
        args += [str(tmp_path / "analysis_config.json"), "--output", str(tmp_path / name / "out")]
        if baseline is not None:
            args += ["--baseline-analysis", str(baseline)]
        assert main(args) == EXIT_OK
        return tmp_path / name / "out"

    # A baseline from a large training set, hourly windows smaller (their noise is larger).
    base = run(applicants(20000, seed=1), "baseline") / "analysis.json"
    quiet = run(applicants(5000, seed=2), "quiet", base)
    biased = run(applicants(5000, seed=3, against_f=0.4), "biased", base)
    quiet_rows = json.loads((quiet / "constraint_violations.json").read_text())["violations"]
    assert not [v for v in quiet_rows if v["metric_name"] in ("DPPL", "DI")], quiet_rows
    rows = json.loads((biased / "constraint_violations.json").read_text())["violations"]
    fired = {v["metric_name"] for v in rows}
    assert {"DPPL", "DI"} <= fired, rows
    dppl = next(v for v in rows if v["metric_name"] == "DPPL")
    assert dppl["facet"] == "sex" and dppl["facet_value"] == "F"
    assert dppl["constraint_check_type"] == "bias_drift_check"
    assert dppl["description"].startswith("Metric value ")
    assert "doesn't meet the baseline constraint requirement " in dppl["description"]
    assert "CompletedWithViolations" in capsys.readouterr().out


def test_bias_metrics_reach_cloudwatch(spark, people, tmp_path, aws) -> None:  # noqa: F811
    """The bias namespace, bias_metric_<SHORT> names, Clarify's dimensions; FT (no value)
    is not published; the metrics file is written beside analysis.json."""
    import boto3

    data = tmp_path / "people.csv"
    people.to_csv(data, index=False)
    config = tmp_path / "analysis_config.json"
    config.write_text(json.dumps({**CONFIG, "facet": CONFIG["facet"][:1]}))
    out = tmp_path / "out"
    args = ["bias", "--dataset", str(data), "--analysis-config", str(config)]
    args += ["--output", str(out), "--endpoint", "ep-bias", "--schedule", "s1", "--publish-metrics"]
    assert main(args) == EXIT_OK
    cloudwatch = boto3.client("cloudwatch")
    listed = cloudwatch.list_metrics(Namespace="aws/sagemaker/Endpoints/bias-metrics")["Metrics"]
    mine = [m for m in listed if {"Name": "Endpoint", "Value": "ep-bias"} in m["Dimensions"]]
    names = {m["MetricName"] for m in mine}
    assert {"bias_metric_DPPL", "bias_metric_DI", "bias_metric_CI"} <= names
    assert "bias_metric_FT" not in names
    dppl = next(m for m in mine if m["MetricName"] == "bias_metric_DPPL")
    assert {d["Name"]: d["Value"] for d in dppl["Dimensions"]} == {
        "Endpoint": "ep-bias",
        "MonitoringSchedule": "s1",
        "BiasStage": "Post-Training",
        "Label": "label",
        "LabelValue": "yes",
        "Facet": "sex",
        "FacetValue": "F",
    }
    lines = (out / "metrics" / "cloudwatch" / "cloudwatch_metrics.jsonl").read_text().splitlines()
    assert len(lines) == len(mine)


def test_infinity_is_published_as_clarify_does() -> None:
    from datetime import datetime, timezone

    from monitor_job.bias.cloudwatch import bias_lines, bias_target

    analysis = {
        "post_training_bias_metrics": {
            "label": "y",
            "label_value_or_threshold": "1",
            "facets": {
                "f": [
                    {
                        "value_or_threshold": "0",
                        "metrics": [
                            {"name": "DI", "value": float("inf")},
                            {"name": "TE", "value": float("-inf")},
                            {"name": "FT", "value": None},
                        ],
                    }
                ]
            },
        }
    }
    target = bias_target(None, None, datetime(2024, 3, 1, tzinfo=timezone.utc))
    assert target.namespace == "aws/sagemaker/ModelMonitoring/bias-metrics"
    lines = bias_lines(target, analysis)
    assert [(line["MetricName"], line["Value"]) for line in lines] == [
        ("bias_metric_DI", 2.348543e108),
        ("bias_metric_TE", -2.348543e108),
    ]


def test_bias_through_the_container_contract_and_yaml(spark, tmp_path, capsys, monkeypatch) -> None:
    """analysis_type=MODEL_BIAS in processingjobconfig.json (the baseline's analysis.json as
    baseline_constraints, as Clarify's monitor takes it) and in a YAML job file: the same
    files as the CLI."""
    import yaml

    config = tmp_path / "analysis_config.json"
    config.write_text(json.dumps({**CONFIG, "facet": CONFIG["facet"][:1]}))
    for name, frame in (("base", applicants(6000, 7)), ("window", applicants(3000, 8, 0.4))):
        (tmp_path / name).mkdir()
        frame.to_csv(tmp_path / name / "records.csv", index=False)
    cli_base = tmp_path / "cli-base"
    args = ["bias", "--dataset", str(tmp_path / "base"), "--analysis-config", str(config)]
    assert main([*args, "--output", str(cli_base)]) == EXIT_OK
    environment = {
        "analysis_type": "MODEL_BIAS",
        "analysis_config": str(config),
        "dataset_source": str(tmp_path / "window"),
        "baseline_constraints": str(cli_base / "analysis.json"),
        "output_path": str(tmp_path / "container-out"),
        "output_message_file": str(tmp_path / "message"),
        "cloudwatch_metrics_directory": str(tmp_path / "metrics"),
        "sagemaker_endpoint_name": "ep",
        "publish_cloudwatch_metrics": "Enabled",
    }
    job = tmp_path / "processingjobconfig.json"
    job.write_text(json.dumps({"Environment": environment}))
    monkeypatch.setenv("MONITOR_JOB_PROCESSING_CONFIG", str(job))
    assert main([]) == EXIT_OK  # container mode
    message = (tmp_path / "message").read_text()
    assert message.startswith("CompletedWithViolations: Job completed successfully with ")
    container_rows = json.loads(
        (tmp_path / "container-out" / "constraint_violations.json").read_text()
    )["violations"]
    assert {"DPPL", "DI"} <= {v["metric_name"] for v in container_rows}
    # SageMaker publishes the metrics file itself in a processing job
    assert (tmp_path / "metrics" / "cloudwatch_metrics.jsonl").read_text().count("bias_metric_") > 0
    monkeypatch.delenv("MONITOR_JOB_PROCESSING_CONFIG")
    yaml_file = tmp_path / "bias.yaml"
    yaml_file.write_text(
        yaml.safe_dump(
            {
                **{k: v for k, v in environment.items() if not k.startswith(("output", "cloud"))},
                "publish_cloudwatch_metrics": "Disabled",
                "output_path": str(tmp_path / "yaml-out"),
            }
        )
    )
    assert main(["run", "--config", str(yaml_file)]) == EXIT_OK
    yaml_rows = json.loads((tmp_path / "yaml-out" / "constraint_violations.json").read_text())
    assert yaml_rows["violations"] == container_rows
    capsys.readouterr()


def test_model_bias_config_errors_are_exit_2(tmp_path, capsys) -> None:
    job = {
        "analysis_type": "MODEL_BIAS",
        "dataset_source": str(tmp_path),
        "output_path": str(tmp_path / "o"),
        "analysis_config": str(tmp_path / "missing.json"),
    }
    path = tmp_path / "bias.yaml"
    import yaml

    path.write_text(yaml.safe_dump(job))
    assert main(["run", "--config", str(path)]) == EXIT_CONFIG
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert line.startswith(f"ConfigError: cannot read analysis_config {tmp_path / 'missing.json'}")


def test_drift_confidence_out_of_range_is_exit_2(tmp_path, capsys, monkeypatch) -> None:
    def no_spark(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("Spark was started before the settings were checked")

    monkeypatch.setattr(runtime_spark, "build_session", no_spark)
    config = tmp_path / "analysis_config.json"
    config.write_text(json.dumps(CONFIG))
    args = ["bias", "--dataset", "x.csv", "--analysis-config", str(config), "--output", "o"]
    assert main([*args, "--drift-confidence", "0"]) == EXIT_CONFIG
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert line == "ConfigError: bias drift confidence must be in (0, 1), got 0.0"
