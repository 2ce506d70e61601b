"""Clarify's JSON Lines datasets (``dataset_type: "application/jsonlines"``): each line a
JSON object; ``features`` is a JMESPath to the list of feature values in it, ``label`` and
``predicted_label`` JMESPaths to the label and the prediction.

The expressions are read by :mod:`monitor_job.decode.jmespaths` (Spark JSON paths, no
Python per record).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from monitor_job.decode.jmespaths import json_path
from monitor_job.errors import ConfigError

JSONLINES = "application/jsonlines"
DATASET_TYPES = ("text/csv", JSONLINES)


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
            json_path(str(doc[key]), f"analysis_config: {key}")
    return kind, features
