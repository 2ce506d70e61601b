"""constraints.json (data quality) read into typed values, tolerant of every known spelling.

Accepted, besides the documented schema: numbers or strings for thresholds, ``Enabled`` /
``Disabled`` or booleans for switches, ``Simple``/``Robust`` or ``linf_simple``/``linf_robust``
for ``comparison_method`` (and the 2020 docs' typo ``comparion_method``); per-feature
overrides under ``monitoring_config_overrides`` (what the SageMaker SDK writes, at the
feature level), ``monitoringConfigOverrides`` (the docs) or inside ``string_constraints``
(the SDK's test files). An override may set any ``monitoring_config`` key for its feature.
Legacy ``distribution_constraints`` keys (``enable_comparisons``, ``min_domain_mass``) are
ignored. Bad values fail with :class:`BaselineError` naming the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from monitor_job.checks.distance import CHI_SQUARED, LINFINITY, ROBUST, SIMPLE
from monitor_job.constraints.suggest import DEFAULT_MONITORING_CONFIG
from monitor_job.errors import BaselineError

OVERRIDE_KEYS = ("monitoring_config_overrides", "monitoringConfigOverrides")
_METHODS = {"simple": SIMPLE, "linf_simple": SIMPLE, "robust": ROBUST, "linf_robust": ROBUST}
_CATEGORICAL = {"linfinity": LINFINITY, "chisquared": CHI_SQUARED}
_SWITCH = {"enabled": True, "disabled": False, "true": True, "false": False}


@dataclass(frozen=True)
class MonitoringConfig:
    evaluate_constraints: bool
    emit_metrics: bool
    datatype_check_threshold: float
    domain_content_threshold: float
    perform_comparison: bool
    comparison_threshold: float
    comparison_method: str
    categorical_comparison_threshold: float
    categorical_drift_method: str


@dataclass(frozen=True)
class FeatureConstraints:
    name: str
    inferred_type: str
    completeness: float | None
    domains: tuple[str, ...] | None
    config: MonitoringConfig  # the global config with this feature's overrides applied


@dataclass(frozen=True)
class BaselineConstraints:
    features: tuple[FeatureConstraints, ...]
    config: MonitoringConfig
    document: Mapping[str, Any]  # as read: written back unchanged (unknown keys kept)

    def feature(self, name: str) -> FeatureConstraints | None:
        return next((f for f in self.features if f.name == name), None)


def _switch(where: str, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    value = _SWITCH.get(str(raw).strip().lower())
    if value is None:
        raise BaselineError(f"constraints {where} must be Enabled or Disabled; got {raw!r}")
    return value


def _number(where: str, raw: Any) -> float:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        value = float("nan")
    if value != value or isinstance(raw, bool):
        raise BaselineError(f"constraints {where} must be a number; got {raw!r}")
    return value


def _choice(where: str, raw: Any, choices: Mapping[str, str]) -> str:
    value = choices.get(str(raw).strip().lower())
    if value is None:
        valid = ", ".join(sorted(set(choices.values())))
        raise BaselineError(f"constraints {where} must be one of {valid}; got {raw!r}")
    return value


def _apply(base: MonitoringConfig, raw: Any, where: str) -> MonitoringConfig:
    """``base`` with the keys present in the ``monitoring_config``-shaped ``raw`` applied."""
    if raw is None:
        return base
    if not isinstance(raw, Mapping):
        raise BaselineError(f"constraints {where} must be an object")
    changes: dict[str, Any] = {}
    for key in ("evaluate_constraints", "emit_metrics"):
        if key in raw:
            changes[key] = _switch(f"{where}.{key}", raw[key])
    for key in ("datatype_check_threshold", "domain_content_threshold"):
        if key in raw:
            changes[key] = _number(f"{where}.{key}", raw[key])
    dist = raw.get("distribution_constraints")
    if dist is not None:
        dw = f"{where}.distribution_constraints"
        if not isinstance(dist, Mapping):
            raise BaselineError(f"constraints {dw} must be an object")
        if "perform_comparison" in dist:
            changes["perform_comparison"] = _switch(
                f"{dw}.perform_comparison", dist["perform_comparison"]
            )
        for key in ("comparison_threshold", "categorical_comparison_threshold"):
            if key in dist:
                changes[key] = _number(f"{dw}.{key}", dist[key])
        for key in ("comparison_method", "comparion_method"):
            if key in dist:
                changes["comparison_method"] = _choice(f"{dw}.{key}", dist[key], _METHODS)
        if "categorical_drift_method" in dist:
            changes["categorical_drift_method"] = _choice(
                f"{dw}.categorical_drift_method", dist["categorical_drift_method"], _CATEGORICAL
            )
    return replace(base, **changes)


DEFAULTS = _apply(
    MonitoringConfig(True, True, 1.0, 1.0, True, 0.1, ROBUST, 0.1, LINFINITY),
    DEFAULT_MONITORING_CONFIG,
    "defaults",
)


def _overrides(feature: Mapping[str, Any]) -> list[tuple[str, Any]]:
    found = [(k, feature[k]) for k in OVERRIDE_KEYS if feature.get(k)]
    strings = feature.get("string_constraints")
    if isinstance(strings, Mapping):
        found += [(f"string_constraints.{k}", strings[k]) for k in OVERRIDE_KEYS if strings.get(k)]
    return found


def _feature(raw: Any, index: int, config: MonitoringConfig) -> FeatureConstraints:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("name"), str):
        raise BaselineError(f"constraints features[{index}] must be an object with a 'name'")
    name = raw["name"]
    where = f"feature {name!r}"
    completeness = raw.get("completeness")
    if completeness is not None:
        completeness = _number(f"{where} completeness", completeness)
    domains = None
    strings = raw.get("string_constraints")
    if isinstance(strings, Mapping) and strings.get("domains") is not None:
        if not isinstance(strings["domains"], list):
            raise BaselineError(f"constraints {where} string_constraints.domains must be a list")
        domains = tuple(str(v) for v in strings["domains"])
    for key, override in _overrides(raw):
        config = _apply(config, override, f"{where} {key}")
    return FeatureConstraints(
        name=name,
        inferred_type=str(raw.get("inferred_type", "Unknown")),
        completeness=completeness,
        domains=domains,
        config=config,
    )


def parse_constraints(
    document: Any, categorical_drift_method: str | None = None
) -> BaselineConstraints:
    """Typed constraints; ``categorical_drift_method`` (the env override) beats the file's
    global value, a feature's own override beats both."""
    if not isinstance(document, Mapping) or not isinstance(document.get("features"), list):
        raise BaselineError("constraints file must be an object with a 'features' list")
    config = _apply(DEFAULTS, document.get("monitoring_config"), "monitoring_config")
    if categorical_drift_method:
        config = replace(
            config,
            categorical_drift_method=_choice(
                "categorical_drift_method", categorical_drift_method, _CATEGORICAL
            ),
        )
    features = tuple(_feature(f, i, config) for i, f in enumerate(document["features"]))
    return BaselineConstraints(features, config, document)
