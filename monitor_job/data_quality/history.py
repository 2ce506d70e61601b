"""``monitor-job report --history PREFIX``: several past data-quality monitoring runs (a
schedule's hourly outputs, local or S3) on one page, each feature's drift distance and
completeness over time with its violations marked."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from monitor_job.data_quality.documents import STATES, profile_from_statistics
from monitor_job.data_quality.view import drifts
from monitor_job.errors import BaselineError, raise_if_stopped
from monitor_job.io.documents import read_text
from monitor_job.io.s3 import SCHEME, client, guarded, is_s3, split_uri, unsafe_key
from monitor_job.outputs.summary import SUMMARY_FILE
from monitor_job.report import charts, render_page
from monitor_job.report.documents import (
    DATA_QUALITY,
    STATISTICS,
    VIOLATIONS,
    RunDocuments,
    read_run,
)

log = logging.getLogger("monitor_job")

DEFAULT_LAST = 168  # a week of hourly runs
_HOUR_PATH = re.compile(r"(\d{4})/(\d{2})/(\d{2})/(\d{2})(?:/|$)")


def find_files(prefix: str, names: tuple[str, ...]) -> list[str]:
    """Every file named one of ``names`` whose path starts with ``prefix`` (one listing)."""
    if is_s3(prefix):
        bucket, key = split_uri(prefix)
        if not bucket:
            raise BaselineError(f"runs {prefix}: no bucket in the URI")
        pages = guarded(
            f"runs {prefix}",
            BaselineError,
            lambda: list(
                client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=key)
            ),
        )
        found = []
        for key in (o["Key"] for page in pages for o in page.get("Contents", [])):
            if key.rsplit("/", 1)[-1] not in names:
                continue
            why = unsafe_key(key)  # one run, one set of keys: never two spellings of one
            if why is not None:
                log.warning("run file refused, not read: %r: %s", f"{SCHEME}{bucket}/{key}", why)
                continue
            found.append(f"{SCHEME}{bucket}/{key}")
        return sorted(found)
    path = Path(prefix.removeprefix("file://"))
    if path.is_dir():
        roots, stem = [path], ""
    else:
        roots, stem = [path.parent], path.name
    found = []
    for root in roots:
        if not root.is_dir():
            continue
        for child in sorted(root.iterdir()):
            if not child.name.startswith(stem):
                continue
            if child.is_file() and child.name in names:
                found.append(str(child))
            elif child.is_dir():
                found += [str(p) for p in sorted(child.rglob("*")) if p.name in names]
    return found


def _when(docs: RunDocuments) -> str:
    """A sortable time for the run: its window, else the hour in its path."""
    window = (docs.summary or {}).get("window") or {}
    if window.get("end") or window.get("start"):
        return str(window.get("end") or window.get("start"))
    match = _HOUR_PATH.search(docs.location + "/")
    if match:
        y, m, d, h = match.groups()
        return f"{y}-{m}-{d}T{h}:00:00"
    return ""


def _label(docs: RunDocuments, prefix: str) -> str:
    window = (docs.summary or {}).get("window") or {}
    if window.get("start"):
        return str(window["start"]).replace("T", " ")[:16]
    when = _when(docs)
    if when:
        return when.replace("T", " ")[:16]
    rest = docs.location[len(prefix.rsplit("/", 1)[0]) :].strip("/")
    return rest or docs.location


def _not_one_set(statistics: str, summary: Mapping[str, Any] | None) -> str | None:
    """Why the run's statistics and violations are not the files its summary lists (a mix
    of two runs), or None (also when the summary lists none: SageMaker's runs, older ones)."""
    listed = (summary or {}).get("files")
    if not isinstance(listed, dict):
        return None
    where = statistics.rsplit("/", 1)[0]
    for name in (STATISTICS, VIOLATIONS):
        entry = listed.get(name)
        want = entry.get("sha256") if isinstance(entry, dict) else None
        if not isinstance(want, str):
            continue
        text = read_text(f"{where}/{name}", name)
        if hashlib.sha256(text.encode("utf-8")).hexdigest() != want:
            return f"its {name} is not the one its summary lists (SHA-256 differs): a mix of runs"
    return None


def read_history(prefix: str, last: int = DEFAULT_LAST) -> tuple[list[RunDocuments], list[str]]:
    """The data-quality monitoring runs under ``prefix``, oldest first (the newest ``last``),
    and notes on what was left out."""
    notes: list[str] = []
    runs: list[RunDocuments] = []
    found = find_files(prefix, (STATISTICS, STATES, SUMMARY_FILE))
    present: dict[str, set[str]] = {}
    for uri in found:
        where, name = uri.rsplit("/", 1)
        present.setdefault(where, set()).add(name)
    for uri in (u for u in found if u.endswith("/" + STATISTICS)):
        names = present[uri.rsplit("/", 1)[0]]
        if STATES in names and SUMMARY_FILE not in names:  # ours, stopped or still writing
            notes.append(f"left out {uri}: unfinished ({STATES} without {SUMMARY_FILE})")
            continue
        try:
            docs = read_run(uri)
            mixed = _not_one_set(uri, docs.summary)
        except BaselineError as err:
            raise_if_stopped(err)
            notes.append(f"left out {uri}: {err}")
            continue
        if mixed is not None:
            notes.append(f"left out {uri}: {mixed}")
            continue
        if docs.kind != DATA_QUALITY or docs.violations is None:
            continue  # a baseline, or another monitor type's output
        runs.append(docs)
    if not runs:
        raise BaselineError(
            f"history {prefix}: no data-quality monitoring run found (a statistics.json "
            f"with a constraint_violations.json beside it)"
        )
    runs.sort(key=lambda d: (_when(d), d.location))
    if len(runs) > last:
        notes.append(f"{len(runs) - last} older run(s) left out (showing the last {last})")
        runs = runs[-last:]
    return runs, notes


def history_view(
    runs: list[RunDocuments], prefix: str, baseline: Mapping[str, Any] | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Per feature, a chart of its completeness and drift distance per run. Drift comes
    from each run's summary; runs without one (SageMaker's own outputs) get it recomputed
    when ``baseline`` statistics are given."""
    base = profile_from_statistics(baseline) if baseline is not None else None
    table = []
    series: dict[str, list[dict[str, Any]]] = {}
    flagged: dict[str, list[dict[str, Any]]] = {}
    for i, docs in enumerate(runs):
        label = _label(docs, prefix)
        summary = docs.summary or {}
        violations = list((docs.violations or {}).get("violations") or [])
        table.append(
            {
                "index": i,
                "label": label,
                "location": docs.location,
                "status": summary.get("status")
                or ("CompletedWithViolations" if violations else "Completed"),
                "records": summary.get("item_count")
                or (docs.statistics.get("dataset") or {}).get("item_count"),
                "violations": len(violations),
            }
        )
        window = profile_from_statistics(docs.statistics)
        drift, _ = drifts(docs, window, base)
        by_feature: dict[str, list[str]] = {}
        for v in violations:
            by_feature.setdefault(str(v.get("feature_name")), []).append(
                str(v.get("constraint_check_type"))
            )
        for name, checks in by_feature.items():
            flagged.setdefault(name, []).append({"run": label, "checks": checks})
        for f in window.features:
            checks = by_feature.get(f.name, [])
            rows = series.setdefault(f.name, [])
            d = drift.get(f.name)
            points = [("completeness", f.completeness, "completeness_check" in checks)]
            if isinstance(d, Mapping) and d.get("distance") is not None:
                points.append(
                    ("drift distance", float(d["distance"]), "baseline_drift_check" in checks)
                )
            for name, value, violated in points:
                rows.append(
                    {
                        "run": label,
                        "series": name,
                        "value": value,
                        "violated": violated,
                        "marker": "violation" if violated else "no violation",
                        "violations": ", ".join(checks) or "none",
                    }
                )
    specs: list[dict[str, Any]] = []
    features = []
    for i, (name, rows) in enumerate(series.items()):
        features.append(
            {"index": i, "name": name, "chart": len(specs), "flagged": flagged.get(name, [])}
        )
        specs.append(charts.history_spec(rows))
    return {"runs": table, "features": features}, specs


def render_history(prefix: str, last: int, baseline: Any = None) -> str:
    """The page of several past data-quality monitoring runs under ``prefix``."""
    runs, notes = read_history(prefix, last)
    view, specs = history_view(runs, prefix, baseline)
    return render_page(
        "history.html.j2",
        specs,
        prefix=prefix,
        runs=view["runs"],
        features=view["features"],
        notes=notes,
        total_violations=sum(r["violations"] for r in view["runs"]),
    )
