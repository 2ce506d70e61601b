"""Entrypoint: container mode (no arguments) or the ``monitor-job`` CLI. It parses the
arguments and dispatches: each monitor type registers its subcommands, its run and its
printer (:mod:`monitor_job.monitors`); the other commands are in :mod:`monitor_job.commands`.

Only this module maps errors to exit codes and one-line messages.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from monitor_job import __version__, commands
from monitor_job.contract import (
    JobConfig,
    config_from_container,
    config_from_mapping,
    config_from_yaml,
    container_environment,
)
from monitor_job.contract.config import DEFAULT_MESSAGE_FILE
from monitor_job.contract.formats import cli_dataset_format
from monitor_job.errors import (
    EXIT_INTERNAL,
    EXIT_OK,
    ConfigError,
    MonitorJobError,
    raise_if_stopped,
)
from monitor_job.monitor_type import Commands
from monitor_job.monitors import MONITORS, by_analysis_type
from monitor_job.outputs import prometheus
from monitor_job.outputs.console import print_outcome
from monitor_job.outputs.summary import Outcome
from monitor_job.runtime.privileges import settle_user
from monitor_job.runtime.signals import quiet_while_stopping, stop_request, stoppable
from monitor_job.runtime.spark import EXECUTOR_MEMORY_ENV, HOSTS_ENV, VERBOSE_ENV

log = logging.getLogger("monitor_job")


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
    registered = Commands(parser.add_subparsers(dest="command"))
    for monitor in MONITORS:
        monitor.add_commands(registered)
    commands.add_commands(registered)
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
    env: dict[str, Any] = {}
    for monitor in MONITORS:
        env.update(monitor.settings(args) or {})
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
    """Run the job a config describes: its monitor type's run, on a session built there."""
    return by_analysis_type(config.analysis_type).run(config)


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
    os.environ[HOSTS_ENV] = str(len(hosts.hosts))
    if cluster.executor_memory:
        os.environ.setdefault(EXECUTOR_MEMORY_ENV, cluster.executor_memory)
    os.environ.setdefault("SPARK_LOCAL_IP", hosts.current)
    try:
        return run_job(config)
    finally:
        from pyspark.sql import SparkSession

        session = SparkSession.getActiveSession()
        if session is not None:
            session.stop()
        cluster.stop()


def print_summary(outcome: Outcome, config: JobConfig) -> None:
    print_outcome(outcome, by_analysis_type(config.analysis_type).print_summary)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse, run, report. Returns the process exit code. SIGTERM is handled for the
    duration of the call (the previous handler is restored after)."""
    with stoppable():
        return _main(argv)


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
        handler.addFilter(quiet_while_stopping)
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
                return commands.run_upload(args.directory, args.destination)
            if args.command == "report":
                return commands.run_report(args)
            if args.command == "serve-model":
                return commands.run_serve(args.predict_script, args.host, args.port)
            config = config_from_args(args)
            settle_user(config, message_target(config, False))
            if args.command == "validate":
                return commands.run_validate(config, args.rows)
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
        if config.scheduled_time is not None:
            log.info(
                "window %s to %s: scheduled_time %s with start_time %s, end_time %s",
                config.start_time.isoformat() if config.start_time else "(open)",
                config.end_time.isoformat() if config.end_time else "(open)",
                config.scheduled_time.isoformat(),
                *(o or "as given" for o in config.time_offsets),
            )
        outcome = run_on_hosts(config) if not argv else run_job(config)
        # A stop that arrived while the work finished (its files complete) is still a stop.
        raise_if_stopped()
        if outcome is None:  # a worker host of a multi-instance job: the leader reports
            return EXIT_OK
    except Exception as caught:
        # A stop request wins over whatever error it surfaced as; anything that is not a
        # MonitorJobError is the last line of defence: still one clear line.
        err = stop_request() or caught
        if isinstance(err, MonitorJobError):
            line, code = f"{err.kind}: {err}".replace("\n", " "), err.exit_code
        else:
            line = f"InternalError: {type(err).__name__}: {err}".splitlines()[0]
            code = EXIT_INTERNAL
            log.exception("unexpected failure")
        print(line, file=sys.stderr)
        write_message(message_target(config, not argv), line)
        if config is not None:  # the failure to a Pushgateway too, when one is named
            prometheus.push(config, (), 0, code)
        return code
    log.info("%s", outcome.message)
    write_message(message_target(config, not argv), outcome.message)
    if argv:
        print_summary(outcome, config)
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
