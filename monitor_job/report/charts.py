"""The report's charts: Vega-Lite specifications rendered to inline SVG by ``vl-convert``.

``vl-convert`` runs Vega and Vega-Lite in an embedded JavaScript engine, offline, so the
page carries finished SVG: no script, no fetch, nothing to load from a CDN. No chart
geometry is drawn by hand. What is drawn comes from each monitor type's view (the common
bins of two KLL sketches: :mod:`monitor_job.data_quality.view`).
"""

from __future__ import annotations

import itertools
import json
import math
import threading
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
BINS = 20
TOP_CATEGORIES = 8
WIDTH = 300
HEIGHT = 120
DATA = "table"  # the name of every chart's main dataset (see render)
BASELINE = "baseline"
WINDOW = "window"
COLORS = {BASELINE: "#8a94a6", WINDOW: "#1f6fd1"}
VIOLATED = "#c62828"
FINE = "#2e7d32"

# Axes are most of a chart's rendering time (measured: a histogram renders in 15 ms with
# its two axes, 2.4 ms without): few ticks, no overlap search, no ARIA descriptions.
CONFIG: dict[str, Any] = {
    "font": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif",
    "aria": False,
    "view": {"stroke": None},
    "axis": {
        "labelFontSize": 10,
        "titleFontSize": 10,
        "gridColor": "#eceff3",
        "labelOverlap": False,
        "tickCount": 4,
    },
    "legend": {"labelFontSize": 10, "titleFontSize": 10, "orient": "top", "title": None},
}


def _source_color(sources: Sequence[str], legend: bool = False) -> dict[str, Any]:
    """Baseline grey, window blue. The distribution charts leave the legend to the page's
    one key (measured: a legend was a fifth of a category chart's rendering time, half of a
    histogram's)."""
    return {
        "field": "source",
        "type": "nominal",
        "scale": {"domain": list(sources), "range": [COLORS[s] for s in sources]},
        **({} if legend else {"legend": None}),
    }


def _spec(body: dict[str, Any], values: list[dict[str, Any]], **size: Any) -> dict[str, Any]:
    return {
        "$schema": SCHEMA,
        "width": size.get("width", WIDTH),
        "height": size.get("height", HEIGHT),
        "config": CONFIG,
        "data": {"name": DATA, "values": values},
        **body,
    }


def finite(x: float | None) -> bool:
    return x is not None and math.isfinite(x)


# -- data preparation ---------------------------------------------------------------------


def category_shares(
    sides: Mapping[str, Sequence[tuple[str, float]]], top: int = TOP_CATEGORIES
) -> list[dict[str, Any]]:
    """Each side's share per category: the ``top`` categories by their larger share, the
    rest summed into one ``(N others)`` row."""
    shares: dict[str, dict[str, float]] = {}
    for source, buckets in sides.items():
        total = float(sum(c for _, c in buckets)) or 1.0
        shares[source] = {str(v): float(c) / total for v, c in buckets}
    names = sorted(
        {k for s in shares.values() for k in s},
        key=lambda k: (-max(s.get(k, 0.0) for s in shares.values()), k),
    )
    shown, rest = names[:top], names[top:]
    rows = []
    for order, name in enumerate(shown):
        for source, s in shares.items():
            rows.append(
                {"category": name, "order": order, "share": s.get(name, 0.0), "source": source}
            )
    if rest:
        label = f"({len(rest)} others)"
        for source, s in shares.items():
            rows.append(
                {
                    "category": label,
                    "order": len(shown),
                    "share": sum(s.get(k, 0.0) for k in rest),
                    "source": source,
                }
            )
    return rows


# -- specifications -----------------------------------------------------------------------


def histogram_spec(rows: list[dict[str, Any]]) -> dict[str, Any]:
    sources = [s for s in (BASELINE, WINDOW) if any(r["source"] == s for r in rows)]
    return _spec(
        {
            "mark": {"type": "bar", "opacity": 0.55, "binSpacing": 0},
            "encoding": {
                "x": {
                    "field": "lo",
                    "type": "quantitative",
                    "bin": {"binned": True},
                    "title": None,
                    "axis": {"format": "~s", "grid": False},
                },
                "x2": {"field": "hi"},
                "y": {
                    "field": "share",
                    "type": "quantitative",
                    "stack": None,
                    "title": None,
                    "axis": {"format": "~%", "tickCount": 3},
                },
                "color": _source_color(sources),
            },
        },
        rows,
    )


def categories_spec(rows: list[dict[str, Any]]) -> dict[str, Any]:
    sources = [s for s in (BASELINE, WINDOW) if any(r["source"] == s for r in rows)]
    n = len({r["category"] for r in rows})
    return _spec(
        {
            "mark": {"type": "bar"},
            "encoding": {
                "y": {
                    "field": "category",
                    "type": "nominal",
                    "title": None,
                    "sort": {"field": "order", "order": "ascending"},
                    "axis": {"labelLimit": 120},
                },
                "yOffset": {"field": "source", "sort": sources},
                "x": {
                    "field": "share",
                    "type": "quantitative",
                    "title": None,
                    "axis": {"format": "~%", "tickCount": 3},
                },
                "color": _source_color(sources),
            },
        },
        rows,
        height=max(60, 9 * len(sources) * n),
    )


def drift_overview_spec(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """One bar per feature: its drift distance; a tick at its threshold; red if violated."""
    return _spec(
        {
            "encoding": {
                "y": {
                    "field": "feature",
                    "type": "nominal",
                    "sort": None,
                    "title": None,
                    "axis": {"labelLimit": 160},
                },
            },
            "layer": [
                {
                    "mark": {"type": "bar", "height": {"band": 0.7}},
                    "encoding": {
                        "x": {
                            "field": "distance",
                            "type": "quantitative",
                            "title": "drift distance (p-value for ChiSquared)",
                        },
                        "color": {
                            "field": "state",
                            "type": "nominal",
                            "title": None,
                            "scale": {
                                "domain": ["violated", "within threshold"],
                                "range": [VIOLATED, FINE],
                            },
                        },
                    },
                },
                {
                    "mark": {"type": "tick", "color": "#222", "thickness": 2},
                    "encoding": {"x": {"field": "threshold", "type": "quantitative"}},
                },
            ],
        },
        rows,
        width=420,
        height=max(40, 16 * len(rows)),
    )


def curve_spec(rows: list[dict[str, Any]], x: str, y: str, diagonal: bool) -> dict[str, Any]:
    sources = [s for s in (BASELINE, WINDOW) if any(r["source"] == s for r in rows)]
    layers: list[dict[str, Any]] = [
        {
            "mark": {"type": "line", "interpolate": "linear", "strokeWidth": 2},
            "encoding": {
                "x": {
                    "field": "x",
                    "type": "quantitative",
                    "title": x,
                    "scale": {"domain": [0, 1]},
                },
                "y": {
                    "field": "y",
                    "type": "quantitative",
                    "title": y,
                    "scale": {"domain": [0, 1]},
                },
                "color": _source_color(sources, legend=True),
                "order": {"field": "i"},
            },
        }
    ]
    if diagonal:
        layers.append(
            {
                "data": {"values": [{"x": 0, "y": 0}, {"x": 1, "y": 1}]},
                "mark": {"type": "line", "strokeDash": [4, 4], "color": "#999"},
                "encoding": {
                    "x": {"field": "x", "type": "quantitative"},
                    "y": {"field": "y", "type": "quantitative"},
                },
            }
        )
    return _spec({"layer": layers}, rows, width=240, height=200)


def grouped_values_spec(rows: list[dict[str, Any]], title: str) -> dict[str, Any]:
    """Horizontal bars, one group per ``label``, a bar per ``source`` (bias metrics)."""
    sources = [s for s in (BASELINE, WINDOW) if any(r["source"] == s for r in rows)]
    n = len({r["label"] for r in rows})
    return _spec(
        {
            "mark": {"type": "bar"},
            "encoding": {
                "y": {"field": "label", "type": "nominal", "title": None, "sort": None},
                "yOffset": {"field": "source", "sort": sources},
                "x": {"field": "value", "type": "quantitative", "title": title},
                "color": _source_color(sources, legend=True),
            },
        },
        rows,
        width=360,
        height=max(60, 9 * max(1, len(sources)) * n),
    )


# Runs along x, in the order given (labels slanted), a value up y: the history charts.
RUNS_BY_VALUE: dict[str, Any] = {
    "x": {
        "field": "run",
        "type": "ordinal",
        "sort": None,
        "title": None,
        "axis": {"labelAngle": -40, "labelLimit": 110, "labelOverlap": "greedy"},
    },
    "y": {"field": "value", "type": "quantitative", "title": None},
}


def history_spec(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A feature over past runs: drift distance and completeness per run (both on 0..1),
    violations as red points."""
    return _spec(
        {
            "encoding": {
                **RUNS_BY_VALUE,
                "color": {
                    "field": "series",
                    "type": "nominal",
                    "scale": {
                        "domain": ["drift distance", "completeness"],
                        "range": [COLORS[WINDOW], "#8e44ad"],
                    },
                },
            },
            "layer": [
                {"mark": {"type": "line"}},
                {"mark": {"type": "point", "filled": True, "size": 45}},
                {
                    "transform": [{"filter": "datum.violated"}],
                    "mark": {"type": "point", "shape": "diamond", "filled": True, "size": 140},
                    "encoding": {"color": {"value": VIOLATED}, "opacity": {"value": 1}},
                },
            ],
        },
        rows,
        width=360,
        height=120,
    )


def series_spec(rows: list[dict[str, Any]], flagged: bool) -> dict[str, Any]:
    """A custom check's value over earlier runs, with this run's value (``new``) marked:
    red when it was judged an anomaly."""
    return _spec(
        {
            "encoding": {
                **RUNS_BY_VALUE,
            },
            "layer": [
                {"mark": {"type": "line", "color": COLORS[WINDOW]}},
                {
                    "transform": [{"filter": "datum.new"}],
                    "mark": {"type": "point", "shape": "diamond", "filled": True, "size": 140},
                    "encoding": {"color": {"value": VIOLATED if flagged else COLORS[WINDOW]}},
                },
            ],
        },
        rows,
        width=360,
        height=120,
    )


@lru_cache(maxsize=64)
def _compiled(shape: str) -> dict[str, Any]:
    import vl_convert

    return dict(vl_convert.vegalite_to_vega(json.loads(shape)))


def render(specs: Sequence[dict[str, Any]]) -> list[str]:
    """SVG text of each specification, in order.

    A report's charts come in a few shapes (a histogram, a category chart per height): each
    shape is compiled from Vega-Lite to Vega once, and each chart renders that Vega with
    its own rows in the named dataset, as a Vega view is given new data. No data is
    fetched: ``allowed_base_urls=[]``.
    """
    import vl_convert

    out = []
    for spec in specs:
        vega = _compiled(json.dumps({**spec, "data": {"name": DATA}}, sort_keys=True))
        data = [
            {**d, "values": spec["data"]["values"]} if d.get("name") == DATA else d
            for d in vega["data"]
        ]
        out.append(vl_convert.vega_to_svg({**vega, "data": data}, allowed_base_urls=[]))
    return out


_warming: list[threading.Thread] = []


def warm_up() -> None:
    """Start vl-convert's JavaScript engine, and let it compile Vega's code for the report's
    charts, in a background thread while the job's Spark work runs. A first chart costs
    0.4 s (the engine) and the first dozen run at half speed (the JIT); measured on a
    100-feature page: 2.4 s cold, 1.6 s after this warm-up (docs/BENCHMARKS.md)."""
    if _warming:
        return
    edges = [-3.0 + 6.0 * i / BINS for i in range(BINS + 1)]
    bins = [  # two bell curves on common bins, as a data-quality feature's chart has them
        {"lo": lo, "hi": hi, "share": math.exp(-((lo - shift) ** 2) / 2) / 8, "source": side}
        for side, shift in ((BASELINE, 0.0), (WINDOW, 0.3))
        for lo, hi in itertools.pairwise(edges)
    ]
    cats = {BASELINE: [(f"value {i}", i + 1) for i in range(10)], WINDOW: [("value 1", 3)]}
    specs = [histogram_spec(bins), categories_spec(category_shares(cats))] * 6

    def run() -> None:
        try:
            render(specs)
        except Exception:
            pass

    thread = threading.Thread(target=run, name="report-warm-up", daemon=True)
    _warming.append(thread)
    thread.start()
