"""Entrypoint: container mode (no arguments) or the ``monitor-job`` CLI.

Only this module maps errors to exit codes and one-line messages.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from monitor_job import __version__
from monitor_job.analyzers import DatasetProfile
from monitor_job.checks.baseline import load_baseline
from monitor_job.contract import (
    JobConfig,
    config_from_container,
    config_from_mapping,
    config_from_yaml,
    container_environment,
)
from monitor_job.contract.config import (
    BIAS_DRIFT_METHODS,
    DEFAULT_MESSAGE_FILE,
    PROBLEM_TYPES,
    AnalysisType,
)
from monitor_job.errors import (
    EXIT_INTERNAL,
    EXIT_OK,
    BaselineError,
    ConfigError,
    EmptyInputError,
    InputDataError,
    MonitorJobError,
    StoppedError,
)
from monitor_job.outputs.summary import Outcome
from monitor_job.runtime.privileges import settle_user
from monitor_job.runtime.progress import Progress, set_phase
from monitor_job.runtime.spark import VERBOSE_ENV

log = logging.getLogger("monitor_job")

CAPTURE_BOTH = {"captureIndexNames": ["endpointInput", "endpointOutput"]}


def cli_dataset_format(name: str, header: bool) -> dict[str, Any]:
    """The ``dataset_format`` a CLI ``--format`` stands for."""
    formats: dict[str, dict[str, Any]] = {
        "csv": {"csv": {"header": header, "output_columns_position": "START"}},
        "json": {"json": {"lines": True}},
        "parquet": {"parquet": {}},
        "capture": {"sagemakerCaptureJson": CAPTURE_BOTH},
        "merged": {"sagemakerMergeJson": CAPTURE_BOTH},
    }
    return formats[name]


FORMATS = ("capture", "csv", "json", "parquet")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="monitor-job",
        description="Open drop-in for the SageMaker Model Monitor analyzer. "
        "With no arguments, runs in container mode from the SageMaker environment contract.",
    )
    parser.add_argument("--version", action="version", version=f"monitor-job {__version__}")
    parser.add_argument(
        "--verbose", action="store_true", help="Spark's own log lines (also MONITOR_JOB_VERBOSE=1)"
    )
    sub = parser.add_subparsers(dest="command")
    base = sub.add_parser("baseline", help="suggest statistics.json + constraints.json")
    mon = sub.add_parser("monitor", help="check a dataset or capture window against baseline files")
    for p in (base, mon):
        p.add_argument("--dataset", required=True, help="file or directory to analyse")
        p.add_argument("--format", choices=FORMATS, default="capture" if p is mon else "csv")
        p.add_argument(
            "--header",
            action=argparse.BooleanOptionalAction,
            default=p is base,
            help="CSV has a header row (default: yes for baseline, no for monitor)",
        )
        p.add_argument("--output", required=True, help="output directory")
        p.add_argument("--preprocessor", help="script defining preprocess_handler")
        p.add_argument("--postprocessor", help="script defining postprocess_handler")
        q = p.add_argument_group("model quality (analysis_type=MODEL_QUALITY)")
        q.add_argument("--problem-type", choices=PROBLEM_TYPES, help="run model quality")
        q.add_argument("--inference-attribute", help="prediction: column name/index or JSON path")
        q.add_argument("--probability-attribute", help="probability: column or JSON path")
        q.add_argument("--probability-threshold", help="probability cut for binary (0.5)")
        q.add_argument("--ground-truth-attribute", help="label column name or index")
        q.add_argument("--positive-label", help="positive class of binary labels (1)")
    mon.add_argument("--ground-truth", help="ground-truth JSONL directory or s3:// prefix")
    mon.add_argument("--baseline-statistics", help="statistics.json of the baseline")
    mon.add_argument("--baseline-constraints", help="constraints.json of the baseline")
    mon.add_argument("--start", help="window start (ISO 8601, inclusive)")
    mon.add_argument("--end", help="window end (ISO 8601, exclusive)")
    mon.add_argument("--endpoint", help="endpoint name (CloudWatch dimension)")
    mon.add_argument("--schedule", help="monitoring schedule name (CloudWatch dimension)")
    mon.add_argument(
        "--publish-metrics",
        action="store_true",
        help="also PutMetricData to CloudWatch (the metrics file is always written)",
    )
    val = sub.add_parser(
        "validate",
        help="dry run: decode the first records (handler included), print columns, rows and "
        "every error; no analysis, no output files",
    )
    val.add_argument("--dataset", help="file or directory (or give --config)")
    val.add_argument("--config", help="a YAML job file instead of the dataset options")
    val.add_argument("--format", choices=FORMATS, default="capture")
    val.add_argument("--header", action=argparse.BooleanOptionalAction, default=False)
    val.add_argument("--preprocessor", help="script defining preprocess_handler")
    val.add_argument("--start", help="window start (ISO 8601, inclusive)")
    val.add_argument("--end", help="window end (ISO 8601, exclusive)")
    val.add_argument("--rows", type=int, default=20, help="records to decode (default 20)")
    run = sub.add_parser("run", help="run a job described by a YAML file of contract keys")
    run.add_argument("--config", required=True)
    run.add_argument("--output", help="override output_path")
    bias = sub.add_parser(
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
    bias.add_argument("--endpoint", help="endpoint name (CloudWatch dimension)")
    bias.add_argument("--schedule", help="monitoring schedule name (CloudWatch dimension)")
    bias.add_argument(
        "--publish-metrics", action="store_true", help="PutMetricData to the bias namespace"
    )
    bias.add_argument(
        "--drift-confidence", type=float, default=0.95, help="bootstrap interval level (0.95)"
    )
    cap = bias.add_argument_group("captured traffic (instead of a labelled CSV)")
    cap.add_argument("--format", choices=("capture", "merged"), help="capture JSONL input")
    cap.add_argument("--ground-truth", help="ground-truth JSONL to merge with (capture)")
    cap.add_argument("--inference-attribute", help="prediction in the endpoint's output")
    cap.add_argument("--probability-attribute", help="probability in the endpoint's output")
    cap.add_argument("--probability-threshold", help="a probability above it is positive")
    cap.add_argument("--start", help="window start (ISO 8601, inclusive)")
    cap.add_argument("--end", help="window end (ISO 8601, exclusive)")
    rep = sub.add_parser(
        "report",
        help="build report.html from a run's JSON files (local or s3://), or with --history "
        "one page of several past runs",
    )
    what = rep.add_mutually_exclusive_group(required=True)
    what.add_argument("--statistics", help="the run's statistics.json (or a bias analysis.json)")
    what.add_argument(
        "--history",
        metavar="PREFIX",
        help="every data-quality monitoring run under PREFIX (e.g. a schedule's outputs)",
    )
    rep.add_argument(
        "--baseline-statistics", help="the baseline's statistics.json (or analysis.json)"
    )
    rep.add_argument(
        "--violations", help="constraint_violations.json (default: the one beside --statistics)"
    )
    rep.add_argument(
        "--constraints", help="the constraints checked (default: constraints.json beside it)"
    )
    rep.add_argument(
        "--last", type=int, default=168, help="with --history: the newest N runs (168)"
    )
    rep.add_argument("--output", required=True, help="directory for report.html (or s3://)")
    up = sub.add_parser(
        "upload",
        help="upload output files a run kept on local disk when its S3 upload failed",
    )
    up.add_argument("directory", help="the directory the failed run named")
    up.add_argument("destination", help="the run's output_path (s3://bucket/prefix)")
    return parser


def config_from_args(args: argparse.Namespace) -> JobConfig:
    if args.command == "run" or (args.command == "validate" and args.config):
        return config_from_yaml(args.config, {"output_path": getattr(args, "output", None)})
    if args.command == "validate":
        if not args.dataset:
            raise ConfigError("validate needs --dataset or --config")
        return config_from_mapping(
            {
                k: v
                for k, v in {
                    "dataset_format": cli_dataset_format(args.format, args.header),
                    "dataset_source": args.dataset,
                    "output_path": "-",  # never written
                    "record_preprocessor_script": args.preprocessor,
                    "start_time": args.start,
                    "end_time": args.end,
                }.items()
                if v is not None
            }
        )
    if args.command == "bias":
        bias_env = {
            "analysis_type": "MODEL_BIAS",
            "dataset_source": args.dataset,
            "output_path": args.output,
            "analysis_config": args.analysis_config,
            "baseline_constraints": args.baseline_analysis,
            "bias_drift_method": args.drift_method,
            "bias_drift_confidence": str(args.drift_confidence),
            "sagemaker_endpoint_name": args.endpoint,
            "sagemaker_monitoring_schedule_name": args.schedule,
            "publish_cloudwatch_metrics": "Enabled" if args.publish_metrics else None,
            "dataset_format": cli_dataset_format(args.format, True) if args.format else None,
            "ground_truth_source": args.ground_truth,
            "inference_attribute": args.inference_attribute,
            "probability_attribute": args.probability_attribute,
            "probability_threshold_attribute": args.probability_threshold,
            "start_time": args.start,
            "end_time": args.end,
        }
        return config_from_mapping({k: v for k, v in bias_env.items() if v is not None})
    env: dict[str, Any] = {
        "dataset_format": cli_dataset_format(args.format, args.header),
        "dataset_source": args.dataset,
        "output_path": args.output,
        "record_preprocessor_script": args.preprocessor,
        "post_analytics_processor_script": args.postprocessor,
    }
    if args.problem_type:
        env.update(
            analysis_type="MODEL_QUALITY",
            problem_type=args.problem_type,
            inference_attribute=args.inference_attribute,
            probability_attribute=args.probability_attribute,
            probability_threshold_attribute=args.probability_threshold,
            ground_truth_attribute=args.ground_truth_attribute,
            positive_label=args.positive_label,
            ground_truth_source=getattr(args, "ground_truth", None),
        )
    if args.command == "monitor":
        if not (args.baseline_statistics or args.baseline_constraints):
            raise ConfigError("monitor needs --baseline-statistics and/or --baseline-constraints")
        env.update(
            baseline_statistics=args.baseline_statistics,
            baseline_constraints=args.baseline_constraints,
            start_time=args.start,
            end_time=args.end,
            sagemaker_endpoint_name=args.endpoint,
            sagemaker_monitoring_schedule_name=args.schedule,
            publish_cloudwatch_metrics="Enabled" if args.publish_metrics else None,
        )
    return config_from_mapping({k: v for k, v in env.items() if v is not None})


def message_target(config: JobConfig | None, container_mode: bool) -> str | None:
    """Where the exit message goes: the config's file, or in container mode the default
    even when the config itself could not be parsed."""
    if config is not None:
        return config.output_message_file
    if not container_mode:
        return None
    try:
        env = container_environment()
    except MonitorJobError:
        env = {}
    return str(env.get("output_message_file") or DEFAULT_MESSAGE_FILE)


def write_message(target: str | None, message: str) -> None:
    """SageMaker reads the first KB of the message file as the job's ExitMessage."""
    if not target:
        return
    try:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        Path(target).write_text(message[:1024], encoding="utf-8")
    except OSError as err:
        log.warning("cannot write message file %s: %s", target, err)


def run_job(config: JobConfig) -> Outcome:
    """Run the job a config describes, on a session built here."""
    from monitor_job.decode.preprocess import check_script
    from monitor_job.io import list_input
    from monitor_job.io.s3 import check_readable, is_s3
    from monitor_job.jobs.baseline import run_baseline
    from monitor_job.jobs.model_quality import load_quality_constraints, run_model_quality
    from monitor_job.jobs.monitor import run_monitoring
    from monitor_job.jobs.postprocess import load_postprocessor, run_postprocessor
    from monitor_job.outputs.area import check_local_writable, output_area
    from monitor_job.report.charts import warm_up
    from monitor_job.runtime.spark import build_session

    if config.analysis_type is AnalysisType.MODEL_BIAS:
        from monitor_job.jobs.bias import run_bias_job

        return run_bias_job(config)
    # Everything that can be checked without data is checked before Spark starts: the
    # baseline files and scripts are read, the input is listed (or, for model quality,
    # its S3 prefixes proved readable), the output location proved writable.
    model_quality = config.analysis_type is AnalysisType.MODEL_QUALITY
    baseline = load_baseline(config) if config.is_monitoring and not model_quality else None
    quality_constraints = load_quality_constraints(config) if model_quality else None
    post = config.post_analytics_processor_script
    postprocess = load_postprocessor(post) if post else None
    if config.record_preprocessor_script:
        check_script(config.record_preprocessor_script, "preprocess_handler")
    listing = None
    if model_quality:
        for uri, what in (
            (config.dataset_source, "dataset_source"),
            (config.ground_truth_source, "ground_truth_source"),
        ):
            if uri and is_s3(uri):
                check_readable(uri, what)
    else:
        listing = list_input(config.dataset_source, config.start_time, config.end_time)
        if not listing.files:  # an empty window: no JVM needed to say so
            raise EmptyInputError(f"no data{listing.window()}: {listing.describe()}")
    # The message file and (for monitoring) a local metrics directory are written at the
    # end: proved writable now. output_area proves the output location.
    if config.output_message_file:
        check_local_writable(str(Path(config.output_message_file).parent), "output_message_file")
    metrics = config.cloudwatch_metrics_directory
    if config.is_monitoring and not is_s3(metrics):
        check_local_writable(metrics, "cloudwatch_metrics_directory")
    with output_area(config.output_path) as area:
        warm_up()  # report.html's chart engine starts while Spark works
        set_phase("starting Spark")
        spark = build_session()
        with Progress(spark):
            if model_quality:
                outcome = run_model_quality(spark, config, quality_constraints, area)
            elif baseline is not None:
                outcome = run_monitoring(spark, config, baseline, area, listing)
            else:
                outcome = run_baseline(spark, config, area, listing)
    if post and postprocess is not None:
        run_postprocessor(post, postprocess)
    return outcome


def run_upload(directory: str, destination: str) -> int:
    """``monitor-job upload DIR s3://...``: finish a run whose upload failed."""
    from monitor_job.io import s3
    from monitor_job.outputs.area import upload_directory

    if not s3.is_s3(destination):
        raise ConfigError(f"upload: destination must be an s3:// URI, got {destination!r}")
    count = upload_directory(directory, destination)
    print(f"uploaded {count} file(s) from {directory} to {destination}")
    return EXIT_OK


def run_report(args: argparse.Namespace) -> int:
    """``monitor-job report``: rebuild a run's report.html, or draw a history page."""
    from monitor_job.io.documents import read_json
    from monitor_job.outputs.area import output_area
    from monitor_job.outputs.writer import write_text_files
    from monitor_job.report import REPORT_FILE, read_run, render_history, render_run
    from monitor_job.report.charts import warm_up

    if args.last < 1:
        raise ConfigError(f"report --last must be at least 1, got {args.last}")
    warm_up()  # the chart engine starts while the files are read
    try:
        if args.history:
            baseline = (
                read_json(args.baseline_statistics, "baseline_statistics")
                if args.baseline_statistics
                else None
            )
            html = render_history(args.history, args.last, baseline)
        else:
            docs = read_run(
                args.statistics, args.baseline_statistics, args.violations, args.constraints
            )
            html = render_run(docs)
    except BaselineError as err:  # here every file read is the report's input
        raise InputDataError(str(err)) from err
    with output_area(args.output) as area:
        [path] = write_text_files(area.local, {REPORT_FILE: html})
        area.publish()
        print(f"wrote {area.final(path)}")
    return EXIT_OK


def run_validate(config: JobConfig, rows: int) -> int:
    """``monitor-job validate``: print what decoding makes of the first ``rows`` records."""
    from monitor_job.jobs.validate import validate
    from monitor_job.runtime.spark import build_session

    report = validate(build_session(), config, rows)
    print(report.render())
    if report.failed:
        raise InputDataError(report.verdict())
    print(report.verdict())
    return EXIT_OK


def run_on_hosts(config: JobConfig) -> Outcome | None:
    """Container mode: alone, or as the leader or a worker of a multi-instance job."""
    from monitor_job.runtime.cluster import Cluster, read_hosts, serve_as_worker

    hosts = read_hosts(os.environ)
    if hosts is None or len(hosts.hosts) < 2:
        return run_job(config)
    if not hosts.is_leader:
        serve_as_worker(hosts, os.environ)
        return None
    cluster = Cluster(hosts, os.environ)
    os.environ["MONITOR_JOB_SPARK_MASTER"] = cluster.start()
    os.environ.setdefault("SPARK_LOCAL_IP", hosts.current)
    try:
        return run_job(config)
    finally:
        from pyspark.sql import SparkSession

        session = SparkSession.getActiveSession()
        if session is not None:
            session.stop()
        cluster.stop()


def print_summary(outcome: Outcome) -> None:
    prof = outcome.profile
    if outcome.kind.startswith("bias"):
        print_bias_metrics(outcome.extra["analysis"])
    elif outcome.kind.startswith("model-quality"):
        print(f"{outcome.kind} ({outcome.extra['problem_type']}): {prof.item_count} rows")
        if "merge" in outcome.extra:
            print("merge: " + ", ".join(f"{k} {v}" for k, v in outcome.extra["merge"].items()))
        for name, value in outcome.extra["metrics"].items():
            print(f"{name:<45} {value:.6g}")
    else:
        print_features(prof)
    if "monitoring" in outcome.kind:
        print()
        if outcome.violation_rows:
            print(f"{'feature/metric':<24} {'check':<25} description")
            for feature, check, description in outcome.violation_rows:
                print(f"{feature:<24} {check:<25} {description}")
        else:
            print("no violations")
    for path in outcome.files:
        print(f"wrote {path}")
    print(outcome.message)


def print_bias_metrics(analysis: dict[str, Any]) -> None:
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


def print_features(prof: DatasetProfile) -> None:
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


_STOP: list[StoppedError] = []  # set by the SIGTERM handler


def _stop(signum: int, _frame: object) -> None:
    """SIGTERM (StopProcessingJob, docker stop): unwind cleanly; no output is half-written
    because every file is renamed into place only when complete. The error may reach
    ``main`` wrapped in another (py4j, a reader's error): the recorded stop wins there."""
    error = StoppedError(f"received signal {signum}; stopped before completion")
    _STOP.append(error)
    raise error


def _quiet_while_stopping(record: logging.LogRecord) -> bool:
    """py4j logs the call a stop interrupted as an error with its traceback, on the root
    logger; during a stop that is expected, and the job's one ``Stopped:`` line says it."""
    return not (
        _STOP
        and record.name == "root"
        and record.getMessage().startswith("Exception while sending command")
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Parse, run, report. Returns the process exit code. SIGTERM is handled for the
    duration of the call (the previous handler is restored after)."""
    _STOP.clear()
    if threading.current_thread() is not threading.main_thread():
        return _main(argv)
    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        return _main(argv)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _main(argv: Sequence[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(
        level=os.environ.get("MONITOR_JOB_LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # AWS client libraries log request headers (signatures) at DEBUG: never let them.
    for noisy in ("botocore", "boto3", "urllib3", "s3transfer", "py4j"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    for handler in logging.getLogger().handlers:
        handler.addFilter(_quiet_while_stopping)
    config: JobConfig | None = None
    try:
        if argv:
            args = _parser().parse_args(argv)
            if args.verbose:
                os.environ[VERBOSE_ENV] = "1"
            if args.command is None:
                _parser().print_help()
                return EXIT_OK
            if args.command == "upload":
                return run_upload(args.directory, args.destination)
            if args.command == "report":
                return run_report(args)
            config = config_from_args(args)
            settle_user(config, message_target(config, False))
            if args.command == "validate":
                return run_validate(config, args.rows)
        else:
            config = config_from_container()
            settle_user(config, message_target(config, True))
        log.info(
            "config: %s",
            json.dumps(
                {
                    "dataset_source": config.dataset_source,
                    "output_path": config.output_path,
                    "dataset_format": config.dataset_format.kind,
                    "monitoring": config.is_monitoring,
                }
            ),
        )
        outcome = run_on_hosts(config) if not argv else run_job(config)
        if outcome is None:  # a worker host of a multi-instance job: the leader reports
            return EXIT_OK
    except Exception as caught:
        # A stop request wins over whatever error it surfaced as; anything that is not a
        # MonitorJobError is the last line of defence: still one clear line.
        err = _STOP[0] if _STOP else caught
        if isinstance(err, MonitorJobError):
            line, code = f"{err.kind}: {err}".replace("\n", " "), err.exit_code
        else:
            line = f"InternalError: {type(err).__name__}: {err}".splitlines()[0]
            code = EXIT_INTERNAL
            log.exception("unexpected failure")
        print(line, file=sys.stderr)
        write_message(message_target(config, not argv), line)
        return code
    log.info("%s", outcome.message)
    write_message(message_target(config, not argv), outcome.message)
    if argv:
        print_summary(outcome)
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
