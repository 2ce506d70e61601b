"""The finished runs under a folder or S3 prefix, as a rollup finds them (one listing):
which directories are data-quality monitoring runs, the window each covers, which of them
a span takes, and why the others are left out.

A run is a directory holding a ``statistics.json`` and a ``constraint_violations.json``
(a data-quality monitoring run, ours or SageMaker's). Each run covers its window: the one
in its ``monitor-job-summary.json``, else the hour before the ``yyyy/mm/dd/hh`` of its
path (a schedule's execution at hour ``hh`` reads the hour before it). Our runs' files are
one set (:mod:`monitor_job.outputs.area`): our states without our summary are an
unfinished run, and the summary's SHA-256 of each file is what the merge checks.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

from monitor_job.contract.times import parse_timestamp
from monitor_job.data_quality.documents import STATES
from monitor_job.data_quality.history import _HOUR_PATH, find_files
from monitor_job.errors import BaselineError, EmptyInputError, MonitorJobError, raise_if_stopped
from monitor_job.io.documents import read_json
from monitor_job.outputs.summary import SUMMARY_FILE
from monitor_job.report.documents import STATISTICS, VIOLATIONS

log = logging.getLogger("monitor_job")
T = TypeVar("T")
R = TypeVar("R")

HOUR = timedelta(hours=1)
_LAST = datetime.max.replace(tzinfo=timezone.utc)  # undated runs sort last
RUN_FILES = (STATISTICS, VIOLATIONS, STATES, SUMMARY_FILE)
FETCHES = 16  # objects read at once
_SHA256 = re.compile(r"[0-9a-f]{64}")
# How far from the hour in its path a run's window may lie: a schedule's output path is
# the hour it ran, and the longest window it reads is a week's (weekly rollups), plus a
# day. Runs further than this from a rollup's span are not read at all.
PATH_MARGIN = timedelta(days=8)
MISSING_SHOWN = 48  # missing hours named one by one in the notes; all are in the summary


@dataclass(frozen=True)
class Run:
    """A finished run found under the runs' location."""

    location: str
    start: datetime | None
    end: datetime | None
    files: frozenset[str]  # which of RUN_FILES it holds
    # What its summary lists: {file name: SHA-256} (our runs since the summary listed them)
    digests: Mapping[str, str] = field(default_factory=dict)
    damaged: str | None = None  # why its summary cannot be used (its window is its path's)
    # The custom checks' values its summary kept, by check name (an anomaly check's history)
    check_values: Mapping[str, float] = field(default_factory=dict)

    def path(self, name: str) -> str:
        return f"{self.location}/{name}"

    def incomplete(self) -> str | None:
        """Why the run's files are not one finished set, or None: our states without our
        summary (a run stopped, or still writing: the summary comes last), or a file the
        summary lists that is not there, or a summary that cannot be read."""
        if self.damaged is not None:
            return self.damaged
        if STATES in self.files and SUMMARY_FILE not in self.files:
            return f"unfinished: {STATES} without {SUMMARY_FILE} (stopped, or still writing)"
        missing = sorted(n for n in self.digests if n in RUN_FILES and n not in self.files)
        if missing:
            return f"incomplete: its summary lists {', '.join(missing)}, not found"
        return None

    def window(self) -> str:
        if self.start is None or self.end is None:
            return "no window"
        return f"{_iso(self.start)} to {_iso(self.end)}"


@dataclass(frozen=True)
class Span:
    """The runs a rollup merges and what it could not."""

    source: str
    start: datetime | None
    end: datetime | None
    runs: tuple[Run, ...]
    left_out: tuple[tuple[str, str], ...] = ()  # (location, why)
    missing: tuple[datetime, ...] = ()  # hours of the span no merged run covers

    def uncovered(self) -> tuple[datetime, ...]:
        """The hours of the span that none of its runs covers."""
        if self.start is None or self.end is None:
            return ()
        missing, hour = [], self.start.replace(minute=0, second=0, microsecond=0)
        while hour < self.end:
            if not any(_overlap(r, hour, hour + HOUR) for r in self.runs):
                missing.append(hour)
            hour += HOUR
        return tuple(missing)

    def notes(self) -> list[str]:
        notes = [f"rollup of {len(self.runs)} run(s) under {self.source}, {self._bounds()}"]
        notes += [f"run left out: {where}: {why}" for where, why in self.left_out]
        if self.missing:
            shown = ", ".join(_iso(h) for h in self.missing[:MISSING_SHOWN])
            more = len(self.missing) - MISSING_SHOWN
            notes.append(
                f"{len(self.missing)} hour(s) of the span have no run merged: {shown}"
                + (f" and {more} more" if more > 0 else "")
            )
        return notes

    def _bounds(self) -> str:
        if self.start is None or self.end is None:
            return "no span given"
        return f"span {_iso(self.start)} to {_iso(self.end)}"

    def document(self, merged_from_statistics: list[str]) -> dict[str, Any]:
        return {
            "source": self.source,
            "runs": [
                {
                    "location": r.location,
                    "start": r.start and _iso(r.start),
                    "end": r.end and _iso(r.end),
                }
                for r in self.runs
            ],
            "merged_from_statistics_only": merged_from_statistics,
            "left_out": [{"location": w, "reason": why} for w, why in self.left_out],
            "missing_hours": [_iso(h) for h in self.missing],
        }


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _window_of(location: str, summary: Mapping[str, Any] | None) -> tuple[Any, Any]:
    window = (summary or {}).get("window") or {}
    if not isinstance(window, dict):
        raise BaselineError(f"window is not an object: {window!r:.80}")
    start = parse_timestamp("window.start", window.get("start"))
    end = parse_timestamp("window.end", window.get("end"))
    if start is not None and end is not None:
        return start, end
    match = _HOUR_PATH.search(location + "/")
    if match is None:
        return None, None
    y, m, d, h = (int(g) for g in match.groups())
    hour = datetime(y, m, d, h, tzinfo=timezone.utc)
    return hour - HOUR, hour


def fetch(items: Sequence[T | None], read: Callable[[T], R]) -> Iterator[R | None]:
    """``read`` of each item (None stays None), in order, :data:`FETCHES` at a time (a week
    of hourly runs on S3 is hundreds of small GETs): at most that many read ahead of the
    one the caller takes, so what is held does not grow with the number of items."""

    def one(item: T | None) -> R | None:
        return None if item is None else read(item)

    pool = ThreadPoolExecutor(max_workers=FETCHES)
    ahead: deque[Future[R | None]] = deque()
    rest = iter(items)
    try:
        for item in itertools.islice(rest, FETCHES):
            ahead.append(pool.submit(one, item))
        while ahead:
            done = ahead.popleft().result()
            for item in itertools.islice(rest, 1):
                ahead.append(pool.submit(one, item))
            yield done
    finally:  # a stop (or a caller that stops taking) does not wait for the reads queued
        pool.shutdown(wait=False, cancel_futures=True)


def find_runs(source: str, start: datetime | None = None, end: datetime | None = None) -> list[Run]:
    """The data-quality monitoring runs under ``source`` (one listing; the directories
    holding a statistics.json that are not one are named in the log). With a span, a
    directory whose path has a ``yyyy/mm/dd/hh`` more than :data:`PATH_MARGIN` outside it
    is passed over before its summary is read (a month of hourly runs is 720 summaries;
    a day's rollup reads about 24 of them)."""
    by_dir: dict[str, set[str]] = {}
    for uri in find_files(source, RUN_FILES):
        where, name = uri.rsplit("/", 1)
        by_dir.setdefault(where, set()).add(name)
    dirs = sorted((w, n) for w, n in by_dir.items() if STATISTICS in n and _near(w, start, end))
    summaries = fetch(
        [f"{w}/{SUMMARY_FILE}" if SUMMARY_FILE in n else None for w, n in dirs], _read_summary
    )
    runs = []
    for (where, names), read in zip(dirs, summaries, strict=True):
        damaged, summary = (read, None) if isinstance(read, str) else (None, read)
        job = (summary or {}).get("job", "monitoring")
        if job != "monitoring":
            log.info("not a run to roll up: %s: a %s run", where, job)
            continue
        if VIOLATIONS not in names:
            log.info("not a run to roll up: %s: no %s (a baseline)", where, VIOLATIONS)
            continue
        try:
            start, end = _window_of(where, summary)
        except MonitorJobError as err:  # an untrusted document: the run is left out
            damaged = f"its summary's window cannot be read: {err}"
            start, end = _window_of(where, None)
        runs.append(
            Run(
                where,
                start,
                end,
                frozenset(names),
                _digests(summary),
                damaged,
                _check_values(summary),
            )
        )
    return runs


def _read_summary(uri: str) -> dict[str, Any] | str:
    """A run's summary, or why it cannot be used (the run is then left out, not the
    rollup failed)."""
    try:
        document = read_json(uri, "summary")
    except MonitorJobError as err:
        raise_if_stopped(err)
        return f"its summary cannot be read: {err}"
    if not isinstance(document, dict):
        return "its summary is not a JSON object"
    return document


def _near(where: str, start: datetime | None, end: datetime | None) -> bool:
    """Whether a run at ``where`` may cover part of ``[start, end)``: always, for a path
    without ``yyyy/mm/dd/hh`` (its summary says); else its path hour within
    :data:`PATH_MARGIN` of the span."""
    match = _HOUR_PATH.search(where + "/")
    if match is None:
        return True
    try:
        y, m, d, h = (int(g) for g in match.groups())
        hour = datetime(y, m, d, h, tzinfo=timezone.utc)
    except ValueError:
        return True
    if start is not None and hour + PATH_MARGIN <= start:
        return False
    return end is None or hour - PATH_MARGIN < end


def _fields(summary: Mapping[str, Any] | None, key: str, name: str) -> Iterator[tuple[str, Any]]:
    """Each entry's ``name`` field in the summary's ``key`` mapping (an untrusted document:
    a part of another shape is skipped)."""
    listed = (summary or {}).get(key)
    if isinstance(listed, dict):
        for entry_name, entry in listed.items():
            yield str(entry_name), entry.get(name) if isinstance(entry, dict) else None


def _digests(summary: Mapping[str, Any] | None) -> dict[str, str]:
    """The run files' SHA-256 its summary lists (anything not a 64-hex-digit digest of a
    run file is ignored)."""
    return {
        name: digest
        for name, digest in _fields(summary, "files", "sha256")
        if name in RUN_FILES and isinstance(digest, str) and _SHA256.fullmatch(digest)
    }


def _check_values(summary: Mapping[str, Any] | None) -> dict[str, float]:
    """The custom checks' values a summary kept (anything not a number is ignored)."""
    return {
        name: float(value)
        for name, value in _fields(summary, "custom_checks", "value")
        if isinstance(value, (int, float)) and not isinstance(value, bool)
    }


def _overlap(run: Run, start: datetime, end: datetime) -> bool:
    return run.start is not None and run.end is not None and run.start < end and start < run.end


def select(source: str, start: datetime | None, end: datetime | None) -> Span:
    """The runs of the span ``[start, end)`` (all runs when neither is given), oldest
    first, and the hours of the span that no run covers. Nothing of the runs is read but
    their summaries."""
    left_out: list[tuple[str, str]] = []
    taken: list[Run] = []
    for run in sorted(find_runs(source, start, end), key=lambda r: (r.start or _LAST, r.location)):
        if run.start is None or run.end is None:
            if start is None and end is None:
                taken.append(run)
            else:
                left_out.append((run.location, "no window: no summary and no yyyy/mm/dd/hh path"))
            continue
        if (end is not None and run.start >= end) or (start is not None and run.end <= start):
            continue  # outside the span
        if (start is not None and run.start < start) or (end is not None and run.end > end):
            left_out.append((run.location, f"its window {run.window()} crosses the span's edge"))
            continue
        why_not = run.incomplete()
        if why_not is not None:
            left_out.append((run.location, why_not))
            continue
        clash = next((t for t in taken if _overlap(t, run.start, run.end)), None)
        if clash is not None:
            why = f"its window {run.window()} overlaps {clash.location}'s"
            left_out.append((run.location, why))
            continue
        taken.append(run)
    dated = [r for r in taken if r.start is not None and r.end is not None]
    lo = start or min((r.start for r in dated if r.start), default=None)
    hi = end or max((r.end for r in dated if r.end), default=None)
    if not taken:
        raise EmptyInputError(
            f"no data-quality monitoring run under {source}"
            + (f" from {_iso(start)}" if start else "")
            + (f" to {_iso(end)}" if end else "")
        )
    span = Span(source, lo, hi, tuple(taken), tuple(left_out))
    return replace(span, missing=span.uncovered())
