"""Statistics per feature, in as few passes over the data as possible."""

from __future__ import annotations

from monitor_job.analyzers.model import (
    DatasetProfile,
    FeatureProfile,
    KllDistribution,
    NumericStats,
    ProfileHints,
    StringStats,
)
from monitor_job.analyzers.profile import profile

__all__ = [
    "DatasetProfile",
    "FeatureProfile",
    "KllDistribution",
    "NumericStats",
    "ProfileHints",
    "StringStats",
    "profile",
]
