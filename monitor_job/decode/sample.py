"""The first lines of an input, which layouts and handler columns are inferred from."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from monitor_job.runtime.files import text_lines

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

SAMPLE_LINES = 200


def _local_lines(files: list[str], limit: int) -> list[str] | None:
    """The first ``limit`` non-empty lines of local files, or None if a file is not local."""
    lines: list[str] = []
    for name in files:
        path = Path(name.removeprefix("file://"))
        if not path.is_file() or path.suffix in (".gz", ".bz2", ".snappy", ".zst"):
            return None
        with path.open(encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.strip():
                    lines.append(line.rstrip("\r\n"))
                    if len(lines) >= limit:
                        return lines
    return lines


def sample_lines(spark: SparkSession, files: list[str]) -> list[str]:
    """The first :data:`SAMPLE_LINES` lines: read directly when the files are local (a
    Spark job for 200 lines cost ~2 s at the start of a run), else by Spark."""
    local = _local_lines(files, SAMPLE_LINES)
    if local is not None:
        return local
    return [r[0] for r in text_lines(spark, files).limit(SAMPLE_LINES).collect() if r[0]]
