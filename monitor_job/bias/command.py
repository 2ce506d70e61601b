"""Bias on the command line: ``monitor-job bias`` (the contract keys it stands for), its
console summary, and its registration."""

from __future__ import annotations

import argparse
from typing import Any

from monitor_job.contract import AnalysisType
from monitor_job.contract.config import BIAS_DRIFT_METHODS
from monitor_job.contract.formats import cli_dataset_format
from monitor_job.monitor_type import Commands, MonitorType, add_window_options, window_settings
from monitor_job.outputs.summary import Outcome
from monitor_job.report.documents import BIAS


def add_commands(commands: Commands) -> None:
    bias = commands.add(
        "bias",
        help="Clarify-compatible bias metrics of a labelled dataset (analysis.json); with "
        "--baseline-analysis, the drift checks (constraint_violations.json)",
    )
    bias.add_argument("--dataset", required=True, help="CSV file or directory (or s3://)")
    bias.add_argument("--analysis-config", required=True, help="Clarify's analysis_config.json")
    bias.add_argument("--output", required=True, help="output directory (or s3://)")
    bias.add_argument(
        "--baseline-analysis",
        help="the baseline's analysis.json: a monitoring run, with constraint_violations.json",
    )
    bias.add_argument("--drift-method", choices=BIAS_DRIFT_METHODS, default=BIAS_DRIFT_METHODS[0])
    bias.add_argument(
        "--drift-confidence", type=float, default=0.95, help="bootstrap interval level (0.95)"
    )
    cap = bias.add_argument_group("captured traffic (instead of a labelled CSV)")
    cap.add_argument("--format", choices=("capture", "merged"), help="capture JSONL input")
    cap.add_argument("--ground-truth", help="ground-truth JSONL to merge with (capture)")
    cap.add_argument("--inference-attribute", help="prediction in the endpoint's output")
    cap.add_argument(
        "--features-attribute", help="JMESPath to the features in a JSON request (data.features)"
    )
    cap.add_argument("--probability-attribute", help="probability in the endpoint's output")
    cap.add_argument("--probability-threshold", help="a probability above it is positive")
    add_window_options(bias, "PutMetricData to the bias namespace")


def settings(args: argparse.Namespace) -> dict[str, Any] | None:
    if args.command != "bias":
        return None
    return {
        "analysis_type": "MODEL_BIAS",
        "dataset_source": args.dataset,
        "output_path": args.output,
        "analysis_config": args.analysis_config,
        "baseline_constraints": args.baseline_analysis,
        "bias_drift_method": args.drift_method,
        "bias_drift_confidence": str(args.drift_confidence),
        "dataset_format": cli_dataset_format(args.format, True) if args.format else None,
        "ground_truth_source": args.ground_truth,
        "inference_attribute": args.inference_attribute,
        "features_attribute": args.features_attribute,
        "probability_attribute": args.probability_attribute,
        "probability_threshold_attribute": args.probability_threshold,
        **window_settings(args),
    }


def print_summary(outcome: Outcome) -> None:
    """Per stage, facet and value, each metric's value."""
    analysis: dict[str, Any] = outcome.extra["analysis"]
    for stage in ("pre_training_bias_metrics", "post_training_bias_metrics"):
        for facet, entries in analysis.get(stage, {}).get("facets", {}).items():
            for entry in entries:
                values = ", ".join(
                    f"{m['name']}={m['value']:.4g}"
                    if m["value"] is not None
                    else f"{m['name']}=n/a"
                    for m in entry["metrics"]
                )
                print(f"{stage.split('_')[0]} {facet}={entry['value_or_threshold']}: {values}")


MONITOR = MonitorType(
    name="bias",
    analysis_type=AnalysisType.MODEL_BIAS,
    report_kind=BIAS,
    add_commands=add_commands,
    settings=settings,
    print_summary=print_summary,
)
