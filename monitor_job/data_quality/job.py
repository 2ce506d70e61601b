"""The data-quality jobs: the baseline ("suggest": statistics.json + constraints.json) and
monitoring ("check": window statistics, violations, metrics)."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from monitor_job.contract import JobConfig
from monitor_job.contract.custom_checks import CheckFile, check_columns
from monitor_job.data_quality import anomaly, custom
from monitor_job.data_quality.baseline import Baseline, load_baseline
from monitor_job.data_quality.checks import Evaluation, evaluate
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
    checks = custom.load_check_file(config.custom_checks) if config.custom_checks else None
    if checks is not None and baseline is not None and baseline.names:
        check_columns(checks, baseline.names, baseline.statistics.inferred_types())
    postprocess = load_scripts(config)
    if baseline is not None and config.dataset_format.is_runs:
        outcome = run_rollup(config, baseline, checks)
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
            outcome = run_monitoring(spark, config, baseline, area, listing, checks)
        else:
            outcome = run_baseline(spark, config, area, listing, checks)
    finish_scripts(config, postprocess)
    return outcome


def _write(area: OutputArea, documents: dict[str, Any], prof: DatasetProfile) -> list[str]:
    """The analyzers' states (for merging runs later; first, as the summary is last) and the
    documents."""
    files: dict[str, str | bytes] = {STATES: prof.states} if prof.states else {}
    files.update((name, dumps(doc)) for name, doc in documents.items())
    return area.write(files)


def run_baseline(
    spark: SparkSession,
    config: JobConfig,
    area: OutputArea,
    listing: InputListing | None = None,
    checks: CheckFile | None = None,
) -> Outcome:
    prof, notes, values = analyse(spark, config, listing=listing, checks=checks)
    documents = {
        "statistics.json": statistics_document(prof),
        "constraints.json": suggest(prof, config.categorical_drift_method),
    }
    set_phase("writing outputs")
    files = _write(area, documents, prof)
    extra = {"custom_checks": _documents(values)} if checks is not None else {}
    outcome = Outcome("baseline", 0, tuple(area.final(f) for f in files), prof, notes, extra)
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
    checks: CheckFile | None = None,
) -> Outcome:
    for note in baseline.notes:
        log.info("%s", note)
    window, notes, values = analyse(spark, config, baseline, listing, checks)
    return check_window(spark, config, baseline, area, window, notes, (checks, values))


def _documents(values: tuple[custom.CheckValue, ...]) -> dict[str, Any]:
    for v in values:
        log.info("custom check %s: %s (value %s)", v.check.name, v.status, v.value)
    return {v.check.name: v.document() for v in values}


def run_rollup(config: JobConfig, baseline: Baseline, checks: CheckFile | None = None) -> Outcome:
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
        values = custom.evaluate_profile(checks, window) if checks is not None else ()
        custom_run = (checks, values)
        return check_window(
            spark, config, baseline, area, window, notes, custom_run, {"rollup": rollup}
        )


def check_window(
    spark: SparkSession,
    config: JobConfig,
    baseline: Baseline,
    area: OutputArea,
    window: DatasetProfile,
    notes: tuple[str, ...],
    custom_run: tuple[CheckFile | None, tuple[custom.CheckValue, ...]] = (None, ()),
    extra: dict[str, Any] | None = None,
) -> Outcome:
    """A monitoring run's end: the window checked against the baseline and the custom
    checks (anomaly checks against their history); statistics, violations, constraints,
    metrics, summary and report written."""
    set_phase("checking constraints")
    evaluation = evaluate(baseline.constraints, baseline.statistics, window)
    checks, values = custom_run
    if checks is not None:
        values, history_notes = anomaly.judge(
            spark, checks, values, config.metrics_history, (config.start_time, config.end_time)
        )
        notes = (*notes, *history_notes)
        found = tuple(v for v in (x.violation() for x in values) if v is not None)
        evaluation = Evaluation(evaluation.violations + found, evaluation.drifts)
        extra = {**(extra or {}), "custom_checks": _documents(values)}
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
    lines = metric_lines(target, window, evaluation, baseline.constraints, values)
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
