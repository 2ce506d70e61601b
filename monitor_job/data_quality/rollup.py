"""Data quality over a span of finished runs, no records read (``monitor-job rollup``, or
``dataset_format`` ``{"monitoringRuns": {}}`` with the runs' location as
``dataset_source``).

The runs are found by :mod:`~monitor_job.data_quality.runs`. Ours hold the analyzers'
states (``analyzer_states.bin``), which merge exactly as one run over all their records
would compute, one state at a time (:class:`~monitor_job.data_quality.analysis.StateFold`:
what is held does not grow with the number of runs); SageMaker's hold only the
statistics, which merge as far as the file tells
(:func:`~monitor_job.data_quality.analysis.state_of_statistics`). Runs outside the span
are not read; runs that cross its edge, overlap a run already taken, describe other
features, or cannot be read are left out, each with its reason; hours no run covers are
listed as missing. All of it is in the summary, the log and the report.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor_job.data_quality.analysis import StateFold, state_of_statistics
from monitor_job.data_quality.baseline import Baseline, profile_hints
from monitor_job.data_quality.documents import STATES, profile_from_statistics
from monitor_job.data_quality.profile import DatasetProfile
from monitor_job.data_quality.runs import Run, Span, fetch
from monitor_job.errors import (
    BaselineError,
    EmptyInputError,
    InputDataError,
    MonitorJobError,
    raise_if_stopped,
)
from monitor_job.io.documents import read_json
from monitor_job.io.s3 import is_s3, read_bytes
from monitor_job.report.documents import STATISTICS
from monitor_job.runtime import jvm
from monitor_job.runtime.progress import set_phase

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = logging.getLogger("monitor_job")


def _read_bytes(uri: str) -> bytes:
    if is_s3(uri):
        return read_bytes(uri, "analyzer states", BaselineError)
    return Path(uri.removeprefix("file://")).read_bytes()


@dataclass
class _Merge:
    from_statistics: list[str] = field(default_factory=list)
    unmerged: dict[str, list[str]] = field(default_factory=dict)  # feature -> runs
    left_out: list[tuple[str, str]] = field(default_factory=list)
    undomained: list[str] = field(default_factory=list)  # domain shares not known
    older_hash: list[str] = field(default_factory=list)  # states of an earlier hash


def _read_run(run: Run) -> bytes | dict[str, Any] | str:
    """A run's state, or its statistics when it has none (the reading, before the JVM), or
    why neither could be read."""
    try:
        if STATES in run.files:
            state = _read_bytes(run.path(STATES))
            want = run.digests.get(STATES)
            if want is not None and hashlib.sha256(state).hexdigest() != want:
                return (
                    f"its {STATES} is not the one its summary lists (SHA-256 differs): "
                    "a damaged copy, or another run's file"
                )
            return state
        document: dict[str, Any] = read_json(run.path(STATISTICS), "statistics")
        return document
    except (MonitorJobError, OSError) as err:
        raise_if_stopped(err)
        return str(err)


def _state(
    spark: SparkSession, run: Run, read: bytes | dict[str, Any], names: Any, m: _Merge
) -> tuple[bytes, jvm.StateHeader]:
    """The run's state, proved whole, and its header; its statistics made into one when it
    has none."""
    if isinstance(read, bytes):
        header = jvm.state_header(spark, read)
        if header.hash == jvm.STATE_HASH or not header.sketched:
            return read, header
        # A run of an earlier version: its distinct-count sketches were fed another hash
        # and never merge with today's; its statistics merge as SageMaker's runs do.
        m.older_hash.append(run.location)
        read = read_json(run.path(STATISTICS), "statistics")
    statistics = profile_from_statistics(read)
    own = tuple(f.name for f in statistics.features)
    state, unmerged = state_of_statistics(spark, statistics, names or own)
    for feature in unmerged:
        m.unmerged.setdefault(feature, []).append(run.location)
    m.from_statistics.append(run.location)
    return state, jvm.state_header(spark, state)


def _mismatch(header: jvm.StateHeader, names: Any) -> str | None:
    """Why a run's state cannot join the states taken so far, or None."""
    if names is not None and header.features != names:
        return f"its features {list(header.features)} differ from {list(names)}"
    return None


def _domains_counted(window: DatasetProfile, baseline: Baseline, m: _Merge) -> DatasetProfile:
    """Values inside the rollup's baseline domains, counted from the merged value counts
    (the hourly runs counted them against the baseline they had). Without the counts
    (past the cap, or a run that listed only its top values) the hourly runs' count
    stands when they all had states, and is not known otherwise."""
    features = []
    for f in window.features:
        c = baseline.constraints.feature(f.name)
        if c is not None and c.domains is not None and f.in_domain is not None:
            domain = set(c.domains)
            if f.string is not None and f.string.buckets is not None:
                f = replace(f, in_domain=sum(n for v, n in f.string.buckets if v in domain))
            elif m.from_statistics:
                f = replace(f, in_domain=None)
                m.undomained.append(f.name)
        features.append(f)
    return replace(window, features=tuple(features))


def merge_runs(
    spark: SparkSession, span: Span, baseline: Baseline
) -> tuple[DatasetProfile, tuple[str, ...], dict[str, Any]]:
    """The span's profile (the merge of its runs' states), the notes on what could not be
    merged, and the rollup's part of the summary."""
    set_phase(f"merging {len(span.runs)} run(s)")
    m = _Merge()
    names: tuple[str, ...] | None = None
    fold: StateFold | None = None  # the sum so far: one state at a time, whatever the runs
    merged_runs = []
    for run, got in zip(span.runs, fetch(span.runs, _read_run), strict=True):
        if got is None or isinstance(got, str):
            m.left_out.append((run.location, got or "nothing read"))
            continue
        try:
            state, header = _state(spark, run, got, names, m)
            why = _mismatch(header, names)
            if why is None:
                if fold is None or names is None:  # the first state taken (anew if refused)
                    hints = profile_hints(baseline, header.features)
                    fold = StateFold(spark, header.features, hints)
                fold.add(state)
        except InputDataError as err:  # a damaged or foreign state: the run is left out
            raise_if_stopped(err)
            m.left_out.append((run.location, f"cannot read its states: {err}"))
            continue
        except MonitorJobError as err:
            raise_if_stopped(err)
            m.left_out.append((run.location, str(err)))
            continue
        except Exception as err:  # a state or statistics.json the JVM cannot read
            raise_if_stopped(err)
            m.left_out.append((run.location, f"cannot read its states: {err}".split("\n")[0]))
            continue
        if why is not None:
            m.left_out.append((run.location, why))
            continue
        names = header.features
        merged_runs.append(run)
    if names is None or fold is None:
        raise EmptyInputError(
            f"none of the {len(span.runs)} run(s) under {span.source} could be read: "
            + "; ".join(f"{where}: {why}" for where, why in m.left_out[:3])
        )
    span = replace(span, runs=tuple(merged_runs), left_out=(*span.left_out, *m.left_out))
    span = replace(span, missing=span.uncovered())
    window = _domains_counted(fold.profile(), baseline, m)
    notes = span.notes()
    if m.from_statistics:
        notes.append(
            f"{len(m.from_statistics)} run(s) without analyzer states we can merge, merged "
            "from their statistics.json: their values count as each feature's inferred "
            "type, and their failed records are not known"
        )
    if m.older_hash:
        notes.append(
            f"{len(m.older_hash)} of them ({m.older_hash[0]} ...) hold distinct-count "
            "sketches of an earlier version's 32-bit hash, which never merge with today's "
            "64-bit ones: merged from their statistics.json instead"
        )
    for feature, where in sorted(m.unmerged.items()):
        notes.append(
            f"{feature}: distinct_count is a lower bound and its categorical buckets are not "
            f"merged: {len(where)} run(s) list only their top values ({where[0]} ...)"
        )
    notes += [
        f"{name}: categorical_values_check not evaluated: the share of values inside the "
        "baseline's domain cannot be counted without every value's count"
        for name in m.undomained
    ]
    for note in notes:
        log.info("%s", note)
    return window, tuple(notes), span.document(m.from_statistics)
