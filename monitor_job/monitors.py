"""The registry of monitor types, in the order their commands are registered (model
quality adds its options to data quality's commands). A new type is a package with its
``command.py`` and one entry here."""

from __future__ import annotations

from dataclasses import replace

from monitor_job.bias.command import MONITOR as BIAS
from monitor_job.contract import AnalysisType
from monitor_job.data_quality.command import MONITOR as DATA_QUALITY
from monitor_job.explainability.command import MONITOR as EXPLAINABILITY
from monitor_job.model_quality.command import MONITOR as MODEL_QUALITY
from monitor_job.monitor_type import MonitorType
from monitor_job.report import RunDocuments
from monitor_job.report import render_run as render_page

MONITORS: tuple[MonitorType, ...] = (DATA_QUALITY, MODEL_QUALITY, BIAS, EXPLAINABILITY)


def by_analysis_type(analysis_type: AnalysisType) -> MonitorType:
    return next(m for m in MONITORS if m.analysis_type is analysis_type)


def with_view(docs: RunDocuments) -> RunDocuments:
    """A run's documents read from its files, with the view of the type that wrote them."""
    return replace(docs, view=next(m for m in MONITORS if m.report_kind == docs.kind).view)


def render_run(docs: RunDocuments) -> str:
    """The report page of a run from its files (:func:`monitor_job.report.read_run`),
    drawn by the view of the type that wrote them."""
    return render_page(with_view(docs))


__all__ = ["MONITORS", "by_analysis_type", "render_run", "with_view"]
