"""The data-quality monitoring ("check") job: window statistics, violations, metrics."""

from __future__ import annotations

import logging
from collections import Counter
from typing import TYPE_CHECKING

from monitor_job.checks import Baseline, evaluate
from monitor_job.contract import JobConfig
from monitor_job.io.listing import InputListing
from monitor_job.jobs.analyse import analyse
from monitor_job.jobs.finish import finish_run
from monitor_job.outputs import statistics_document, write_json_files
from monitor_job.outputs.area import OutputArea
from monitor_job.outputs.cloudwatch import emit, metric_lines, metric_target
from monitor_job.outputs.summary import Outcome
from monitor_job.report import RunDocuments
from monitor_job.runtime.progress import set_phase

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = logging.getLogger("monitor_job")

VIOLATIONS_FILE = "constraint_violations.json"


def run_monitoring(
    spark: SparkSession,
    config: JobConfig,
    baseline: Baseline,
    area: OutputArea,
    listing: InputListing | None = None,
) -> Outcome:
    for note in baseline.notes:
        log.info("%s", note)
    window, notes = analyse(spark, config, baseline, listing)
    set_phase("checking constraints")
    evaluation = evaluate(baseline.constraints, baseline.statistics, window)
    for v in evaluation.violations:
        log.info("violation %s %s: %s", v.constraint_check_type, v.feature_name, v.description)
    documents = {
        "statistics.json": statistics_document(window),
        VIOLATIONS_FILE: {"violations": [v.document() for v in evaluation.violations]},
        # A monitoring execution's output holds the constraints it checked against.
        "constraints.json": baseline.constraints.document,
    }
    set_phase("writing outputs")
    files = write_json_files(area.local, documents)

    target = metric_target(config)
    lines = metric_lines(target, window, evaluation, baseline.constraints)
    metrics, written, failure = emit(
        config, target, lines, area.local_for(config.cloudwatch_metrics_directory)
    )
    files.extend(written)

    by_check = Counter(v.constraint_check_type for v in evaluation.violations)
    outcome = Outcome(
        "monitoring",
        len(evaluation.violations),
        tuple(area.final(f) for f in files),
        window,
        notes,
        extra={
            "violations_by_check": dict(sorted(by_check.items())),
            "drift": {name: d.document() for name, d in evaluation.drifts.items()},
            "cloudwatch": metrics,
        },
        violation_rows=tuple(
            (v.feature_name, v.constraint_check_type, v.description) for v in evaluation.violations
        ),
    )
    report = RunDocuments(
        documents["statistics.json"],
        baseline_statistics=baseline.statistics_document,
        violations=documents[VIOLATIONS_FILE],
        constraints=baseline.constraints.document,
    )
    outcome = finish_run(area, config, outcome, report)
    if failure is not None:
        raise failure
    return outcome
