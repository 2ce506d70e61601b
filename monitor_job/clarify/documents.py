"""Clarify's output files, as its bias and explainability monitors write them: one
``analysis.json`` per run, and with a baseline, ``constraint_violations.json`` with its
``version`` (the files' names: :mod:`monitor_job.report.documents`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

VERSION = "1.0"


def violations_document(rows: Sequence[dict[str, str]]) -> dict[str, Any]:
    return {"version": VERSION, "violations": list(rows)}
