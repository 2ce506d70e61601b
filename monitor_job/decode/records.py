"""The record object handed to a user's ``preprocess_handler``.

Two attribute dialects exist in public scripts and both work: the current one
(``record.endpoint_input.data``, ``record.event_metadata.event_id``) and the 2019 SDK
one (``record.event_data.endpointInput.data``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


class EventData:
    """One capture side (``endpointInput`` / ``endpointOutput`` / ``groundTruthData``)."""

    def __init__(self, raw: Mapping[str, Any] | None) -> None:
        raw = raw or {}
        self._raw = dict(raw)
        self.data: Any = raw.get("data")
        self.encoding: Any = raw.get("encoding")
        self.observed_content_type: Any = raw.get("observedContentType")
        self.observedContentType: Any = self.observed_content_type
        self.mode: Any = raw.get("mode")

    def as_dict(self) -> dict[str, Any]:
        return dict(self._raw)

    def __repr__(self) -> str:
        return f"EventData({self._raw!r})"


class EventMetadata:
    def __init__(self, raw: Mapping[str, Any] | None) -> None:
        raw = raw or {}
        self.event_id: Any = raw.get("eventId")
        self.inference_id: Any = raw.get("inferenceId")
        self.inference_time: Any = raw.get("inferenceTime")
        self.event_time: Any = self.inference_time
        self.custom_attributes: Any = raw.get("customAttributes")
        self.custom_attribute: Any = self.custom_attributes


class _LegacyEventData:
    """``record.event_data.endpointInput.data``: the 2019 SDK test script's dialect."""

    def __init__(self, capture: Mapping[str, Any]) -> None:
        self.endpointInput = EventData(capture.get("endpointInput"))
        self.endpointOutput = EventData(capture.get("endpointOutput"))


class InferenceRecord:
    """A capture record as both dialects of ``preprocess_handler`` expect it."""

    def __init__(self, record: Mapping[str, Any]) -> None:
        capture = record.get("captureData") or {}
        self.event_dict = dict(record)
        self.endpoint_input = EventData(capture.get("endpointInput"))
        self.endpoint_output = EventData(capture.get("endpointOutput"))
        self.batch_transform_output = EventData(capture.get("batchTransformOutput"))
        self.ground_truth = EventData(record.get("groundTruthData"))
        self.event_metadata = EventMetadata(record.get("eventMetadata"))
        self.event_version = record.get("eventVersion")
        self.event_data = _LegacyEventData(capture)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.event_dict)

    def __str__(self) -> str:
        return json.dumps(self.event_dict)
