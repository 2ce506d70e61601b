"""The header of every run's page: outcome, window, target and record counts, from the
run's summary when it wrote one, else from what its files alone say."""

from __future__ import annotations

from typing import Any

from monitor_job.report.documents import RunDocuments


def number(value: Any) -> float | None:
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
