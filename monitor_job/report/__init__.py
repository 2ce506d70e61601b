"""report.html: one self-contained page per run, built only from the run's JSON files.

The page comes from a Jinja2 template; its charts are Vega-Lite specifications rendered
to SVG offline (:mod:`monitor_job.report.charts`), so it opens from a ``file://`` URL with
no script and no network access.
"""

from __future__ import annotations

import logging
import math
import re
from functools import lru_cache
from typing import Any

from monitor_job.report.documents import RunDocuments, read_run

log = logging.getLogger("monitor_job")

REPORT_FILE = "report.html"

__all__ = ["REPORT_FILE", "RunDocuments", "read_run", "render_history", "render_run"]


def _num(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    x = float(value)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    return f"{x:.4g}" if abs(x) < 1e4 else f"{x:,.0f}"  # 61,935 rather than 6.193e+04


def _pct(value: Any) -> str:
    if value is None:
        return "–"
    return f"{float(value) * 100:.4g}%"


def _count(value: Any) -> str:
    if value is None:
        return "–"
    return f"{round(float(value)):,}"


def _anchor(value: Any) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", str(value))


@lru_cache(maxsize=1)
def environment() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("monitor_job.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(num=_num, pct=_pct, count_text=_count, anchor=_anchor)
    from monitor_job import __version__

    env.globals["version"] = __version__
    return env


def render_run(docs: RunDocuments) -> str:
    """The report page of one run."""
    from monitor_job.report import charts
    from monitor_job.report.views import build_view, run_header

    view, specs = build_view(docs)
    header = run_header(docs)
    return str(
        environment()
        .get_template("run.html.j2")
        .render(
            h=header,
            kind=docs.kind,
            view=view,
            violations=view["violations"],
            colors=charts.COLORS,
            svgs=charts.render(specs),
        )
    )


def render_history(prefix: str, last: int, baseline: Any = None) -> str:
    """The page of several past data-quality monitoring runs under ``prefix``."""
    from monitor_job.report import charts
    from monitor_job.report.history import history_view, read_history

    runs, notes = read_history(prefix, last)
    view, specs = history_view(runs, prefix, baseline)
    return str(
        environment()
        .get_template("history.html.j2")
        .render(
            prefix=prefix,
            runs=view["runs"],
            features=view["features"],
            notes=notes,
            total_violations=sum(r["violations"] for r in view["runs"]),
            svgs=charts.render(specs),
        )
    )
