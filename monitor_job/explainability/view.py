"""What an explainability run's page shows: per label, each feature's global SHAP value
beside the baseline's, the nDCG against its threshold, and the distributions of the top
features' local SHAP values (from the run's summary)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from monitor_job.explainability.checks import NotComparable, ndcg
from monitor_job.explainability.documents import kernel_shap
from monitor_job.report import Spec, charts
from monitor_job.report.documents import RunDocuments
from monitor_job.report.header import number

TOP = 5
BINS = 20


def distributions(
    labels: Sequence[str],
    names: Sequence[str],
    global_values: np.ndarray,
    local: Callable[[list[tuple[int, int]]], list[dict[str, Any]]],
) -> dict[str, list[dict[str, Any]]]:
    """Per label, the top features' local SHAP values: quantiles and a histogram (``local``
    computes them for (label, feature) pairs, in one go)."""
    picked = [
        (i, int(j))
        for i in range(len(labels))
        for j in np.argsort(-np.abs(global_values[i]), kind="stable")[:TOP]
    ]
    out: dict[str, list[dict[str, Any]]] = {label: [] for label in labels}
    for (i, j), entry in zip(picked, local(picked), strict=True):
        out[labels[i]].append({"feature": names[j], **entry})
    return out


def build_view(docs: RunDocuments) -> tuple[dict[str, Any], list[Spec]]:
    window = kernel_shap(docs.statistics)
    base = kernel_shap(docs.baseline_statistics)
    violations = list((docs.violations or {}).get("violations") or [])
    flagged = {str(v.get("label")) for v in violations}
    info = (docs.summary or {}).get("explainability") or {}
    threshold = number(info.get("threshold"))
    local = info.get("local_shap") or {}
    specs: list[Spec] = []
    labels = []
    for label, entry in window.items():
        now = {str(k): number(v) for k, v in (entry.get("global_shap_values") or {}).items()}
        then_entry = base.get(label) or {}
        then = {str(k): number(v) for k, v in (then_entry.get("global_shap_values") or {}).items()}
        features = sorted(now, key=lambda f: -abs(now[f] or 0.0))
        rows = [
            {"label": f, "value": value, "source": source}
            for f in features
            for value, source in ((then.get(f), charts.BASELINE), (now[f], charts.WINDOW))
            if value is not None and math.isfinite(value)
        ]
        chart = None
        if rows:
            chart = len(specs)
            specs.append(charts.grouped_values_spec(rows, "global SHAP value"))
        score, why = None, None
        if then:
            try:
                score = ndcg(
                    {k: v or 0.0 for k, v in then.items()}, {k: v or 0.0 for k, v in now.items()}
                )
            except NotComparable as err:
                why = str(err)
        spreads = []
        for item in local.get(label) or []:
            spreads.append({**item, "chart": len(specs)})
            specs.append(
                charts.histogram_spec(
                    [{**h, "source": charts.WINDOW} for h in item.get("histogram") or []]
                )
            )
        labels.append(
            {
                "label": label,
                "expected": number(entry.get("expected_value")),
                "baseline_expected": number(then_entry.get("expected_value")),
                "features": [
                    {"name": f, "value": now[f], "baseline": then.get(f)} for f in features
                ],
                "ndcg": score,
                "ndcg_missing": why,
                "threshold": threshold,
                "violated": label in flagged,
                "chart": chart,
                "local": spreads,
            }
        )
    return {"labels": labels, "violations": violations}, specs
