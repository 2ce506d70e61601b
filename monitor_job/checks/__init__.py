"""Monitoring: baseline files in, the six data-quality checks, drift distances."""

from __future__ import annotations

from monitor_job.checks.baseline import Baseline, align_names, load_baseline, profile_hints
from monitor_job.checks.evaluate import CHECK_TYPES, Drift, Evaluation, Violation, evaluate

__all__ = [
    "CHECK_TYPES",
    "Baseline",
    "Drift",
    "Evaluation",
    "Violation",
    "align_names",
    "evaluate",
    "load_baseline",
    "profile_hints",
]
