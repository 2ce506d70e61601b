"""The machine-readable run summary and the SageMaker exit message."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from monitor_job.analyzers import DatasetProfile

SUMMARY_FILE = "monitor-job-summary.json"


@dataclass(frozen=True)
class Outcome:
    """What a finished run reports: status, counts, and where its files are."""

    kind: str  # "baseline" | "monitoring"
    violations: int
    files: tuple[str, ...]
    profile: DatasetProfile
    notes: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
    violation_rows: tuple[tuple[str, str, str], ...] = ()  # (feature, check type, description)

    @property
    def status(self) -> str:
        return "CompletedWithViolations" if self.violations else "Completed"

    @property
    def message(self) -> str:
        if self.violations:
            return (
                f"CompletedWithViolations: Job completed successfully with "
                f"{self.violations} violations."
            )
        return "Completed: Job completed successfully with no violations."


def summary_document(outcome: Outcome) -> dict[str, Any]:
    p = outcome.profile
    return {
        "status": outcome.status,
        "message": outcome.message,
        "job": outcome.kind,
        "violations": outcome.violations,
        "item_count": p.item_count,
        "records": {
            "failed": dict(sorted(p.records_failed.items())),
            "skipped": dict(sorted(p.records_skipped.items())),
            "failed_samples": [{"reason": r, "record": raw} for r, raw in p.failure_samples],
        },
        "features": len(p.features),
        # per feature, values of each Deequ type: the report's type-match shares
        "type_counts": {f.name: dict(f.type_counts) for f in p.features if f.type_counts},
        "notes": list(outcome.notes),
        **outcome.extra,
    }
