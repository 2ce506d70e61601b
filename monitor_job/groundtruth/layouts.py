"""The layouts of captured payloads, from the first lines: the endpoint's output, its
input, the ground truth; or the features list a JMESPath finds in each request."""

from __future__ import annotations

import json

from monitor_job.decode import jmespaths
from monitor_job.decode.layout import SideLayout, payload_kind, payload_text, side_layout
from monitor_job.errors import ConfigError


def sample_layout(lines: list[str], pick: str) -> SideLayout | None:
    """Layout of the first decodable payload at ``pick`` (``endpointInput``,
    ``endpointOutput`` or ``groundTruthData``) among the sampled capture lines."""
    for line in lines:
        try:
            record = json.loads(line)
        except (json.JSONDecodeError, TypeError):
            continue
        if not isinstance(record, dict):
            continue
        side = record.get(pick) if pick == "groundTruthData" else None
        if pick != "groundTruthData" and isinstance(record.get("captureData"), dict):
            side = record["captureData"].get(pick)
        if isinstance(side, dict):
            layout = side_layout(side) or _scalar_layout(side)
            if layout is not None:
                return layout
    return None


def features_layout(lines: list[str], expression: str) -> SideLayout | None:
    """The width of the features list at ``expression`` (``features_attribute``, a
    JMESPath) in the first captured JSON request that has one: one row per request."""
    import jmespath

    jmespaths.json_path(expression, "features_attribute")  # one this job reads
    for line in lines:
        try:
            side = json.loads(line)["captureData"]["endpointInput"]
            found = jmespath.search(expression, json.loads(payload_text(side) or "null"))
        except (json.JSONDecodeError, TypeError, KeyError):
            continue
        if isinstance(found, list) and found:
            return SideLayout("json", len(found), (None,) * len(found), shape="vector")
    return None


def _scalar_layout(side: dict[str, object]) -> SideLayout | None:
    """A JSON payload that is one scalar (``"0.73"``, ``"\"cat\""``): one row, one value."""
    text = payload_text(side)
    if text is None or payload_kind(side) != "json":
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return None
    if isinstance(value, (dict, list)):
        return None
    return SideLayout("json", 1, (None,), shape="scalar")


def row_attribute(attribute: str | None, layout: SideLayout, key: str) -> str | None:
    """An attribute over a JSON batch of rows (``predictions[*].score``) as the path within
    each row (``$.score``); others as they are."""
    if attribute is None or layout.kind != "json" or "[*]" not in attribute:
        return attribute
    if layout.shape != "elements":
        raise ConfigError(f"{key} {attribute!r}: the model's answers are not lists of rows")
    return jmespaths.row_path(attribute, key, layout.batch_key)
