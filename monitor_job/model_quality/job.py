"""The model-quality jobs (``analysis_type=MODEL_QUALITY``): baseline and monitoring.

Baseline: a labelled dataset -> ``statistics.json`` (metrics) + ``constraints.json`` (one
threshold per metric). Monitoring: captured predictions merged with ground truth (or
records SageMaker already merged) -> ``statistics.json``, ``constraint_violations.json``
and one CloudWatch metric per scalar metric.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from monitor_job.contract import JobConfig
from monitor_job.errors import InputDataError
from monitor_job.groundtruth.read import read_labelled
from monitor_job.groundtruth.records import Labelled
from monitor_job.io.s3 import check_readable, is_s3
from monitor_job.model_quality.analysis import classification, regression
from monitor_job.model_quality.checks import load_quality_constraints, violations
from monitor_job.model_quality.cloudwatch import metric_target
from monitor_job.model_quality.documents import (
    QualityConstraint,
    statistics_document,
    suggest_constraints,
)
from monitor_job.model_quality.metrics import QualityResult
from monitor_job.model_quality.view import build_view
from monitor_job.outputs.area import OutputArea
from monitor_job.outputs.cloudwatch import emit, value_lines
from monitor_job.outputs.finish import finish_run
from monitor_job.outputs.lifecycle import check_writable, finish_scripts, load_scripts, spark_run
from monitor_job.outputs.summary import Outcome, RecordCounts
from monitor_job.report.documents import VIOLATIONS, RunDocuments
from monitor_job.runtime.progress import set_phase

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = logging.getLogger("monitor_job")


def run(config: JobConfig) -> Outcome:
    """A model-quality run. Before Spark starts: the constraints and scripts are read, the
    S3 prefixes proved readable, the output location proved writable."""
    constraints = load_quality_constraints(config)
    postprocess = load_scripts(config)
    for uri, what in (
        (config.dataset_source, "dataset_source"),
        (config.ground_truth_source, "ground_truth_source"),
    ):
        if uri and is_s3(uri):
            check_readable(uri, what)
    check_writable(config)
    with spark_run(config) as (spark, area):
        outcome = run_model_quality(spark, config, constraints, area)
    finish_scripts(config, postprocess)
    return outcome


def _result(config: JobConfig, labelled: Labelled) -> QualityResult:
    assert config.problem_type is not None
    if config.problem_type == "Regression":
        return regression(labelled.frame)
    return classification(
        labelled.frame,
        config.problem_type,
        config.probability_threshold_attribute,
        config.positive_label,
        has_prediction=config.inference_attribute is not None,
        has_probability=config.probability_attribute is not None,
    )


def run_model_quality(
    spark: SparkSession,
    config: JobConfig,
    constraints: tuple[QualityConstraint, ...] | None,
    area: OutputArea,
) -> Outcome:
    set_phase("reading and merging predictions")
    labelled, notes = read_labelled(spark, config)
    notes.extend(labelled.notes)
    merge = labelled.merge
    set_phase("computing model-quality metrics")
    result = _result(config, labelled)
    failed = dict(labelled.failed)
    failed.update(result.failed)
    for reason, count in sorted(failed.items()):
        log.warning("rows failed: %d x %s", count, reason)
    total = result.item_count + sum(failed.values())
    if total and sum(failed.values()) / total > config.max_bad_record_share:
        counts = ", ".join(f"{n} {r}" for r, n in sorted(failed.items()))
        raise InputDataError(
            f"{sum(failed.values())} of {total} rows are unusable ({counts}); more than the "
            f"allowed share max_bad_record_share={config.max_bad_record_share}"
        )
    now = datetime.now(timezone.utc)
    documents: dict[str, Any] = {"statistics.json": statistics_document(result, now)}
    found: list[dict[str, str]] = []
    if constraints is None:
        documents["constraints.json"] = suggest_constraints(result)
    else:
        found, skipped = violations(constraints, result)
        notes.extend(skipped)
        for v in found:
            log.info("violation %s: %s", v["constraint_check_type"], v["description"])
        documents[VIOLATIONS] = {"violations": found}
    set_phase("writing outputs")
    files = area.write_json(documents)
    extra: dict[str, Any] = {
        "problem_type": result.problem_type,
        "metrics": {k: m.value for k, m in result.scalars().items()},
    }
    if merge is not None:
        extra["merge"] = merge.document()
    metrics = None
    if constraints is not None:
        target = metric_target(config)
        lines = value_lines(target, extra["metrics"])
        metrics = emit(config, target, lines, area.local_for(config.cloudwatch_metrics_directory))
        extra["cloudwatch"] = metrics.summary
        files.extend(metrics.files)
    profile = RecordCounts(
        item_count=result.item_count,
        records_failed=failed,
        records_skipped=dict(labelled.skipped),
        failure_samples=labelled.samples,
    )
    outcome = Outcome(
        "model-quality monitoring" if constraints is not None else "model-quality baseline",
        len(found),
        tuple(area.final(f) for f in files),
        profile,
        tuple(notes),
        extra=extra,
        violation_rows=tuple(
            (v["metric_name"], v["constraint_check_type"], v["description"]) for v in found
        ),
    )
    limits = None
    if constraints is not None:  # the thresholds checked, in the constraints file's shape
        limits = {
            "model_quality_constraints": {
                c.metric: {"threshold": c.threshold, "comparison_operator": c.operator}
                for c in constraints
            }
        }
    report = RunDocuments(
        documents["statistics.json"],
        violations=documents.get(VIOLATIONS),
        constraints=limits or documents.get("constraints.json"),
        view=build_view,
    )
    return finish_run(area, config, outcome, report, metrics=metrics)
