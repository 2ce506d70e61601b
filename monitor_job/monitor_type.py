"""What each monitor type registers (its ``command.py`` defines one :class:`MonitorType`):
its ``analysis_type``, its CLI subcommands and the contract keys they stand for, its run,
its console printer and its report page. The entrypoint (``cli.py``) and ``monitor-job
report`` dispatch through the registry of these (``monitors.py``), so a new type adds files
and one registry entry, not branches."""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from monitor_job.contract import AnalysisType, JobConfig
from monitor_job.outputs.summary import Outcome
from monitor_job.report import RunDocuments, Spec


@dataclass
class Commands:
    """The CLI's subcommands as types register them: a type adds its own, or options to one
    that another type added before it (model quality's on ``baseline`` and ``monitor``)."""

    sub: Any  # argparse's subparsers action
    parsers: dict[str, argparse.ArgumentParser] = field(default_factory=dict)

    def add(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = self.sub.add_parser(name, **kwargs)
        self.parsers[name] = parser
        return parser


def add_window_options(
    parser: Any, publish_help: str, bounds: tuple[str, str] = ("--start", "--end")
) -> None:
    """The options of a run over a window of captures for a monitored endpoint: the window,
    the CloudWatch dimensions, and whether to publish (they stand for ``start_time``,
    ``end_time``, ``scheduled_time``, ``sagemaker_endpoint_name``,
    ``sagemaker_monitoring_schedule_name``, ``publish_cloudwatch_metrics``:
    :func:`window_settings`)."""
    parser.add_argument(
        bounds[0], dest="start", help="window start (ISO 8601, inclusive), or an offset: -PT1H"
    )
    parser.add_argument(
        bounds[1], dest="end", help="window end (ISO 8601, exclusive), or an offset: -PT0H"
    )
    parser.add_argument(
        "--scheduled-time", help="what offsets count from (default: now, floored to the hour)"
    )
    parser.add_argument("--endpoint", help="endpoint name (CloudWatch dimension)")
    parser.add_argument("--schedule", help="monitoring schedule name (CloudWatch dimension)")
    parser.add_argument("--publish-metrics", action="store_true", help=publish_help)
    parser.add_argument(
        "--prometheus-pushgateway", metavar="URL", help="also push the metrics to this Pushgateway"
    )


def window_settings(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "start_time": args.start,
        "end_time": args.end,
        "scheduled_time": args.scheduled_time,
        "sagemaker_endpoint_name": args.endpoint,
        "sagemaker_monitoring_schedule_name": args.schedule,
        "publish_cloudwatch_metrics": "Enabled" if args.publish_metrics else None,
        "prometheus_pushgateway": args.prometheus_pushgateway,
    }


@dataclass(frozen=True)
class MonitorType:
    """A monitor type: the package ``monitor_job.<name>``, whose parts are named the same
    way in every type; its run is ``<name>.job.run`` and its report page
    ``<name>.view.build_view``, imported when first used (the CLI starts without Spark)."""

    name: str
    analysis_type: AnalysisType
    report_kind: str  # the ``RunDocuments.kind`` of its documents
    add_commands: Callable[[Commands], None]
    # The contract keys a parsed command line stands for, None when it is not this type's;
    # types answering the same command line (baseline with --problem-type) are merged in
    # registry order.
    settings: Callable[[argparse.Namespace], dict[str, Any] | None]
    print_summary: Callable[[Outcome], None]  # its part of the console summary

    def _part(self, part: str, function: str) -> Callable[..., Any]:
        module = importlib.import_module(f"monitor_job.{self.name}.{part}")
        return cast(Callable[..., Any], getattr(module, function))

    def run(self, config: JobConfig) -> Outcome:
        """All of a run: before Spark, with Spark, after."""
        return cast(Outcome, self._part("job", "run")(config))

    def view(self, docs: RunDocuments) -> tuple[dict[str, Any], list[Spec]]:
        """Its report page of a run's documents."""
        return cast(tuple[dict[str, Any], list[Spec]], self._part("view", "build_view")(docs))
