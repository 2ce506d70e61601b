"""The bias job (analysis_type=MODEL_BIAS, or ``monitor-job bias``): analysis.json of a
labelled dataset with the model's predictions; with the baseline's analysis.json as
``baseline_constraints``, the drift checks (constraint_violations.json) too; CloudWatch
bias metrics through the data-quality path."""

from __future__ import annotations

import logging
from typing import Any

from monitor_job.bias.analysis import analyse, run_bias_analysis
from monitor_job.bias.checks import DriftSettings, unchecked, violations
from monitor_job.bias.cloudwatch import bias_lines, bias_target
from monitor_job.bias.config import read_analysis_config
from monitor_job.bias.records import Records, captured
from monitor_job.bias.view import build_view
from monitor_job.clarify.cloudwatch import emit_clarify
from monitor_job.clarify.documents import violations_document
from monitor_job.contract import JobConfig
from monitor_job.io.documents import read_json
from monitor_job.outputs.finish import finish_run
from monitor_job.outputs.lifecycle import spark_run
from monitor_job.outputs.summary import Outcome, RecordCounts
from monitor_job.report.documents import ANALYSIS, VIOLATIONS, RunDocuments
from monitor_job.runtime.progress import set_phase

log = logging.getLogger("monitor_job")


def run(config: JobConfig) -> Outcome:
    """A bias run: analysis.json, and with a baseline the drift checks, metrics, report.
    Before Spark starts: the config, the settings, the baseline, the output location."""
    assert config.analysis_config is not None
    analysis = read_analysis_config(config.analysis_config)
    settings = DriftSettings(config.bias_drift_method, config.bias_drift_confidence)
    baseline = (
        read_json(config.baseline_constraints, "baseline_constraints (the baseline analysis.json)")
        if config.baseline_constraints
        else None
    )
    with spark_run(config) as (spark, area):
        records = Records()
        if config.dataset_format.is_capture or config.dataset_format.is_batch:
            set_phase("reading and merging captures")
            frame, analysis, records = captured(spark, config, analysis)
            set_phase("counting bias cells")
            document, counts = analyse(frame, analysis, config.dataset_source)
        else:
            set_phase("counting bias cells")
            document, counts = run_bias_analysis(spark, analysis, config.dataset_source)
        documents: dict[str, Any] = {ANALYSIS: document}
        found: list[dict[str, str]] = []
        notes = list(records.notes)
        if baseline is not None:
            set_phase("checking bias drift")
            found = violations(baseline, document, counts, settings)
            documents[VIOLATIONS] = violations_document(found)
            notes += unchecked(document, settings)
        set_phase("writing outputs")
        files = area.write_json(documents)
        metrics = emit_clarify(
            config, area, bias_target, lambda target: bias_lines(target, document)
        )
        analysed = max((c.n() for c in counts.values()), default=0)
        extra: dict[str, Any] = {"analysis": document, "cloudwatch": metrics.summary}
        if records.merge is not None:
            extra["merge"] = records.merge.document()
        outcome = Outcome(
            "bias-monitoring" if baseline is not None else "bias",
            len(found),
            tuple(area.final(f) for f in [*files, *metrics.files]),
            RecordCounts(
                item_count=analysed,
                records_failed=dict(records.failed),
                records_skipped=dict(records.skipped),
                failure_samples=records.samples,
            ),
            tuple(notes),
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
            document,
            baseline_statistics=baseline,
            violations=documents.get(VIOLATIONS),
            view=build_view,
        )
        outcome = finish_run(area, config, outcome, report, ("analysis",), metrics)
    return outcome
