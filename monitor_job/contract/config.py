"""The typed, frozen job configuration and its single parser.

Every way of starting a job (container env, CLI, YAML) builds a plain mapping of the
SageMaker environment-contract keys and hands it to :func:`config_from_mapping`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from monitor_job.contract.formats import DatasetFormat, parse_dataset_format
from monitor_job.contract.times import (
    hourly_path,
    parse_timestamp,
    resolve_window,
    scheduled_time,
)
from monitor_job.errors import ConfigError

DRIFT_METHODS = ("LInfinity", "ChiSquared")
PROBLEM_TYPES = ("Regression", "BinaryClassification", "MulticlassClassification")
ENABLED = {"enabled": True, "disabled": False, "true": True, "false": False}

DEFAULT_METRICS_DIR = "/opt/ml/output/metrics/cloudwatch"
DEFAULT_MESSAGE_FILE = "/opt/ml/output/message"

# Keys the contract knows; anything else in the environment is user env and ignored.
KNOWN_KEYS = frozenset(
    {
        "dataset_format",
        "dataset_source",
        "output_path",
        "baseline_statistics",
        "baseline_constraints",
        "start_time",
        "end_time",
        "scheduled_time",
        "metric_time",
        "publish_cloudwatch_metrics",
        "sagemaker_endpoint_name",
        "sagemaker_monitoring_schedule_name",
        "sagemaker_endpoint_datacapture_prefix",
        "record_preprocessor_script",
        "post_analytics_processor_script",
        "analysis_type",
        "problem_type",
        "inference_attribute",
        "features_attribute",
        "exclude_features_attribute",
        "probability_attribute",
        "probability_threshold_attribute",
        "ground_truth_attribute",
        "ground_truth_source",
        "positive_label",
        "categorical_drift_method",
        "cloudwatch_metrics_directory",
        "cloudwatch_namespace",
        "prometheus_pushgateway",
        "output_message_file",
        "max_bad_record_share",
        "failed_record_samples",
        "analysis_config",
        "bias_drift_method",
        "bias_drift_confidence",
        "feature_attribution_drift_threshold",
        "custom_checks",
        "metrics_history",
    }
)
# How a MODEL_BIAS monitoring run decides drift (monitor_job/bias/drift.py); the first is
# the default.
BIAS_DRIFT_METHODS = ("bootstrap", "plain")
# Where Clarify's processing jobs mount analysis_config.json (a MODEL_BIAS run's default).
DEFAULT_ANALYSIS_CONFIG = "/opt/ml/processing/input/config/analysis_config.json"


class AnalysisType(str, Enum):
    DATA_QUALITY = "DATA_QUALITY"
    MODEL_QUALITY = "MODEL_QUALITY"
    MODEL_BIAS = "MODEL_BIAS"
    MODEL_EXPLAINABILITY = "MODEL_EXPLAINABILITY"


# The types whose settings are Clarify's analysis_config.json.
CLARIFY_TYPES = (AnalysisType.MODEL_BIAS, AnalysisType.MODEL_EXPLAINABILITY)


@dataclass(frozen=True)
class JobConfig:
    """Everything a run needs, validated before Spark starts."""

    dataset_format: DatasetFormat
    dataset_source: str
    output_path: str
    baseline_statistics: str | None = None
    baseline_constraints: str | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    # When start_time/end_time were offsets (SageMaker's "-PT1H"): the time they were taken
    # from, and the offsets as given (for the log line that says the resolved window).
    scheduled_time: datetime | None = None
    time_offsets: tuple[str | None, str | None] = (None, None)
    metric_time: datetime | None = None
    publish_cloudwatch_metrics: bool = False
    endpoint_name: str | None = None
    schedule_name: str | None = None
    record_preprocessor_script: str | None = None
    post_analytics_processor_script: str | None = None
    analysis_type: AnalysisType = AnalysisType.DATA_QUALITY
    problem_type: str | None = None
    inference_attribute: str | None = None
    # Where a captured JSON request holds its features (SageMaker's EndpointInput
    # FeaturesAttribute, a JMESPath): bias on captures.
    features_attribute: str | None = None
    # Columns left out of a data-quality analysis (EndpointInput / BatchTransformInput
    # ExcludeFeaturesAttribute): names or 0-based indices.
    exclude_features: tuple[str, ...] = ()
    probability_attribute: str | None = None
    probability_threshold_attribute: float | None = None
    ground_truth_attribute: str | None = None
    ground_truth_source: str | None = None
    positive_label: str | None = None
    categorical_drift_method: str | None = None
    cloudwatch_metrics_directory: str = DEFAULT_METRICS_DIR
    cloudwatch_namespace: str | None = None
    # A Prometheus Pushgateway's URL: the run's metrics and outcome pushed there too.
    prometheus_pushgateway: str | None = None
    output_message_file: str | None = None
    max_bad_record_share: float = 0.1
    # Samples of failed records (raw payloads, perhaps personal data) in the log, the
    # summary, the report, error messages and the analyzer states; Disabled keeps counts only.
    failed_record_samples: bool = True
    # MODEL_BIAS: Clarify's analysis_config.json; baseline_constraints is then the
    # baseline's analysis.json (Clarify's monitor uses it as its constraints).
    analysis_config: str | None = None
    bias_drift_method: str = "bootstrap"
    bias_drift_confidence: float = 0.95
    # MODEL_EXPLAINABILITY: a label's nDCG below it is a feature_attribution_drift_check.
    feature_attribution_drift_threshold: float = 0.9
    # DATA_QUALITY: a YAML or JSON file of checks in Deequ's vocabulary, and where the
    # earlier runs are whose values an anomaly check compares with.
    custom_checks: str | None = None
    metrics_history: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)
    # Running as a SageMaker Processing job (processingjobconfig.json present): SageMaker
    # publishes the BYOC metrics file itself, so the job does not call PutMetricData.
    sagemaker_processing: bool = False

    @property
    def is_monitoring(self) -> bool:
        """A monitoring ("check") run: baseline files given; else a baseline ("suggest") run."""
        return self.baseline_statistics is not None or self.baseline_constraints is not None


def _text(env: Mapping[str, Any], key: str) -> str | None:
    value = env.get(key)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _switch(env: Mapping[str, Any], key: str, default: bool) -> bool:
    raw = _text(env, key)
    if raw is None:
        return default
    try:
        return ENABLED[raw.lower()]
    except KeyError as err:
        raise ConfigError(f"{key} must be Enabled or Disabled; got {raw!r}") from err


def _choice(env: Mapping[str, Any], key: str, choices: tuple[str, ...]) -> str | None:
    raw = _text(env, key)
    if raw is not None and raw not in choices:
        raise ConfigError(f"{key} must be one of {', '.join(choices)}; got {raw!r}")
    return raw


def _names(env: Mapping[str, Any], key: str) -> tuple[str, ...]:
    """A comma-separated list of column names or indices (at most 10,000)."""
    text = _text(env, key)
    if text is None:
        return ()
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    if len(names) > 10_000:
        raise ConfigError(f"{key} names {len(names)} columns; at most 10000")
    return names


def _url(env: Mapping[str, Any], key: str) -> str | None:
    """An http(s) URL of at most 2048 characters."""
    text = _text(env, key)
    if text is not None and (len(text) > 2048 or not re.match(r"^https?://[^\s/]+", text)):
        raise ConfigError(f"{key} must be an http:// or https:// URL; got {text[:100]!r}")
    return text


def _float(env: Mapping[str, Any], key: str, default: float | None) -> float | None:
    raw = _text(env, key)
    if raw is None:
        return default
    try:
        return float(raw)
    except ValueError as err:
        raise ConfigError(f"{key} must be a number; got {raw!r}") from err


def config_from_mapping(
    env: Mapping[str, Any], *, container_mode: bool = False, sagemaker_processing: bool = False
) -> JobConfig:
    """Validate the environment-contract mapping and build the frozen :class:`JobConfig`."""
    kind = (_text(env, "analysis_type") or "").upper()
    clarify = kind in {t.value for t in CLARIFY_TYPES}
    if clarify and not _text(env, "dataset_format"):  # a Clarify dataset is a CSV
        env = {**env, "dataset_format": {"csv": {"header": True}}}
    missing = [k for k in ("dataset_format", "dataset_source", "output_path") if not _text(env, k)]
    if missing:
        raise ConfigError(
            f"missing required setting(s): {', '.join(missing)} "
            "(environment variables in container mode, options on the command line)"
        )
    raw_format = env["dataset_format"]
    dataset_format = parse_dataset_format(raw_format)

    analysis_raw = (_text(env, "analysis_type") or "DATA_QUALITY").upper()
    try:
        analysis_type = AnalysisType(analysis_raw)
    except ValueError as err:
        valid = ", ".join(a.value for a in AnalysisType)
        raise ConfigError(
            f"analysis_type must be one of {valid} (or absent); got {analysis_raw!r}"
        ) from err

    start, end, scheduled, offsets = resolve_window(
        _text(env, "start_time"), _text(env, "end_time"), _text(env, "scheduled_time")
    )
    if start and end and start >= end:
        raise ConfigError(
            f"start_time {start.isoformat()} must be before end_time {end.isoformat()}"
        )
    metric_time = parse_timestamp("metric_time", _text(env, "metric_time")) or end

    share = _float(env, "max_bad_record_share", 0.1)
    assert share is not None
    if not 0.0 <= share <= 1.0:
        raise ConfigError(f"max_bad_record_share must be between 0 and 1; got {share}")

    confidence = _float(env, "bias_drift_confidence", 0.95)
    assert confidence is not None
    ndcg_threshold = _float(env, "feature_attribution_drift_threshold", 0.9)
    assert ndcg_threshold is not None
    if not 0.0 < ndcg_threshold <= 1.0:
        raise ConfigError(
            f"feature_attribution_drift_threshold must be in (0, 1]; got {ndcg_threshold}"
        )

    output_path = hourly_path(
        str(env["output_path"]).strip(), scheduled or scheduled_time(_text(env, "scheduled_time"))
    )
    default_message = DEFAULT_MESSAGE_FILE if container_mode else None
    # Outside the container, metrics land next to the outputs, not in /opt/ml.
    default_metrics = (
        DEFAULT_METRICS_DIR if container_mode else output_path.rstrip("/") + "/metrics/cloudwatch"
    )
    config = JobConfig(
        dataset_format=dataset_format,
        dataset_source=str(env["dataset_source"]).strip(),
        output_path=output_path,
        baseline_statistics=_text(env, "baseline_statistics"),
        baseline_constraints=_text(env, "baseline_constraints"),
        start_time=start,
        end_time=end,
        scheduled_time=scheduled,
        time_offsets=offsets,
        metric_time=metric_time,
        publish_cloudwatch_metrics=_switch(env, "publish_cloudwatch_metrics", False),
        endpoint_name=_text(env, "sagemaker_endpoint_name"),
        schedule_name=_text(env, "sagemaker_monitoring_schedule_name"),
        record_preprocessor_script=_text(env, "record_preprocessor_script"),
        post_analytics_processor_script=_text(env, "post_analytics_processor_script"),
        analysis_type=analysis_type,
        problem_type=_choice(env, "problem_type", PROBLEM_TYPES),
        inference_attribute=_text(env, "inference_attribute"),
        features_attribute=_text(env, "features_attribute"),
        exclude_features=_names(env, "exclude_features_attribute"),
        probability_attribute=_text(env, "probability_attribute"),
        probability_threshold_attribute=_float(env, "probability_threshold_attribute", None),
        ground_truth_attribute=_text(env, "ground_truth_attribute"),
        ground_truth_source=_text(env, "ground_truth_source"),
        positive_label=_text(env, "positive_label"),
        categorical_drift_method=_choice(env, "categorical_drift_method", DRIFT_METHODS),
        cloudwatch_metrics_directory=_text(env, "cloudwatch_metrics_directory") or default_metrics,
        cloudwatch_namespace=_text(env, "cloudwatch_namespace"),
        prometheus_pushgateway=_url(env, "prometheus_pushgateway"),
        output_message_file=_text(env, "output_message_file") or default_message,
        max_bad_record_share=share,
        failed_record_samples=_switch(env, "failed_record_samples", True),
        analysis_config=_text(env, "analysis_config")
        or (DEFAULT_ANALYSIS_CONFIG if container_mode and clarify else None),
        bias_drift_method=_choice(env, "bias_drift_method", BIAS_DRIFT_METHODS)
        or BIAS_DRIFT_METHODS[0],
        bias_drift_confidence=confidence,
        feature_attribution_drift_threshold=ndcg_threshold,
        custom_checks=_text(env, "custom_checks"),
        metrics_history=_text(env, "metrics_history"),
        extra={k: str(v) for k, v in env.items() if k not in KNOWN_KEYS},
        sagemaker_processing=sagemaker_processing,
    )
    from monitor_job.contract.checks import check_config

    check_config(config)
    return config
