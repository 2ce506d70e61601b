"""What a bias run's page shows: per stage, facet and value, each metric against its
baseline value, with a chart."""

from __future__ import annotations

import math
from typing import Any

from monitor_job.bias.documents import metric_entries
from monitor_job.report import Spec, charts
from monitor_job.report.documents import RunDocuments
from monitor_job.report.header import number


def build_view(docs: RunDocuments) -> tuple[dict[str, Any], list[Spec]]:
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
                "value": number(metric.get("value")),
                "error": metric.get("error"),
                "baseline": number(baseline.get("value")),
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
