"""What a run's configuration needs beyond each value's own check, per analysis type and
input, checked before Spark starts (CONTRACT §8)."""

from __future__ import annotations

import logging

from monitor_job.contract.config import CLARIFY_TYPES, PROBLEM_TYPES, AnalysisType, JobConfig
from monitor_job.errors import ConfigError


def check_config(config: JobConfig) -> None:
    """Each analysis type's needs (a ConfigError names what is missing)."""
    if config.exclude_features and config.analysis_type is not AnalysisType.DATA_QUALITY:
        logging.getLogger("monitor_job").warning(
            "exclude_features_attribute applies to data quality; a %s run reads its columns "
            "from its own attributes and does not use it",
            config.analysis_type.value,
        )
    if config.custom_checks and config.analysis_type is not AnalysisType.DATA_QUALITY:
        raise ConfigError(
            f"custom_checks are data-quality checks; got analysis_type={config.analysis_type.value}"
        )
    if config.dataset_format.is_runs:
        check_rollup(config)
    if config.analysis_type in CLARIFY_TYPES and config.analysis_config is None:
        raise ConfigError(
            f"analysis_type={config.analysis_type.value} needs analysis_config (its path)"
        )
    if config.dataset_format.is_batch:
        from monitor_job.contract.batch import check_batch

        check_batch(config)
        return
    if config.analysis_type is AnalysisType.MODEL_QUALITY:
        check_model_quality(config)
    if config.analysis_type is AnalysisType.MODEL_BIAS:
        check_bias_input(config)
    if config.analysis_type is AnalysisType.MODEL_EXPLAINABILITY:
        check_explainability_input(config)


def check_rollup(config: JobConfig) -> None:
    """A rollup merges data-quality monitoring runs and checks them against a baseline."""
    if config.analysis_type is not AnalysisType.DATA_QUALITY:
        raise ConfigError(
            f"dataset_format {config.dataset_format.kind} (a rollup of finished runs) is for "
            f"data quality; got analysis_type={config.analysis_type.value}"
        )
    if not config.is_monitoring:
        raise ConfigError(
            "a rollup of finished runs checks them against a baseline: give "
            "baseline_statistics and/or baseline_constraints"
        )
    if config.record_preprocessor_script:
        raise ConfigError("a rollup reads no records, so it takes no record_preprocessor_script")


def check_bias_input(config: JobConfig) -> None:
    """A bias run reads a headered CSV dataset, or captures (merged with ground truth by the
    job, or already merged) with the model's prediction in the endpoint's output."""
    if config.record_preprocessor_script:
        raise ConfigError(
            "record_preprocessor_script is for DATA_QUALITY and MODEL_QUALITY; a MODEL_BIAS "
            "run reads its columns from analysis_config"
        )
    fmt = config.dataset_format
    if not fmt.is_capture:
        if fmt.kind not in ("csv", "json"):
            raise ConfigError(
                "analysis_type=MODEL_BIAS reads a CSV dataset with a header (or analysis_config "
                "headers), a JSON Lines dataset (analysis_config dataset_type "
                f"application/jsonlines), or captures; got dataset_format {fmt.kind}"
            )
        return
    if config.inference_attribute is None and config.probability_attribute is None:
        raise ConfigError(
            "analysis_type=MODEL_BIAS on captured data needs inference_attribute or "
            "probability_attribute (where the prediction is in the endpoint's output)"
        )
    if not fmt.is_merged and config.ground_truth_source is None:
        raise ConfigError(
            "analysis_type=MODEL_BIAS on captured data needs ground_truth_source (the "
            "ground-truth JSONL to merge with), or merged records "
            '(dataset_format {"sagemakerMergeJson": {...}})'
        )


def check_explainability_input(config: JobConfig) -> None:
    """An explainability run reads the features only: a CSV, JSON Lines or Parquet dataset,
    or the endpoint's input in captures (no ground truth)."""
    fmt = config.dataset_format
    if fmt.is_merged:
        raise ConfigError(
            "analysis_type=MODEL_EXPLAINABILITY reads captures (sagemakerCaptureJson) or a "
            "dataset; merged records are not needed (no ground truth)"
        )
    if fmt.is_capture and "endpointInput" not in fmt.capture_indices:
        raise ConfigError(
            "analysis_type=MODEL_EXPLAINABILITY explains the endpoint's input: "
            'captureIndexNames must hold "endpointInput"'
        )


def check_model_quality(config: JobConfig) -> None:
    """What a model-quality run needs, checked before Spark starts (CONTRACT §8)."""
    check_model_quality_attributes(config)
    if config.record_preprocessor_script and not config.dataset_format.is_capture:
        raise ConfigError(
            "record_preprocessor_script for MODEL_QUALITY reads captured records "
            "(sagemakerCaptureJson or sagemakerMergeJson); a labelled table is read by "
            "column names"
        )
    fmt = config.dataset_format
    if fmt.is_capture and not fmt.is_merged and config.ground_truth_source is None:
        raise ConfigError(
            "model quality on captured data needs ground_truth_source (the directory or s3:// "
            "prefix of the ground-truth JSONL, yyyy/mm/dd/hh below it), or merged records "
            'with dataset_format {"sagemakerMergeJson": {...}}'
        )
    if not fmt.is_capture and config.ground_truth_attribute is None:
        raise ConfigError(
            f"model quality on a {fmt.kind} dataset needs ground_truth_attribute "
            "(the label column's name or index)"
        )


def check_model_quality_attributes(config: JobConfig) -> None:
    """A problem type, and where its prediction is."""
    if config.problem_type is None:
        raise ConfigError(
            f"analysis_type=MODEL_QUALITY needs problem_type, one of {', '.join(PROBLEM_TYPES)}"
        )
    needs_prediction = (
        "inference_attribute"
        if config.problem_type != "BinaryClassification"
        else "inference_attribute or probability_attribute"
    )
    if config.inference_attribute is None and (
        config.problem_type != "BinaryClassification" or config.probability_attribute is None
    ):
        raise ConfigError(
            f"problem_type={config.problem_type} needs {needs_prediction} "
            "(a column name or index, or a JSON path for JSON outputs)"
        )
