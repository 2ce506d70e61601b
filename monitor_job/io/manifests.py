"""Batch-transform capture: the manifests SageMaker writes, resolved to the files they name.

A transform job with ``DataCaptureConfig`` writes manifests, not copies, under
``<destination>/input/`` and ``<destination>/output/``, in the ``yyyy/mm/dd/hh/`` prefix of
the hour the job started (UTC), each named ``<uuid>.json``. A manifest is SageMaker's
ManifestFile: a JSON array whose first element is ``{"prefix": "s3://.../"}`` and whose
others are keys relative to it (``"part-0.csv"``; an output manifest lists
``"part-0.csv.out"``); when the transform's input is one object, the prefix is that
object's whole key and the entry is ``""``. The docs call it JSON Lines: one value per line
is read too.

The window's hour prefixes are listed as capture hours are (nothing outside the window is
listed or read). Each manifest is read with its size bounded, its entries checked as S3
keys, and the objects it names are found by one listing of its prefix (which gives their
sizes for Spark's file index). What cannot be used is counted by reason, not fatal: a
manifest that is not a manifest, a prefix outside S3, an entry that is not a safe key, an
object that is not there.
"""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from monitor_job.errors import EmptyInputError, InputDataError
from monitor_job.io import s3
from monitor_job.io.listing import InputListing, list_input, local_stats, partition_span

log = logging.getLogger("monitor_job")

MAX_MANIFEST_BYTES = 16 << 20  # a manifest of ~500,000 part names
MAX_ENTRIES = 1_000_000
SAMPLES = 5
# Reasons a manifest or a file it names is left out.
NOT_A_MANIFEST = 'manifest is not a JSON array starting with {"prefix": ...}'
TOO_LARGE = f"manifest larger than {MAX_MANIFEST_BYTES} bytes"
OUTSIDE_S3 = "manifest prefix is not an s3:// URI"
OUTSIDE_FOLDER = "manifest prefix is outside the destination's folder"
UNSAFE_ENTRY = "manifest entry is not a safe S3 key"
MISSING = "object named by a manifest is missing"


def _parse(raw: bytes) -> tuple[str, list[str]] | None:
    """(prefix, entries) of a manifest's bytes (a JSON array, or one value per line), or
    None when it is not a manifest."""
    text = raw.decode("utf-8", errors="strict")
    try:
        values = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        try:
            values = [json.loads(line) for line in text.splitlines() if line.strip()]
        except (json.JSONDecodeError, RecursionError):
            return None
    if not isinstance(values, list) or not values or not isinstance(values[0], dict):
        return None
    prefix = values[0].get("prefix")
    entries = values[1:]
    if not isinstance(prefix, str) or not all(isinstance(e, str) for e in entries):
        return None
    if len(entries) > MAX_ENTRIES:
        return None
    return prefix, entries


def _read(uri: str) -> bytes | None:
    """A manifest's bytes, or None when it is larger than :data:`MAX_MANIFEST_BYTES`."""
    if s3.is_s3(uri):
        data = s3.read_bytes(
            uri, "batch-transform manifest", InputDataError, MAX_MANIFEST_BYTES + 1
        )
    else:
        with open(uri, "rb") as handle:
            data = handle.read(MAX_MANIFEST_BYTES + 1)
    return None if len(data) > MAX_MANIFEST_BYTES else data


class _LeftOut:
    """What could not be used, by reason, with a few samples of each."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.samples: list[tuple[str, str]] = []

    def add(self, reason: str, what: str) -> None:
        self.counts[reason] += 1
        if self.counts[reason] <= SAMPLES:
            self.samples.append((reason, what))

    def notes(self) -> tuple[str, ...]:
        return tuple(
            f"batch transform: {n} left out: {reason} (e.g. "
            + ", ".join(repr(w) for r, w in self.samples if r == reason)
            + ")"
            for reason, n in sorted(self.counts.items())
        )


class _Objects:
    """Sizes and times of the objects under manifest prefixes, one listing per prefix."""

    def __init__(self) -> None:
        self.listed: dict[str, dict[str, tuple[int, int]]] = {}

    def stat(self, uri: str) -> tuple[int, int] | None:
        if not s3.is_s3(uri):
            path = uri.removeprefix("file://")
            return local_stats([path])[0] if os.path.isfile(path) else None
        bucket, key = s3.split_uri(uri)
        return self._under(bucket, key.rsplit("/", 1)[0] + "/" if "/" in key else "").get(uri)

    def _under(self, bucket: str, prefix: str) -> dict[str, tuple[int, int]]:
        where = f"{s3.SCHEME}{bucket}/{prefix}"
        if where not in self.listed:
            found: dict[str, tuple[int, int]] = {}

            def run() -> None:
                paginator = s3.client().get_paginator("list_objects_v2")
                for page in paginator.paginate(Bucket=bucket, Prefix=prefix, Delimiter="/"):
                    for obj in page.get("Contents", []):
                        found[f"{s3.SCHEME}{bucket}/{obj['Key']}"] = s3.object_stat(obj)

            s3.guarded(f"batch-transform data {where}", InputDataError, run)
            self.listed[where] = found
        return self.listed[where]


def _inside(path: str, folder: str | None) -> bool:
    """``path`` resolves (symbolic links followed) into ``folder``."""
    if folder is None or "\0" in path:
        return False
    return os.path.realpath(path).startswith(folder + os.sep)


def _files(
    manifest_uri: str, folder: str | None, objects: _Objects, left: _LeftOut
) -> list[tuple[str, str, tuple[int, int]]]:
    """(file, entry, stat) of each object a manifest names that can be read. ``folder``:
    for a local destination, the folder holding it, the only place its manifests may name
    local files in (an untrusted manifest names no other file of this host)."""
    raw = _read(manifest_uri)
    if raw is None:
        left.add(TOO_LARGE, manifest_uri)
        return []
    try:
        parsed = _parse(raw)
    except UnicodeDecodeError:
        parsed = None
    if parsed is None:
        left.add(NOT_A_MANIFEST, manifest_uri)
        return []
    prefix, entries = parsed
    if not s3.is_s3(prefix):
        if folder is None or not prefix.startswith(("/", "file://")):
            left.add(OUTSIDE_S3, f"{manifest_uri}: {prefix[:200]}")
            return []
        if not _inside(prefix.removeprefix("file://"), folder):
            left.add(OUTSIDE_FOLDER, f"{manifest_uri}: {prefix[:200]}")
            return []
    found = []
    for entry in entries:
        uri = prefix + entry
        if entry and s3.unsafe_key(entry) is not None:
            left.add(UNSAFE_ENTRY, f"{manifest_uri}: {entry[:200]}")
            continue
        if s3.is_s3(uri):
            bucket, key = s3.split_uri(uri)
            if not bucket or not key or s3.unsafe_key(key) is not None:
                left.add(UNSAFE_ENTRY, f"{manifest_uri}: {entry[:200]}")
                continue
        elif not _inside(uri.removeprefix("file://"), folder):
            left.add(OUTSIDE_FOLDER, f"{manifest_uri}: {entry[:200]}")
            continue
        stat = objects.stat(uri)
        if stat is None:
            left.add(MISSING, uri)
            continue
        found.append((uri, entry, stat))
    return found


def hour_of(uri: str) -> datetime | None:
    """The start of the hour whose ``yyyy/mm/dd/hh/`` folder holds ``uri``, if one does."""
    span = partition_span(uri.split("/")[:-1])
    if span is None or span[1] - span[0] != timedelta(hours=1):
        return None
    return span[0]


# One manifest's usable objects: (hour, manifest URI, [(file, entry, stat)]).
_Read = tuple[datetime, str, list[tuple[str, str, tuple[int, int]]]]
UNPAIRED_OUTPUT = "output manifest matches no input manifest of its hour"
NO_OUTPUT = "input object without its .out (the transform wrote none for it)"


def _side(
    destination: str,
    side: str,
    start: datetime | None,
    end: datetime | None,
    objects: _Objects,
    left: _LeftOut,
) -> tuple[list[_Read], InputListing]:
    """The window's manifests of ``side``, read, in (hour, manifest) order; and the
    listing of their folders."""
    local = not s3.is_s3(destination)
    root = str(Path(destination) / side) if local else s3.join(destination, side)
    if local and not Path(root).is_dir():
        raise InputDataError(
            f"dataset_source {destination}: no {side}/ folder (a batch-transform capture "
            "destination holds input/ and output/ manifests)"
        )
    found = list_input(root, start, end)
    manifests = sorted((hour, m) for m in found.files if (hour := hour_of(m)) is not None)
    if not manifests:
        where = ", ".join(found.searched[:5]) or root
        raise EmptyInputError(
            f"no batch-transform {side} manifest{found.window()} under {root} "
            f"(hour prefixes read: {where})"
        )
    folder = os.path.realpath(Path(destination).parent) if local else None
    return [(hour, m, _files(m, folder, objects, left)) for hour, m in manifests], found


def _pairs(inputs: list[_Read], outputs: list[_Read], left: _LeftOut) -> list[tuple[str, str]]:
    """Each input object with its ``.out``: the input manifest's output manifest is the one
    of the same hour with the same name, else the one naming most of its ``<entry>.out``."""
    used: set[str] = set()
    pairs: list[tuple[str, str]] = []
    for hour, manifest, files in inputs:
        same_hour = [(m, f) for h, m, f in outputs if h == hour and m not in used]
        name = manifest.rsplit("/", 1)[-1]
        wanted = {entry + ".out" for _, entry, _ in files}
        chosen = next(((m, f) for m, f in same_hour if m.rsplit("/", 1)[-1] == name), None)
        if chosen is None and same_hour:
            best = max(same_hour, key=lambda mf: sum(e in wanted for _, e, _ in mf[1]))
            chosen = best if any(e in wanted for _, e, _ in best[1]) else None
        outs = {} if chosen is None else {entry: uri for uri, entry, _ in chosen[1]}
        if chosen is not None:
            used.add(chosen[0])
        for uri, entry, _ in files:
            out = outs.get(entry + ".out")
            if out is None:
                left.add(NO_OUTPUT, uri)
            else:
                pairs.append((uri, out))
    for _, manifest, _ in outputs:
        if manifest not in used:
            left.add(UNPAIRED_OUTPUT, manifest)
    return pairs


def resolve(
    destination: str, sides: tuple[str, ...], start: datetime | None, end: datetime | None
) -> InputListing:
    """The files that the window's manifests of ``sides`` name, in a stable order (hour,
    manifest, entry). With both sides, the files are the input objects, each paired with
    its output (``paired``). What was left out is in the listing's notes. A window without
    a manifest is an ``EmptyInputError`` naming where it looked."""
    objects, left = _Objects(), _LeftOut()
    read = {side: _side(destination, side, start, end, objects, left) for side in sides}
    found = read[sides[0]][1]
    paired: tuple[str, ...] = ()
    if len(sides) == 1:
        chosen = [(uri, stat) for _, _, files in read[sides[0]][0] for uri, _, stat in files]
    else:
        pairs = _pairs(read["input"][0], read["output"][0], left)
        stat = {uri: st for _, _, files in read["input"][0] for uri, _, st in files}
        chosen = [(i, stat[i]) for i, _ in pairs]
        paired = tuple(o for _, o in pairs)
    counts = ", ".join(f"{len(read[side][0])} {side}" for side in sides)
    notes = (f"batch transform: {counts} manifest(s)", *left.notes())
    for note in notes[1:]:
        log.warning("%s", note)
    return InputListing(
        source=destination,
        files=tuple(uri for uri, _ in chosen),
        searched=tuple(h for side in sides for h in read[side][1].searched),
        pruned=tuple(p for side in sides for p in read[side][1].pruned),
        start=start,
        end=end,
        refused=found.refused,
        stats=tuple(st for _, st in chosen),
        notes=notes,
        paired=paired,
    )
