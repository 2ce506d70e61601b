"""Data quality on the command line: ``monitor-job baseline`` and ``monitor-job monitor``
(the contract keys they stand for), its console summary, and its registration."""

from __future__ import annotations

import argparse
from typing import Any

from monitor_job.contract import AnalysisType
from monitor_job.contract.formats import CLI_FORMATS, cli_dataset_format
from monitor_job.errors import ConfigError
from monitor_job.monitor_type import Commands, MonitorType, add_window_options, window_settings
from monitor_job.outputs.summary import Outcome
from monitor_job.report.documents import DATA_QUALITY


def add_commands(commands: Commands) -> None:
    base = commands.add("baseline", help="suggest statistics.json + constraints.json")
    mon = commands.add("monitor", help="check a dataset or capture window against baseline files")
    for p in (base, mon):
        p.add_argument("--dataset", required=True, help="file or directory to analyse")
        p.add_argument("--format", choices=CLI_FORMATS, default="capture" if p is mon else "csv")
        p.add_argument(
            "--header",
            action=argparse.BooleanOptionalAction,
            default=p is base,
            help="CSV has a header row (default: yes for baseline, no for monitor)",
        )
        p.add_argument(
            "--dataset-format",
            metavar="JSON",
            help="dataset_format as the contract's JSON, instead of --format and --header "
            '(a batch transform\'s capture destination: \'{"batchTransformCapture": {"sides": '
            '["input"], "datasetFormat": {"csv": {"header": false}}}}\')',
        )
        p.add_argument("--output", required=True, help="output directory")
        p.add_argument("--preprocessor", help="script defining preprocess_handler")
        p.add_argument("--postprocessor", help="script defining postprocess_handler")
        p.add_argument(
            "--exclude-features",
            metavar="NAMES",
            help="columns left out of the analysis: names or 0-based indices, comma-separated "
            "(exclude_features_attribute)",
        )
    roll = commands.add(
        "rollup",
        help="merge finished monitoring runs (a day, a week) and check them, no data read",
    )
    for p in (base, mon, roll):
        p.add_argument(
            "--checks",
            metavar="FILE",
            help="custom checks in Deequ's vocabulary, a YAML or JSON file (custom_checks)",
        )
    for p in (mon, roll):
        p.add_argument(
            "--metrics-history",
            metavar="DIR",
            help="folder or s3:// prefix of earlier runs, for anomaly checks (metrics_history)",
        )
    mon.add_argument("--baseline-statistics", help="statistics.json of the baseline")
    mon.add_argument("--baseline-constraints", help="constraints.json of the baseline")
    add_window_options(mon, "also PutMetricData to CloudWatch (the metrics file is always written)")
    roll.add_argument(
        "--runs", required=True, help="folder or s3:// prefix of the hourly runs' outputs"
    )
    roll.add_argument("--baseline-statistics", help="statistics.json of the baseline")
    roll.add_argument("--baseline-constraints", help="constraints.json of the baseline")
    roll.add_argument("--output", required=True, help="output directory")
    roll.add_argument("--postprocessor", help="script defining postprocess_handler")
    add_window_options(roll, "also PutMetricData to CloudWatch", bounds=("--from", "--to"))


def settings(args: argparse.Namespace) -> dict[str, Any] | None:
    if args.command == "rollup":
        return {
            "dataset_format": cli_dataset_format("runs", False),
            "dataset_source": args.runs,
            "output_path": args.output,
            "post_analytics_processor_script": args.postprocessor,
            "custom_checks": args.checks,
            "metrics_history": args.metrics_history,
            **_baseline_files(args),
            **window_settings(args),
        }
    if args.command not in ("baseline", "monitor"):
        return None
    env: dict[str, Any] = {
        "dataset_format": args.dataset_format or cli_dataset_format(args.format, args.header),
        "dataset_source": args.dataset,
        "output_path": args.output,
        "record_preprocessor_script": args.preprocessor,
        "post_analytics_processor_script": args.postprocessor,
        "exclude_features_attribute": args.exclude_features,
        "custom_checks": args.checks,
    }
    if args.command == "monitor":
        env.update(**_baseline_files(args), **window_settings(args))
        env["metrics_history"] = args.metrics_history
    return env


def _baseline_files(args: argparse.Namespace) -> dict[str, Any]:
    if not (args.baseline_statistics or args.baseline_constraints):
        raise ConfigError(
            f"{args.command} needs --baseline-statistics and/or --baseline-constraints"
        )
    return {
        "baseline_statistics": args.baseline_statistics,
        "baseline_constraints": args.baseline_constraints,
    }


def print_summary(outcome: Outcome) -> None:
    """Per feature: its type, present and missing counts, and its main statistics."""
    from monitor_job.data_quality.profile import DatasetProfile

    prof = outcome.profile
    assert isinstance(prof, DatasetProfile)
    print(f"{'feature':<24} {'type':<11} {'present':>8} {'missing':>8}  detail")
    for f in prof.features:
        if f.numeric is not None:
            s = f.numeric
            present, missing = s.num_present, s.num_missing
            detail = f"mean={s.mean:.4g} min={s.min:.4g} max={s.max:.4g}"
        elif f.string is not None:
            present, missing = f.string.num_present, f.string.num_missing
            top = ", ".join(v for v, _ in (f.string.buckets or ())[:3])
            detail = f"distinct~{f.string.distinct_count:.0f} top: {top}"
        else:
            present, missing, detail = 0, prof.item_count, ""
        print(f"{f.name:<24} {f.inferred_type:<11} {present:>8} {missing:>8}  {detail}")


MONITOR = MonitorType(
    name="data_quality",
    analysis_type=AnalysisType.DATA_QUALITY,
    report_kind=DATA_QUALITY,
    add_commands=add_commands,
    settings=settings,
    print_summary=print_summary,
)
