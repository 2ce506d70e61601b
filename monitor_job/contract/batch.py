"""What a run on a batch transform's capture destination needs, checked before Spark
starts: data quality reads either side (or both, paired); model quality reads the outputs
and merges ground truth on SageMaker's inference ids, so it needs them and the ground
truth; explainability explains the transform's inputs. Bias on batch is not built yet, and
says so."""

from __future__ import annotations

from typing import TYPE_CHECKING

from monitor_job.errors import ConfigError

if TYPE_CHECKING:
    from monitor_job.contract.config import JobConfig


def check_batch(config: JobConfig) -> None:
    from monitor_job.contract.config import AnalysisType, check_model_quality_attributes

    fmt = config.dataset_format
    assert fmt.batch is not None
    kind = config.analysis_type
    if kind is AnalysisType.DATA_QUALITY:
        return
    if kind is AnalysisType.MODEL_EXPLAINABILITY:
        if config.analysis_config is None:
            raise ConfigError(f"analysis_type={kind.value} needs analysis_config (its path)")
        if fmt.batch.sides != ("input",):
            raise ConfigError(
                "explainability explains the transform's inputs: dataset_format "
                f'{fmt.kind} sides must be ["input"]'
            )
        return
    if kind is not AnalysisType.MODEL_QUALITY:
        raise ConfigError(
            f"dataset_format {fmt.kind} is read by DATA_QUALITY, MODEL_QUALITY and "
            f"MODEL_EXPLAINABILITY runs so far; analysis_type={kind.value} on a batch "
            "transform's capture is not supported yet"
        )
    check_model_quality_attributes(config)
    if "output" not in fmt.batch.sides:
        raise ConfigError(
            f"model quality reads the transform's predictions: dataset_format {fmt.kind} "
            'needs "output" in its sides'
        )
    if fmt.batch.inference_id is False:
        raise ConfigError(
            "model quality on a batch transform merges ground truth on SageMaker's inference "
            "ids: run the transform with DataCaptureConfig GenerateInferenceId (and leave "
            "generateInferenceId out of dataset_format, or set it true)"
        )
    if config.ground_truth_source is None:
        raise ConfigError(
            "model quality on a batch transform needs ground_truth_source (the ground-truth "
            "JSONL, yyyy/mm/dd/hh below it, eventId the transform's inference id)"
        )
    if config.record_preprocessor_script:
        raise ConfigError(
            "record_preprocessor_script is not supported for model quality on a batch transform yet"
        )
