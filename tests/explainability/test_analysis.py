"""Kernel SHAP as the job computes it, against exact values and against ``shap`` itself:
for a linear model with independent features every local value is w_i (x_i - E[x_i]) and
the global values are their aggregates; for gradient boosting the distributed run equals
``shap.KernelExplainer`` in one process on the same records, background and seed."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from monitor_job.cli import main
from monitor_job.errors import EXIT_OK
from monitor_job.explainability.analysis import record_seed
from tests.explainability.models import (
    INTERCEPT,
    LINEAR,
    NAMES,
    WEIGHTS,
    boosted_model,
    features,
    script_config,
    write_config,
)


def explain(tmp_path: Path, data: pd.DataFrame, config: Path, name: str) -> Path:
    source = tmp_path / f"{name}-data" / "data.csv"
    source.parent.mkdir(exist_ok=True)
    data.to_csv(source, index=False)
    out = tmp_path / name
    args = ["explain", "--dataset", str(source), "--analysis-config", str(config)]
    assert main([*args, "--output", str(out)]) == EXIT_OK
    return out


def local_values(out: Path) -> np.ndarray:
    return pd.read_csv(out / "explanations_shap" / "out.csv").to_numpy()


@pytest.mark.parametrize("agg", ["mean_abs", "median", "mean_sq"])
def test_linear_model_gives_the_exact_values(spark, tmp_path, agg) -> None:
    data = features(240, 1, scale=[1.0, 2.0, 0.5, 1.0, 0.1])
    config = script_config(tmp_path, LINEAR, num_samples=40, num_clusters=6, agg_method=agg)
    out = explain(tmp_path, data, config, "out")
    x = data.to_numpy()
    # k-means centres weighted by their clusters: the background's mean is the data's
    exact = WEIGHTS * (x - x.mean(axis=0))
    phi = local_values(out)
    assert phi.shape == exact.shape
    np.testing.assert_allclose(phi, exact, rtol=0, atol=1e-6)
    doc = json.loads((out / "analysis.json").read_text())
    entry = doc["explanations"]["kernel_shap"]["label0"]
    expected = {
        "mean_abs": np.mean(np.abs(exact), axis=0),
        "median": np.median(exact, axis=0),
        "mean_sq": np.mean(exact**2, axis=0),
    }[agg]
    assert list(entry["global_shap_values"]) == NAMES
    np.testing.assert_allclose(list(entry["global_shap_values"].values()), expected, atol=1e-6)
    assert entry["expected_value"] == pytest.approx(x.mean(axis=0) @ WEIGHTS + INTERCEPT, abs=1e-9)


def test_boosting_equals_shap_in_one_process(spark, tmp_path, aws) -> None:
    import shap

    from monitor_job.decode.preprocess import load_function

    script = boosted_model(tmp_path)
    data = features(120, 3)
    background = features(8, 4).to_numpy()
    config = write_config(
        tmp_path / "config.json",
        {"predict_script": str(script)},
        num_samples=64,
        seed=11,
        baseline=background.tolist(),
    )
    out = explain(tmp_path, data, config, "out")
    predict, _ = load_function(str(script), "predict")
    explainer = shap.KernelExplainer(predict, background)
    theirs = []
    for row in data.to_numpy():
        np.random.seed(record_seed(11, row))
        theirs.append(explainer.shap_values(row, nsamples=64, l1_reg=False, silent=True))
    ours = local_values(out)
    assert np.abs(np.asarray(theirs)).max() > 0.01  # the model leans on its features
    np.testing.assert_allclose(ours, np.asarray(theirs), rtol=0, atol=1e-9)
    entry = json.loads((out / "analysis.json").read_text())["explanations"]["kernel_shap"]
    assert entry["label0"]["expected_value"] == pytest.approx(explainer.expected_value, abs=1e-12)
    # the label is built from f0..f2 only: the model leans on them most
    values = entry["label0"]["global_shap_values"]
    assert min(values["f0"], values["f1"], values["f2"]) > 3 * max(values["f3"], values["f4"])
    # a rerun, with the same background as an S3 object, gives the same files
    import boto3

    boto3.client("s3").create_bucket(Bucket="shap")
    rows = "\n".join(",".join(map(repr, r)) for r in background.tolist())
    boto3.client("s3").put_object(Bucket="shap", Key="background.csv", Body=rows.encode())
    from_s3 = write_config(
        tmp_path / "s3.json",
        {"predict_script": str(script)},
        num_samples=64,
        seed=11,
        baseline="s3://shap/background.csv",
    )
    again = explain(tmp_path, data, from_s3, "again")
    assert (again / "analysis.json").read_bytes() == (out / "analysis.json").read_bytes()
    assert (again / "explanations_shap" / "out.csv").read_bytes() == (
        out / "explanations_shap" / "out.csv"
    ).read_bytes()


def test_credentials_reach_executors_only_over_an_authenticated_channel(caplog) -> None:
    """Issue 35: the session token and keys go to the executors in the job's
    configuration only when the cluster authenticates its members (or is local)."""
    from monitor_job.explainability.analysis import executor_aws_environment

    environ = {
        "AWS_ACCESS_KEY_ID": "AKIA",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_SESSION_TOKEN": "token",
        "AWS_REGION": "eu-west-1",
        "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME": "http://127.0.0.1:9",
        "HOME": "/root",
    }
    aws = {k: v for k, v in environ.items() if k.startswith("AWS_")}
    assert executor_aws_environment(environ, True) == aws
    caplog.set_level("WARNING")
    assert executor_aws_environment(environ, False) == {
        "AWS_REGION": "eu-west-1",
        "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME": "http://127.0.0.1:9",
    }
    assert "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN not sent" in caplog.text
    assert "secret" not in caplog.text.replace("MONITOR_JOB_SPARK_SECRET", "")
