"""report.html: one self-contained page per run, built only from the run's JSON files.

This package is the page's engine, below the monitor types: the run's documents
(:mod:`~monitor_job.report.documents`), the header every page shares
(:mod:`~monitor_job.report.header`), the charts (:mod:`~monitor_job.report.charts`) and the
templates. What a page shows of a run is its monitor type's ``view`` (each type's
``view.py``), carried by the run's documents to :func:`render_run`.

The page comes from a Jinja2 template; its charts are Vega-Lite specifications rendered
to SVG offline, so it opens from a ``file://`` URL with no script and no network access.
"""

from __future__ import annotations

import logging
import math
import re
from functools import lru_cache
from typing import Any

from monitor_job.report.documents import RunDocuments, Spec, View, read_run

log = logging.getLogger("monitor_job")

REPORT_FILE = "report.html"

__all__ = ["REPORT_FILE", "RunDocuments", "Spec", "View", "read_run", "render_page", "render_run"]


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
    """The report page of one run, showing what its type's ``view`` makes of it."""
    from monitor_job.report import charts
    from monitor_job.report.header import run_header

    if docs.view is None:
        raise ValueError(  # a caller's mistake: monitor_job.monitors.with_view adds it
            f"no view given with the {docs.kind} run's documents"
        )
    shown, specs = docs.view(docs)
    header = run_header(docs)
    return str(
        environment()
        .get_template("run.html.j2")
        .render(
            h=header,
            kind=docs.kind,
            view=shown,
            violations=shown["violations"],
            colors=charts.COLORS,
            svgs=charts.render(specs),
        )
    )


def render_page(template: str, specs: list[Spec], **values: Any) -> str:
    """Another page of the same engine (a history of runs): ``template`` with ``values``
    and the rendered ``specs`` as ``svgs``."""
    from monitor_job.report import charts

    return str(environment().get_template(template).render(svgs=charts.render(specs), **values))
