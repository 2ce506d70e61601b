"""The machine-readable run summary and the SageMaker exit message."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

SUMMARY_FILE = "monitor-job-summary.json"


class Described(Protocol):
    """A feature as the summary counts it (a data-quality ``FeatureProfile``)."""

    @property
    def name(self) -> str: ...

    @property
    def type_counts(self) -> Mapping[str, float]: ...


class Profile(Protocol):
    """What the summary says of a run's records: a data-quality ``DatasetProfile``, or the
    :class:`RecordCounts` of the other monitor types."""

    @property
    def item_count(self) -> int: ...

    @property
    def features(self) -> Sequence[Described]: ...

    @property
    def records_failed(self) -> Mapping[str, int]: ...

    @property
    def records_skipped(self) -> Mapping[str, int]: ...

    @property
    def failure_samples(self) -> Sequence[tuple[str, str]]: ...


@dataclass(frozen=True)
class RecordCounts:
    """The records of a run that describes no features (model quality, bias): analysed,
    failed and skipped by reason, and samples of the failed."""

    item_count: int
    features: tuple[Described, ...] = ()
    records_failed: dict[str, int] = field(default_factory=dict)
    records_skipped: dict[str, int] = field(default_factory=dict)
    failure_samples: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Outcome:
    """What a finished run reports: status, counts, and where its files are."""

    kind: str  # "baseline" | "monitoring" | "model-quality baseline" | "bias-monitoring" ...
    violations: int
    files: tuple[str, ...]
    profile: Profile
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
