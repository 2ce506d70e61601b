"""What the report page shows, computed from a run's files: plain dicts for the template,
chart specifications for :mod:`monitor_job.report.charts`."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from monitor_job.analyzers import DatasetProfile, FeatureProfile, KllDistribution
from monitor_job.analyzers.types import STRING
from monitor_job.bias.drift import metric_entries
from monitor_job.checks.constraints import BaselineConstraints, parse_constraints
from monitor_job.checks.distance import CHI_SQUARED
from monitor_job.checks.evaluate import beyond_threshold, feature_drift, type_match_share
from monitor_job.constraints import suggest
from monitor_job.outputs.statistics import profile_from_statistics
from monitor_job.report import charts
from monitor_job.report.documents import (
    BIAS,
    DATA_QUALITY,
    MODEL_QUALITY_KEYS,
    RunDocuments,
)

Spec = dict[str, Any]


def _number(value: Any) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out


def _stage(job: Any, docs: RunDocuments) -> str:
    """ "baseline" or "monitoring", from the summary's job ("model-quality monitoring",
    "bias-monitoring", "bias", ...), else from whether the run checked anything."""
    if job is None:
        return "monitoring" if docs.violations is not None else "baseline"
    return "monitoring" if "monitoring" in str(job) else "baseline"


def run_header(docs: RunDocuments) -> dict[str, Any]:
    """Outcome, window and record counts: from monitor-job-summary.json when the run wrote
    one; otherwise what the statistics and violations files alone say."""
    summary = docs.summary or {}
    violations = list((docs.violations or {}).get("violations") or [])
    records = summary.get("records") or {}
    status = summary.get("status") or (
        "CompletedWithViolations" if violations else ("Completed" if docs.violations else None)
    )
    item_count = summary.get("item_count")
    if item_count is None:
        item_count = (docs.statistics.get("dataset") or {}).get("item_count")
    return {
        "kind": docs.kind,
        "stage": _stage(summary.get("job"), docs),
        "status": status,
        "message": summary.get("message"),
        "window": {"start": None, "end": None, **(summary.get("window") or {})},
        "endpoint": summary.get("endpoint"),
        "schedule": summary.get("schedule"),
        "item_count": item_count,
        "failed": dict(records.get("failed") or {}),
        "skipped": dict(records.get("skipped") or {}),
        "samples": list(records.get("failed_samples") or []),
        "notes": list(summary.get("notes") or []),
        "merge": dict(summary.get("merge") or {}),
        "has_summary": docs.summary is not None,
        "location": docs.location,
    }


# -- data quality -------------------------------------------------------------------------


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
    value, threshold = _number(drift.get("distance")), _number(drift.get("threshold"))
    if value is None or threshold is None:
        return False
    return beyond_threshold(value, threshold, str(drift.get("method")))


def data_quality(docs: RunDocuments) -> tuple[dict[str, Any], list[Spec]]:
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
            rows = charts.common_bins(sides)
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
        distance = _number(d.get("distance")) if d else None
        if d and distance is not None and math.isfinite(distance):
            drift_rows.append(
                {
                    "feature": f["name"],
                    "distance": distance,
                    "threshold": _number(d.get("threshold")),
                    "method": d.get("method"),
                    "state": "violated" if f["drift_violated"] else "within threshold",
                }
            )
    if drift_rows:
        overview = len(specs)
        specs.append(charts.drift_overview_spec(drift_rows))
    view = {
        "features": features,
        "violations": [{**v, "anchor": index.get(str(v.get("feature_name")))} for v in violations],
        "overview": overview,
        "drift_note": drift_note,
    }
    return view, specs


# -- model quality ------------------------------------------------------------------------


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _metrics_block(statistics: Mapping[str, Any] | None) -> tuple[str | None, Mapping[str, Any]]:
    for key in MODEL_QUALITY_KEYS:
        if statistics is not None and isinstance(statistics.get(key), Mapping):
            return key, statistics[key]
    return None, {}


def _curve(block: Mapping[str, Any], key: str, x: str, y: str, source: str) -> list[dict[str, Any]]:
    curve = block.get(key)
    if not isinstance(curve, Mapping):
        return []
    xs, ys = curve.get(x) or [], curve.get(y) or []
    return [
        {"x": float(a), "y": float(b), "i": i, "source": source}
        for i, (a, b) in enumerate(zip(xs, ys, strict=False))
        if _number(a) is not None and _number(b) is not None
    ]


def model_quality(docs: RunDocuments) -> tuple[dict[str, Any], list[Spec]]:
    kind, block = _metrics_block(docs.statistics)
    _, base_block = _metrics_block(docs.baseline_statistics)
    constraint_block: Mapping[str, Any] = {}
    if docs.constraints is not None:
        constraint_block = next(
            (
                v
                for k, v in docs.constraints.items()
                if k.endswith("_constraints") and isinstance(v, Mapping)
            ),
            {},
        )
    limits = {_key(k): v for k, v in constraint_block.items() if isinstance(v, Mapping)}
    violations = list((docs.violations or {}).get("violations") or [])
    violated = {_key(str(v.get("metric_name", ""))) for v in violations}
    metrics = []
    for name, value in block.items():
        if not (isinstance(value, Mapping) and "value" in value):
            continue
        limit = limits.get(_key(name)) or {}
        base = base_block.get(name) if isinstance(base_block.get(name), Mapping) else None
        metrics.append(
            {
                "name": name,
                "value": _number(value.get("value")),
                "std": _number(value.get("standard_deviation")),
                "baseline": _number(base.get("value")) if base else None,
                "threshold": _number(limit.get("threshold")),
                "operator": limit.get("comparison_operator"),
                "violated": _key(name) in violated,
            }
        )
    specs: list[Spec] = []
    curves = []
    for key, x, y, xt, yt, diagonal, title in (
        (
            "receiver_operating_characteristic_curve",
            "false_positive_rates",
            "true_positive_rates",
            "false positive rate",
            "true positive rate",
            True,
            "ROC curve",
        ),
        (
            "precision_recall_curve",
            "recalls",
            "precisions",
            "recall",
            "precision",
            False,
            "Precision-recall curve",
        ),
    ):
        rows = _curve(base_block, key, x, y, charts.BASELINE) + _curve(
            block, key, x, y, charts.WINDOW
        )
        if rows:
            curves.append({"title": title, "chart": len(specs)})
            specs.append(charts.curve_spec(rows, xt, yt, diagonal))
    matrix = block.get("confusion_matrix")
    confusion = None
    if isinstance(matrix, Mapping) and matrix:
        labels = sorted({str(k) for k in matrix} | {str(p) for r in matrix.values() for p in r})
        confusion = {
            "labels": labels,
            "rows": [[(matrix.get(a) or {}).get(p, 0) for p in labels] for a in labels],
        }
    view = {
        "problem": (kind or "").removesuffix("_metrics").replace("_", " "),
        "metrics": metrics,
        "violations": violations,
        "curves": curves,
        "confusion": confusion,
    }
    return view, specs


# -- bias ---------------------------------------------------------------------------------


def bias(docs: RunDocuments) -> tuple[dict[str, Any], list[Spec]]:
    window = metric_entries(docs.statistics)
    base = metric_entries(docs.baseline_statistics)
    violations = list((docs.violations or {}).get("violations") or [])
    flagged = {
        (str(v.get("facet")), str(v.get("facet_value")), str(v.get("metric_name")))
        for v in violations
    }
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for (stage, facet, value, name), metric in window.items():
        baseline = base.get((stage, facet, value, name)) or {}
        groups.setdefault((stage, facet, value), []).append(
            {
                "name": name,
                "description": metric.get("description"),
                "value": _number(metric.get("value")),
                "error": metric.get("error"),
                "baseline": _number(baseline.get("value")),
                "violated": (facet, value, name) in flagged,
            }
        )
    specs: list[Spec] = []
    sections = []
    for (stage, facet, value), metrics in groups.items():
        rows = [
            {"label": m["name"], "value": m[src], "source": source}
            for m in metrics
            for src, source in (("baseline", charts.BASELINE), ("value", charts.WINDOW))
            if m[src] is not None and math.isfinite(m[src]) and abs(m[src]) < 1e6
        ]
        chart = None
        if rows:
            chart = len(specs)
            specs.append(charts.grouped_values_spec(rows, "metric value"))
        sections.append(
            {
                "stage": "pre-training" if stage.startswith("pre") else "post-training",
                "facet": facet,
                "facet_value": value,
                "metrics": metrics,
                "chart": chart,
                "violations": sum(m["violated"] for m in metrics),
            }
        )
    label = next(
        (
            (docs.statistics.get(s) or {}).get("label")
            for s in ("post_training_bias_metrics", "pre_training_bias_metrics")
            if docs.statistics.get(s)
        ),
        None,
    )
    return {"sections": sections, "violations": violations, "label": label}, specs


def build_view(docs: RunDocuments) -> tuple[dict[str, Any], list[Spec]]:
    if docs.kind == DATA_QUALITY:
        return data_quality(docs)
    if docs.kind == BIAS:
        return bias(docs)
    return model_quality(docs)
