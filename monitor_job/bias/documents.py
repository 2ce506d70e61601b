"""Clarify's analysis.json for bias, written and read here: the metric entries of each
stage by facet and value (``value_or_threshold`` as Clarify writes it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from monitor_job.bias.config import Facet, Value

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
