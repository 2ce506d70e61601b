"""The data-quality documents, read and written here: ``statistics.json`` (from a
:class:`DatasetProfile`, and back from ours or SageMaker's) and ``constraints.json`` (read
into typed values, tolerant of every known spelling).

statistics.json: number types follow the closed container's files: ``version`` 0.0, counts
in ``common`` as integers, every statistic and bucket count as a double.

constraints.json: accepted, besides the documented schema: numbers or strings for
thresholds, ``Enabled`` / ``Disabled`` or booleans for switches, ``Simple``/``Robust`` or
``linf_simple``/``linf_robust`` for ``comparison_method`` (and the 2020 docs' typo
``comparion_method``); per-feature overrides under ``monitoring_config_overrides`` (what the
SageMaker SDK writes, at the feature level), ``monitoringConfigOverrides`` (the docs) or
inside ``string_constraints`` (the SDK's test files). An override may set any
``monitoring_config`` key for its feature. Legacy ``distribution_constraints`` keys
(``enable_comparisons``, ``min_domain_mass``) are ignored. Bad values fail with
:class:`BaselineError` naming the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from monitor_job.data_quality.datatypes import STRING, UNKNOWN
from monitor_job.data_quality.distance import CHI_SQUARED, LINFINITY, ROBUST, SIMPLE
from monitor_job.data_quality.profile import (
    DatasetProfile,
    FeatureProfile,
    KllDistribution,
    NumericStats,
    StringStats,
)
from monitor_job.data_quality.suggest import DEFAULT_MONITORING_CONFIG
from monitor_job.errors import BaselineError

# Beside statistics.json: the analyzers' states of the run (ProfileState in monitor_job/jvm),
# which a later run merges with others' without reading their data.
STATES = "analyzer_states.bin"

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


# -- statistics.json ---------------------------------------------------------------------


def _feature_statistics(feature: FeatureProfile) -> dict[str, Any]:
    out: dict[str, Any] = {"name": feature.name, "inferred_type": feature.inferred_type}
    numeric = feature.numeric
    if feature.inferred_type == STRING and feature.string is not None:
        numeric = None  # a String feature is described by its string statistics
    if numeric is not None:
        s = numeric
        stats: dict[str, Any] = {
            "common": {"num_present": s.num_present, "num_missing": s.num_missing},
        }
        if s.num_present > 0:
            stats.update(mean=s.mean, sum=s.sum, std_dev=s.std_dev, min=s.min, max=s.max)
        if s.distribution is not None:
            d = s.distribution
            stats["distribution"] = {
                "kll": {
                    "buckets": [
                        {"lower_bound": lo, "upper_bound": hi, "count": float(c)}
                        for lo, hi, c in d.buckets
                    ],
                    "sketch": {
                        "parameters": {"c": d.c, "k": d.k},
                        "data": [list(level) for level in d.sketch_data],
                    },
                }
            }
        out["numerical_statistics"] = stats
    elif feature.string is not None:
        s2 = feature.string
        sstats: dict[str, Any] = {
            "common": {"num_present": s2.num_present, "num_missing": s2.num_missing},
            "distinct_count": float(s2.distinct_count),
        }
        if s2.buckets is not None:
            sstats["distribution"] = {
                "categorical": {"buckets": [{"value": v, "count": c} for v, c in s2.buckets]}
            }
        out["string_statistics"] = sstats
    return out


def statistics_document(profile: DatasetProfile) -> dict[str, Any]:
    return {
        "version": 0.0,
        "dataset": {"item_count": profile.item_count},
        "features": [_feature_statistics(f) for f in profile.features],
    }


def _float(where: str, raw: Any, default: float = 0.0) -> float:
    if raw is None:
        return default
    try:
        return float(raw)
    except (TypeError, ValueError) as err:
        raise BaselineError(f"statistics {where} must be a number; got {raw!r}") from err


def _kll(where: str, raw: Any) -> KllDistribution | None:
    kll = raw.get("kll") if isinstance(raw, Mapping) else None
    if not isinstance(kll, Mapping):
        return None
    sketch = kll.get("sketch") or {}
    params = sketch.get("parameters") or {}
    try:
        levels = tuple(tuple(float(v) for v in level) for level in sketch.get("data") or ())
        buckets = tuple(
            (float(b["lower_bound"]), float(b["upper_bound"]), float(b["count"]))
            for b in kll.get("buckets") or ()
        )
    except (TypeError, ValueError, KeyError) as err:
        raise BaselineError(f"statistics {where}: unreadable KLL sketch ({err!r})") from err
    return KllDistribution(
        buckets,
        levels,
        _float(f"{where} sketch c", params.get("c"), 0.64),
        _float(f"{where} sketch k", params.get("k"), 2048.0),
    )


def _common(where: str, stats: Mapping[str, Any], item_count: int) -> tuple[int, int]:
    common = stats.get("common") or {}
    present = round(_float(f"{where} num_present", common.get("num_present")))
    missing = round(_float(f"{where} num_missing", common.get("num_missing"), item_count - present))
    return present, missing


def profile_from_statistics(document: Any) -> DatasetProfile:
    """Read a statistics.json (ours or SageMaker's) back into a :class:`DatasetProfile`."""
    if not isinstance(document, Mapping) or not isinstance(document.get("features"), list):
        raise BaselineError("statistics file must be an object with a 'features' list")
    item_count = round(
        _float("dataset.item_count", (document.get("dataset") or {}).get("item_count"))
    )
    features = []
    for i, raw in enumerate(document["features"]):
        if not isinstance(raw, Mapping) or not isinstance(raw.get("name"), str):
            raise BaselineError(f"statistics features[{i}] must be an object with a 'name'")
        where = f"feature {raw['name']!r}"
        numeric = string = None
        present = 0
        if isinstance(raw.get("numerical_statistics"), Mapping):
            s = raw["numerical_statistics"]
            present, missing = _common(where, s, item_count)
            numeric = NumericStats(
                num_present=present,
                num_missing=missing,
                mean=_float(f"{where} mean", s.get("mean")),
                sum=_float(f"{where} sum", s.get("sum")),
                std_dev=_float(f"{where} std_dev", s.get("std_dev")),
                min=_float(f"{where} min", s.get("min")),
                max=_float(f"{where} max", s.get("max")),
                distribution=_kll(where, s.get("distribution")),
            )
        elif isinstance(raw.get("string_statistics"), Mapping):
            s = raw["string_statistics"]
            present, missing = _common(where, s, item_count)
            cat = (s.get("distribution") or {}).get("categorical") or {}
            buckets = None
            if isinstance(cat.get("buckets"), list):
                buckets = tuple(
                    (str(b.get("value")), round(_float(f"{where} bucket", b.get("count"))))
                    for b in cat["buckets"]
                )
            string = StringStats(
                present,
                missing,
                _float(f"{where} distinct_count", s.get("distinct_count")),
                buckets,
            )
        features.append(
            FeatureProfile(
                name=raw["name"],
                inferred_type=str(raw.get("inferred_type", UNKNOWN)),
                completeness=present / item_count if item_count else 0.0,
                type_counts={},
                numeric=numeric,
                string=string,
            )
        )
    return DatasetProfile(item_count=item_count, features=tuple(features))
