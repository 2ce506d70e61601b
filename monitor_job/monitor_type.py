"""What each monitor type registers (its ``command.py`` defines one :class:`MonitorType`):
its ``analysis_type``, its CLI subcommands and the contract keys they stand for, its run,
its console printer and its report page. The entrypoint (``cli.py``) and ``monitor-job
report`` dispatch through the registry of these (``monitors.py``), so a new type adds files
and one registry entry, not branches."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from monitor_job.contract import AnalysisType, JobConfig
from monitor_job.outputs.summary import Outcome
from monitor_job.report import View


@dataclass
class Commands:
    """The CLI's subcommands as types register them: a type adds its own, or options to
    one another type added before it (model quality's options on ``baseline``/``monitor``)."""

    sub: Any  # argparse's subparsers action
    parsers: dict[str, argparse.ArgumentParser] = field(default_factory=dict)

    def add(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = self.sub.add_parser(name, **kwargs)
        self.parsers[name] = parser
        return parser


@dataclass(frozen=True)
class MonitorType:
    analysis_type: AnalysisType
    report_kind: str  # the ``RunDocuments.kind`` of its documents
    add_commands: Callable[[Commands], None]
    # The contract keys a parsed command line stands for, None when it is not this type's;
    # types answering the same command line (baseline with --problem-type) are merged in
    # registry order.
    settings: Callable[[argparse.Namespace], dict[str, Any] | None]
    run: Callable[[JobConfig], Outcome]  # before Spark, with Spark, after: all of a run
    print_summary: Callable[[Outcome], None]  # its part of the console summary
    view: View  # its report page
