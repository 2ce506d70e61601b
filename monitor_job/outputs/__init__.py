"""Contract outputs: statistics.json, constraints.json, violations, metrics, summary."""

from __future__ import annotations

from monitor_job.outputs.statistics import statistics_document
from monitor_job.outputs.writer import write_json_files

__all__ = ["statistics_document", "write_json_files"]
