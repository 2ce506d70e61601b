"""Infer, from a few sample payloads, how one capture side turns into rows and columns.

Pure Python on a handful of records on the driver; the per-record work is Spark SQL
(see :mod:`monitor_job.decode.capture`). Supported payload shapes:

* CSV: one or more newline-separated rows of comma-separated values (positional).
* JSON object of scalars: one row, columns named by key (key order kept). A key whose
  value is a list of scalars expands to that many positional columns.
* JSON list of objects/lists, or a single-key batch wrapper (``{"instances": [...]}``):
  one row per element; scalar elements are one-value rows.
* JSON list of scalars (top level): one positional row (a feature vector).
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

SCALAR = (str, int, float, bool, type(None))


@dataclass(frozen=True)
class ObjectKey:
    name: str
    list_length: int = 0  # >0: the value is a list expanded to this many positional columns


@dataclass(frozen=True)
class SideLayout:
    """How one side (endpointInput or endpointOutput) decodes."""

    kind: str  # "csv" | "json"
    width: int
    names: tuple[str | None, ...]
    shape: str = "rows"  # json: "object" | "vector" | "elements" | "scalar" (model quality)
    batch_key: str | None = None  # json "elements": wrapper key, or None for a top-level list
    element: str = ""  # json "elements": "object" | "list" | "scalar"
    keys: tuple[ObjectKey, ...] = ()


def payload_text(side: Mapping[str, Any]) -> str | None:
    """Decoded payload text of a capture side, or None when it cannot be decoded."""
    data = side.get("data")
    encoding = str(side.get("encoding", "")).upper()
    if not isinstance(data, str):
        return None
    if encoding == "BASE64":
        try:
            return base64.b64decode(data, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
    if encoding in ("CSV", "JSON"):
        return data
    return None


def payload_kind(side: Mapping[str, Any]) -> str:
    encoding = str(side.get("encoding", "")).upper()
    if encoding == "JSON":
        return "json"
    if encoding == "BASE64" and "json" in str(side.get("observedContentType") or "").lower():
        return "json"
    return "csv"


def _object_keys(obj: Mapping[str, Any]) -> tuple[ObjectKey, ...] | None:
    keys: list[ObjectKey] = []
    for key, value in obj.items():
        if isinstance(value, list) and all(isinstance(v, SCALAR) for v in value):
            keys.append(ObjectKey(str(key), max(len(value), 1)))
        elif isinstance(value, SCALAR):
            keys.append(ObjectKey(str(key)))
        else:
            return None  # nested objects are not tabular: needs a preprocess_handler
    return tuple(keys)


def _names_for_keys(keys: Iterable[ObjectKey]) -> tuple[str | None, ...]:
    names: list[str | None] = []
    for key in keys:
        names.extend([None] * key.list_length if key.list_length else [key.name])
    return tuple(names)


# A one-key object under this key holding values is one row of features (Clarify's
# FeaturesAttribute, ``{"features": [...]}``), not a batch of one-value rows.
FEATURES_KEY = "features"


def _features(value: Mapping[str, Any]) -> bool:
    items = value.get(FEATURES_KEY)
    return isinstance(items, list) and all(isinstance(v, SCALAR) for v in items)


def json_layout(value: Any) -> SideLayout | None:
    """Layout of one parsed JSON payload, or None when it is not tabular."""
    batch_key = None
    elements: Any = None
    if isinstance(value, dict):
        if (
            len(value) == 1
            and isinstance(next(iter(value.values())), list)
            and not _features(value)
        ):
            batch_key, elements = next(iter(value.items()))
        else:
            keys = _object_keys(value)
            if keys is None:
                return None
            names = _names_for_keys(keys)
            return SideLayout("json", len(names), names, shape="object", keys=keys)
    elif isinstance(value, list):
        if all(isinstance(v, SCALAR) for v in value):
            return SideLayout("json", len(value), (None,) * len(value), shape="vector")
        elements = value
    else:
        return None
    if not elements:
        return None
    first = elements[0]
    if isinstance(first, dict):
        keys = _object_keys(first)
        if keys is None:
            return None
        names = _names_for_keys(keys)
        return SideLayout(
            "json", len(names), names, "elements", batch_key, element="object", keys=keys
        )
    if isinstance(first, list):
        return SideLayout("json", len(first), (None,) * len(first), "elements", batch_key, "list")
    return SideLayout("json", 1, (None,), "elements", batch_key, "scalar")


def csv_layout(text: str) -> SideLayout | None:
    """The width of a CSV payload's first row, quoted fields read as the decoder reads them
    (RFC 4180; spaces before a quote allowed)."""
    try:
        rows = [r for r in csv.reader(io.StringIO(text), skipinitialspace=True) if r]
    except csv.Error:
        return None
    if not rows:
        return None
    width = len(rows[0])
    return SideLayout("csv", width, (None,) * width)


def side_layout(side: Mapping[str, Any]) -> SideLayout | None:
    text = payload_text(side)
    if text is None:
        return None
    if payload_kind(side) == "csv":
        return csv_layout(text)
    try:
        return json_layout(json.loads(text))
    except json.JSONDecodeError:
        return None


def infer_layouts(lines: Iterable[str], indices: tuple[str, ...]) -> dict[str, SideLayout]:
    """First decodable layout per capture side among the sample lines."""
    found: dict[str, SideLayout] = {}
    for line in lines:
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        capture = record.get("captureData") if isinstance(record, dict) else None
        if not isinstance(capture, dict):
            continue
        for index in indices:
            if index in found or not isinstance(capture.get(index), dict):
                continue
            layout = side_layout(capture[index])
            if layout is not None:
                found[index] = layout
        if len(found) == len(indices):
            break
    return found


def column_names(layouts: Iterable[SideLayout]) -> tuple[str, ...]:
    """Named keys keep their names; positional columns are ``_c<global position>``."""
    names: list[str] = []
    for layout in layouts:
        for name in layout.names:
            names.append(name if name is not None else f"_c{len(names)}")
    return tuple(names)
