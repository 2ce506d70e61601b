"""Clarify's JSON Lines datasets (``dataset_type: "application/jsonlines"``): each line a
JSON object; ``features`` is a JMESPath to the list of feature values in it, ``label`` and
``predicted_label`` JMESPaths to the label and the prediction.

The expressions are parsed by the ``jmespath`` library; the ones a dataset uses (names,
dots and ``[n]`` indexes: ``features``, ``data.features``, ``instances[0].features``)
become Spark JSON paths, so no Python runs per record. Other expressions (filters,
projections, functions) are refused with the expression named.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from monitor_job.errors import ConfigError

if TYPE_CHECKING:
    from pyspark.sql import Column

JSONLINES = "application/jsonlines"
DATASET_TYPES = ("text/csv", JSONLINES)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def json_path(expression: str, key: str) -> str:
    """The Spark JSON path (``$.a[0].b``) of a JMESPath of names, dots and indexes."""
    import jmespath
    from jmespath.exceptions import JMESPathError

    try:
        tree = jmespath.compile(expression).parsed
    except JMESPathError as err:
        raise ConfigError(
            f"analysis_config: {key} is not a JMESPath expression: {expression!r} ({err})"
        ) from err

    def walk(node: dict[str, Any]) -> str:
        kind = node["type"]
        if kind == "field":
            name = str(node["value"])
            if _NAME.match(name):
                return f".{name}"
            if "'" in name or "]" in name:
                raise ConfigError(f"analysis_config: {key}: the key {name!r} cannot be read")
            return f"['{name}']"
        if kind == "subexpression":
            return "".join(walk(child) for child in node["children"])
        if kind == "index_expression":
            return "".join(walk(child) for child in node["children"])
        if kind == "index" and isinstance(node["value"], int) and node["value"] >= 0:
            return f"[{node['value']}]"
        raise ConfigError(
            f"analysis_config: {key} {expression!r}: this job reads JMESPaths of names, dots "
            f"and [n] indexes (such as data.features or instances[0].features), not {kind}"
        )

    return "$" + walk(tree)


def dataset_type(doc: Mapping[str, Any], paths: tuple[str, ...]) -> tuple[str, str | None]:
    """The analysis config's ``dataset_type`` and, for JSON Lines, its ``features``
    JMESPath; every key of ``paths`` the config gives is checked to be one this job reads."""
    kind = doc.get("dataset_type", "text/csv")
    if kind not in DATASET_TYPES:
        raise ConfigError(
            f"analysis_config: dataset_type must be one of {list(DATASET_TYPES)}; got {kind!r}"
        )
    if kind != JSONLINES:
        return kind, None
    features = doc.get("features")
    if not isinstance(features, str):
        raise ConfigError(
            "analysis_config: a JSON Lines dataset needs features (a JMESPath to the list of "
            "feature values in each line)"
        )
    for key in ("features", *paths):
        if doc.get(key) is not None:
            json_path(str(doc[key]), key)
    return kind, features


def value(line: Column, expression: str, key: str) -> Column:
    """The text at ``expression`` in each JSON line (a number as its JSON text)."""
    from pyspark.sql import functions as F

    return F.get_json_object(line, json_path(expression, key))


def values(line: Column, expression: str, key: str) -> Column:
    """The list at ``expression`` in each JSON line, as strings; null when not a list."""
    from pyspark.sql import functions as F

    return F.from_json(value(line, expression, key), "array<string>")
