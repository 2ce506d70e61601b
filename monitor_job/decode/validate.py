"""``monitor-job validate``: decode the first records of a dataset and show the result.

The same listing, window and decoder (and ``preprocess_handler``) as a real run; Spark
evaluates only as many input lines as the first ``rows`` records need. No analysis and
no output files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pyspark.sql import functions as F

from monitor_job.contract import JobConfig
from monitor_job.decode import RAW, REASON, SKIPPED_REASONS, decode_dataset
from monitor_job.io import list_dataset
from monitor_job.io.staging import readable_by_spark

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

CELL = 18
RAW_SHOWN = 300


@dataclass(frozen=True)
class ValidationReport:
    source: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str | None, ...], ...]
    failed: tuple[tuple[str, str], ...]  # (reason, raw record)
    skipped: tuple[str, ...]  # reasons
    notes: tuple[str, ...]

    @property
    def examined(self) -> int:
        return len(self.rows) + len(self.failed) + len(self.skipped)

    def verdict(self) -> str:
        if not self.failed:
            return f"validate: all {self.examined} record(s) examined decode"
        reasons: dict[str, int] = {}
        for reason, _ in self.failed:
            reasons[reason] = reasons.get(reason, 0) + 1
        counts = ", ".join(f"{n} {r}" for r, n in sorted(reasons.items()))
        return (
            f"{len(self.failed)} of {self.examined} record(s) examined failed to decode ({counts})"
        )

    def render(self) -> str:
        def cell(value: str | None) -> str:
            text = "<missing>" if value is None else value
            return (text[: CELL - 1] + "~") if len(text) > CELL else text

        lines = [f"source: {self.source}", *self.notes, f"columns ({len(self.columns)}):"]
        lines += [f"  {i:>3}  {name}" for i, name in enumerate(self.columns)]
        lines.append(f"decoded rows ({len(self.rows)}):")
        lines.append("  " + " | ".join(f"{cell(n):<{CELL}}" for n in self.columns))
        lines += ["  " + " | ".join(f"{cell(v):<{CELL}}" for v in row) for row in self.rows]
        if self.skipped:
            lines.append(f"skipped: {len(self.skipped)} ({', '.join(sorted(set(self.skipped)))})")
        lines.append(f"errors ({len(self.failed)}):")
        lines += [f"  [{reason}] {raw[:RAW_SHOWN]}" for reason, raw in self.failed]
        return "\n".join(lines)


def validate(spark: SparkSession, config: JobConfig, rows: int) -> ValidationReport:
    listing = list_dataset(
        config.dataset_source, config.dataset_format, config.start_time, config.end_time
    )
    with readable_by_spark(spark, listing) as readable:
        decoded = decode_dataset(spark, config, readable)
        width = len(decoded.names)
        picked = (
            decoded.frame.select(*[F.col(f"c{i}") for i in range(width)], REASON, RAW)
            .limit(rows)
            .collect()
        )
    good = tuple(tuple(r[i] for i in range(width)) for r in picked if r[width] is None)
    failed = tuple(
        (str(r[width]), str(r[width + 1] or ""))
        for r in picked
        if r[width] is not None and r[width] not in SKIPPED_REASONS
    )
    skipped = tuple(str(r[width]) for r in picked if r[width] in SKIPPED_REASONS)
    return ValidationReport(
        listing.describe(), decoded.names, good, failed, skipped, tuple(decoded.notes)
    )
