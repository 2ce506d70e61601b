"""The real SageMaker SDK (v2) on both sides of an explainability run: the analysis config
its ``ModelExplainabilityMonitor`` builds drives the job against an endpoint (InvokeEndpoint
on loopback), and the SDK loads the analysis.json and constraint_violations.json written."""

from __future__ import annotations

import json

from monitor_job.cli import main
from monitor_job.errors import EXIT_OK
from tests.explainability.models import (
    NAMES,
    boosted_model,
    features,
)


def test_sdk_config_in_sdk_readable_files_out(
    spark,
    tmp_path,
    model_server,
    aws,
    monkeypatch,
) -> None:
    from sagemaker.clarify import ModelConfig, SHAPConfig
    from sagemaker.model_monitor import Constraints, ConstraintViolations
    from sagemaker.model_monitor.clarify_model_monitoring import ExplainabilityAnalysisConfig
    from sagemaker.session import Session

    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME", model_server(boosted_model(tmp_path)))
    config = ExplainabilityAnalysisConfig(
        explainability_config=SHAPConfig(
            baseline=features(5, 1).to_numpy().tolist(),
            num_samples=30,
            agg_method="mean_abs",
            use_logit=True,
            seed=3,
        ),
        model_config=ModelConfig(
            endpoint_name="churn-endpoint", content_type="text/csv", accept_type="text/csv"
        ),
        headers=NAMES,
        label_headers=["churn"],
    )._to_dict()
    (tmp_path / "analysis_config.json").write_text(json.dumps(config))
    for name, seed in (("baseline", 1), ("window", 2)):
        (tmp_path / name).mkdir()
        features(40, seed).to_csv(tmp_path / name / "data.csv", index=False, header=False)
    common = ["explain", "--analysis-config", str(tmp_path / "analysis_config.json")]
    assert (
        main(
            [
                *common,
                "--dataset",
                str(tmp_path / "baseline"),
                "--output",
                str(tmp_path / "out-baseline"),
            ]
        )
        == EXIT_OK
    )
    assert (
        main(
            [
                *common,
                "--dataset",
                str(tmp_path / "window"),
                "--baseline-analysis",
                str(tmp_path / "out-baseline" / "analysis.json"),
                "--drift-threshold",
                "0.9999",
                "--output",
                str(tmp_path / "out-window"),
            ]
        )
        == EXIT_OK
    )
    # use_logit: each record's values add up to its log-odds, less the expected value's
    import numpy as np
    import pandas as pd

    from monitor_job.decode.preprocess import load_function

    predict, _ = load_function(str(tmp_path / "boosted.py"), "predict")
    rows = features(40, 1).to_numpy()
    local = pd.read_csv(tmp_path / "out-baseline" / "explanations_shap" / "out.csv").to_numpy()
    analysis = json.loads((tmp_path / "out-baseline" / "analysis.json").read_text())
    expected = analysis["explanations"]["kernel_shap"]["churn"]["expected_value"]
    p = predict(rows)
    np.testing.assert_allclose(local.sum(axis=1) + expected, np.log(p / (1 - p)), atol=1e-9)

    import boto3

    session = Session(
        boto_session=boto3.Session(region_name="us-east-1"), default_bucket="monitor-job-sdk"
    )
    constraints = Constraints.from_file_path(
        str(tmp_path / "out-baseline" / "analysis.json"), sagemaker_session=session
    )
    shap = constraints.body_dict["explanations"]["kernel_shap"]
    assert list(shap) == ["churn"] and list(shap["churn"]["global_shap_values"]) == NAMES
    violations = ConstraintViolations.from_file_path(
        str(tmp_path / "out-window" / "constraint_violations.json"), sagemaker_session=session
    )
    rows = violations.body_dict["violations"]
    assert [v["label"] for v in rows] in ([], ["churn"])
    summary = json.loads((tmp_path / "out-window" / "monitor-job-summary.json").read_text())
    assert len(rows) == (summary["explainability"]["ndcg"]["churn"] < 0.9999)
