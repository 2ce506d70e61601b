"""Flatten JSON capture payloads: nested objects become ``parent.child`` columns.

Output fields come first (prefixed ``output.``), then input fields (``input.``). Lists of
scalars become ``name.0``, ``name.1``, ... A ``{"instances": [...]}``-style batch becomes
one row per instance (the output batch is paired element by element).
"""

from __future__ import annotations

import json
from typing import Any


def _flatten(value: Any, prefix: str, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(item, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _flatten(item, f"{prefix}.{i}" if prefix else str(i), out)
    else:
        out[prefix] = value


def _rows(payload: Any) -> list[Any]:
    if isinstance(payload, dict) and len(payload) == 1:
        (only,) = payload.values()
        if isinstance(only, list):
            return only
    return (
        payload
        if isinstance(payload, list) and payload and isinstance(payload[0], dict)
        else [payload]
    )


def preprocess_handler(inference_record: Any) -> list[dict[str, Any]]:
    outputs = _rows(json.loads(inference_record.endpoint_output.data))
    inputs = _rows(json.loads(inference_record.endpoint_input.data))
    rows = []
    for out, inp in zip(outputs, inputs, strict=False):
        row: dict[str, Any] = {}
        _flatten(out, "output", row)
        _flatten(inp, "input", row)
        rows.append(row)
    return rows
