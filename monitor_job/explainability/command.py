"""Explainability on the command line: ``monitor-job explain`` (the contract keys it stands
for), its console summary, and its registration."""

from __future__ import annotations

import argparse
from typing import Any

from monitor_job.contract import AnalysisType
from monitor_job.contract.formats import cli_dataset_format
from monitor_job.monitor_type import Commands, MonitorType, add_window_options, window_settings
from monitor_job.outputs.summary import Outcome
from monitor_job.report.documents import EXPLAINABILITY

CAPTURED_INPUT = {"sagemakerCaptureJson": {"captureIndexNames": ["endpointInput"]}}


def add_commands(commands: Commands) -> None:
    explain = commands.add(
        "explain",
        help="Clarify-compatible Kernel SHAP feature attributions against the model "
        "(analysis.json); with --baseline-analysis, the feature attribution drift check",
    )
    explain.add_argument("--dataset", required=True, help="file or directory (or s3://)")
    explain.add_argument(
        "--format",
        choices=("csv", "json", "parquet", "capture"),
        default="csv",
        help="the dataset's format; capture: the endpoint's input in captured traffic",
    )
    explain.add_argument("--analysis-config", required=True, help="Clarify's analysis_config.json")
    explain.add_argument("--output", required=True, help="output directory (or s3://)")
    explain.add_argument(
        "--baseline-analysis",
        help="the baseline's analysis.json: a monitoring run, with constraint_violations.json",
    )
    explain.add_argument("--drift-threshold", type=float, help="nDCG below it is a violation (0.9)")
    explain.add_argument("--preprocessor", help="script defining preprocess_handler")
    add_window_options(explain, "PutMetricData to the explainability namespace")


def settings(args: argparse.Namespace) -> dict[str, Any] | None:
    if args.command != "explain":
        return None
    fmt = CAPTURED_INPUT if args.format == "capture" else cli_dataset_format(args.format, True)
    return {
        "analysis_type": AnalysisType.MODEL_EXPLAINABILITY.value,
        "dataset_format": fmt,
        "dataset_source": args.dataset,
        "output_path": args.output,
        "analysis_config": args.analysis_config,
        "baseline_constraints": args.baseline_analysis,
        "feature_attribution_drift_threshold": args.drift_threshold,
        "record_preprocessor_script": args.preprocessor,
        **window_settings(args),
    }


def print_summary(outcome: Outcome) -> None:
    """Per label, the expected value, the top global SHAP values and the nDCG."""
    analysis: dict[str, Any] = outcome.extra["analysis"]
    info: dict[str, Any] = outcome.extra.get("explainability") or {}
    for label, entry in analysis["explanations"]["kernel_shap"].items():
        ranked = sorted(entry["global_shap_values"].items(), key=lambda kv: -abs(kv[1]))
        top = ", ".join(f"{name}={value:.4g}" for name, value in ranked[:5])
        score = (info.get("ndcg") or {}).get(label)
        ndcg = f"; nDCG {score:.4f}" if score is not None else ""
        print(f"label {label}: expected {entry['expected_value']:.4g}; top {top}{ndcg}")
    calls = info.get("model_calls") or {}
    if calls:
        print(
            f"{info.get('model')}: {calls['requests']} requests, {calls['rows']} rows, "
            f"{calls['retries']} retries"
        )


MONITOR = MonitorType(
    name="explainability",
    analysis_type=AnalysisType.MODEL_EXPLAINABILITY,
    report_kind=EXPLAINABILITY,
    add_commands=add_commands,
    settings=settings,
    print_summary=print_summary,
)
