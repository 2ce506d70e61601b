"""Clarify's ``analysis_config.json`` for explainability, parsed once into a frozen config.

Keys, as Clarify reads them: ``headers`` (the features' names), ``label`` (a column of the
dataset that is not a feature, dropped), ``methods.shap.{baseline, num_samples, agg_method,
use_logit, save_local_shap_values, seed, num_clusters}`` and ``predictor.{endpoint_name,
content_type, accept_type, content_template, record_template, label, probability,
label_headers, custom_attributes, target_model}``. Ours, documented as extensions:
``predictor.endpoint_url`` (an HTTP server speaking the SageMaker inference container
protocol), ``predictor.predict_script`` (a Python file defining ``predict``),
``predictor.timeout_seconds`` and ``methods.shap.sample_size`` (explain a seeded sample of
that many records). ``predictor.model_name`` (Clarify's shadow endpoint) cannot
be started by an open job: it is refused with the three ways that work. A bad or missing
key is a ``ConfigError`` naming it, before Spark starts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from monitor_job.clarify import jsonlines
from monitor_job.clarify.config import column_name, headers, read_document
from monitor_job.errors import ConfigError

AGG_METHODS = ("mean_abs", "median", "mean_sq")
CONTENT_TYPES = ("text/csv", "application/jsonlines", "application/json")
DEFAULT_CLUSTERS = 10
MAX_PAYLOAD_BYTES = 6 * 1024 * 1024  # SageMaker's InvokeEndpoint request limit
_SHAP_KEYS = {
    "baseline",
    "num_samples",
    "agg_method",
    "use_logit",
    "save_local_shap_values",
    "seed",
    "num_clusters",
    "sample_size",
}
_PREDICTOR_KEYS = {
    "endpoint_name",
    "endpoint_url",
    "predict_script",
    "model_name",
    "instance_type",
    "initial_instance_count",
    "endpoint_name_prefix",
    "accelerator_type",
    "content_type",
    "accept_type",
    "content_template",
    "record_template",
    "label",
    "probability",
    "label_headers",
    "custom_attributes",
    "target_model",
    "timeout_seconds",
}


@dataclass(frozen=True)
class PredictorConfig:
    """How the model is reached (exactly one of the three) and how it is spoken to."""

    endpoint_name: str | None = None
    endpoint_url: str | None = None
    predict_script: str | None = None
    content_type: str = "text/csv"
    accept_type: str = "text/csv"
    content_template: str | None = None
    record_template: str | None = None
    label: str | int | None = None  # CSV: a column index; JSON: a JMESPath
    probability: str | int | None = None
    label_headers: tuple[str, ...] | None = None
    custom_attributes: str | None = None
    target_model: str | None = None
    timeout_seconds: float = 60.0
    max_payload_bytes: int = MAX_PAYLOAD_BYTES

    @property
    def selector(self) -> str | int | None:
        """What of the answer is explained: the ``probability`` if named, else the
        ``label`` (None: the whole answer)."""
        return self.probability if self.probability is not None else self.label

    @property
    def where(self) -> str:
        """The model as a user names it, for messages."""
        if self.endpoint_name:
            return f"endpoint {self.endpoint_name}"
        if self.endpoint_url:
            return f"model server {self.endpoint_url}"
        return f"predict script {self.predict_script}"


@dataclass(frozen=True)
class ShapConfig:
    baseline: tuple[tuple[float, ...], ...] | str | None = None  # rows, or a file/S3 URI
    num_samples: int | None = None  # None: shap's "auto" (2 * features + 2048)
    agg_method: str = "mean_abs"
    use_logit: bool = False
    save_local_shap_values: bool = True
    seed: int = 0
    num_clusters: int = DEFAULT_CLUSTERS
    sample_size: int | None = None  # ours: explain a seeded sample of this many records


@dataclass(frozen=True)
class ExplainConfig:
    shap: ShapConfig
    predictor: PredictorConfig
    headers: tuple[str, ...] | None = None
    label: str | None = None  # a dataset column that is not a feature
    # JSON Lines (Clarify's "application/jsonlines"): the JMESPath of the features' list.
    dataset_type: str = "text/csv"
    features: str | None = None


def _int(raw: object, key: str, minimum: int) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < minimum:
        raise ConfigError(f"analysis_config: {key} must be an integer >= {minimum}, got {raw!r}")
    return raw


def _bool(raw: object, key: str) -> bool:
    if not isinstance(raw, bool):
        raise ConfigError(f"analysis_config: {key} must be true or false, got {raw!r}")
    return raw


def _unknown(section: Mapping[str, object], known: set[str], key: str) -> None:
    unknown = sorted(set(section) - known)
    if unknown:
        raise ConfigError(f"analysis_config: {key} has unknown key(s) {unknown}")


def _baseline(raw: object) -> tuple[tuple[float, ...], ...] | str | None:
    if raw is None or isinstance(raw, str):
        return raw or None
    if not isinstance(raw, list) or not raw:
        raise ConfigError(
            "analysis_config: methods.shap.baseline must be a non-empty list of rows or a "
            f"file or s3:// URI, got {raw!r}"
        )
    rows = []
    for i, row in enumerate(raw):
        values = row if isinstance(row, list) else [row]
        try:
            rows.append(tuple(float(v) for v in values if not isinstance(v, bool)))
        except (TypeError, ValueError) as err:
            raise ConfigError(
                f"analysis_config: methods.shap.baseline[{i}] must hold numbers, got {row!r}"
            ) from err
        if len(rows[-1]) != len(values):
            raise ConfigError(f"analysis_config: methods.shap.baseline[{i}] holds a boolean")
    if len({len(r) for r in rows}) != 1:
        raise ConfigError("analysis_config: methods.shap.baseline rows differ in length")
    return tuple(rows)


def _shap(raw: object) -> ShapConfig:
    if not isinstance(raw, Mapping):
        raise ConfigError("analysis_config: methods.shap must be an object")
    _unknown(raw, _SHAP_KEYS, "methods.shap")
    agg = raw.get("agg_method", "mean_abs")
    if agg not in AGG_METHODS:
        raise ConfigError(
            f"analysis_config: methods.shap.agg_method must be one of {list(AGG_METHODS)}, "
            f"got {agg!r}"
        )
    baseline = _baseline(raw.get("baseline"))
    if baseline is not None and raw.get("num_clusters") is not None:
        raise ConfigError("analysis_config: methods.shap takes baseline or num_clusters, not both")
    samples = raw.get("num_samples")
    size = raw.get("sample_size")
    return ShapConfig(
        baseline=baseline,
        num_samples=_int(samples, "methods.shap.num_samples", 1) if samples is not None else None,
        agg_method=str(agg),
        use_logit=_bool(raw.get("use_logit", False), "methods.shap.use_logit"),
        save_local_shap_values=_bool(
            raw.get("save_local_shap_values", True), "methods.shap.save_local_shap_values"
        ),
        seed=_int(raw.get("seed", 0), "methods.shap.seed", 0) % 2**32,
        num_clusters=_int(
            raw.get("num_clusters", DEFAULT_CLUSTERS), "methods.shap.num_clusters", 1
        ),
        sample_size=_int(size, "methods.shap.sample_size", 1) if size is not None else None,
    )


def _selector(raw: object, key: str) -> str | int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        raise ConfigError(
            f"analysis_config: {key} must be a column index (CSV) or a JMESPath (JSON), got {raw!r}"
        )
    if isinstance(raw, str):
        import jmespath
        from jmespath.exceptions import JMESPathError

        if not raw.isdigit():
            try:
                jmespath.compile(raw)
            except JMESPathError as err:
                raise ConfigError(
                    f"analysis_config: {key} {raw!r} is not a JMESPath: {err}"
                ) from None
        else:
            return int(raw)
    return raw


def _text(raw: Mapping[str, object], key: str) -> str | None:
    value = raw.get(key)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"analysis_config: predictor.{key} must be a string, got {value!r}")
    return value or None


def _predictor(raw: object) -> PredictorConfig:
    if not isinstance(raw, Mapping):
        raise ConfigError(
            "analysis_config: missing key 'predictor' (how to reach the model: endpoint_name, "
            "endpoint_url or predict_script)"
        )
    _unknown(raw, _PREDICTOR_KEYS, "predictor")
    ways = [k for k in ("endpoint_name", "endpoint_url", "predict_script") if raw.get(k)]
    if raw.get("model_name") and not ways:
        raise ConfigError(
            "analysis_config: predictor.model_name asks for a shadow endpoint, which only "
            "SageMaker Clarify can start; name the model where it runs: predictor.endpoint_name "
            "(a SageMaker endpoint), predictor.endpoint_url (an HTTP model server) or "
            "predictor.predict_script (a Python file defining predict)"
        )
    if len(ways) != 1:
        raise ConfigError(
            "analysis_config: predictor needs exactly one of endpoint_name, endpoint_url, "
            f"predict_script; got {ways or 'none'}"
        )
    content = (_text(raw, "content_type") or "text/csv").lower()
    if content not in CONTENT_TYPES:
        raise ConfigError(
            f"analysis_config: predictor.content_type must be one of {list(CONTENT_TYPES)}, "
            f"got {content!r}"
        )
    accept = (_text(raw, "accept_type") or content).lower()
    if accept not in CONTENT_TYPES:
        raise ConfigError(
            f"analysis_config: predictor.accept_type must be one of {list(CONTENT_TYPES)}, "
            f"got {accept!r}"
        )
    template = _text(raw, "content_template")
    record = _text(raw, "record_template")
    if content == "application/jsonlines" and (template is None or "$features" not in template):
        raise ConfigError(
            "analysis_config: predictor.content_type application/jsonlines needs a "
            'content_template with $features, e.g. "{\\"features\\":$features}"'
        )
    if content == "application/json" and (
        template is None or "$record" not in template or record is None
    ):
        raise ConfigError(
            "analysis_config: predictor.content_type application/json needs a content_template "
            "with $records or $record, and a record_template"
        )
    label_headers = raw.get("label_headers")
    if label_headers is not None and (
        not isinstance(label_headers, list)
        or not label_headers
        or not all(isinstance(h, (str, int)) and not isinstance(h, bool) for h in label_headers)
    ):
        raise ConfigError("analysis_config: predictor.label_headers must be a list of names")
    timeout = raw.get("timeout_seconds", 60)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise ConfigError(
            f"analysis_config: predictor.timeout_seconds must be a positive number, got {timeout!r}"
        )
    return PredictorConfig(
        endpoint_name=_text(raw, "endpoint_name"),
        endpoint_url=_text(raw, "endpoint_url"),
        predict_script=_text(raw, "predict_script"),
        content_type=content,
        accept_type=accept,
        content_template=template,
        record_template=record,
        label=_selector(raw.get("label"), "predictor.label"),
        probability=_selector(raw.get("probability"), "predictor.probability"),
        label_headers=tuple(str(h) for h in label_headers) if label_headers else None,
        custom_attributes=_text(raw, "custom_attributes"),
        target_model=_text(raw, "target_model"),
        timeout_seconds=float(timeout),
    )


def parse_analysis_config(doc: object) -> ExplainConfig:
    if not isinstance(doc, Mapping):
        raise ConfigError("analysis_config: must be a JSON object")
    methods = doc.get("methods")
    if not isinstance(methods, Mapping) or "shap" not in methods:
        raise ConfigError("analysis_config: missing key 'methods.shap' (the SHAP settings)")
    label = doc.get("label")
    dataset_type, features = jsonlines.dataset_type(doc, ())
    return ExplainConfig(
        shap=_shap(methods["shap"]),
        predictor=_predictor(doc.get("predictor")),
        headers=headers(doc),
        label=column_name(label, "label") if label is not None else None,
        dataset_type=dataset_type,
        features=features,
    )


def read_analysis_config(path: str) -> ExplainConfig:
    """From a local path or ``s3://``; unreadable or invalid is a ``ConfigError``."""
    return parse_analysis_config(read_document(path))
