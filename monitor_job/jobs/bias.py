"""The bias job (analysis_type=MODEL_BIAS, or ``monitor-job bias``): analysis.json of a
labelled dataset with the model's predictions; with the baseline's analysis.json as
``baseline_constraints``, the drift checks (constraint_violations.json) too; CloudWatch
bias metrics through the data-quality path."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from monitor_job.analyzers import DatasetProfile
from monitor_job.bias.cloudwatch import bias_lines, bias_target
from monitor_job.bias.config import BiasConfig, read_analysis_config
from monitor_job.bias.drift import DriftSettings, violations
from monitor_job.bias.job import analyse, captured_frame, run_bias_analysis
from monitor_job.contract import JobConfig
from monitor_job.io.documents import read_json
from monitor_job.jobs.finish import finish_run
from monitor_job.jobs.model_quality import read_labelled
from monitor_job.outputs import write_json_files
from monitor_job.outputs.area import output_area
from monitor_job.outputs.cloudwatch import emit
from monitor_job.outputs.summary import Outcome
from monitor_job.quality.records import MergeCounts
from monitor_job.report import RunDocuments
from monitor_job.report.charts import warm_up
from monitor_job.runtime.progress import Progress, set_phase

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

log = logging.getLogger("monitor_job")

VIOLATIONS_FILE = "constraint_violations.json"


@dataclass(frozen=True)
class Records:
    """What reading captured records left out (nothing, for a CSV dataset)."""

    failed: Mapping[str, int] = field(default_factory=dict)
    skipped: Mapping[str, int] = field(default_factory=dict)
    samples: tuple[tuple[str, str], ...] = ()
    merge: MergeCounts | None = None
    notes: tuple[str, ...] = ()


def _captured(
    spark: SparkSession, config: JobConfig, analysis: BiasConfig
) -> tuple[DataFrame, BiasConfig, Records]:
    """Captures merged with ground truth (the model-quality merge and its counts), or
    merged records, as the bias analysis's frame."""
    labelled, notes = read_labelled(spark, config, features=True)
    for reason, count in sorted(labelled.failed.items()):
        log.warning("records failed: %d x %s", count, reason)
    if config.probability_threshold_attribute is not None:
        analysis = replace(analysis, probability_threshold=config.probability_threshold_attribute)
    frame, analysis = captured_frame(labelled.frame, labelled.feature_names, analysis)
    records = Records(
        labelled.failed,
        labelled.skipped,
        labelled.samples,
        labelled.merge,
        (*notes, *labelled.notes),
    )
    return frame, analysis, records


def run_bias_job(config: JobConfig) -> Outcome:
    from monitor_job.runtime.spark import build_session

    # Before Spark starts: the config, the settings, the baseline, the output location.
    assert config.analysis_config is not None
    analysis = read_analysis_config(config.analysis_config)
    settings = DriftSettings(config.bias_drift_method, config.bias_drift_confidence)
    baseline = (
        read_json(config.baseline_constraints, "baseline_constraints (the baseline analysis.json)")
        if config.baseline_constraints
        else None
    )
    with output_area(config.output_path) as area:
        warm_up()  # report.html's chart engine starts while Spark works
        spark = build_session()
        with Progress(spark):
            records = Records()
            if config.dataset_format.is_capture:
                set_phase("reading and merging captures")
                frame, analysis, records = _captured(spark, config, analysis)
                set_phase("counting bias cells")
                document, counts = analyse(frame, analysis, config.dataset_source)
            else:
                set_phase("counting bias cells")
                document, counts = run_bias_analysis(spark, analysis, config.dataset_source)
        documents: dict[str, Any] = {"analysis.json": document}
        found: list[dict[str, str]] = []
        if baseline is not None:
            set_phase("checking bias drift")
            found = violations(baseline, document, counts, settings)
            documents[VIOLATIONS_FILE] = {"version": "1.0", "violations": found}
        set_phase("writing outputs")
        files = write_json_files(area.local, documents)
        when = config.metric_time or datetime.now(timezone.utc)
        target = bias_target(config.endpoint_name, config.schedule_name, when)
        metrics, metric_files, failure = emit(
            config,
            target,
            bias_lines(target, document),
            area.local_for(config.cloudwatch_metrics_directory),
        )
        analysed = max((c.n() for c in counts.values()), default=0)
        extra: dict[str, Any] = {"analysis": document, "cloudwatch": metrics}
        if records.merge is not None:
            extra["merge"] = records.merge.document()
        outcome = Outcome(
            "bias-monitoring" if baseline is not None else "bias",
            len(found),
            tuple(area.final(f) for f in [*files, *metric_files]),
            DatasetProfile(
                item_count=analysed,
                features=(),
                records_failed=dict(records.failed),
                records_skipped=dict(records.skipped),
                failure_samples=records.samples,
            ),
            tuple(records.notes),
            extra=extra,
            violation_rows=tuple(
                (
                    f"{v['metric_name']} {v['facet']}={v['facet_value']}",
                    v["constraint_check_type"],
                    v["description"],
                )
                for v in found
            ),
        )
        report = RunDocuments(
            document, baseline_statistics=baseline, violations=documents.get(VIOLATIONS_FILE)
        )
        outcome = finish_run(area, config, outcome, report, drop=("analysis",))
    if failure is not None:
        raise failure
    return outcome
