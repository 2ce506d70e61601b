"""What a model-quality run's page shows: each metric with its standard deviation,
threshold and operator (and the baseline's value when given), the ROC and precision-recall
curves of baseline and window, and the confusion matrix."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from monitor_job.report import Spec, charts
from monitor_job.report.documents import MODEL_QUALITY_KEYS, RunDocuments
from monitor_job.report.header import number


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
        if number(a) is not None and number(b) is not None
    ]


def build_view(docs: RunDocuments) -> tuple[dict[str, Any], list[Spec]]:
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
                "value": number(value.get("value")),
                "std": number(value.get("standard_deviation")),
                "baseline": number(base.get("value")) if base else None,
                "threshold": number(limit.get("threshold")),
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
