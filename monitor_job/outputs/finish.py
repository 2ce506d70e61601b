"""The end of every run: report.html and monitor-job-summary.json, written together, then
the staged files published (the summary last)."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any

from monitor_job.contract import JobConfig
from monitor_job.errors import raise_if_stopped
from monitor_job.outputs.area import OutputArea
from monitor_job.outputs.summary import SUMMARY_FILE, Outcome, summary_document
from monitor_job.outputs.writer import dumps, write_text_files
from monitor_job.report import REPORT_FILE, RunDocuments, render_run
from monitor_job.runtime.progress import set_phase

log = logging.getLogger("monitor_job")


def run_context(config: JobConfig) -> dict[str, Any]:
    """What the summary (and the report's header) says about the run's window and target."""
    return {
        "window": {
            "start": config.start_time.isoformat() if config.start_time else None,
            "end": config.end_time.isoformat() if config.end_time else None,
        },
        "endpoint": config.endpoint_name,
        "schedule": config.schedule_name,
    }


def finish_run(
    area: OutputArea,
    config: JobConfig,
    outcome: Outcome,
    report: RunDocuments,
    drop: tuple[str, ...] = (),
) -> Outcome:
    """Write report.html (from ``report``, the run's documents with its type's view, and
    the summary) beside the JSON files, and the summary; publish. A report
    that cannot be built is a warning and a note in the summary: the JSON files and metrics
    the alarms read are already complete."""
    set_phase("writing the report")
    summary = {**summary_document(outcome), **run_context(config)}
    for key in drop:
        summary.pop(key, None)
    files: dict[str, str] = {}
    started = time.perf_counter()
    try:
        files[REPORT_FILE] = render_run(replace(report, summary=summary, location=area.uri))
        log.info("report.html built in %.2f s", time.perf_counter() - started)
    except Exception as err:  # any failure of the page must not fail the monitoring run
        raise_if_stopped(err)  # but a stop request is not a failure of the page
        log.warning("report.html not written: %s: %s", type(err).__name__, err)
        summary["notes"] = [*summary["notes"], f"report.html not written: {err}"]
    files[SUMMARY_FILE] = dumps(summary)
    written = write_text_files(area.local, files)
    area.publish(last=written[-1])
    if REPORT_FILE in files:
        outcome = replace(outcome, files=(*outcome.files, area.final(written[0])))
    return outcome
