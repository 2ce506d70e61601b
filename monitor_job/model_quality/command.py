"""Model quality on the command line: its options on ``monitor-job baseline`` and ``monitor``
(``--problem-type`` makes a run a model-quality run), the contract keys they stand for, its
console summary, and its registration."""

from __future__ import annotations

import argparse
from typing import Any

from monitor_job.contract import AnalysisType
from monitor_job.contract.config import PROBLEM_TYPES
from monitor_job.monitor_type import Commands, MonitorType
from monitor_job.outputs.summary import Outcome
from monitor_job.report.documents import MODEL_QUALITY


def add_commands(commands: Commands) -> None:
    """Options on the data-quality commands, which are registered before this type."""
    for name in ("baseline", "monitor"):
        q = commands.parsers[name].add_argument_group("model quality (analysis_type=MODEL_QUALITY)")
        q.add_argument("--problem-type", choices=PROBLEM_TYPES, help="run model quality")
        q.add_argument("--inference-attribute", help="prediction: column name/index or JSON path")
        q.add_argument("--probability-attribute", help="probability: column or JSON path")
        q.add_argument("--probability-threshold", help="probability cut for binary (0.5)")
        q.add_argument("--ground-truth-attribute", help="label column name or index")
        q.add_argument("--positive-label", help="positive class of binary labels (1)")
    commands.parsers["monitor"].add_argument(
        "--ground-truth", help="ground-truth JSONL directory or s3:// prefix"
    )


def settings(args: argparse.Namespace) -> dict[str, Any] | None:
    if args.command not in ("baseline", "monitor") or not args.problem_type:
        return None
    return {
        "analysis_type": "MODEL_QUALITY",
        "problem_type": args.problem_type,
        "inference_attribute": args.inference_attribute,
        "probability_attribute": args.probability_attribute,
        "probability_threshold_attribute": args.probability_threshold,
        "ground_truth_attribute": args.ground_truth_attribute,
        "positive_label": args.positive_label,
        "ground_truth_source": getattr(args, "ground_truth", None),
    }


def print_summary(outcome: Outcome) -> None:
    """The rows analysed, the merge's counts, each scalar metric."""
    print(f"{outcome.kind} ({outcome.extra['problem_type']}): {outcome.profile.item_count} rows")
    if "merge" in outcome.extra:
        print("merge: " + ", ".join(f"{k} {v}" for k, v in outcome.extra["merge"].items()))
    for name, value in outcome.extra["metrics"].items():
        print(f"{name:<45} {value:.6g}")


MONITOR = MonitorType(
    name="model_quality",
    analysis_type=AnalysisType.MODEL_QUALITY,
    report_kind=MODEL_QUALITY,
    add_commands=add_commands,
    settings=settings,
    print_summary=print_summary,
)
