"""What a CLI run prints when it ends: its monitor type's part (features, metrics), then
the part every run shares (the violations of a monitoring run, the files written, the
message SageMaker would show)."""

from __future__ import annotations

from collections.abc import Callable

from monitor_job.outputs.summary import Outcome


def print_outcome(outcome: Outcome, body: Callable[[Outcome], None]) -> None:
    body(outcome)
    if "monitoring" in outcome.kind:
        print()
        if outcome.violation_rows:
            print(f"{'feature/metric':<24} {'check':<25} description")
            for feature, check, description in outcome.violation_rows:
                print(f"{feature:<24} {check:<25} {description}")
        else:
            print("no violations")
    for path in outcome.files:
        print(f"wrote {path}")
    print(outcome.message)
