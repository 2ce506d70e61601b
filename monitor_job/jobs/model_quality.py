"""The model-quality jobs (``analysis_type=MODEL_QUALITY``): baseline and monitoring.

Baseline: a labelled dataset -> ``statistics.json`` (metrics) + ``constraints.json`` (one
threshold per metric). Monitoring: captured predictions merged with ground truth (or
records SageMaker already merged) -> ``statistics.json``, ``constraint_violations.json``
and one CloudWatch metric per scalar metric.
"""

from __future__ import annotations

import logging
from contextlib import ExitStack
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from monitor_job.analyzers import DatasetProfile
from monitor_job.contract import JobConfig
from monitor_job.decode.tabular import read_tabular
from monitor_job.errors import BaselineError, EmptyInputError, InputDataError
from monitor_job.io import list_input
from monitor_job.io.documents import read_json
from monitor_job.io.staging import readable_by_spark
from monitor_job.jobs.finish import finish_run
from monitor_job.outputs import write_json_files
from monitor_job.outputs.area import OutputArea
from monitor_job.outputs.cloudwatch import emit, metric_target, value_lines
from monitor_job.outputs.summary import Outcome
from monitor_job.quality.documents import (
    SECTION,
    QualityConstraint,
    parse_constraints,
    statistics_document,
    suggest_constraints,
    violations,
)
from monitor_job.quality.metrics import Metric, QualityResult, classification, regression
from monitor_job.quality.records import (
    Attributes,
    Labelled,
    labelled_from_captures,
    labelled_from_table,
)
from monitor_job.report import RunDocuments
from monitor_job.runtime.progress import set_phase

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = logging.getLogger("monitor_job")

VIOLATIONS_FILE = "constraint_violations.json"


def load_quality_constraints(config: JobConfig) -> tuple[QualityConstraint, ...] | None:
    """The constraints a model-quality monitoring run checks (read before Spark starts):
    ``baseline_constraints``, else suggested from a model-quality ``baseline_statistics``."""
    if not config.is_monitoring:
        return None
    assert config.problem_type is not None
    if config.baseline_constraints:
        document = read_json(config.baseline_constraints, "baseline_constraints")
        return parse_constraints(document, config.problem_type, config.baseline_constraints)
    assert config.baseline_statistics is not None
    stats = read_json(config.baseline_statistics, "baseline_statistics")
    section = f"{SECTION[config.problem_type]}_metrics"
    if not isinstance(stats, dict) or not isinstance(stats.get(section), dict):
        raise BaselineError(
            f"baseline_statistics {config.baseline_statistics} has no {section}; "
            "give baseline_constraints"
        )
    metrics: dict[str, Any] = {}
    for name, value in stats[section].items():
        if isinstance(value, dict) and isinstance(value.get("value"), (int, float)):
            metrics[name] = Metric(float(value["value"]), float("nan"))
    document = suggest_constraints(QualityResult(config.problem_type, 0, metrics, {}))
    return parse_constraints(document, config.problem_type, config.baseline_statistics)


def read_labelled(
    spark: SparkSession, config: JobConfig, features: bool = False
) -> tuple[Labelled, list[str]]:
    """Predictions and labels from the run's input (a labelled table, captures merged with
    ground truth here, or merged records); with ``features`` (bias), each captured row's
    endpointInput values too. A merge that matched nothing is an ``EmptyInputError``."""
    attrs = Attributes(
        config.inference_attribute, config.probability_attribute, config.ground_truth_attribute
    )
    fmt = config.dataset_format
    listing = list_input(config.dataset_source, config.start_time, config.end_time)
    log.info("input%s: %s", listing.window(), listing.describe())
    notes = [listing.describe()]
    if not listing.files:
        raise EmptyInputError(f"no data{listing.window()}: {listing.describe()}")
    with ExitStack() as stack:
        readable = stack.enter_context(readable_by_spark(spark, listing))
        if not fmt.is_capture:
            frame, names = read_tabular(spark, fmt, list(readable.files))
            # Decoded, cached and counted inside: nothing reads the files after this block.
            return labelled_from_table(frame, names, attrs), notes
        label_files: list[str] | None = None
        if not fmt.is_merged:
            assert config.ground_truth_source is not None
            truth = list_input(config.ground_truth_source, config.start_time, config.end_time)
            log.info("ground truth%s: %s", truth.window(), truth.describe())
            notes.append(f"ground truth: {truth.describe()}")
            if not truth.files:
                raise EmptyInputError(
                    f"no ground truth{truth.window()} to merge with: {truth.describe()}"
                )
            label_files = list(stack.enter_context(readable_by_spark(spark, truth)).files)
        # Captures, labels and their join are cached and counted inside: staging may go.
        labelled = labelled_from_captures(
            spark,
            list(readable.files),
            label_files,
            attrs,
            config.start_time,
            config.end_time,
            features,
        )
    merge = labelled.merge
    if merge is not None:
        log.info("merge: %s", merge.document())
        if merge.matched == 0:
            raise EmptyInputError(
                "no captured prediction has ground truth to merge with: "
                f"{merge.captured} captured row(s), {merge.ground_truth} ground-truth row(s), "
                "0 matched on event id (inferenceId, else eventId)"
            )
    return labelled, notes


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
        documents[VIOLATIONS_FILE] = {"violations": found}
    set_phase("writing outputs")
    files = write_json_files(area.local, documents)
    extra: dict[str, Any] = {
        "problem_type": result.problem_type,
        "metrics": {k: m.value for k, m in result.scalars().items()},
    }
    if merge is not None:
        extra["merge"] = merge.document()
    failure = None
    if constraints is not None:
        target = metric_target(config, model_quality=True)
        lines = value_lines(target, extra["metrics"])
        extra["cloudwatch"], written, failure = emit(
            config, target, lines, area.local_for(config.cloudwatch_metrics_directory)
        )
        files.extend(written)
    profile = DatasetProfile(
        item_count=result.item_count,
        features=(),
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
        violations=documents.get(VIOLATIONS_FILE),
        constraints=limits or documents.get("constraints.json"),
    )
    outcome = finish_run(area, config, outcome, report)
    if failure is not None:
        raise failure
    return outcome
