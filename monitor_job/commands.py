"""The commands that are no monitor type's: ``report`` (a run's page rebuilt from its files,
or a history of runs), ``upload`` (finish a run whose S3 upload failed), ``validate`` (a
dry run of decoding) and ``serve-model`` (a predict script as a local model server)."""

from __future__ import annotations

import argparse
import threading

from monitor_job.contract import JobConfig
from monitor_job.contract.formats import CLI_FORMATS
from monitor_job.errors import EXIT_OK, BaselineError, ConfigError, InputDataError, StoppedError
from monitor_job.monitor_type import Commands


def add_commands(commands: Commands) -> None:
    val = commands.add(
        "validate",
        help="dry run: decode the first records (handler included), print columns, rows and "
        "every error; no analysis, no output files",
    )
    val.add_argument("--dataset", help="file or directory (or give --config)")
    val.add_argument("--config", help="a YAML job file instead of the dataset options")
    val.add_argument("--format", choices=CLI_FORMATS, default="capture")
    val.add_argument("--header", action=argparse.BooleanOptionalAction, default=False)
    val.add_argument("--preprocessor", help="script defining preprocess_handler")
    val.add_argument("--start", help="window start (ISO 8601, inclusive)")
    val.add_argument("--end", help="window end (ISO 8601, exclusive)")
    val.add_argument("--rows", type=int, default=20, help="records to decode (default 20)")
    run = commands.add("run", help="run a job described by a YAML file of contract keys")
    run.add_argument("--config", required=True)
    run.add_argument("--output", help="override output_path")
    rep = commands.add(
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
    up = commands.add(
        "upload",
        help="upload output files a run kept on local disk when its S3 upload failed",
    )
    up.add_argument("directory", help="the directory the failed run named")
    up.add_argument("destination", help="the run's output_path (s3://bucket/prefix)")
    serve = commands.add(
        "serve-model",
        help="serve a predict script over the SageMaker inference protocol (/invocations, "
        "and InvokeEndpoint's path) on a local port: a model to explain without an endpoint",
    )
    serve.add_argument("--predict-script", required=True, help="a Python file defining predict")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)


def run_serve(script: str, host: str, port: int) -> int:
    """``monitor-job serve-model``: until stopped."""
    from monitor_job.decode.preprocess import load_function
    from monitor_job.explainability.serve import serve

    predict, _ = load_function(script, "predict")
    server = serve(predict, host, port)
    print(f"serving {script} on http://{host}:{server.server_port}/invocations", flush=True)
    try:
        threading.Event().wait()
    except StoppedError:  # docker stop, kill: the way a server ends
        print(f"stopped serving {script}", flush=True)
    finally:
        server.shutdown()
    return EXIT_OK


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
    from monitor_job.data_quality.history import render_history
    from monitor_job.io.documents import read_json
    from monitor_job.monitors import render_run
    from monitor_job.outputs.area import output_area
    from monitor_job.outputs.writer import write_text_files
    from monitor_job.report import REPORT_FILE, read_run
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
        area.publish(only=[path])  # beside a run's files, perhaps: its summary stays
        print(f"wrote {area.final(path)}")
    return EXIT_OK


def run_validate(config: JobConfig, rows: int) -> int:
    """``monitor-job validate``: print what decoding makes of the first ``rows`` records."""
    from monitor_job.decode.validate import validate
    from monitor_job.runtime.spark import build_session

    report = validate(build_session(), config, rows)
    print(report.render())
    if report.failed:
        raise InputDataError(report.verdict())
    print(report.verdict())
    return EXIT_OK
