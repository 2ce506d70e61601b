"""What a data-quality run's page shows: per feature, baseline and window on one chart
(both KLL sketches' CDFs on common bins, or the top categories), completeness, type
matches and drift against their thresholds; the drift of every feature on one chart."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from monitor_job.data_quality.checks import beyond_threshold, feature_drift, type_match_share
from monitor_job.data_quality.datatypes import STRING
from monitor_job.data_quality.distance import CHI_SQUARED, rank_at, weighted_items
from monitor_job.data_quality.documents import (
    BaselineConstraints,
    parse_constraints,
    profile_from_statistics,
)
from monitor_job.data_quality.profile import DatasetProfile, FeatureProfile, KllDistribution
from monitor_job.data_quality.suggest import suggest
from monitor_job.report import Spec, charts
from monitor_job.report.charts import BINS, finite
from monitor_job.report.documents import RunDocuments
from monitor_job.report.header import number


def common_bins(sides: Mapping[str, KllDistribution], bins: int = BINS) -> list[dict[str, Any]]:
    """Each side's share of values in the same ``bins`` equal-width bins over both ranges.

    With the sketches (every statistics.json of ours and SageMaker's has them) the shares
    come from each sketch's CDF at the common edges, so baseline and window are drawn on one
    grid; without a sketch, a side's own KLL buckets are drawn as they are.
    """
    rows: list[dict[str, Any]] = []
    items = {s: weighted_items(d.sketch_data) for s, d in sides.items() if d.sketch_data}
    items = {s: vc for s, vc in items.items() if len(vc[0])}
    if items:
        lo = min(float(v[0]) for v, _ in items.values())
        hi = max(float(v[-1]) for v, _ in items.values())
        edges = np.linspace(lo, hi, bins + 1) if hi > lo else np.array([lo, lo + 1.0])
        for source, (values, cumulative) in items.items():
            total = float(cumulative[-1])
            ranks = rank_at(values, cumulative, edges[1:])
            counts = np.diff(np.concatenate([[0.0], ranks]))
            rows += [
                {"lo": float(a), "hi": float(b), "share": float(c) / total, "source": source}
                for a, b, c in zip(edges[:-1], edges[1:], counts, strict=True)
            ]
    for source, dist in sides.items():
        if source in items:
            continue
        total = sum(c for _, _, c in dist.buckets) or 1.0
        rows += [
            {"lo": lo_, "hi": hi_, "share": c / total, "source": source}
            for lo_, hi_, c in dist.buckets
            if finite(lo_) and finite(hi_)
        ]
    return rows


def _kll(f: FeatureProfile | None) -> KllDistribution | None:
    return f.numeric.distribution if f is not None and f.numeric is not None else None


def _buckets(f: FeatureProfile | None) -> tuple[tuple[str, int], ...] | None:
    if f is None or f.string is None:
        return None
    return f.string.buckets


def _numbers(f: FeatureProfile | None) -> dict[str, Any] | None:
    if f is None:
        return None
    if f.numeric is not None and f.inferred_type != STRING:
        s = f.numeric
        return {"mean": s.mean, "std dev": s.std_dev, "min": s.min, "max": s.max}
    if f.string is not None:
        return {"distinct values": f.string.distinct_count}
    return {}


def constraints_of(
    docs: RunDocuments, baseline: DatasetProfile | None
) -> BaselineConstraints | None:
    if docs.constraints is not None and isinstance(docs.constraints.get("features"), list):
        return parse_constraints(docs.constraints)
    if baseline is not None:
        return parse_constraints(suggest(baseline))
    return None


def drifts(
    docs: RunDocuments,
    window: DatasetProfile,
    baseline: DatasetProfile | None,
    constraints: BaselineConstraints | None = None,
) -> tuple[dict[str, dict[str, Any]], str | None]:
    """Drift per feature: as the run recorded it (summary), else recomputed from the
    statistics files (a SageMaker output, or a report built with other files), against
    ``constraints`` (by default, :func:`constraints_of` the run)."""
    recorded = (docs.summary or {}).get("drift")
    if isinstance(recorded, Mapping) and recorded:
        return {k: dict(v) for k, v in recorded.items() if isinstance(v, Mapping)}, None
    if constraints is None:
        constraints = constraints_of(docs, baseline)
    if baseline is None or constraints is None:
        return {}, "no baseline statistics: drift distances are not shown"
    out: dict[str, dict[str, Any]] = {}
    skipped = []
    for c in constraints.features:
        b, w = baseline.feature(c.name), window.feature(c.name)
        if b is None or w is None:
            continue
        if c.inferred_type == STRING and c.config.categorical_drift_method == CHI_SQUARED:
            skipped.append(c.name)  # the p-value is Spark MLlib's test: not rerun here
            continue
        d = feature_drift(c, b, w)
        if d is not None:
            out[c.name] = d.document()
    note = (
        f"ChiSquared p-values are recorded by the run only; not recomputed for: "
        f"{', '.join(skipped)}"
        if skipped
        else None
    )
    return out, note


def _violated(drift: Mapping[str, Any]) -> bool:
    """The check's own rule, on a drift as the summary records it."""
    value, threshold = number(drift.get("distance")), number(drift.get("threshold"))
    if value is None or threshold is None:
        return False
    return beyond_threshold(value, threshold, str(drift.get("method")))


def build_view(docs: RunDocuments) -> tuple[dict[str, Any], list[Spec]]:
    window = profile_from_statistics(docs.statistics)
    baseline = (
        profile_from_statistics(docs.baseline_statistics)
        if docs.baseline_statistics is not None
        else None
    )
    constraints = constraints_of(docs, baseline)
    recorded, drift_note = drifts(docs, window, baseline, constraints)
    type_counts = (docs.summary or {}).get("type_counts") or {}
    violations = list((docs.violations or {}).get("violations") or [])

    names = [f.name for f in window.features]
    if baseline is not None:
        names += [f.name for f in baseline.features if f.name not in names]
    if constraints is not None:
        names += [c.name for c in constraints.features if c.name not in names]
    for v in violations:  # a violated feature that no statistics file describes
        if str(v.get("feature_name")) not in names:
            names.append(str(v.get("feature_name")))
    index = {name: i for i, name in enumerate(names)}

    specs: list[Spec] = []
    features: list[dict[str, Any]] = []
    for i, name in enumerate(names):
        w = window.feature(name)
        b = baseline.feature(name) if baseline is not None else None
        c = constraints.feature(name) if constraints is not None else None
        expected = c.inferred_type if c else (b.inferred_type if b else None)
        chart, caption = None, None
        if _kll(w) or _kll(b):
            sides = {s: d for s, d in ((charts.BASELINE, _kll(b)), (charts.WINDOW, _kll(w))) if d}
            rows = common_bins(sides)
            if rows:
                chart, caption = len(specs), "Value distribution (share per bin)"
                specs.append(charts.histogram_spec(rows))
        elif _buckets(w) or _buckets(b):
            cats = {
                s: d for s, d in ((charts.BASELINE, _buckets(b)), (charts.WINDOW, _buckets(w))) if d
            }
            rows = charts.category_shares(cats)
            if rows:
                chart, caption = len(specs), "Category shares"
                specs.append(charts.categories_spec(rows))
        drift = recorded.get(name)
        mine = [v for v in violations if v.get("feature_name") == name]
        features.append(
            {
                "index": i,
                "name": name,
                "window_type": w.inferred_type if w else None,
                "baseline_type": b.inferred_type if b else None,
                "expected_type": expected,
                "completeness": w.completeness if w else None,
                "baseline_completeness": b.completeness if b else None,
                "required_completeness": c.completeness if c else None,
                "type_match": type_match_share(expected or "", type_counts.get(name)),
                "drift": drift,
                "drift_violated": drift is not None and _violated(drift),
                "numbers": {"window": _numbers(w), "baseline": _numbers(b)},
                "violations": mine,
                "chart": chart,
                "caption": caption,
            }
        )

    overview = None
    drift_rows = []
    for f in features:
        d = f["drift"]
        distance = number(d.get("distance")) if d else None
        if d and distance is not None and math.isfinite(distance):
            drift_rows.append(
                {
                    "feature": f["name"],
                    "distance": distance,
                    "threshold": number(d.get("threshold")),
                    "method": d.get("method"),
                    "state": "violated" if f["drift_violated"] else "within threshold",
                }
            )
    if drift_rows:
        overview = len(specs)
        specs.append(charts.drift_overview_spec(drift_rows))
    checks = custom_check_rows((docs.summary or {}).get("custom_checks"), specs)
    view = {
        "custom_checks": checks,
        "features": features,
        "violations": [{**v, "anchor": index.get(str(v.get("feature_name")))} for v in violations],
        "overview": overview,
        "drift_note": drift_note,
    }
    return view, specs


def custom_check_rows(documents: Any, specs: list[Spec]) -> list[dict[str, Any]]:
    """The summary's custom checks as the page's table rows; an anomaly check with a
    history gets a chart of its series with this run's value last."""
    if not isinstance(documents, dict):
        return []
    rows = []
    for name, c in documents.items():
        if not isinstance(c, dict):
            continue
        anomaly = c.get("anomaly") if isinstance(c.get("anomaly"), dict) else None
        chart = None
        history = [h for h in c.get("history") or [] if isinstance(h, dict)]
        if anomaly and history:
            points = [
                {"run": str(h.get("time")), "value": number(h.get("value")), "new": False}
                for h in history
            ]
            points.append({"run": "this run", "value": number(c.get("value")), "new": True})
            chart = len(specs)
            specs.append(charts.series_spec(points, c.get("status") == "failed"))
        requirement = c.get("assert")
        if anomaly:
            shown = ", ".join(f"{k}={v}" for k, v in anomaly.items() if k != "strategy")
            requirement = f"not anomalous by {anomaly.get('strategy')}({shown})"
        rows.append(
            {
                "name": str(name),
                "constraint": c.get("constraint"),
                "value": number(c.get("value")),
                "requirement": requirement,
                "level": c.get("level"),
                "status": c.get("status"),
                "note": c.get("note"),
                "chart": chart,
            }
        )
    return rows
