"""Clarify's ``analysis_config.json`` for bias, parsed once into a frozen config.

Keys, as Clarify reads them: ``headers``, ``label``, ``label_values_or_threshold``,
``facet: [{name_or_index, value_or_threshold}]``, ``group_variable``, ``predicted_label``
(the column holding the model's prediction, for post-training metrics),
``probability_threshold`` (a prediction that is a probability is positive above it, 0.5 by
default) and ``methods.pre_training_bias`` / ``methods.post_training_bias`` with
``{"methods": "all"}`` or a list of metric names; ``dataset_type`` (``text/csv`` or
``application/jsonlines``, whose ``features``, ``label`` and ``predicted_label`` are
JMESPaths). A bad or missing key is a ``ConfigError`` naming it, before Spark starts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from monitor_job.bias.metrics import POSTTRAINING, PRETRAINING
from monitor_job.clarify import jsonlines
from monitor_job.clarify.config import Value, column_name, headers, read_document, value_list
from monitor_job.errors import ConfigError

__all__ = ["BiasConfig", "Facet", "Value", "parse_analysis_config", "read_analysis_config"]


@dataclass(frozen=True)
class Facet:
    column: str  # a header name, or a 0-based position as text when headers are absent
    values: tuple[Value, ...]  # the sensitive group: these values, or above the one threshold


@dataclass(frozen=True)
class BiasConfig:
    label: str
    label_values: tuple[Value, ...]
    facets: tuple[Facet, ...]
    headers: tuple[str, ...] | None = None
    group_variable: str | None = None
    predicted_label: str | None = None
    probability_threshold: float = 0.5
    pre_training: tuple[str, ...] = PRETRAINING
    post_training: tuple[str, ...] = ()
    # JSON Lines (Clarify's "application/jsonlines"): features, label and predicted_label
    # are JMESPaths into each line, headers name the features.
    dataset_type: str = "text/csv"
    features: str | None = None


def _methods(raw: object, key: str, known: Sequence[str]) -> tuple[str, ...]:
    if raw is None:
        return ()
    chosen = raw.get("methods") if isinstance(raw, Mapping) else raw
    if chosen == "all":
        return tuple(known)
    if not isinstance(chosen, list) or not all(isinstance(m, str) for m in chosen):
        raise ConfigError(f'analysis_config: {key} must be "all" or a list of metric names')
    unknown = sorted(set(chosen) - set(known))
    if unknown:
        raise ConfigError(
            f"analysis_config: {key}: unknown metric(s) {unknown}; known: {list(known)}"
        )
    return tuple(chosen)


def parse_analysis_config(doc: object) -> BiasConfig:
    if not isinstance(doc, Mapping):
        raise ConfigError("analysis_config: must be a JSON object")
    for required in ("label", "label_values_or_threshold", "facet"):
        if required not in doc:
            raise ConfigError(f"analysis_config: missing key {required!r}")
    columns = headers(doc)
    facets_raw = doc["facet"]
    if not isinstance(facets_raw, list) or not facets_raw:
        raise ConfigError("analysis_config: facet must be a non-empty list of objects")
    facets = []
    for i, item in enumerate(facets_raw):
        if not isinstance(item, Mapping) or "name_or_index" not in item:
            raise ConfigError(f"analysis_config: facet[{i}] needs name_or_index")
        values = item.get("value_or_threshold")
        if values is None:
            raise ConfigError(
                f"analysis_config: facet[{i}] needs value_or_threshold (every value of a facet "
                "as its own group is not supported yet)"
            )
        facets.append(
            Facet(
                column_name(item["name_or_index"], f"facet[{i}].name_or_index"),
                value_list(values, f"facet[{i}].value_or_threshold"),
            )
        )
    methods = doc.get("methods") or {"pre_training_bias": {"methods": "all"}}
    if not isinstance(methods, Mapping):
        raise ConfigError("analysis_config: methods must be an object")
    threshold = doc.get("probability_threshold", 0.5)
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
        raise ConfigError(
            f"analysis_config: probability_threshold must be a number, got {threshold!r}"
        )
    predicted = doc.get("predicted_label")
    post = _methods(methods.get("post_training_bias"), "methods.post_training_bias", POSTTRAINING)
    if post and predicted is None:
        raise ConfigError(
            "analysis_config: post_training_bias needs predicted_label (the prediction's column)"
        )
    group = doc.get("group_variable")
    dataset_type, features = jsonlines.dataset_type(doc, ("label", "predicted_label"))
    return BiasConfig(
        dataset_type=dataset_type,
        features=features,
        label=column_name(doc["label"], "label"),
        label_values=value_list(doc["label_values_or_threshold"], "label_values_or_threshold"),
        facets=tuple(facets),
        headers=columns,
        group_variable=column_name(group, "group_variable") if group is not None else None,
        predicted_label=column_name(predicted, "predicted_label")
        if predicted is not None
        else None,
        probability_threshold=float(threshold),
        pre_training=_methods(
            methods.get("pre_training_bias"), "methods.pre_training_bias", PRETRAINING
        ),
        post_training=post,
    )


def read_analysis_config(path: str) -> BiasConfig:
    """From a local path or ``s3://``; unreadable or invalid is a ``ConfigError``."""
    return parse_analysis_config(read_document(path))
