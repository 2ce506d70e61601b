"""Suggest constraints from statistics (and, later, check statistics against them)."""

from __future__ import annotations

from monitor_job.constraints.suggest import DEFAULT_MONITORING_CONFIG, SUGGESTION_RULES, suggest

__all__ = ["DEFAULT_MONITORING_CONFIG", "SUGGESTION_RULES", "suggest"]
