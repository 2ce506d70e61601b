"""What goes over the wire to the model and back, as Clarify's predictor settings say:
rows of features as a request body (``content_type``, with ``content_template`` and
``record_template`` for JSON), and the answer (``accept_type``) as one row of numbers per
record: the ``probability`` if named, else the ``label``, else the whole answer (a column
index for CSV, a JMESPath for JSON). Numbers are written with ``repr`` so that a model
reads exactly the floats the explainer made."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np

from monitor_job.errors import ModelError
from monitor_job.explainability.config import PredictorConfig


def cells(rows: np.ndarray) -> list[list[str]]:
    """Each value as ``repr`` writes it (JSON writes a finite float the same way). Kernel
    SHAP's synthetic rows hold few distinct values (the record's and the background's), so
    each distinct value is written once."""
    distinct, where = np.unique(rows, return_inverse=True)
    text = np.array([repr(v) for v in distinct.tolist()], dtype=object)
    out: list[list[str]] = text[where.reshape(rows.shape)].tolist()
    return out


def _record(config: PredictorConfig, row: list[str], names: Sequence[str]) -> str:
    template = config.record_template or "$features"
    if "$features_kvp" in template:
        pairs = ", ".join(f"{json.dumps(n)}: {v}" for n, v in zip(names, row, strict=True))
        return template.replace("$features_kvp", "{" + pairs + "}")
    out = template.replace("$feature_names", json.dumps(list(names)))
    out = out.replace("$features", "[" + ", ".join(row) + "]")
    for name, value in zip(names, row, strict=True):
        out = out.replace(f'"${{{name}}}"', value)
    return out


def encode(config: PredictorConfig, rows: np.ndarray, names: Sequence[str]) -> bytes:
    """The request body for ``rows`` (one request; the caller keeps it under the limit)."""
    values = cells(rows)
    if config.content_type == "text/csv":
        return "\n".join(map(",".join, values)).encode()
    template = config.content_template or "$features"
    if config.content_type == "application/jsonlines":
        return "\n".join(
            template.replace("$features", "[" + ", ".join(r) + "]") for r in values
        ).encode()
    records = [_record(config, r, names) for r in values]
    if "$records" in template:
        return template.replace("$records", "[" + ",".join(records) + "]").encode()
    (single,) = records  # $record: the caller sends one row per request
    return template.replace("$record", single).encode()


def one_row_per_request(config: PredictorConfig) -> bool:
    template = config.content_template or ""
    return config.content_type == "application/json" and "$records" not in template


def _numbers(value: Any, where: str) -> list[float]:
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (int, float, str)):
            raise ModelError(f"{where}: {json.dumps(item)[:200]} is not a number")
        try:
            out.append(float(item))
        except ValueError:
            raise ModelError(f"{where}: {str(item)[:200]!r} is not a number") from None
    if not out:
        raise ModelError(f"{where}: an empty answer")
    return out


def _search(path: str | int, value: Any) -> Any:
    import jmespath

    if isinstance(path, int):
        return value[path] if isinstance(value, list) and -len(value) <= path < len(value) else None
    return jmespath.search(path, value)


def _csv_numbers(text: str, rows: int, selector: str | int | None) -> np.ndarray | None:
    """A well-formed CSV answer read by NumPy at C speed (None: read it the careful way,
    which names what is wrong)."""
    lines = text.splitlines()
    width = lines[0].count(",") + 1 if lines else 0
    if len(lines) != rows or '"' in text or any(line.count(",") != width - 1 for line in lines):
        return None
    if isinstance(selector, int) and not -width <= selector < width:
        return None
    try:
        values = np.array(",".join(lines).split(","), dtype=float).reshape(rows, width)
    except ValueError:
        return None
    if isinstance(selector, int):
        values = values[:, [selector]]
    return values if np.isfinite(values).all() else None


def decode(config: PredictorConfig, body: bytes, rows: int) -> np.ndarray:
    """The answer as a (rows, outputs) array; a wrong shape is a ``ModelError`` quoting it."""
    text = body.decode("utf-8", "replace").strip()
    selector = config.selector
    try:
        if config.accept_type == "text/csv":
            fast = _csv_numbers(text, rows, selector)
            if fast is not None:
                return fast
            lines = [line for line in text.splitlines() if line.strip()]
            if len(lines) == 1 and rows > 1 and "," in lines[0] and selector is None:
                lines = lines[0].split(",")  # one value per record on one line
            records: list[Any] = []
            for line in lines:
                cells = [c.strip().strip('"') for c in line.split(",")]
                if isinstance(selector, int):
                    if not -len(cells) <= selector < len(cells):
                        raise ModelError(f"answer {line[:200]!r} has no column {selector}")
                    cells = [cells[selector]]
                records.append(cells)
        elif config.accept_type == "application/jsonlines":
            records = [json.loads(line) for line in text.splitlines() if line.strip()]
            if selector is not None:
                records = [_search(selector, r) for r in records]
        else:
            document = json.loads(text)
            found = _search(selector, document) if selector is not None else document
            # $record: the answer is the one record's; $records: a list, one per record.
            records = [found] if one_row_per_request(config) else found
            if not isinstance(records, list):
                raise ModelError(
                    f"answer {text[:200]!r} is not a list of {rows} record(s)"
                    + ("" if selector is None else f" at {selector!r}")
                )
    except json.JSONDecodeError as err:
        raise ModelError(f"answer is not {config.accept_type}: {text[:200]!r} ({err})") from None
    if len(records) != rows:
        raise ModelError(f"answered {len(records)} row(s) for {rows} record(s): {text[:200]!r}")
    values = [_numbers(r, f"answer {text[:120]!r}") for r in records]
    width = len(values[0])
    if any(len(v) != width for v in values):
        raise ModelError(f"answer rows differ in length: {text[:200]!r}")
    out = np.asarray(values, dtype=float)
    if not np.isfinite(out).all():
        raise ModelError(f"answer holds a value that is not finite: {text[:200]!r}")
    return out
