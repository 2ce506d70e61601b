"""What a run on a batch transform's capture destination needs, checked before Spark
starts: data quality reads either side (or both, paired); model quality reads the outputs
and merges ground truth on SageMaker's inference ids, so it needs them and the ground
truth, and bias does the same with each record's features (outputs joined with their
input: JSON Lines, JSON documents, or CSV with ``outputColumns``); explainability explains
the transform's inputs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from monitor_job.errors import ConfigError

if TYPE_CHECKING:
    from monitor_job.contract.config import JobConfig


def check_batch(config: JobConfig) -> None:
    from monitor_job.contract.checks import check_model_quality_attributes
    from monitor_job.contract.config import AnalysisType

    fmt = config.dataset_format
    assert fmt.batch is not None
    kind = config.analysis_type
    if config.record_preprocessor_script and len(fmt.batch.sides) > 1:
        raise ConfigError(
            "record_preprocessor_script gets one record of a batch transform's files (a str "
            'for a CSV row, a dict for a JSON record): dataset_format sides must be ["input"] '
            'or ["output"]'
        )
    if kind is AnalysisType.DATA_QUALITY:
        return
    if kind is AnalysisType.MODEL_EXPLAINABILITY:
        if fmt.batch.sides != ("input",):
            raise ConfigError(
                "explainability explains the transform's inputs: dataset_format "
                f'{fmt.kind} sides must be ["input"]'
            )
        return
    if kind is AnalysisType.MODEL_BIAS:
        _check_bias(config)
    else:
        check_model_quality_attributes(config)
    _check_merge(config)


def _check_bias(config: JobConfig) -> None:
    fmt = config.dataset_format
    assert fmt.batch is not None
    if config.inference_attribute is None and config.probability_attribute is None:
        raise ConfigError(
            "bias on a batch transform needs inference_attribute or probability_attribute "
            "(JMESPaths into the model's output)"
        )
    data = fmt.batch.data
    json_lines = data.kind == "json" and data.json_lines and config.features_attribute
    joined_csv = data.kind == "csv" and not data.header and fmt.batch.output_columns
    if not (json_lines or data.is_documents or joined_csv):
        raise ConfigError(
            "bias on a batch transform reads outputs joined with their input (JoinSource="
            'Input) so far: JSON Lines ({"json": {"line": true}}) with features_attribute '
            "(the JMESPath of the features list in the model's input), JSON documents, or "
            "CSV without a header with outputColumns (the model's values after the input's "
            "copy)"
        )


def _check_merge(config: JobConfig) -> None:
    """Predictions merged with ground truth on SageMaker's inference ids."""
    fmt = config.dataset_format
    assert fmt.batch is not None
    if "output" not in fmt.batch.sides:
        raise ConfigError(
            f"{config.analysis_type.value} reads the transform's predictions: dataset_format "
            f'{fmt.kind} needs "output" in its sides'
        )
    if fmt.batch.inference_id is False:
        raise ConfigError(
            "a batch transform's predictions are merged with ground truth on SageMaker's "
            "inference ids: run the transform with DataCaptureConfig GenerateInferenceId (and "
            "leave generateInferenceId out of dataset_format, or set it true)"
        )
    if config.ground_truth_source is None:
        raise ConfigError(
            "a batch transform's predictions need ground_truth_source (the ground-truth "
            "JSONL, yyyy/mm/dd/hh below it, eventId the transform's inference id)"
        )
    if config.record_preprocessor_script:
        raise ConfigError(
            "record_preprocessor_script is not supported for model quality or bias on a "
            "batch transform yet"
        )
