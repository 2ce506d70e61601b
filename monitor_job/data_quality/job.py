"""The data-quality jobs: the baseline ("suggest": statistics.json + constraints.json) and
monitoring ("check": window statistics, violations, metrics)."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from monitor_job.contract import JobConfig
from monitor_job.data_quality.baseline import Baseline, load_baseline
from monitor_job.data_quality.checks import evaluate
from monitor_job.data_quality.cloudwatch import metric_lines, metric_target
from monitor_job.data_quality.documents import STATES, statistics_document
from monitor_job.data_quality.profile import DatasetProfile
from monitor_job.data_quality.records import analyse
from monitor_job.data_quality.rollup import merge_runs
from monitor_job.data_quality.runs import select
from monitor_job.data_quality.suggest import suggest
from monitor_job.data_quality.view import build_view
from monitor_job.errors import EmptyInputError
from monitor_job.io import list_dataset
from monitor_job.io.listing import InputListing
from monitor_job.outputs.area import OutputArea
from monitor_job.outputs.cloudwatch import emit
from monitor_job.outputs.finish import finish_run
from monitor_job.outputs.lifecycle import check_writable, finish_scripts, load_scripts, spark_run
from monitor_job.outputs.summary import Outcome
from monitor_job.outputs.writer import dumps
from monitor_job.report.documents import VIOLATIONS, RunDocuments
from monitor_job.runtime.progress import set_phase

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = logging.getLogger("monitor_job")


def run(config: JobConfig) -> Outcome:
    """A data-quality run. Everything that can be checked without data is checked before
    Spark starts: the baseline files and scripts are read, the input is listed, the output
    location proved writable."""
    baseline = load_baseline(config) if config.is_monitoring else None
    postprocess = load_scripts(config)
    if baseline is not None and config.dataset_format.is_runs:
        outcome = run_rollup(config, baseline)
        finish_scripts(config, postprocess)
        return outcome
    listing = list_dataset(
        config.dataset_source, config.dataset_format, config.start_time, config.end_time
    )
    if not listing.files:  # an empty window: no JVM needed to say so
        raise EmptyInputError(f"no data{listing.window()}: {listing.describe()}")
    check_writable(config)
    with spark_run(config) as (spark, area):
        if baseline is not None:
            outcome = run_monitoring(spark, config, baseline, area, listing)
        else:
            outcome = run_baseline(spark, config, area, listing)
    finish_scripts(config, postprocess)
    return outcome


def _write(area: OutputArea, documents: dict[str, Any], prof: DatasetProfile) -> list[str]:
    """The analyzers' states (for merging runs later; first, as the summary is last) and the
    documents."""
    files: dict[str, str | bytes] = {STATES: prof.states} if prof.states else {}
    files.update((name, dumps(doc)) for name, doc in documents.items())
    return area.write(files)


def run_baseline(
    spark: SparkSession, config: JobConfig, area: OutputArea, listing: InputListing | None = None
) -> Outcome:
    prof, notes = analyse(spark, config, listing=listing)
    documents = {
        "statistics.json": statistics_document(prof),
        "constraints.json": suggest(prof, config.categorical_drift_method),
    }
    set_phase("writing outputs")
    files = _write(area, documents, prof)
    outcome = Outcome("baseline", 0, tuple(area.final(f) for f in files), prof, notes)
    report = RunDocuments(
        documents["statistics.json"], constraints=documents["constraints.json"], view=build_view
    )
    return finish_run(area, config, outcome, report)


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
    return check_window(config, baseline, area, window, notes)


def run_rollup(config: JobConfig, baseline: Baseline) -> Outcome:
    """A rollup: the runs of the span found (before Spark starts), their states merged,
    the window checked and written as a monitoring run's."""
    for note in baseline.notes:
        log.info("%s", note)
    span = select(config.dataset_source, config.start_time, config.end_time)
    check_writable(config)
    # The summary's window (and the metrics' time) is the span's when none was given.
    config = replace(
        config,
        start_time=config.start_time or span.start,
        end_time=config.end_time or span.end,
        metric_time=config.metric_time or span.end,
    )
    with spark_run(config) as (spark, area):
        window, notes, rollup = merge_runs(spark, span, baseline)
        if not config.failed_record_samples:  # the hourly runs' states may hold some
            window = replace(window, failure_samples=())
        return check_window(config, baseline, area, window, notes, {"rollup": rollup})


def check_window(
    config: JobConfig,
    baseline: Baseline,
    area: OutputArea,
    window: DatasetProfile,
    notes: tuple[str, ...],
    extra: dict[str, Any] | None = None,
) -> Outcome:
    """A monitoring run's end: the window checked against the baseline; statistics,
    violations, constraints, metrics, summary and report written."""
    set_phase("checking constraints")
    evaluation = evaluate(baseline.constraints, baseline.statistics, window)
    for v in evaluation.violations:
        log.info("violation %s %s: %s", v.constraint_check_type, v.feature_name, v.description)
    documents = {
        "statistics.json": statistics_document(window),
        VIOLATIONS: {"violations": [v.document() for v in evaluation.violations]},
        # A monitoring execution's output holds the constraints it checked against.
        "constraints.json": baseline.constraints.document,
    }
    set_phase("writing outputs")
    files = _write(area, documents, window)

    target = metric_target(config)
    lines = metric_lines(target, window, evaluation, baseline.constraints)
    metrics = emit(config, target, lines, area.local_for(config.cloudwatch_metrics_directory))
    files.extend(metrics.files)

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
            "cloudwatch": metrics.summary,
            **(extra or {}),
        },
        violation_rows=tuple(
            (v.feature_name, v.constraint_check_type, v.description) for v in evaluation.violations
        ),
    )
    report = RunDocuments(
        documents["statistics.json"],
        baseline_statistics=baseline.statistics_document,
        violations=documents[VIOLATIONS],
        constraints=baseline.constraints.document,
        view=build_view,
    )
    return finish_run(area, config, outcome, report, metrics=metrics)
