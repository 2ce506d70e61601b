"""Clarify's analysis.json for bias, written and read here: each stage's metrics by facet
and facet group (``value_or_threshold`` as Clarify writes it), and the metric entries of a
document read back by (stage, facet, value, metric)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from monitor_job.bias.config import Facet, Value
from monitor_job.clarify.documents import VERSION

if TYPE_CHECKING:
    from monitor_job.bias.metrics import MetricValue


STAGES = ("pre_training_bias_metrics", "post_training_bias_metrics")


def metric_entries(
    analysis: Mapping[str, Any] | None,
) -> dict[tuple[str, str, str, str], Mapping[str, Any]]:
    """An analysis.json's metric entries by (stage, facet, facet value, metric name), in
    the document's order."""
    out: dict[tuple[str, str, str, str], Mapping[str, Any]] = {}
    for stage in STAGES:
        facets = ((analysis or {}).get(stage) or {}).get("facets") or {}
        for facet, entries in facets.items():
            for entry in entries or []:
                value = str(entry.get("value_or_threshold"))
                for metric in entry.get("metrics") or []:
                    out[(stage, str(facet), value, str(metric.get("name")))] = metric
    return out


def render(values: Sequence[Value]) -> str:
    """``value_or_threshold`` as analysis.json writes it: "0", "F", "north,east"."""
    return ",".join(
        str(int(v)) if isinstance(v, float) and v.is_integer() else str(v) for v in values
    )


def facet_entry(facet: Facet, metrics: list[MetricValue]) -> dict[str, Any]:
    return {"value_or_threshold": render(facet.values), "metrics": [m.document() for m in metrics]}


def analysis_document(
    label: str,
    label_values: Sequence[Value],
    stages: Mapping[str, Mapping[str, Sequence[tuple[Facet, list[MetricValue]]]]],
) -> dict[str, Any]:
    """analysis.json: per stage (``post_training_bias_metrics``...), per facet column, each
    facet group's metrics."""
    document: dict[str, Any] = {"version": VERSION}
    for key, by_facet in stages.items():
        document[key] = {
            "label": label,
            "facets": {
                name: [facet_entry(facet, metrics) for facet, metrics in entries]
                for name, entries in by_facet.items()
            },
            "label_value_or_threshold": render(label_values),
        }
    return document
