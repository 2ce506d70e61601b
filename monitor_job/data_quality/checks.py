"""The six data-quality checks: a window profile against baseline statistics + constraints.

Semantics (docs/MONITOR-TYPES.md, "Data quality: monitoring runs", has the table):

* ``data_type_check``: the share of the window's *present* values whose Deequ type matches
  the baseline ``inferred_type`` (an integer matches Fractional) is below
  ``datatype_check_threshold``. The closed container emits 1.0 and reports
  "Expected match: 100.0%": the threshold is the required match share.
* ``completeness_check``: window completeness < the feature's ``completeness`` constraint.
* ``categorical_values_check``: the share of present values inside ``domains`` is below
  ``domain_content_threshold`` (again a required share, as the container's 1.0 shows).
* ``baseline_drift_check``: numerical (KLL) or categorical distance above
  ``comparison_threshold`` / ``categorical_comparison_threshold``; for ``ChiSquared`` the
  p-value *below* the categorical threshold (the threshold is the significance level).
* ``missing_column_check`` / ``extra_column_check``: a baseline feature absent from the
  window / a window column absent from the baseline, one violation per column.

A check runs only when ``evaluate_constraints`` is Enabled globally and for the feature;
drift only when ``perform_comparison`` is Enabled. Distances are returned for metrics even
when evaluation is off.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from monitor_job.data_quality.datatypes import NUMERIC_TYPES, STRING, UNKNOWN, matches
from monitor_job.data_quality.distance import (
    CHI_SQUARED,
    Distance,
    categorical_chi_square,
    categorical_linf,
    numerical_distance,
)
from monitor_job.data_quality.documents import BaselineConstraints, FeatureConstraints
from monitor_job.data_quality.profile import DatasetProfile, FeatureProfile

DATA_TYPE = "data_type_check"
COMPLETENESS = "completeness_check"
BASELINE_DRIFT = "baseline_drift_check"
MISSING_COLUMN = "missing_column_check"
EXTRA_COLUMN = "extra_column_check"
CATEGORICAL_VALUES = "categorical_values_check"
CHECK_TYPES = (
    DATA_TYPE,
    COMPLETENESS,
    BASELINE_DRIFT,
    MISSING_COLUMN,
    EXTRA_COLUMN,
    CATEGORICAL_VALUES,
)
# Tolerance for values recomputed from counts in floating point (a 0.8 constraint against
# 8 of 10 present; a CDF distance of 0.2 that comes out as 0.20000000000000004).
EPSILON = 1e-12
UNKNOWN_VALUES_SHOWN = 5


@dataclass(frozen=True)
class Violation:
    feature_name: str
    constraint_check_type: str
    description: str

    def document(self) -> dict[str, str]:
        return {
            "feature_name": self.feature_name,
            "constraint_check_type": self.constraint_check_type,
            "description": self.description,
        }


def beyond_threshold(value: float, threshold: float, method: str) -> bool:
    """Does a drift value violate its threshold? A distance above it, or a ChiSquared
    p-value below it (NaN: no test could be made, no violation)."""
    if math.isnan(value):
        return False
    if method == CHI_SQUARED:
        return value < threshold - EPSILON
    return value > threshold + EPSILON


@dataclass(frozen=True)
class Drift:
    kind: str  # "numerical" | "categorical"
    distance: Distance
    threshold: float

    @property
    def violated(self) -> bool:
        return beyond_threshold(self.distance.value, self.threshold, self.distance.method)

    def document(self) -> dict[str, Any]:
        """The summary's record of it (what the report draws)."""
        d = self.distance
        return {
            "distance": d.value,
            "method": d.method,
            "n": d.n,
            "m": d.m,
            "threshold": self.threshold,
        }

    def description(self) -> str:
        d = self.distance
        sizes = f"baseline n={d.n:g}, window m={d.m:g}"
        if d.method == CHI_SQUARED:
            return (
                f"Categorical baseline drift (ChiSquared, {sizes}): p-value: {d.value!r} "
                f"is below threshold: {self.threshold!r}"
            )
        label = "Numerical" if self.kind == "numerical" else "Categorical"
        metric = "LInfinity " if self.kind == "categorical" else ""
        return (
            f"{label} baseline drift ({metric}{d.method}, {sizes}): "
            f"distance: {d.value!r} exceeds threshold: {self.threshold!r}"
        )


@dataclass(frozen=True)
class Evaluation:
    violations: tuple[Violation, ...]
    drifts: dict[str, Drift]  # by feature name: what feature_baseline_drift_<f> reports


def _pct(share: float) -> str:
    return f"{share * 100!r}%"


def type_match_share(expected: str, type_counts: Mapping[str, float] | None) -> float | None:
    """Share of the present values whose Deequ type satisfies a numeric ``expected`` type
    (None: not a numeric expectation, or no typed values)."""
    if expected not in NUMERIC_TYPES or not type_counts:
        return None
    present = sum(float(v) for t, v in type_counts.items() if t != UNKNOWN)
    if present <= 0:
        return None
    matched = sum(float(v) for t, v in type_counts.items() if t != UNKNOWN and matches(expected, t))
    return matched / present


def _data_type(c: FeatureConstraints, w: FeatureProfile) -> Violation | None:
    expected = c.inferred_type
    share = type_match_share(expected, w.type_counts)
    if share is None:
        return None
    threshold = c.config.datatype_check_threshold
    if share >= threshold - EPSILON:
        return None
    return Violation(
        c.name,
        DATA_TYPE,
        f"Data type match requirement is not met. Expected data type: {expected}, "
        f"Expected match: {_pct(threshold)}. Observed: Only {_pct(share)} of data is {expected}.",
    )


def _completeness(c: FeatureConstraints, w: FeatureProfile, items: int) -> Violation | None:
    if c.completeness is None or w.completeness >= c.completeness - EPSILON:
        return None
    present = round(w.completeness * items)
    return Violation(
        c.name,
        COMPLETENESS,
        f"Value: {w.completeness!r} does not meet the constraint requirement! Completeness "
        f"{_pct(w.completeness)} ({present} of {items} records have a value) is below the "
        f"baseline constraint completeness: {c.completeness!r}.",
    )


def _categorical_values(c: FeatureConstraints, w: FeatureProfile, items: int) -> Violation | None:
    if not c.domains or w.in_domain is None:
        return None
    present = round(w.completeness * items)
    if present <= 0:
        return None
    share = w.in_domain / present
    threshold = c.config.domain_content_threshold
    if share >= threshold - EPSILON:
        return None
    domain = set(c.domains)
    unknown = [
        v for v, _ in (w.string.buckets if w.string and w.string.buckets else ()) if v not in domain
    ]
    shown = ", ".join(repr(v) for v in unknown[:UNKNOWN_VALUES_SHOWN])
    return Violation(
        c.name,
        CATEGORICAL_VALUES,
        f"Value: {share!r} does not meet the constraint requirement! {w.in_domain} of "
        f"{present} present values are in the baseline domain of {len(domain)} values; "
        f"required share: {threshold!r}."
        + (f" Values not in the domain include: {shown}." if shown else ""),
    )


def feature_drift(c: FeatureConstraints, b: FeatureProfile, w: FeatureProfile) -> Drift | None:
    cfg = c.config
    if not cfg.perform_comparison:
        return None
    if c.inferred_type in NUMERIC_TYPES:
        bd = b.numeric.distribution if b.numeric else None
        wd = w.numeric.distribution if w.numeric else None
        if bd is None or wd is None:
            return None
        dist = numerical_distance(bd.sketch_data, wd.sketch_data, cfg.comparison_method)
        return Drift("numerical", dist, cfg.comparison_threshold) if dist else None
    if c.inferred_type == STRING:
        bb = b.string.buckets if b.string else None
        wb = w.string.buckets if w.string else None
        if not bb or wb is None:
            return None
        base = {v: float(n) for v, n in bb}
        window = {v: float(n) for v, n in wb}
        if cfg.categorical_drift_method == CHI_SQUARED:
            dist = categorical_chi_square(base, window)
        else:
            dist = categorical_linf(base, window, cfg.comparison_method)
        return Drift("categorical", dist, cfg.categorical_comparison_threshold) if dist else None
    return None


def evaluate(
    constraints: BaselineConstraints, baseline: DatasetProfile, window: DatasetProfile
) -> Evaluation:
    """Every violation of ``window`` against the baseline, in a stable order: per baseline
    feature (data type, completeness, categorical values, drift, missing), then extras."""
    violations: list[Violation] = []
    drifts: dict[str, Drift] = {}
    enabled = constraints.config.evaluate_constraints
    window_names = {f.name for f in window.features}
    for c in constraints.features:
        on = enabled and c.config.evaluate_constraints
        w = window.feature(c.name)
        if w is None:
            if on:
                violations.append(
                    Violation(
                        c.name,
                        MISSING_COLUMN,
                        f"Missing column: baseline feature {c.name!r} is not in the window "
                        f"(baseline has {len(constraints.features)} columns, window has "
                        f"{len(window_names)}).",
                    )
                )
            continue
        b = baseline.feature(c.name)
        drift = feature_drift(c, b, w) if b is not None else None
        if drift is not None:
            drifts[c.name] = drift
        if not on:
            continue
        for found in (
            _data_type(c, w),
            _completeness(c, w, window.item_count),
            _categorical_values(c, w, window.item_count),
        ):
            if found is not None:
                violations.append(found)
        if drift is not None and drift.violated:
            violations.append(Violation(c.name, BASELINE_DRIFT, drift.description()))
    if enabled:
        known = {c.name for c in constraints.features}
        for w in window.features:
            if w.name not in known:
                violations.append(
                    Violation(
                        w.name,
                        EXTRA_COLUMN,
                        f"Extra column: window column {w.name!r} is not in the baseline "
                        f"(baseline has {len(known)} columns, window has {len(window_names)}).",
                    )
                )
    return Evaluation(tuple(violations), drifts)
