"""The baseline a monitoring run compares against, and how window columns line up with it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from monitor_job.contract import JobConfig
from monitor_job.data_quality.datatypes import NUMERIC_TYPES, STRING
from monitor_job.data_quality.documents import (
    BaselineConstraints,
    parse_constraints,
    profile_from_statistics,
)
from monitor_job.data_quality.profile import DatasetProfile, ProfileHints
from monitor_job.data_quality.suggest import suggest
from monitor_job.io.documents import read_json

_POSITIONAL = re.compile(r"^_c\d+$")


@dataclass(frozen=True)
class Baseline:
    statistics: DatasetProfile
    constraints: BaselineConstraints
    notes: tuple[str, ...] = ()
    statistics_document: Mapping[str, Any] | None = None  # as read, for the report

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.constraints.features)


def load_baseline(config: JobConfig) -> Baseline:
    """Read and validate both baseline files (before Spark starts).

    Without ``baseline_statistics`` no drift can be computed; without
    ``baseline_constraints`` the constraints are suggested from the baseline statistics.
    """
    notes: list[str] = []
    raw = None
    if config.baseline_statistics:
        raw = read_json(config.baseline_statistics, "baseline_statistics")
        stats = profile_from_statistics(raw)
        notes.append(f"baseline statistics: {config.baseline_statistics}")
    else:
        stats = DatasetProfile(item_count=0, features=())
        notes.append("no baseline_statistics: baseline_drift_check is skipped")
    if config.baseline_constraints:
        document = read_json(config.baseline_constraints, "baseline_constraints")
        notes.append(f"baseline constraints: {config.baseline_constraints}")
    else:
        document = suggest(stats, config.categorical_drift_method)
        notes.append("no baseline_constraints: constraints suggested from baseline_statistics")
    constraints = parse_constraints(document, config.categorical_drift_method)
    return Baseline(stats, constraints, tuple(notes), raw)


def align_names(baseline: Baseline, names: tuple[str, ...]) -> tuple[str, ...]:
    """Window column names in the baseline's vocabulary.

    Headerless CSV and CSV capture payloads have positional names (``_c0``, ``_c1``, ...)
    while a baseline built from a headered training file has real ones: as the closed
    container does, positional columns take the baseline's names by position (output
    columns first, then inputs). Columns beyond the baseline keep their ``_c<i>`` names
    (and are extra columns); named columns (JSON keys, handler keys) are matched by name.
    """
    base = baseline.names
    if not names or not all(_POSITIONAL.match(n) for n in names):
        return names
    if all(_POSITIONAL.match(n) for n in base):
        return names
    return tuple(base[i] if i < len(base) else n for i, n in enumerate(names))


def profile_hints(baseline: Baseline, names: tuple[str, ...]) -> ProfileHints:
    """Ask the window profile for what the checks need, by the baseline's types."""
    numeric, categorical, domains = set(), set(), []
    for i, name in enumerate(names):
        c = baseline.constraints.feature(name)
        if c is None:
            continue
        if c.inferred_type in NUMERIC_TYPES:
            numeric.add(i)
        elif c.inferred_type == STRING:
            categorical.add(i)
        if c.domains is not None:
            domains.append((i, c.domains))
    return ProfileHints(frozenset(numeric), frozenset(categorical), tuple(domains))
