"""JMESPaths into JSON text, read by Spark: the ones of names, dots and ``[n]`` indexes
(``features``, ``data.features``, ``instances[0].features``) are parsed by the ``jmespath``
library and become Spark JSON paths, so no Python runs per record. Other expressions
(filters, projections, functions) are refused with the expression named. Used by Clarify's
JSON Lines datasets and by ``features_attribute`` on captured requests."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from monitor_job.errors import ConfigError

if TYPE_CHECKING:
    from pyspark.sql import Column

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def json_path(expression: str, key: str) -> str:
    """The Spark JSON path (``$.a[0].b``) of a JMESPath of names, dots and indexes."""
    return "$" + _walk(_parsed(expression, key), expression, key)


def _parsed(expression: str, key: str) -> dict[str, Any]:
    import jmespath
    from jmespath.exceptions import JMESPathError

    try:
        return dict(jmespath.compile(expression).parsed)
    except JMESPathError as err:
        raise ConfigError(f"{key} is not a JMESPath expression: {expression!r} ({err})") from err


def _walk(tree: dict[str, Any], expression: str, key: str) -> str:
    def walk(node: dict[str, Any]) -> str:
        kind = node["type"]
        if kind == "field":
            name = str(node["value"])
            if _NAME.match(name):
                return f".{name}"
            if "'" in name or "]" in name:
                raise ConfigError(f"{key}: the key {name!r} cannot be read")
            return f"['{name}']"
        if kind == "subexpression":
            return "".join(walk(child) for child in node["children"])
        if kind == "index_expression":
            return "".join(walk(child) for child in node["children"])
        if kind == "index" and isinstance(node["value"], int) and node["value"] >= 0:
            return f"[{node['value']}]"
        raise ConfigError(
            f"{key} {expression!r}: this job reads JMESPaths of names, dots "
            f"and [n] indexes (such as data.features or instances[0].features), not {kind}"
        )

    return walk(tree)


def row_path(expression: str, key: str, rows_at: str | None) -> str:
    """The Spark JSON path within one row of a JMESPath over a whole batch of rows
    (``predictions[*].score``: ``$.score`` of each row of ``predictions``; ``[*].score``
    for a top-level list); an expression without ``[*]`` is already within one row.
    ``rows_at``: the key holding the rows, None for a top-level list."""
    tree = _parsed(expression, key)
    if tree["type"] != "projection":
        return json_path(expression, key)
    left, right = tree["children"]
    over = left.get("value") if left["type"] == "field" else None
    if left["type"] not in ("field", "identity") or over != rows_at:
        where = f"{rows_at}[*]" if rows_at else "[*] (a top-level list)"
        raise ConfigError(f"{key} {expression!r}: the rows are at {where}")
    return "$" + ("" if right["type"] == "identity" else _walk(right, expression, key))


def value(line: Column, expression: str, key: str) -> Column:
    """The text at ``expression`` in each JSON line (a number as its JSON text)."""
    from pyspark.sql import functions as F

    return F.get_json_object(line, json_path(expression, key))


def values(line: Column, expression: str, key: str) -> Column:
    """The list at ``expression`` in each JSON line, as strings; null when not a list."""
    from pyspark.sql import functions as F

    return F.from_json(value(line, expression, key), "array<string>")
