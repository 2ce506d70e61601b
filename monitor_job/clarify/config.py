"""Clarify's ``analysis_config.json``: read once from a local path or ``s3://``, and the
value shapes every Clarify analysis uses (a column by name or 0-based index, a non-empty
list of values). A bad file or value is a ``ConfigError`` naming it, before Spark starts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from monitor_job.errors import ConfigError

Value = str | float


def read_config_text(path: str, what: str) -> str:
    """The text of ``analysis_config.json`` or a file it names (local or ``s3://``);
    unreadable is a ``ConfigError`` naming ``what``."""
    from monitor_job.io.s3 import is_s3, read_bytes

    try:
        if is_s3(path):
            return read_bytes(path, what, ConfigError).decode("utf-8", "replace")
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"cannot read {what} {path}: {err}") from err


def read_document(path: str) -> Any:
    """The parsed JSON of the file; unreadable or invalid is a ``ConfigError``."""
    text = read_config_text(path, "analysis_config")
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise ConfigError(f"analysis_config {path} is not valid JSON: {err}") from err


def column_name(value: object, key: str) -> str:
    """A column named, or a 0-based position as text."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ConfigError(f"analysis_config: {key} must be a column name or index, got {value!r}")
    return str(value)


def value_list(raw: object, key: str) -> tuple[Value, ...]:
    """A non-empty list of strings and numbers (numbers as floats)."""
    if not isinstance(raw, list) or not raw:
        raise ConfigError(f"analysis_config: {key} must be a non-empty list, got {raw!r}")
    out: list[Value] = []
    for item in raw:
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            raise ConfigError(f"analysis_config: {key} holds {item!r}: a string or a number")
        out.append(item if isinstance(item, str) else float(item))
    return tuple(out)


def headers(doc: Any) -> tuple[str, ...] | None:
    """``headers``: the dataset's column names, when it has no header row."""
    raw = doc.get("headers")
    if raw is not None and (not isinstance(raw, list) or not all(isinstance(h, str) for h in raw)):
        raise ConfigError("analysis_config: headers must be a list of column names")
    return tuple(raw) if raw else None
