"""The explainability job (analysis_type=MODEL_EXPLAINABILITY, or ``monitor-job explain``):
Kernel SHAP values of the records against the model, their global values per label
(analysis.json) and, when asked, the local values (explanations_shap/out.csv); with the
baseline's analysis.json as ``baseline_constraints``, the feature attribution drift check
(constraint_violations.json); CloudWatch metrics through the data-quality path."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from monitor_job.clarify.cloudwatch import emit_clarify
from monitor_job.clarify.documents import violations_document
from monitor_job.contract import JobConfig
from monitor_job.decode.preprocess import read_script
from monitor_job.errors import EmptyInputError
from monitor_job.explainability import background as bg
from monitor_job.explainability.analysis import (
    VECTOR,
    Explained,
    Task,
    aggregate,
    explain,
    explainer,
    local_distributions,
    local_rows,
)
from monitor_job.explainability.checks import scores, unchecked, violations
from monitor_job.explainability.cloudwatch import explainability_lines, explainability_target
from monitor_job.explainability.config import ExplainConfig, read_analysis_config
from monitor_job.explainability.documents import (
    analysis_document,
    baseline_explanations,
    label_names,
)
from monitor_job.explainability.model import Model
from monitor_job.explainability.records import Records, read_records, sampled
from monitor_job.explainability.view import BINS, build_view, distributions
from monitor_job.io import list_dataset
from monitor_job.io.documents import read_json
from monitor_job.outputs.finish import finish_run
from monitor_job.outputs.lifecycle import check_writable, finish_scripts, load_scripts, spark_run
from monitor_job.outputs.summary import Outcome, RecordCounts
from monitor_job.report.documents import ANALYSIS, VIOLATIONS, RunDocuments
from monitor_job.runtime.progress import set_phase

log = logging.getLogger("monitor_job")
LOCAL_DIR = "explanations_shap"
LOCAL_FILE = "out.csv"


def _local_csv(
    labels: tuple[str, ...], names: tuple[str, ...], rows: Iterable[list[float]]
) -> Iterator[str]:
    """Each explained record's SHAP values, in input order, as lines: a column per feature
    (per label and feature, ``<label>/<feature>``, when the model has several outputs)."""
    header = list(names) if len(labels) == 1 else [f"{lab}/{n}" for lab in labels for n in names]
    yield ",".join(header) + "\n"
    for row in rows:
        yield ",".join(map(repr, row)) + "\n"


def run(config: JobConfig) -> Outcome:
    """Before Spark starts: the analysis config, the baseline, the predict script, the
    input listing and the output location."""
    assert config.analysis_config is not None
    analysis = read_analysis_config(config.analysis_config)
    baseline_doc = (
        read_json(config.baseline_constraints, "baseline_constraints (the baseline analysis.json)")
        if config.baseline_constraints
        else None
    )
    baseline = (
        baseline_explanations(baseline_doc, str(config.baseline_constraints))
        if baseline_doc is not None
        else None
    )
    script = (
        read_script(analysis.predictor.predict_script, "predict script")
        if analysis.predictor.predict_script
        else None
    )
    postprocess = load_scripts(config)
    listing = list_dataset(
        config.dataset_source, config.dataset_format, config.start_time, config.end_time
    )
    if not listing.files:
        raise EmptyInputError(f"no data{listing.window()}: {listing.describe()}")
    check_writable(config)
    with spark_run(config) as (spark, area):
        set_phase("reading records")
        records = read_records(spark, config, analysis, listing)
        cached = records.cached
        try:
            explained, labels, expected, source, records = _explain(records, analysis, script)
        finally:
            cached.unpersist()
        try:
            set_phase("writing outputs")
            global_values = aggregate(explained, analysis.shap.agg_method)
            document = analysis_document(labels, records.names, global_values, expected)
            if records.sample:  # ours: only when a sample was explained
                document["notes"] = [records.sample]
            documents: dict[str, Any] = {ANALYSIS: document}
            ndcg: dict[str, float | None] = {}
            gaps: list[str] = []
            found: list[dict[str, str]] = []
            if baseline is not None:
                ndcg, why = scores(baseline, document["explanations"]["kernel_shap"])
                gaps = unchecked(baseline, document["explanations"]["kernel_shap"])
                gaps += [
                    f"label {label}: nDCG not computed: {reason}" for label, reason in why.items()
                ]
                for gap in gaps:
                    log.warning("%s", gap)
                found = violations(ndcg, config.feature_attribution_drift_threshold, why)
                documents[VIOLATIONS] = violations_document(found)
                for label, score in ndcg.items():
                    if score is not None:
                        log.info(
                            "label %s: nDCG %.6f (threshold %g)",
                            label,
                            score,
                            config.feature_attribution_drift_threshold,
                        )
            files = area.write_json(documents)
            if analysis.shap.save_local_shap_values:
                files += area.write(
                    {LOCAL_FILE: _local_csv(labels, records.names, local_rows(explained))},
                    str(Path(area.local) / LOCAL_DIR),
                )
            metrics = emit_clarify(
                config,
                area,
                explainability_target,
                lambda target: explainability_lines(target, document),
            )
            calls = explained.calls
            extra: dict[str, Any] = {
                "analysis": document,
                "cloudwatch": metrics.summary,
                "explainability": {
                    "background": source,
                    "agg_method": analysis.shap.agg_method,
                    "model": analysis.predictor.where,
                    "model_calls": {
                        "requests": calls.requests,
                        "rows": calls.rows,
                        "retries": calls.retries,
                    },
                    "ndcg": ndcg,
                    "threshold": config.feature_attribution_drift_threshold,
                    "local_shap": distributions(
                        labels,
                        records.names,
                        global_values,
                        lambda picked: local_distributions(explained, picked, BINS),
                    ),
                },
            }
            outcome = Outcome(
                "explainability-monitoring" if baseline is not None else "explainability",
                len(found),
                tuple(area.final(f) for f in [*files, *metrics.files]),
                RecordCounts(
                    item_count=records.count,
                    records_failed=dict(records.failed),
                    records_skipped=dict(records.skipped),
                    failure_samples=records.samples,
                ),
                (*records.notes, f"SHAP background: {source}", *gaps),
                extra=extra,
                violation_rows=tuple(
                    (f"label {v['label']}", v["constraint_check_type"], v["description"])
                    for v in found
                ),
            )
            report = RunDocuments(
                document,
                baseline_statistics=baseline_doc,
                violations=documents.get(VIOLATIONS),
                view=build_view,
            )
            outcome = finish_run(area, config, outcome, report, ("analysis",), metrics)
        finally:
            explained.release()
    finish_scripts(config, postprocess)
    return outcome


def _explain(
    records: Records, analysis: ExplainConfig, script: str | None
) -> tuple[Explained, tuple[str, ...], np.ndarray, str, Records]:
    """The background (of every record), the model's expected value over it (the driver
    calls the model once before the tasks do: a model that cannot answer fails here, in
    seconds), and the SHAP values of every record, or of the configured sample (returned
    as the records explained)."""
    width = len(records.names)
    background = bg.configured(analysis.shap, width)
    if background is None:
        set_phase("clustering the SHAP background")
        background = bg.kmeans(
            records.frame, VECTOR, width, analysis.shap.num_clusters, analysis.shap.seed
        )
    log.info("SHAP background: %s", background.source)
    set_phase("asking the model for the expected value")
    model = Model(analysis.predictor, records.names, script)
    kernel = explainer(model, background, records.names, analysis.shap.use_logit)
    expected = np.atleast_1d(np.asarray(kernel.expected_value, dtype=float))
    labels = label_names(len(expected), analysis.predictor.label_headers)
    records = sampled(records, analysis.shap.sample_size, analysis.shap.seed)
    set_phase(f"explaining {records.count} records")
    task = Task(analysis, records.names, background, script)
    explained = explain(records.frame, records.count, task)
    log.info(
        "model calls: %d requests, %d rows, %d retries",
        explained.calls.requests + model.calls.requests,
        explained.calls.rows + model.calls.rows,
        explained.calls.retries + model.calls.retries,
    )
    return explained, labels, expected, background.source, records
