"""List input files, pruning capture hour directories outside the analysis window.

Capture data sits under ``<endpoint>/<variant>/yyyy/mm/dd/hh/*.jsonl``. An hour directory
``hh`` holds ``[hh:00, hh+1:00)``; it is read only when that interval meets the window
``[start, end)``. ``inferenceTime`` still decides membership record by record: the
directory is only a pruning hint.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from monitor_job.errors import InputDataError
from monitor_job.io.s3 import is_s3, list_s3

log = logging.getLogger("monitor_job")

_PART = re.compile(r"^\d{1,4}$")
_SKIP_NAMES = ("_SUCCESS", ".crc")

# Size and modification time (ms) of each file the listings found, by path: Spark's file
# index is built from them (runtime/files.py) instead of checking and listing every path
# again. Replaced entry by entry as listings come; emptied past a million paths.
_STATS: dict[str, tuple[int, int]] = {}
_STATS_CAP = 1 << 20


def listed_stats(files: tuple[str, ...]) -> tuple[tuple[int, int], ...] | None:
    """What the listings said of each of ``files``, or None if one was not listed."""
    try:
        return tuple(_STATS[f] for f in files)
    except KeyError:
        return None


def local_stats(files: list[str]) -> tuple[tuple[int, int], ...]:
    """(size, modification time in ms) of local files."""
    found = []
    for name in files:
        info = os.stat(name)
        found.append((info.st_size, info.st_mtime_ns // 1_000_000))
    return tuple(found)


@dataclass(frozen=True)
class InputListing:
    """What was found under ``dataset_source``: files to read and what was searched."""

    source: str
    files: tuple[str, ...]
    searched: tuple[str, ...] = field(default_factory=tuple)
    pruned: tuple[str, ...] = field(default_factory=tuple)
    start: datetime | None = None
    end: datetime | None = None
    # Listed, but deleted or expired before they were read (S3 staging): skipped, reported.
    gone: tuple[str, ...] = field(default_factory=tuple)
    # Listed, but refused by name (:func:`~monitor_job.io.s3.unsafe_key`): (URI, reason).
    refused: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    # (size, modification time in ms) of each of ``files``, when the listing had them.
    stats: tuple[tuple[int, int], ...] = field(default_factory=tuple)
    # What the listing has to say in the run's notes (a batch transform's manifests).
    notes: tuple[str, ...] = field(default_factory=tuple)
    # A batch transform's output of each of ``files`` (its input objects), when both
    # sides are read: line i of one is the model's answer to line i of the other.
    paired: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.stats and len(self.stats) == len(self.files):
            if len(_STATS) + len(self.files) > _STATS_CAP:
                _STATS.clear()
            _STATS.update(zip(self.files, self.stats, strict=True))

    def window(self) -> str:
        """`` in window [start, end)`` (ISO, Z) when a window was asked for, else ``""``."""
        if not (self.start or self.end):
            return ""

        def iso(value: datetime | None) -> str:
            return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else "-"

        return f" in window [{iso(self.start)}, {iso(self.end)})"

    def describe(self) -> str:
        refused = f", {len(self.refused)} object(s) refused" if self.refused else ""
        return (
            f"{len(self.files)} file(s) under {self.source} "
            f"({len(self.searched)} hour prefix(es) read, {len(self.pruned)} pruned{refused})"
        )

    def refusals(self) -> str:
        """The refused objects by name (``repr``: a key may hold any character), at most
        five, for a run's notes."""
        shown = "; ".join(f"{uri!r}: {why}" for uri, why in self.refused[:5])
        more = f"; and {len(self.refused) - 5} more" if len(self.refused) > 5 else ""
        return f"{len(self.refused)} object(s) refused by key, not read: {shown}{more}"


def partition_span(parts: list[str]) -> tuple[datetime, datetime] | None:
    """Span covered by a trailing yyyy/mm/dd[/hh] path, or None when it is not one."""
    for depth, unit in ((4, timedelta(hours=1)), (3, timedelta(days=1))):
        if len(parts) < depth:
            continue
        tail = parts[-depth:]
        if not all(_PART.match(p) for p in tail) or len(tail[0]) != 4:
            continue
        try:
            nums = [int(p) for p in tail] + [0] * (4 - depth)
            start = datetime(nums[0], nums[1], nums[2], nums[3], tzinfo=timezone.utc)
        except ValueError:
            return None
        return start, start + unit
    return None


def _wanted(name: str) -> bool:
    return not name.startswith((".", "_")) and not name.endswith(_SKIP_NAMES)


def list_input(
    source: str, start: datetime | None = None, end: datetime | None = None
) -> InputListing:
    """Walk a local file or directory, or an ``s3://`` prefix; prune partition directories
    outside ``[start, end)``."""
    if is_s3(source):
        found, stats, hours, skipped, refused = list_s3(source, start, end, partition_span, _wanted)
        for uri, why in refused:
            log.warning("input object refused, not read: %r: %s", uri, why)
        return InputListing(
            source,
            tuple(found),
            tuple(hours),
            tuple(skipped),
            start,
            end,
            refused=tuple(refused),
            stats=tuple(stats),
        )
    root = Path(source)
    # Files as absolute paths: Spark's JVM resolves a relative one against its own working
    # directory, which need not be this process's (a session started elsewhere, a cluster).
    if root.is_file():
        single = [str(root.absolute())]
        return InputListing(source, tuple(single), start=start, end=end, stats=local_stats(single))
    if not root.is_dir():
        raise InputDataError(f"dataset_source {source} does not exist or is not readable")
    files: list[str] = []
    searched: list[str] = []
    pruned: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel = Path(dirpath).relative_to(root).parts
        span = partition_span(list(rel))
        if span is not None and (start or end):
            lo, hi = span
            if (end is not None and lo >= end) or (start is not None and hi <= start):
                pruned.append(dirpath)
                dirnames.clear()
                continue
        if span is not None and span[1] - span[0] == timedelta(hours=1):
            searched.append(dirpath)
        dirnames.sort()
        files.extend(
            os.path.abspath(os.path.join(dirpath, f)) for f in sorted(filenames) if _wanted(f)
        )
    return InputListing(
        source=source,
        files=tuple(files),
        searched=tuple(searched),
        pruned=tuple(pruned),
        start=start,
        end=end,
        stats=local_stats(files),
    )
