"""The end of every run: report.html, then monitor-job-summary.json listing the run's
files, the staged files published (the summary last), then the metrics."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any

from monitor_job.contract import JobConfig
from monitor_job.errors import raise_if_stopped
from monitor_job.outputs import prometheus
from monitor_job.outputs.area import OutputArea
from monitor_job.outputs.cloudwatch import Metrics
from monitor_job.outputs.summary import SUMMARY_FILE, Outcome, summary_document
from monitor_job.outputs.writer import dumps
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
    metrics: Metrics | None = None,
) -> Outcome:
    """The end of a run, in the order that makes its files one set: report.html beside the
    files already written; the summary last, listing every file of the set with its size
    and SHA-256; the set published (on S3, the summary uploaded last); then, and only then,
    the metrics published (``metrics``; to a Pushgateway too when one is named), and the
    summary stored again with their outcome. A report that cannot be built is a warning and
    a note in the summary: the JSON files and metrics the alarms read are complete. A
    publish failure is raised last."""
    set_phase("writing the report")
    summary = {**summary_document(outcome), **run_context(config)}
    for key in drop:
        summary.pop(key, None)
    started = time.perf_counter()
    files = list(outcome.files)
    page = None
    try:
        page = render_run(replace(report, summary=summary, location=area.uri))
        log.info("report.html built in %.2f s", time.perf_counter() - started)
    except Exception as err:  # any failure of the page must not fail the monitoring run
        raise_if_stopped(err)  # but a stop request is not a failure of the page
        log.warning("report.html not written: %s: %s", type(err).__name__, err)
        summary["notes"] = [*summary["notes"], f"report.html not written: {err}"]
    if page is not None:
        [written] = area.write({REPORT_FILE: page})
        files.append(area.final(written))
    summary["files"] = area.inventory(files)
    [stored] = area.write({SUMMARY_FILE: dumps(summary)})
    area.publish(last=stored)
    outcome = replace(outcome, files=tuple(files))
    failure, stored_again = None, False
    if metrics is not None and metrics.target is not None:
        failure = metrics.publish()
        summary["cloudwatch"] = metrics.summary
        stored_again = True
    pushed = prometheus.push(config, metrics.lines if metrics else (), outcome.violations)
    if pushed is not None:
        summary["prometheus"] = pushed
        stored_again = True
    if stored_again:
        area.publish(only=area.write({SUMMARY_FILE: dumps(summary)}))
    if failure is not None:
        raise failure
    return outcome
